"""Sending outbox rows through the channel port, each at most once on success.

A row is claimed (pending → sending) and committed before the network call, so no
database lock is held while the platform answers; the outcome is written afterwards.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tasks.channel import Card, Channel, Delivery, DeliveryError
from tasks.models import Card as CardRecord
from tasks.models import OutboxMessage

RETRY_DELAYS = (2, 10, 30, 120, 600)  # seconds after attempts 1..5; attempt 6 is the last
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


@dataclass(frozen=True)
class Outcome:
    """What became of one attempt: sent, failed for good, or to be retried at `retry_at`."""

    state: str
    retry_at: datetime | None = None


def due_ids(session: Session, now: datetime, limit: int = 200) -> list[int]:
    query = (select(OutboxMessage.id)
             .where(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now)
             .order_by(OutboxMessage.id).limit(limit))
    return list(session.scalars(query))


def deliver(sessions: sessionmaker[Session], outbox_id: int, channel: Channel,
            clock: Callable[[], datetime]) -> Outcome | None:
    """Try to send one row; None when another sender has it or it is not due."""
    with sessions.begin() as session:
        if not _claim(session, outbox_id, clock()):
            return None
        row = session.get(OutboxMessage, outbox_id)
        assert row is not None
        kind, recipient, body, code = row.kind, row.recipient, row.body, _update_code(session, row)
    try:
        delivery = _send(channel, kind, recipient, body, code)
    except DeliveryError as error:
        return _record_failure(sessions, outbox_id, error, clock())
    with sessions.begin() as session:
        _record_success(session, outbox_id, delivery, clock())
    return Outcome("sent")


def _claim(session: Session, outbox_id: int, now: datetime) -> bool:
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.state == "pending",
               OutboxMessage.next_attempt_at <= now)
        .values(state="sending", attempts=OutboxMessage.attempts + 1, next_attempt_at=now)
    )
    return claimed.rowcount == 1


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


def _send(channel: Channel, kind: str, recipient: str, body: dict, code: str | None) -> Delivery:
    if kind == "text":
        return channel.send_text(recipient, body["text"])
    if kind == "markdown":
        return channel.send_text(recipient, body["text"], markdown=True)
    if kind == "card":
        return channel.send_card(recipient, Card.from_dict(body))
    if kind == "card_update":
        if code is None:
            raise DeliveryError("没有可用的卡片更新凭证 (response_code)", retryable=False)
        channel.update_card(recipient, Card.from_dict(body), code)
        return Delivery()
    raise DeliveryError(f"unknown outbox kind {kind!r}", retryable=False)


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
    stale = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.state == "sending", OutboxMessage.next_attempt_at < now - older_than)
        .values(state="pending")
    )
    return stale.rowcount
