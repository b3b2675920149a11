"""Sending outbox rows through the channel port, each at most once on success.

A row is claimed (pending → sending) and committed before the network call, so no
database lock is held while the platform answers; the outcome is written afterwards.

WeCom silently drops what one app sends one member beyond 30 messages a minute, so a row
whose recipient already had that many in the last 60 s waits, without it counting as an
attempt, until the oldest of them leaves the window. A group robot (群机器人) takes 20
messages a minute; its rows wait the same way, so a burst of summaries to one department
group is delayed, never dropped.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, union_all, update
from sqlalchemy.orm import Session, sessionmaker

from tasks.messaging.channel import Card, Channel, Delivery, DeliveryError
from tasks.messaging.outbox import image_bytes
from tasks.models import Card as CardRecord
from tasks.models import OutboxMessage
from tasks.models.base import rows_updated

RETRY_DELAYS = (2, 10, 30, 120, 600)  # seconds after attempts 1..5; attempt 6 is the last
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1

PER_MEMBER_PER_MINUTE = 30  # WeCom: messages from one app to one member per minute
PER_ROBOT_PER_MINUTE = 20  # WeCom: messages one group robot may post per minute
MEDIA_LIFETIME = timedelta(days=2)  # WeCom keeps temporary media 3 days; renew before
RATE_WINDOW = timedelta(seconds=60)
# what WeCom counts per member; a card update is no message
MESSAGE_KINDS = ("text", "markdown", "card", "image")
ROBOT_KINDS = ("robot_markdown", "robot_image")  # counted per robot
# A sent row's next_attempt_at is the instant it was claimed, just before the network call.
# Bounding it as well as sent_at lets the count use the (state, next_attempt_at) index.
LONGEST_SEND = timedelta(minutes=5)


@dataclass(frozen=True)
class Outcome:
    """What became of one attempt: sent, failed for good, to be retried at `retry_at`
    ("pending"), or not attempted because the recipient's minute is full ("deferred")."""

    state: str
    retry_at: datetime | None = None


def due_ids(session: Session, now: datetime, limit: int = 200) -> list[int]:
    query = (select(OutboxMessage.id)
             .where(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now)
             .order_by(OutboxMessage.id).limit(limit))
    return list(session.scalars(query))


def deliver(sessions: sessionmaker[Session], outbox_id: int, channel: Channel,
            clock: Callable[[], datetime], *,
            per_member: int = PER_MEMBER_PER_MINUTE,
            per_robot: int = PER_ROBOT_PER_MINUTE) -> Outcome | None:
    """Try to send one row; None when another sender has it or it is not due.

    A row whose recipient already got `per_member` messages in the last minute (a group
    robot: `per_robot`) goes back to `pending` until the window has room, its attempts
    unchanged ("deferred").
    """
    with sessions.begin() as session:
        now = clock()
        if not _claim(session, outbox_id, now):
            return None
        row = session.get(OutboxMessage, outbox_id)
        assert row is not None
        room_at = _room_at(session, row, now, per_member, per_robot)
        if room_at is not None:  # undo the claim: waiting for the window is no attempt
            row.state, row.attempts, row.next_attempt_at = "pending", row.attempts - 1, room_at
            return Outcome("deferred", room_at)
        kind, recipient, body, code = row.kind, row.recipient, row.body, _update_code(session, row)
        dedupe = row.dedupe
    try:
        if kind == "image":
            body = _uploaded(sessions, outbox_id, body, channel, clock())
        delivery = _send(channel, kind, recipient, body, code, dedupe)
    except DeliveryError as error:
        return _record_failure(sessions, outbox_id, error, clock())
    with sessions.begin() as session:
        _record_success(session, outbox_id, delivery, clock())
    return Outcome("sent")


def _claim(session: Session, outbox_id: int, now: datetime) -> bool:
    claimed = rows_updated(session,
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.state == "pending",
               OutboxMessage.next_attempt_at <= now)
        .values(state="sending", attempts=OutboxMessage.attempts + 1, next_attempt_at=now)
    )
    return claimed == 1


