"""收到 / 好的 / 明白 / 马上办 / 在办: an acknowledgement, never an acceptance.

People answer a new task the way they answer a colleague. Taking that as 接办 would accept
work on a guess (`好的` may mean "seen", not "I take it"), so an acknowledgement answers with
the tasks still waiting for the writer's 接办, each with its button; only a press or an
explicit `接办 #n` accepts.
"""

import re
from dataclasses import dataclass

from sqlalchemy import select

from tasks.core.context import Context
from tasks.language.grammar import SEPARATORS, Command, task_ref
from tasks.messaging.outbox import queue_card
from tasks.models import Card, Task, TaskOffer
from tasks.presentation import cards, replies
from tasks.verbs.record import Said, Verb

ACKNOWLEDGEMENTS = ("收到", "好的", "明白", "马上办", "在办", "知道了", "了解", "好嘞", "好滴")
_MOST_SHOWN = 5


@dataclass(frozen=True)
class Acknowledge(Command):
    """收到 [#n]: `number` is the task the writer named, if any."""

    number: int | None = None


def _parse(said: Said) -> Acknowledge:
    rest = said.rest.strip(SEPARATORS)
    if rest and re.match(r"[#＃0-9]|任务|第", rest):
        try:
            number, _ = task_ref(rest)
            return Acknowledge(number)
        except Exception:  # not a number after all: still only an acknowledgement
            return Acknowledge()
    return Acknowledge()


def waiting_for(ctx: Context) -> list[Task]:
    """Open tasks that wait for the sender's 接办: held but not accepted, or offered to them."""
    offered = select(TaskOffer.task_id).where(TaskOffer.person_id == ctx.sender.id,
                                              TaskOffer.withdrawn_at.is_(None))
    mine = (Task.holder_id == ctx.sender.id) | (
        Task.holder_id.is_(None) & Task.id.in_(offered))
    return list(ctx.session.scalars(
        select(Task).where(mine, Task.state == "pending").order_by(Task.id)))


def _handle(ctx: Context, command: Acknowledge) -> None:
    waiting = waiting_for(ctx)
    if command.number is not None:
        named = [task for task in waiting if task.id == command.number]
        if not named:
            ctx.reply(replies.acknowledged_not_waiting(command.number))
            return
        waiting = named
    if not waiting:
        ctx.reply(replies.acknowledged_nothing_waiting())
        return
    if len(waiting) > 1:
        ctx.reply(replies.acknowledged_several(len(waiting), _MOST_SHOWN))
    for task in waiting[:_MOST_SHOWN]:
        _prompt(ctx, task, single=len(waiting) == 1)


def _prompt(ctx: Context, task: Task, *, single: bool) -> None:
    """A card with the one 接办 button; pressing it is the acceptance (a normal offer card)."""
    stamp = int(ctx.now.timestamp() * 1000)
    record = Card(platform_card_id=f"ma{task.id}-{stamp}-{ctx.sender.id}", task=task,
                  recipient=ctx.sender, purpose="offer", created_at=ctx.now)
    ctx.session.add(record)
    ctx.session.flush()
    card = cards.linked(cards.accept_prompt_card(task, record.platform_card_id, ctx.now,
                                                 ctx.calendar, single=single), task, ctx.rules,
                        ctx.sender)
    queue_card(ctx.session, record, card, now=ctx.now)


VERBS = (
    Verb(
        "收到", 35, "只回应不接办", "收到",
        aliases=ACKNOWLEDGEMENTS[1:],
        usage="收到 [#编号]（也可写 好的、明白、马上办、在办）",
        who="所有人。",
        examples=("收到", "好的 #12"),
        notes=("说明：只有点「接办」按钮或发送「接办 #12」才会接办。",),
        command=Acknowledge, parse=_parse, handle=_handle,
    ),
)
