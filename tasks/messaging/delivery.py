"""Sending outbox rows through the channel port; each reaches its recipient once.

A row is claimed (pending → sending) and committed before the network call, so no
database lock is held while the platform answers; the outcome is written afterwards. Each
row goes through the channel of its own platform (`OutboxMessage.platform`).

Every send is keyed with the row's id: the platform drops a repeat of the same row (WeCom's
duplicate check, 4 hours), and never takes two rows for one (`_repeat`). So a row is sent
again without harm when its outcome is unknown: after a timeout (the platform may have accepted
it after the client gave up) and after its sender died mid-send (`release_stale`). For
that to hold, a row's last attempt must come within the platform's duplicate window of its
first, and a row must not be released while its sender may still be waiting for the
platform: `resend_bounds_problem` states both, and the settings refuse a platform whose
limits break them. Group posts have no key on WeCom and are at-least-once.

Nothing is sent longer than the channel's budgets (`ChannelLimits`): a text row longer
than its kind's budget is split at its first claim into numbered parts (（1/2）…), the row
keeping the first and new rows, queued right behind it, the rest; a card's texts are
condensed to the card budgets as it is sent (`tasks.messaging.budget`). So whatever the
domain queued arrives whole, and every platform's numbers stay with its channel.

A platform may silently drop what one member receives beyond its per-minute limit
(`ChannelLimits.per_member_per_minute`, declared by the channel), so a row whose
recipient already had that many in the last 60 s waits, without it counting as an
attempt, until the oldest of them leaves the window. Group posts are paced the same way by
`per_group_per_minute`, so a burst of summaries to one department group is delayed,
never dropped.
"""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, union_all, update
from sqlalchemy.orm import Session, sessionmaker

from tasks.messaging.budget import byte_size, fit_card, split_text, text_budget
from tasks.messaging.channel import Card, Channel, ChannelLimits, Delivery, DeliveryError
from tasks.messaging.outbox import image_bytes
from tasks.models import Card as CardRecord
from tasks.models import OutboxMessage
from tasks.models.base import rows_updated

RETRY_DELAYS = (2, 10, 30, 120, 600)  # seconds after attempts 1..5; attempt 6 is the last
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1

TEXT_KINDS = ("text", "markdown")
STATES = ("pending", "sending", "sent", "failed")
REPEAT = "repeat"  # a text row's body: whether another row has its text (decided once)
RATE_WINDOW = timedelta(seconds=60)
# what counts as a message to a member; a card update is no message
MESSAGE_KINDS = ("text", "markdown", "card", "image")
GROUP_KINDS = ("group_markdown", "group_image")  # counted per group
# A row `sending` for this long has lost its sender (`release_stale`, run by the sweep):
# longer than any platform's `longest_send` plus SEND_MARGIN, so a live sender has given up
# on the platform before its row is sent again.
STALE_SENDING = timedelta(minutes=5)
SEND_MARGIN = timedelta(minutes=1)
# How soon a stale row is released and taken by a sender (the sweep runs every 10 s).
RELEASE_LAG = timedelta(minutes=1)
# A sent row's next_attempt_at is the instant it was claimed, just before the network call.
# Bounding it as well as sent_at lets the count use the (state, next_attempt_at) index.
LONGEST_SEND = STALE_SENDING


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


@dataclass(frozen=True)
class Claim:
    """A batch of rows one sender claimed (`claim_due`), and the instant it claimed them."""

    ids: tuple[int, ...]
    at: datetime


def claim_due(session: Session, now: datetime, limit: int = 50) -> Claim:
    """Claim up to `limit` due rows for one sender, oldest first: pending → sending, one
    attempt counted, in one read and one write.

    On PostgreSQL rows another sender is claiming are skipped (`SKIP LOCKED`), so senders
    share the outbox without waiting on each other; on SQLite claimers take turns. A
    sender killed before it sent its claimed rows leaves them `sending`: `release_stale`
    puts them back, and their keyed sends make a repeat harmless.
    """
    ids = tuple(session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)))
    if ids:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                        .values(state="sending", attempts=OutboxMessage.attempts + 1,
                                next_attempt_at=now)
                        .execution_options(synchronize_session=False))
    return Claim(ids, now)


