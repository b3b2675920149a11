"""What happens when a person writes to the assistant or presses a card button.

One inbound message is handled inside the caller's transaction: the change, its audit
event and every reply land together in the database, or none of them does. The message
is read into a command and handed to the verb that handles it (tasks.verbs, whose records
call the transitions of tasks.lifecycle and the other capabilities); a card button goes
straight to its transition.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.core import lengths
from tasks.core.context import Context
from tasks.core.office_rules import OfficeRules
from tasks.directory import changes
from tasks.directory.lookup import person_by_userid
from tasks.directory.view import SessionDirectory
from tasks.errors import Refusal
from tasks.feedback import ratings
from tasks.handling import confirmations
from tasks.lifecycle import transitions
from tasks.messaging.inbound import CardAction, DirectoryChange, Inbound, TextMessage
from tasks.messaging.outbox import queue_text
from tasks.models import Card, Task
from tasks.presentation import cards, links, replies
from tasks.reminders import schedule
from tasks.verbs import registry
from tasks.verbs.interpret import interpret
from tasks.verbs.record import known_task
from tasks.vocabulary import RATING_LEVELS

CARD_GONE = "这张卡片已失效，请发送「我的」查看当前任务。"


def handle(session: Session, message: Inbound, *, now: datetime,
           rules: OfficeRules | None = None) -> None:
    """Act on one inbound message; a refusal becomes a reply and leaves nothing changed."""
    if isinstance(message, DirectoryChange):
        changes.apply(session, message, now=now, rules=rules or OfficeRules())
        return
    sender = person_by_userid(session, message.sender, message.platform)
    if sender is None:
        queue_text(session, message.sender, replies.not_in_directory(), now=now,
                   platform=message.platform)
        return
    if (sender.reply_platform or sender.platform) != message.platform:
        sender.reply_platform = message.platform  # answers and notices follow them there
    ctx = Context(session, sender, now, rules or OfficeRules())
    savepoint = session.begin_nested()
    try:
        if isinstance(message, TextMessage) and message.overlong:
            ctx.reply(lengths.too_long(message.overlong))
        elif isinstance(message, TextMessage):
            _on_text(ctx, message.text)
        else:
            _on_card_action(ctx, message)
        for task in ctx.touched.values():  # reminders follow the state, in the same transaction
            schedule.reschedule(session, task, ctx.calendar, ctx.rules, now)
        savepoint.commit()
    except Refusal as refusal:
        savepoint.rollback()
        ctx.reply(refusal.message)


def _on_text(ctx: Context, text: str) -> None:
    """The reason a bad rating asked for, in plain words, or else what the language reads:
    a command for its verb, a natural request to confirm on a card, or a refusal."""
    if ratings.take_reason(ctx, text, is_command=registry.looks_like_command):
        return
    reading = interpret(text, directory=SessionDirectory(ctx.session), now=ctx.now)
    if reading.request is not None:
        confirmations.offer(ctx, reading.request, reading.text)
    elif reading.command is not None:
        registry.dispatch(ctx, reading.command)
    else:
        ctx.reply(reading.reply)


def _on_card_action(ctx: Context, action: CardAction) -> None:
    ctx.channel = "card"
    record = ctx.session.scalar(select(Card).where(Card.platform_card_id == action.card_id))
    parsed = cards.parse_button_key(action.action)
    if record is not None and record.purpose == "request" and parsed is not None:
        name, detail = cards.split_action(parsed[0])
        if name in cards.REQUEST_ACTIONS and detail == record.request_id:
            confirmations.on_press(ctx, record, action, name)
            return
    if record is None or parsed is None or record.task_id is None \
            or parsed[1] != record.task_id:
        raise Refusal(CARD_GONE)
    # need to know: a card about a task the clicker has no part in is answered as a card
    # that does not exist, whatever the task's state
    task = known_task(ctx, record.task_id)
    if task is None:
        raise Refusal(CARD_GONE)
    clicked = (record, action.response_code)
    name, detail = cards.split_action(parsed[0])
    if parsed[0] == cards.ACCEPT:
        transitions.accept(ctx, task, clicked=clicked)
    elif name == cards.RATE and detail is not None and 1 <= detail <= len(RATING_LEVELS):
        ratings.rate(ctx, task, RATING_LEVELS[detail - 1], "", clicked=clicked)
    elif name == cards.REDO and detail is not None:
        transitions.reopen_after_rating(ctx, task, detail, clicked)
    elif name == cards.RECTIFY and detail is not None:
        transitions.rectify(ctx, task, None, "", rating_id=detail, clicked=clicked)
    elif name == cards.EARLIER and detail is not None:
        transitions.move_to_working_time(ctx, task, record, detail, action.response_code)
    elif parsed[0] == cards.TRANSFER:
        _keep_code(record, action)
        ctx.reply(replies.form_hint(replies.transfer_hint(task), cards.FORMS[cards.TRANSFER],
                                    _page(ctx, task)))
    elif parsed[0] in replies.ANSWER_HINTS:
        _keep_code(record, action)
        ctx.reply(replies.form_hint(replies.ANSWER_HINTS[parsed[0]].format(n=task.id),
                                    cards.FORMS[parsed[0]], _page(ctx, task)))
    else:
        raise Refusal("这个按钮暂不支持，请发送「帮助」查看可用指令。")


def _page(ctx: Context, task: Task) -> str:
    """The task's page, as a link sent to the sender names their platform."""
    return links.task_page(ctx.rules, task.id, ctx.sender.address()[0])


def _keep_code(record: Card, action: CardAction) -> None:
    """A button that only answers with a hint leaves the card as it is: keep the click's
    fresh update credential, so the card can still show what happens next."""
    if action.response_code:
        record.update_handle = action.response_code
