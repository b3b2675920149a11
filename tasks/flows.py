"""What happens when a person writes to the assistant or presses a card button.

One inbound message is handled inside the caller's transaction: the change, its audit
event and every reply land together in the database, or none of them does.
"""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasks import cards, replies
from tasks.directory import find_person, person_by_userid
from tasks.errors import Refusal
from tasks.inbound import CardAction, Inbound, TextMessage
from tasks.language import (
    AcceptTask,
    CloseTask,
    CreateTask,
    DeadlineError,
    ListMine,
    ShowHelp,
    Unknown,
    parse_command,
    parse_deadline,
)
from tasks.models import Card, Person, Task, TaskEvent
from tasks.outbox import queue_card, queue_card_update, queue_text

DEFAULT_LIMIT = "10天内"  # 一般件: ten natural days (product.md §2)


def handle(session: Session, message: Inbound, *, now: datetime) -> None:
    """Act on one inbound message; a refusal becomes a reply and leaves nothing changed."""
    sender = person_by_userid(session, message.sender)
    if sender is None:
        queue_text(session, message.sender, replies.not_in_directory(), now=now)
        return
    savepoint = session.begin_nested()
    try:
        if isinstance(message, TextMessage):
            _on_text(session, sender, message.text, now)
        else:
            _on_card_action(session, sender, message, now)
        savepoint.commit()
    except Refusal as refusal:
        savepoint.rollback()
        queue_text(session, sender, refusal.message, now=now)


def _on_text(session: Session, sender: Person, text: str, now: datetime) -> None:
    command = parse_command(text)
    match command:
        case CreateTask():
            create_tasks(session, sender, command, now)
        case AcceptTask(number=number):
            accept(session, sender, _task(session, number), now, channel="chat")
        case CloseTask(number=number, result=result):
            close(session, sender, _task(session, number), result, now)
        case ListMine():
            list_mine(session, sender, now)
        case ShowHelp(topic=topic):
            queue_text(session, sender, replies.help_text(topic), now=now)
        case Unknown(reason=reason, example=example):
            queue_text(session, sender, replies.unknown_command(reason, example), now=now)


def _on_card_action(session: Session, sender: Person, action: CardAction, now: datetime) -> None:
    record = session.scalar(select(Card).where(Card.platform_card_id == action.card_id))
    parsed = cards.parse_button_key(action.action)
    if record is None or parsed is None or parsed[1] != record.task_id:
        raise Refusal("这张卡片已失效，请发送「我的」查看当前任务。")
    task = _task(session, record.task_id)
    if parsed[0] == cards.ACCEPT:
        accept(session, sender, task, now, channel="card", clicked=(record, action.response_code))
    elif parsed[0] == cards.TRANSFER:
        queue_text(session, sender, replies.transfer_hint(task), now=now)
    else:
        raise Refusal("这个按钮暂不支持，请发送「帮助」查看可用指令。")


def create_tasks(session: Session, sender: Person, command: CreateTask, now: datetime) -> None:
    """Create one task per named holder (or for the sender), each offered with a card."""
    holders = [_resolve(session, name) for name in command.assignees] or [sender]
    try:
        deadline = parse_deadline(command.deadline_text or DEFAULT_LIMIT, now)
    except DeadlineError as error:
        raise Refusal(f"期限无法使用：{error}") from error
    for holder in holders:
        task = Task(title=command.title, kind="general", state="pending", requester=sender,
                    holder=holder, first_responder=holder, deadline=deadline,
                    created_at=now, updated_at=now)
        session.add(task)
        session.flush()
        _record(session, task, sender, "created", "chat", command.title, now,
                holder=holder.userid, deadline=deadline.isoformat())
        _offer(session, task, now)
        queue_text(session, sender, replies.created(task, now), now=now, task=task)


def accept(
    session: Session,
    sender: Person,
    task: Task,
    now: datetime,
    *,
    channel: str,
    clicked: tuple[Card, str | None] | None = None,
) -> None:
    """Accept a task (接办), redraw its card in place and tell the requester."""
    task.accept(sender, now)
    _record(session, task, sender, "accepted", channel, "", now)
    _redraw_cards(session, task, now, clicked)
    if task.requester_id != sender.id:
        queue_text(session, task.requester, replies.accepted_notice(task), now=now, task=task)


def close(session: Session, sender: Person, task: Task, result: str, now: datetime) -> None:
    """Close a task (办结) with its result; requester and first responder are told."""
    task.close(sender, result, now)
    _record(session, task, sender, "closed", "chat", task.result or "", now)
    _redraw_cards(session, task, now, None)
    notify = {task.requester_id: task.requester, task.first_responder_id: task.first_responder}
    for person_id, person in notify.items():
        if person_id != sender.id:
            queue_text(session, person, replies.closed_notice(task), now=now, task=task)
    queue_text(session, sender, f"任务 #{task.id} 已办结，感谢！", now=now, task=task)


def list_mine(session: Session, sender: Person, now: datetime) -> None:
    """Reply with the sender's open tasks, the nearest deadline first."""
    mine = (Task.holder_id == sender.id) & Task.state.in_(("pending", "accepted"))
    total = session.scalar(select(func.count()).select_from(Task).where(mine)) or 0
    shown = session.scalars(
        select(Task).where(mine).order_by(Task.deadline.is_(None), Task.deadline, Task.id)
        .limit(replies.PAGE_SIZE)
    ).all()
    queue_text(session, sender, replies.my_tasks(shown, total, now), now=now)


def _offer(session: Session, task: Task, now: datetime) -> None:
    record = Card(platform_card_id=f"mt{task.id}-{int(now.timestamp() * 1000)}",
                  task=task, recipient=task.holder, purpose="offer", created_at=now)
    session.add(record)
    session.flush()
    queue_card(session, record, cards.offer_card(task, record.platform_card_id, now), now=now)


def _redraw_cards(
    session: Session, task: Task, now: datetime, clicked: tuple[Card, str | None] | None
) -> None:
    records = session.scalars(select(Card).where(Card.task_id == task.id)).all()
    for record in records:
        code = clicked[1] if clicked and clicked[0].id == record.id else None
        if code is None and record.response_code is None:
            continue  # nothing left to update this card with; the chat reply says it all
        card = cards.current_card(task, record.platform_card_id, now)
        queue_card_update(session, record, card, now=now, response_code=code)


def _task(session: Session, number: int) -> Task:
    task = session.get(Task, number, with_for_update=True)
    if task is None:
        raise Refusal(replies.task_not_found(number))
    return task


def _resolve(session: Session, written: str) -> Person:
    lookup = find_person(session, written)
    if lookup.person is None:
        raise Refusal(replies.name_problem(written, lookup.candidates))
    return lookup.person


def _record(session: Session, task: Task, actor: Person, action: str, channel: str,
            text: str, now: datetime, **detail: str) -> None:
    session.add(TaskEvent(task=task, at=now, actor=actor, action=action, channel=channel,
                          text=text, detail=detail))
