"""Writing messages to the outbox, inside the transaction of the change that caused them."""

import base64
import hashlib
from datetime import datetime

from sqlalchemy.orm import Session

from tasks.messaging.channel import Card
from tasks.models import DEFAULT_PLATFORM, OutboxMessage, Person, Task
from tasks.models import Card as CardRecord
from tasks.models.base import fits


class Unaddressable(ValueError):
    """A recipient no outbox row can hold (longer than the column): nobody the platform
    could reach, so nothing is queued for them."""


def can_address(recipient: str) -> bool:
    """Whether a message can be queued for `recipient` (checked on every database alike)."""
    return fits(OutboxMessage.recipient, recipient)


def queue_text(
    session: Session, to: Person | str, text: str, *, now: datetime, task: Task | None = None,
    platform: str = DEFAULT_PLATFORM,
) -> OutboxMessage:
    """Queue a plain text message; `to` may be a userid on `platform` for people not in
    the directory. A person is written to on the platform they last wrote from, with their
    userid there (their main identity otherwise); `platform` is then ignored.

    Like every row it is sent keyed (`tasks.messaging.delivery`): repeated after a timeout
    or a crash, it still reaches its recipient once.
    """
    return _add(session, _address(to, platform), "text", {"text": text}, now=now, task=task)


def queue_markdown(
    session: Session, to: Person | str, text: str, *, now: datetime, task: Task | None = None,
    platform: str = DEFAULT_PLATFORM,
) -> OutboxMessage:
    """Queue a markdown message (lists and history views), rendered by the platform's app.

    `to` and `platform` as for `queue_text`.
    """
    return _add(session, _address(to, platform), "markdown", {"text": text}, now=now,
                task=task)


def queue_image(
    session: Session, to: Person | str, png: bytes, *, now: datetime,
    platform: str = DEFAULT_PLATFORM,
) -> OutboxMessage:
    """Queue a picture; the PNG travels base64-encoded in the row, so it survives restarts."""
    return _add(session, _address(to, platform), "image", {"png": _b64(png)}, now=now,
                task=None)


GROUP_PREFIX = "group:"  # outbox recipients that are group chats, not members


def group_recipient(group_key: str) -> str:
    """The outbox recipient of a group chat: stable per group, and not its key.

    The key may be a credential (WeCom: a group robot's webhook key), so what lists and
    logs show is a digest of it; one key shared by two departments is still one recipient
    for its rate limit.
    """
    return GROUP_PREFIX + hashlib.sha256(group_key.encode()).hexdigest()[:24]


def queue_group_markdown(session: Session, group_key: str, text: str, *, now: datetime,
                         platform: str = DEFAULT_PLATFORM) -> OutboxMessage:
    """Queue markdown for a department's group chat (`Channel.post_to_group`)."""
    return _add(session, (platform, group_recipient(group_key)), "group_markdown",
                {"key": group_key, "text": text}, now=now, task=None)


def queue_group_image(session: Session, group_key: str, png: bytes, *, now: datetime,
                      platform: str = DEFAULT_PLATFORM) -> OutboxMessage:
    """Queue a picture for a department's group chat (`Channel.post_image_to_group`)."""
    return _add(session, (platform, group_recipient(group_key)), "group_image",
                {"key": group_key, "png": _b64(png)}, now=now, task=None)


def image_bytes(body: dict) -> bytes:
    """The PNG stored in an image row's body."""
    return base64.b64decode(body["png"])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def queue_card(
    session: Session, record: CardRecord, card: Card, *, now: datetime
) -> OutboxMessage:
    """Queue the first sending of an interactive card to its recipient."""
    message = _add(session, _address(record.recipient, DEFAULT_PLATFORM), "card",
                   card.to_dict(), now=now, task=record.task)
    message.card_id = record.id
    return message


def queue_card_update(
    session: Session,
    record: CardRecord,
    card: Card,
    *,
    now: datetime,
    update_handle: str | None = None,
) -> OutboxMessage:
    """Queue an in-place update of a card already shown.

    `update_handle` is the one that came with a click, if any; without one the sender
    spends the handle the platform returned when the card was sent (`Card.update_handle`).
    """
    message = _add(session, _address(record.recipient, DEFAULT_PLATFORM), "card_update",
                   card.to_dict(), now=now, task=record.task)
    message.card_id = record.id
    message.update_handle = update_handle
    return message


def _address(to: Person | str, platform: str) -> tuple[str, str]:
    """(platform, userid) of a recipient: a person is reached where they last wrote from,
    else on their main identity (`Person.address`)."""
    if isinstance(to, str):
        return platform, to
    return to.address()


def _add(
    session: Session, address: tuple[str, str], kind: str, body: dict, *, now: datetime,
    task: Task | None,
) -> OutboxMessage:
    platform, recipient = address
    if not can_address(recipient):
        raise Unaddressable(f"a recipient of {len(recipient)} characters cannot be queued")
    message = OutboxMessage(
        created_at=now,
        platform=platform,
        recipient=recipient,
        kind=kind,
        body=body,
        task_id=task.id if task is not None else None,
        state="pending",
        attempts=0,
        next_attempt_at=now,
    )
    session.add(message)
    return message