def _room_at(session: Session, row: OutboxMessage, now: datetime, per_member: int,
             per_robot: int) -> datetime | None:
    """None if `row` may go now, else the instant its recipient's minute has room again.

    Counted are the recipient's messages sent in the last 60 s and those being sent right
    now by another sender (claimed in the last 60 s, outcome not yet written).
    """
    kinds: tuple[str, ...]
    if row.kind in MESSAGE_KINDS:
        kinds, limit = MESSAGE_KINDS, per_member
    elif row.kind in ROBOT_KINDS:
        kinds, limit = ROBOT_KINDS, per_robot
    else:
        return None
    since = now - RATE_WINDOW
    mine = (OutboxMessage.recipient == row.recipient, OutboxMessage.kind.in_(kinds))
    sent = select(OutboxMessage.sent_at.label("at")).where(
        *mine, OutboxMessage.state == "sent",
        OutboxMessage.next_attempt_at > since - LONGEST_SEND, OutboxMessage.sent_at > since)
    in_flight = select(OutboxMessage.next_attempt_at.label("at")).where(
        *mine, OutboxMessage.state == "sending", OutboxMessage.id != row.id,
        OutboxMessage.next_attempt_at > since)
    recent = union_all(sent, in_flight).subquery()
    instants = sorted(session.scalars(select(recent.c.at)))
    if len(instants) < limit:
        return None
    # room for one more once all but limit - 1 of them have left the window
    return instants[len(instants) - limit] + RATE_WINDOW


def _update_code(session: Session, row: OutboxMessage) -> str | None:
    """The single-use code a card update will spend; it is consumed when claimed."""
    if row.kind != "card_update":
        return None
    if row.response_code:
        return row.response_code
    record = session.get(CardRecord, row.card_id)
    if record is None or not record.response_code:
        return None
    code, record.response_code = record.response_code, None
    row.response_code = code
    return code


def _send(channel: Channel, kind: str, recipient: str, body: dict, code: str | None,
          dedupe: bool) -> Delivery:
    if kind == "text":
        return channel.send_text(recipient, body["text"], dedupe=dedupe)
    if kind == "markdown":
        return channel.send_text(recipient, body["text"], markdown=True, dedupe=dedupe)
    if kind == "card":
        return channel.send_card(recipient, Card.from_dict(body))
    if kind == "image":
        return channel.send_image(recipient, body["media_id"], dedupe=True)
    if kind == "robot_markdown":
        return channel.send_robot_markdown(body["key"], body["text"])
    if kind == "robot_image":
        return channel.send_robot_image(body["key"], image_bytes(body))
    if kind == "card_update":
        if code is None:
            raise DeliveryError("没有可用的卡片更新凭证 (response_code)", retryable=False)
        channel.update_card(recipient, Card.from_dict(body), code)
        return Delivery()
    raise DeliveryError(f"unknown outbox kind {kind!r}", retryable=False)


def _uploaded(sessions: sessionmaker[Session], outbox_id: int, body: dict, channel: Channel,
              now: datetime) -> dict:
    """The image row's body with a media id, uploading the picture only if it has none yet.

    The media id is recorded before the send, so a send repeated after a crash is the
    same request and WeCom's duplicate check drops it: the picture arrives once. Temporary
    media lives 3 days; an older id is replaced.
    """
    uploaded_at = body.get("uploaded_at")
    if body.get("media_id") and uploaded_at and \
            now - datetime.fromisoformat(uploaded_at) < MEDIA_LIFETIME:
        return body
    body = {**body, "media_id": channel.upload_image(image_bytes(body)),
            "uploaded_at": now.isoformat()}
    with sessions.begin() as session:
        row = session.get(OutboxMessage, outbox_id)
        assert row is not None
        row.body = body
    return body


def _record_success(session: Session, outbox_id: int, delivery: Delivery, now: datetime) -> None:
    row = session.get(OutboxMessage, outbox_id)
    assert row is not None
    row.state, row.sent_at, row.last_error = "sent", now, None
    row.platform_msgid = delivery.message_id
    if delivery.response_code:
        row.response_code = delivery.response_code
        record = session.get(CardRecord, row.card_id) if row.card_id else None
        if record is not None:
            record.response_code = delivery.response_code


def _record_failure(sessions: sessionmaker[Session], outbox_id: int, error: DeliveryError,
                    now: datetime) -> Outcome:
    with sessions.begin() as session:
        row = session.get(OutboxMessage, outbox_id)
        assert row is not None
        row.last_error = error.reason[:2000]
        if not error.retryable or row.attempts >= MAX_ATTEMPTS:
            row.state = "failed"
            return Outcome("failed")
        delay = max(error.retry_after or 0, RETRY_DELAYS[row.attempts - 1])
        row.state, row.next_attempt_at = "pending", now + timedelta(seconds=delay)
        return Outcome("pending", row.next_attempt_at)


def release_stale(session: Session, now: datetime, older_than: timedelta) -> int:
    """Return rows stuck in `sending` (their sender died) to the queue.

    This is at-least-once: a sender killed after the platform accepted the message but
    before recording it sends that message again.
    """
    stale = rows_updated(session,
        update(OutboxMessage)
        .where(OutboxMessage.state == "sending", OutboxMessage.next_attempt_at < now - older_than)
        .values(state="pending")
    )
    return stale
