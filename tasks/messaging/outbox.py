"""Writing messages to the outbox, inside the transaction of the change that caused them."""

import base64
import hashlib
from datetime import datetime

from sqlalchemy.orm import Session

from tasks.messaging.channel import Card
from tasks.models import Card as CardRecord
from tasks.models import OutboxMessage, Person, Task


def queue_text(
    session: Session, to: Person | str, text: str, *, now: datetime, task: Task | None = None,
    dedupe: bool = False,
) -> OutboxMessage:
    """Queue a plain text message; `to` may be a userid for people not in the directory.

    `dedupe` makes the send keyed: the platform drops an identical resend (for a few hours),
    so a sender killed after sending but before recording cannot deliver it twice.
    """
    recipient = to if isinstance(to, str) else to.userid
    message = _add(session, recipient, "text", {"text": text}, now=now, task=task)
    message.dedupe = dedupe
    return message


def queue_markdown(
    session: Session, to: Person | str, text: str, *, now: datetime, task: Task | None = None,
    dedupe: bool = False,
) -> OutboxMessage:
    """Queue a markdown message (lists and history views); WeCom renders it in its app.

    `dedupe` as for `queue_text`.
    """
    recipient = to if isinstance(to, str) else to.userid
    message = _add(session, recipient, "markdown", {"text": text}, now=now, task=task)
    message.dedupe = dedupe
    return message


def queue_image(
    session: Session, to: Person | str, png: bytes, *, now: datetime
) -> OutboxMessage:
    """Queue a picture; the PNG travels base64-encoded in the row, so it survives restarts."""
    recipient = to if isinstance(to, str) else to.userid
    return _add(session, recipient, "image", {"png": _b64(png)}, now=now, task=None)


ROBOT_PREFIX = "robot:"  # outbox recipients that are group robots, not members


def robot_recipient(robot_key: str) -> str:
    """The outbox recipient of a group robot: stable per robot, and not its key.

    The key is the robot's only credential, so what lists and logs show is a digest of
    it; one robot shared by two departments is still one recipient for its rate limit.
    """
    return ROBOT_PREFIX + hashlib.sha256(robot_key.encode()).hexdigest()[:24]


def queue_robot_markdown(session: Session, robot_key: str, text: str, *,
                         now: datetime) -> OutboxMessage:
    """Queue markdown for a department's group chat through its group robot."""
    return _add(session, robot_recipient(robot_key), "robot_markdown",
                {"key": robot_key, "text": text}, now=now, task=None)


def queue_robot_image(session: Session, robot_key: str, png: bytes, *,
                      now: datetime) -> OutboxMessage:
    """Queue a picture for a department's group chat through its group robot."""
    return _add(session, robot_recipient(robot_key), "robot_image",
                {"key": robot_key, "png": _b64(png)}, now=now, task=None)


def image_bytes(body: dict) -> bytes:
    """The PNG stored in an image row's body."""
    return base64.b64decode(body["png"])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def queue_card(
    session: Session, record: CardRecord, card: Card, *, now: datetime
) -> OutboxMessage:
    """Queue the first sending of an interactive card to its recipient."""
    message = _add(session, record.recipient.userid, "card", card.to_dict(), now=now,
                   task=record.task)
    message.card_id = record.id
    return message


def queue_card_update(
    session: Session,
    record: CardRecord,
    card: Card,
    *,
    now: datetime,
    response_code: str | None = None,
) -> OutboxMessage:
    """Queue an in-place update of a card already shown.

    `response_code` is the single-use credential that came with a click, if any; without
    one the sender spends the code the platform returned when the card was sent.
    """
    message = _add(session, record.recipient.userid, "card_update", card.to_dict(), now=now,
                   task=record.task)
    message.card_id = record.id
    message.response_code = response_code
    return message


def _add(
    session: Session, recipient: str, kind: str, body: dict, *, now: datetime, task: Task | None
) -> OutboxMessage:
    message = OutboxMessage(
        created_at=now,
        recipient=recipient,
        kind=kind,
        body=body,
        task_id=task.id if task is not None else None,
        state="pending",
        attempts=0,
        next_attempt_at=now,
        dedupe=False,
    )
    session.add(message)
    return message
