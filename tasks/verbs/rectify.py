"""整改: a supervisor answers a bad rating with a follow-up task for the same holder (also
the bad rating card's 整改 button, see flows)."""

from dataclasses import dataclass

from tasks.core.authority import ADMIN, LEADER, SUPERVISOR, Action
from tasks.core.context import Context
from tasks.language.grammar import Command, reason, ref_with_deadline
from tasks.lifecycle import transitions
from tasks.verbs.record import Said, Verb, load_task

RECTIFY = Action("rectify", "整改", (SUPERVISOR, LEADER, ADMIN))


@dataclass(frozen=True)
class RectifyTask(Command):
    """整改 #n [期限] [说明]: a supervisor answers a bad rating with a follow-up task."""

    number: int
    deadline_text: str | None
    note: str


def _parse(said: Said) -> RectifyTask:
    number, deadline, remainder = ref_with_deadline(said.rest)
    return RectifyTask(number, deadline, reason(remainder))


def _handle(ctx: Context, command: RectifyTask) -> None:
    transitions.rectify(ctx, load_task(ctx, command.number), command.deadline_text,
                        command.note)


VERBS = (
    Verb(
        "整改", 160, "对差评任务安排整改，另建整改任务", "整改 #12 3个工作日内 按规范重新核对数据",
        aliases=("安排整改", "责令整改"),
        usage="整改 #编号 [期限] [说明]",
        examples=("整改 #12 3个工作日内 按规范重新核对数据", "整改 #12 本周五前"),
        notes=("说明：为原承办人新建一项「整改：原标题（#12）」任务，须重新接办；"
               "不写期限时按原任务类型的办理时限计算。也可点差评卡片上的「整改」按钮；"
               "要原承办人重新办理原任务请用「重办 #12 期限 说明」。",),
        command=RectifyTask, parse=_parse, handle=_handle, action=RECTIFY,
    ),
)
