"""Read-only answers in chat: my open tasks (我的), the ones I asked others for (我交办的),
one task with its history (查询)."""

from datetime import datetime

from sqlalchemy import select

from tasks.core import ledger
from tasks.core.context import Context
from tasks.feedback import closure, ratings
from tasks.models import OPEN_STATES, Extension, Person, Task, TaskOffer
from tasks.presentation import links, replies
from tasks.routing import flags

_MOST_OPEN_SHOWN = 500  # a person's open tasks are sorted in memory; this bounds the read


def list_mine(ctx: Context, page: int) -> None:
    """The sender's open tasks and the unclaimed ones offered to them, most urgent first."""
    offered = select(TaskOffer.task_id).where(TaskOffer.person_id == ctx.sender.id,
                                              TaskOffer.withdrawn_at.is_(None))
    mine = (Task.holder_id == ctx.sender.id) | (
        Task.holder_id.is_(None) & Task.id.in_(offered))
    tasks = ctx.session.scalars(
        select(Task).where(mine, Task.state.in_(OPEN_STATES)).limit(_MOST_OPEN_SHOWN)).all()
    ordered = sorted(tasks, key=_urgency)
    shown = ordered[(page - 1) * replies.PAGE_SIZE : page * replies.PAGE_SIZE]
    text = replies.my_tasks(shown, len(ordered), page, ctx.now, ctx.calendar)
    ctx.reply(text, markdown=bool(ordered))


def list_requested(ctx: Context) -> None:
    """我交办的: the open tasks the sender asked someone else for, nearest deadline first,
    a few in chat and the whole list on the workbench's page. A task they hold themselves
    (新建 for oneself) is in 我的, not here."""
    requested = (Task.requester_id == ctx.sender.id) & (
        Task.holder_id.is_(None) | (Task.holder_id != ctx.sender.id))
    tasks = ctx.session.scalars(select(Task).where(requested, Task.state.in_(OPEN_STATES))
                                .limit(_MOST_OPEN_SHOWN)).all()
    text = replies.requested_tasks(sorted(tasks, key=_urgency), ctx.now, ctx.calendar,
                                   links.page(ctx.rules, "/m/requested"))
    ctx.reply(text, markdown=True)


def show_task(ctx: Context, task: Task) -> None:
    """One task with its full history, for anyone with a part in it."""
    ctx.authority.require("view", ctx.sender, task)
    extensions = ctx.session.scalars(
        select(Extension).where(Extension.task_id == task.id).order_by(Extension.id)).all()
    record = replies.TaskRecord(extensions, ledger.stretches(ctx.session, task, ctx.now),
                                flags.flags_of(ctx.session, task),
                                closure.closures_of(ctx.session, task),
                                ratings.ratings_of(ctx.session, task),
                                offered=_offered(ctx, task), ladder=_ladder(ctx, task))
    ctx.reply(replies.task_details(task, record, ctx.now, ctx.calendar), task=task,
              markdown=True)


def _offered(ctx: Context, task: Task) -> list[str]:
    """The names an unclaimed task waits on: everyone it is offered to now."""
    if task.holder_id is not None:
        return []
    return list(ctx.session.scalars(
        select(Person.name).join(TaskOffer, TaskOffer.person_id == Person.id).where(
            TaskOffer.task_id == task.id, TaskOffer.withdrawn_at.is_(None))
        .order_by(TaskOffer.id)))


def _ladder(ctx: Context, task: Task) -> dict[str, list[str]]:
    """An emergency's ladder by role, in names: who it was sent to and who is next."""
    ladder = task.ladder or {}
    userids = {u for people in ladder.values() for u in people}
    if task.kind != "emergency" or not userids:
        return {}
    names = {userid: name for userid, name in ctx.session.execute(
        select(Person.userid, Person.name).where(Person.userid.in_(userids)))}
    return {role: [names[u] for u in people if u in names] for role, people in ladder.items()}


def _urgency(task: Task) -> tuple[bool, datetime, int]:
    """Nearest deadline first (overdue ones lead); tasks without a deadline come last."""
    return (task.deadline is None, task.deadline or task.created_at, task.id)


