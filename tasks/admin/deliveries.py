"""Messages that did not get through: outbox rows that failed for good, and received
messages parked after repeated failures; an admin sends or handles them once more.

A resend is one conditional UPDATE (failed → pending) on the row itself, so it happens at
most once per failure: a second click, or a second admin, finds the row no longer failed
and changes nothing; the worker only ever takes pending rows, and claims each once. The
row keeps its id, which is the key it is sent with (`tasks.messaging.delivery`): if an
earlier attempt did reach the platform after all, the platform's duplicate check drops
the repeat (WeCom: within 4 hours; DingTalk has no such check).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tasks.admin.audit import Actor, record
from tasks.handling import inbox
from tasks.models import OutboxMessage
from tasks.models.base import rows_updated

KIND_LABELS = {
    "text": "文字", "markdown": "文字", "card": "卡片", "card_update": "卡片更新",
    "image": "图片", "group_markdown": "群消息", "group_image": "群图片",
}


@dataclass(frozen=True)
class FailedSend:
    """An outbox row that failed for good, as an admin lists it (never its text)."""

    id: int
    platform: str
    recipient: str
    kind: str
    task_id: int | None
    created_at: datetime
    attempts: int
    error: str


def failed_sends(session: Session, limit: int = 200) -> list[FailedSend]:
    """Failed outbox rows, newest first."""
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.state == "failed")
                           .order_by(OutboxMessage.id.desc()).limit(limit))
    return [FailedSend(row.id, row.platform, _shown(row.recipient), row.kind, row.task_id,
                       row.created_at, row.attempts, (row.last_error or "")[:300])
            for row in rows]


def resend(session: Session, outbox_id: int, *, by: Actor, now: datetime) -> bool:
    """Put a failed row back to be sent once more (its attempts kept: one more failure
    fails it again); False when the row is not failed (resent already, or sent)."""
    claimed = rows_updated(session, update(OutboxMessage).where(
        OutboxMessage.id == outbox_id, OutboxMessage.state == "failed")
        .values(state="pending", next_attempt_at=now))
    if claimed != 1:
        return False
    row = session.get(OutboxMessage, outbox_id)
    assert row is not None
    record(session, by, "delivery", "resend",
           f"消息 {outbox_id}（{KIND_LABELS.get(row.kind, row.kind)}，发给 "
           f"{_shown(row.recipient)}）", before=f"发送失败：{(row.last_error or '')[:200]}",
           after="重新发送", now=now)
    return True


def state_of(session: Session, outbox_id: int) -> str | None:
    """The row's state (pending, sending, sent, failed), None if there is no such row."""
    return session.scalar(select(OutboxMessage.state).where(OutboxMessage.id == outbox_id))


def parked_messages(session: Session) -> list[inbox.ParkedMessage]:
    return inbox.parked(session)


def retry_parked(session: Session, inbox_id: int, *, by: Actor, now: datetime) -> bool:
    """`mashangban inbox retry`: handle a parked message once more; False if not parked."""
    if not inbox.retry(session, inbox_id):
        return False
    record(session, by, "delivery", "retry_inbox", f"收到的消息 {inbox_id}", before="已搁置",
           after="重新处理", now=now)
    return True


def drop_parked(session: Session, inbox_id: int, *, by: Actor, now: datetime) -> bool:
    """`mashangban inbox drop`: give up on a parked message; False if not parked."""
    if not inbox.drop(session, inbox_id, now=now):
        return False
    record(session, by, "delivery", "drop_inbox", f"收到的消息 {inbox_id}", before="已搁置",
           after="已放弃", now=now)
    return True


def _shown(recipient: str) -> str:
    return "群聊" if recipient.startswith("group:") else recipient