def deliver(sessions: sessionmaker[Session], outbox_id: int, channels: Mapping[str, Channel],
            clock: Callable[[], datetime], *, claimed: Claim | None = None) -> Outcome | None:
    """Try to send one row through its platform's channel; None when another sender has it
    or it is not due.

    `claimed` is the batch the caller claimed this row in (`claim_due`); without it the
    row is claimed here. The batch's other rows are not counted as being sent to the
    recipient: they wait their turn behind this one. A row of a batch is sent only while
    the batch's claim holds, and its attempt is stamped when it starts (`_start_attempt`).

    A row whose recipient already got as many messages in the last minute as the channel's
    limits allow goes back to `pending` until the window has room, its attempts unchanged
    ("deferred"). A row for a platform this installation does not serve fails at once.
    """
    with sessions.begin() as session:
        now = clock()
        if claimed is None and not _claim(session, outbox_id, now):
            return None
        if claimed is not None and not _start_attempt(session, outbox_id, claimed, now):
            return None  # released as stale meanwhile (and maybe claimed by another sender)
        row = session.get(OutboxMessage, outbox_id)
        if row is None or row.state != "sending":  # released as stale meanwhile
            return None
        channel = channels.get(row.platform)
        if channel is None:
            row.state, row.last_error = "failed", f"平台 {row.platform} 未配置 (not configured)"
            return Outcome("failed")
        _split_if_long(session, row, channel.limits, now)
        room_at = _room_at(session, row, now, channel.limits,
                           claimed.ids if claimed else ())
        if room_at is not None:  # undo the claim: waiting for the window is no attempt
            row.state, row.attempts, row.next_attempt_at = "pending", row.attempts - 1, room_at
            return Outcome("deferred", room_at)
        handle, repeat = _update_handle(session, row), _repeat(session, row, channel.limits)
        kind, recipient, body, attempt = row.kind, row.recipient, row.body, row.attempts
    if kind in ("card", "card_update"):
        body = fit_card(Card.from_dict(body), channel.limits).to_dict()
    try:
        if kind == "image":
            body = _uploaded(sessions, outbox_id, body, channel, clock())
        delivery = _send(channel, kind, recipient, body, handle, key=outbox_id, repeat=repeat)
    except DeliveryError as error:
        if not (error.delivered_before and attempt > 1):
            return _record_failure(sessions, outbox_id, error, clock())
        delivery = Delivery()  # refused as sent already: an earlier attempt went through
    with sessions.begin() as session:
        _record_success(session, outbox_id, delivery, clock())
    return Outcome("sent")


def _split_if_long(session: Session, row: OutboxMessage, limits: ChannelLimits,
                   now: datetime) -> None:
    """Split a text row longer than its budget: it keeps part 1, new rows take the rest.

    It happens once, at the first claim (the parts fit, so a later attempt finds nothing to
    split), in the claim's transaction, so a crash leaves either the whole row or all parts.
    """
    budget = text_budget(row.kind, limits)
    if budget is None or byte_size(row.body.get("text", "")) <= budget:
        return
    first, *rest = split_text(row.body["text"], budget)
    row.body = {**row.body, "text": first}
    for part in rest:
        session.add(OutboxMessage(
            created_at=row.created_at, platform=row.platform, recipient=row.recipient,
            kind=row.kind, body={**row.body, "text": part}, task_id=row.task_id,
            state="pending", attempts=0, next_attempt_at=now))


def _claim(session: Session, outbox_id: int, now: datetime) -> bool:
    claimed = rows_updated(session,
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.state == "pending",
               OutboxMessage.next_attempt_at <= now)
        .values(state="sending", attempts=OutboxMessage.attempts + 1, next_attempt_at=now)
    )
    return claimed == 1


def _start_attempt(session: Session, outbox_id: int, claimed: Claim, now: datetime) -> bool:
    """Stamp the start of the attempt on a row of a claimed batch, if the claim still holds.

    A row's `next_attempt_at` must be the instant its send started: `release_stale` counts
    from it, so that a row is released only after its sender has given up on the platform.
    A batch's later rows start well after the batch was claimed; stamped at their start,
    they keep that bound. A row released meanwhile (its claim older than `STALE_SENDING`)
    is no longer this sender's: the conditional update finds it changed and it is left to
    whoever has it now, so it is never sent by two senders at once.
    """
    return rows_updated(session, update(OutboxMessage).where(
        OutboxMessage.id == outbox_id, OutboxMessage.state == "sending",
        OutboxMessage.next_attempt_at == claimed.at).values(next_attempt_at=now)) == 1


