"""Read-only answers in chat: my open tasks (我的), one task with its history (查询)."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.core import ledger
from tasks.core.context import Context
from tasks.feedback import closure, ratings
from tasks.models import OPEN_STATES, Extension, Person, Task, TaskOffer
from tasks.presentation import links, replies
from tasks.routing import flags

_MOST_OPEN_SHOWN = 500  # a person's open tasks are sorted in memory; this bounds the read


def list_mine(ctx: Context, page: int) -> None:
    """The sender's open tasks and the unclaimed ones offered to them, most urgent first."""
    ordered = open_for(ctx.session, ctx.sender)
    shown = ordered[(page - 1) * replies.PAGE_SIZE : page * replies.PAGE_SIZE]
    platform = ctx.sender.address()[0]  # the links name the platform they are read on
    text = replies.my_tasks(shown, len(ordered), page, ctx.now, ctx.calendar,
                            page_of=lambda number: links.task_page(ctx.rules, number, platform),
                            workbench=links.page(ctx.rules, "/m/", platform))
    ctx.reply(text, markdown=bool(ordered))


def open_for(session: Session, person: Person) -> list[Task]:
    """What 我的 lists (and the workbench's 我的待办): the open tasks `person` holds and the
    unclaimed ones offered to them, most urgent first."""
    offered = select(TaskOffer.task_id).where(TaskOffer.person_id == person.id,
                                              TaskOffer.withdrawn_at.is_(None))
    mine = (Task.holder_id == person.id) | (
        Task.holder_id.is_(None) & Task.id.in_(offered))
    tasks = session.scalars(
        select(Task).where(mine, Task.state.in_(OPEN_STATES)).limit(_MOST_OPEN_SHOWN)).all()
    return sorted(tasks, key=urgency)


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
    text = replies.task_details(task, record, ctx.now, ctx.calendar,
                                page=links.task_page(ctx.rules, task.id,
                                                     ctx.sender.address()[0]))
    ctx.reply(text, task=task, markdown=True)


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


def urgency(task: Task) -> tuple[bool, datetime, int]:
    """Nearest deadline first (overdue ones lead); tasks without a deadline come last."""
    return (task.deadline is None, task.deadline or task.created_at, task.id)


