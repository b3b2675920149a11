"""值班: who is on duty now (带班, 值班 and 候班)."""

from dataclasses import dataclass

from tasks.core.context import Context
from tasks.language.grammar import Command
from tasks.routing import duty
from tasks.verbs.record import Verb


@dataclass(frozen=True)
class ShowDuty(Command):
    """值班."""


def _handle(ctx: Context, command: ShowDuty) -> None:
    duty.show_duty(ctx)


VERBS = (
    Verb(
        "值班", 220, "查看现在谁在值班", "值班",
        aliases=("谁值班", "今日值班", "今天值班", "值班表"),
        usage="值班", who="所有人。",
        examples=("值班", "谁值班"),
        notes=("说明：显示现在的带班、值班和候班人员。",),
        command=ShowDuty, parse=lambda said: ShowDuty(), handle=_handle,
        follows_show=True, stands_alone=lambda command, vocabulary: True,
    ),
)