def _room_at(session: Session, row: OutboxMessage, now: datetime,
             limits: ChannelLimits, batch: Collection[int] = ()) -> datetime | None:
    """None if `row` may go now, else the instant its recipient's minute has room again.

    Counted are the recipient's messages sent in the last 60 s and those being sent right
    now by another sender (claimed in the last 60 s, outcome not yet written; not the
    rows of this sender's own `batch`, which wait behind this one). Both read
    `ix_outbox_recipient_recent`: the recipient's rows of the last minutes, whatever
    everyone else was sent (docs/performance.md, "Per-member rate check").
    """
    kinds: tuple[str, ...]
    if row.kind in MESSAGE_KINDS:
        kinds, limit = MESSAGE_KINDS, limits.per_member_per_minute
    elif row.kind in GROUP_KINDS:
        kinds, limit = GROUP_KINDS, limits.per_group_per_minute
    else:
        return None
    since = now - RATE_WINDOW
    mine = (OutboxMessage.platform == row.platform, OutboxMessage.recipient == row.recipient,
            OutboxMessage.kind.in_(kinds))
    sent = select(OutboxMessage.sent_at.label("at")).where(
        *mine, OutboxMessage.state == "sent",
        OutboxMessage.next_attempt_at > since - LONGEST_SEND, OutboxMessage.sent_at > since)
    in_flight = select(OutboxMessage.next_attempt_at.label("at")).where(
        *mine, OutboxMessage.state == "sending", OutboxMessage.id != row.id,
        OutboxMessage.next_attempt_at > since,
        *([OutboxMessage.id.not_in(list(batch))] if batch else []))
    recent = union_all(sent, in_flight).subquery()
    instants = sorted(session.scalars(select(recent.c.at)))
    if len(instants) < limit:
        return None
    # room for one more once all but limit - 1 of them have left the window
    return instants[len(instants) - limit] + RATE_WINDOW


def _update_handle(session: Session, row: OutboxMessage) -> str | None:
    """The handle a card update will spend; it is consumed when claimed, since a platform
    may accept each handle once (WeCom does)."""
    if row.kind != "card_update":
        return None
    if row.update_handle:
        return row.update_handle
    record = session.get(CardRecord, row.card_id)
    if record is None or not record.update_handle:
        return None
    handle, record.update_handle = record.update_handle, None
    row.update_handle = handle
    return handle


def _repeat(session: Session, row: OutboxMessage, limits: ChannelLimits) -> bool:
    """Whether the platform must be told that `row`'s text is a repeat, so that its request
    differs from another row's with the same text (`Channel.send_text`).

    It is when another text row to the same recipient has the same text and was created
    within the platform's duplicate window plus `resend_horizon()` of this one, before or
    after: only then can their sends fall within one window. It is decided at the row's
    first claim and stored in its body, so every attempt builds the same request; a row
    queued later decides for itself and sees this one, so of two such rows at least the
    later-decided one is told apart.
    """
    if row.kind not in TEXT_KINDS or not limits.duplicate_window:
        return False
    if REPEAT not in row.body:
        reach = limits.duplicate_window + resend_horizon()
        since, until = row.created_at - reach, row.created_at + reach
        others = select(OutboxMessage.body).where(
            OutboxMessage.state.in_(STATES),
            OutboxMessage.next_attempt_at >= since,  # follows from created_at; uses the index
            OutboxMessage.created_at >= since, OutboxMessage.created_at <= until,
            OutboxMessage.id != row.id, OutboxMessage.kind == row.kind,
            OutboxMessage.platform == row.platform, OutboxMessage.recipient == row.recipient)
        same = any(body.get("text") == row.body["text"] for body in session.scalars(others))
        row.body = {**row.body, REPEAT: same}
    return bool(row.body[REPEAT])


