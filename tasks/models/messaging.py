"""The durable inbox of received platform messages and outbox of messages to send."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from tasks.models.base import Base, UTCDateTime
from tasks.models.directory import DEFAULT_PLATFORM


class InboxMessage(Base):
    """A platform message or event as received, before the domain has acted on it.

    The unique (platform, platform_key) pair is what turns the platform's retries into
    no-ops; `processed_at` is set in the same transaction as the domain change.

    A row whose handling fails is tried again: `attempts` counts the failures, `error` is
    the last one (its type and first line), `next_attempt_at` is when it may be tried
    again. After the last attempt it is parked (`parked_at`): left alone until an admin
    retries it or drops it (`processed_at` set without handling). See
    `tasks.handling.inbox` and docs/architecture.md, "A message that fails".

    Workers claim rows in batches (`tasks.handling.inbox.claim`): `claimed_by` names the
    claim and `claimed_until` is when it lapses, so the rows of a worker killed mid-batch
    go to another once it has. `sender` keeps one sender's messages in order: a row is
    claimed only when no earlier row of its sender waits for its first attempt.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("platform", "platform_key", name="uq_inbox_platform_key"),
        Index("ix_inbox_unprocessed", "processed_at", "id"),
        Index("ix_inbox_sender", "platform", "sender", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    platform_key: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    # a server default, because the callback's insert names only the columns it fills
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    parked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sender: Mapped[str | None] = mapped_column(String(200))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """A message the domain decided to send.

    `state` goes pending → sending → sent, or back to pending to retry, or to failed.
    `platform` is the recipient's: the row is sent through that platform's channel.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "state", "next_attempt_at"),
        # one recipient's recent rows: the per-member rate check and the repeat check
        Index("ix_outbox_recipient_recent", "platform", "recipient", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    platform: Mapped[str] = mapped_column(String(16), default=DEFAULT_PLATFORM)
    recipient: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    platform_msgid: Mapped[str | None] = mapped_column(String(128))
    # the card's update handle this update spends (see Card.update_handle)
    update_handle: Mapped[str | None] = mapped_column(String(256))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Unused: it marked the rows sent with the platform's duplicate check (reminders,
    # digests, summaries); every row is sent so now (tasks/messaging/delivery.py). Kept to
    # need no migration; the next migration that touches this table may drop it.
    dedupe: Mapped[bool] = mapped_column(default=False)
