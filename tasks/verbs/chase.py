"""催办: the requester, a supervisor or a leader presses the holder; the holder gets a 催办
card, and whoever chased hears the holder's answer."""

from dataclasses import dataclass

from tasks.core.authority import ADMIN, LEADER, REQUESTER, SUPERVISOR, Action
from tasks.core.context import Context
from tasks.language.grammar import SEPARATORS, Command, task_ref
from tasks.lifecycle import transitions
from tasks.verbs.record import Said, Verb, load_task

CHASE = Action("chase", "催办", (REQUESTER, SUPERVISOR, LEADER, ADMIN))


@dataclass(frozen=True)
class ChaseTask(Command):
    """催办 #n [附言]."""

    number: int
    note: str


def _parse(said: Said) -> ChaseTask:
    number, tail = task_ref(said.rest)
    return ChaseTask(number, tail.strip(SEPARATORS))


def _handle(ctx: Context, command: ChaseTask) -> None:
    transitions.chase(ctx, load_task(ctx, command.number), command.note)


VERBS = (
    Verb(
        "催办", 100, "督促承办人尽快办理", "催办 #12", aliases=("督办",),
        usage="催办 #编号 [附言]",
        examples=("催办 #12", "督办 #12 请今天下班前报送"),
        notes=("说明：承办人会立即收到提醒，回复后会告诉你。提请人可以催办自己提请的任务。",),
        command=ChaseTask, parse=_parse, handle=_handle, action=CHASE,
    ),
)