def _send(channel: Channel, kind: str, recipient: str, body: dict, handle: str | None, *,
          key: int, repeat: bool) -> Delivery:
    """One attempt; a message to a member is keyed with its row's id, so the platform drops
    a repeat of this row and keeps rows with equal contents apart."""
    if kind == "text":
        return channel.send_text(recipient, body["text"], key=key, repeat=repeat)
    if kind == "markdown":
        return channel.send_text(recipient, body["text"], markdown=True, key=key,
                                 repeat=repeat)
    if kind == "card":
        return channel.send_card(recipient, Card.from_dict(body), key=key)
    if kind == "image":
        return channel.send_image(recipient, body["media_id"], key=key)
    if kind == "group_markdown":
        return channel.post_to_group(body["key"], body["text"])
    if kind == "group_image":
        return channel.post_image_to_group(body["key"], image_bytes(body))
    if kind == "card_update":  # a card shows what it was last redrawn with: idempotent
        if handle is None:
            raise DeliveryError("没有可用的卡片更新凭证 (update handle)", retryable=False)
        channel.update_card(recipient, Card.from_dict(body), handle)
        return Delivery()
    raise DeliveryError(f"unknown outbox kind {kind!r}", retryable=False)


def _uploaded(sessions: sessionmaker[Session], outbox_id: int, body: dict, channel: Channel,
              now: datetime) -> dict:
    """The image row's body with a media id, uploading the picture only if it has none yet.

    The media id is recorded before the send, so a send repeated after a crash is the
    same request and the platform's duplicate check drops it: the picture arrives once. An
    id older than the channel's `media_lifetime` is replaced.
    """
    uploaded_at = body.get("uploaded_at")
    if body.get("media_id") and uploaded_at and \
            now - datetime.fromisoformat(uploaded_at) < channel.limits.media_lifetime:
        return body
    body = {**body, "media_id": channel.upload_image(image_bytes(body)),
            "uploaded_at": now.isoformat()}
    with sessions.begin() as session:
        row = session.get(OutboxMessage, outbox_id)
        assert row is not None
        row.body = body
    return body


def _record_success(session: Session, outbox_id: int, delivery: Delivery, now: datetime) -> None:
    """One UPDATE, without reading the row first (the common case: one round trip)."""
    values: dict[str, object] = {"state": "sent", "sent_at": now, "last_error": None,
                                 "platform_msgid": delivery.message_id}
    if delivery.update_handle:
        values["update_handle"] = delivery.update_handle
    session.execute(update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(values)
                    .execution_options(synchronize_session=False))
    if delivery.update_handle:
        card_id = select(OutboxMessage.card_id).where(OutboxMessage.id == outbox_id)
        session.execute(update(CardRecord).where(CardRecord.id == card_id.scalar_subquery())
                        .values(update_handle=delivery.update_handle)
                        .execution_options(synchronize_session=False))


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


def release_stale(session: Session, now: datetime,
                  older_than: timedelta = STALE_SENDING) -> int:
    """Return rows stuck in `sending` (their sender died) to the queue.

    A sender killed after the platform accepted a message but before recording it leaves
    the row `sending`; sent again, the row is the same keyed request, which the platform
    drops. That holds while the resend comes within the platform's duplicate window of the
    first attempt (`resend_bounds_problem`). A card update is resent with its spent handle:
    the platform refuses it and the row ends `failed`, while the card already shows it.
    Group posts, which have no duplicate check, may appear twice.
    """
    stale = rows_updated(session,
        update(OutboxMessage)
        .where(OutboxMessage.state == "sending", OutboxMessage.next_attempt_at < now - older_than)
        .values(state="pending")
    )
    return stale


def resend_horizon() -> timedelta:
    """How long after a row's first attempt its last one may start, while workers run and
    its recipient's minute has room: every earlier attempt ended in an error and waited out
    its backoff, or hung until released as stale."""
    per_attempt = STALE_SENDING + RELEASE_LAG
    return (MAX_ATTEMPTS - 1) * per_attempt + timedelta(seconds=sum(RETRY_DELAYS))


def resend_bounds_problem(limits: ChannelLimits) -> str | None:
    """Why resends through a channel with these limits could reach someone twice, or None.

    A row may be released only once its sender has given up on the platform (the channel's
    `longest_send`, its client timeouts, plus a margin), and every resend must come within
    the platform's duplicate window of the first attempt, so that the platform drops it if
    the first went through. (A platform without a window, zero, is at-least-once.)
    """
    if limits.longest_send + SEND_MARGIN > STALE_SENDING:
        return (f"a send may take {limits.longest_send}, so a row still being sent could be "
                f"released after {STALE_SENDING} and sent twice")
    if limits.duplicate_window and resend_horizon() >= limits.duplicate_window:
        return (f"a row's last attempt may start {resend_horizon()} after its first, beyond "
                f"the platform's duplicate window of {limits.duplicate_window}")
    return None
