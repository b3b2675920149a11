"""The job that acts on received messages and sends what they produced, in turns.

A job works in rounds: it claims a batch of inbox rows (`tasks.handling.inbox.claim`) and
handles them, each in its own transaction, then claims and sends the outbox rows that are
due (`tasks.messaging.delivery.claim_due`), and goes on until neither has anything left.
So a reply goes out within a round of its message, however long the inbox is, and sending
takes its turn between bounded processing batches instead of waiting for an empty inbox.
Workers share the work: a job that claims a full batch asks for another job, which an
idle worker takes, and the claims keep their batches apart (docs/architecture.md).
"""

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

from redis import RedisError

from tasks.directory import changes
from tasks.handling import inbox
from tasks.messaging import delivery
from tasks.messaging.inbound import DirectoryChange
from workers import logs, runtime, signals

log = logging.getLogger(__name__)
BATCH = 20  # inbox rows per claim: a round's replies wait behind at most this many messages
SEND_BATCH = 50  # outbox rows per claim (a message queues one to three)


def process_messages() -> dict[str, int]:
    """Work through the inbox and the outbox in rounds until neither has anything due."""
    rt = runtime.current()
    signals.clear(rt.redis)
    handled = sent = 0
    claimant, later = _claimant(), set[datetime]()
    try:
        while True:
            batch = _claim_inbox(rt, claimant)
            if len(batch) == BATCH:  # more may wait: let an idle worker share them
                _ask_for_help(rt)
            handled += sum(_handle(rt, row, claimant, later) for row in batch)
            round_sent, claimed = _send_round(rt, later)
            sent += round_sent
            if not batch and not claimed:
                return {"handled": handled, "sent": sent}
    finally:
        _schedule(rt, later)


def process_inbox(rt: runtime.Runtime) -> int:
    """Handle every due inbox row, batch after batch; return how many were handled."""
    claimant, later, handled = _claimant(), set[datetime](), 0
    try:
        while batch := _claim_inbox(rt, claimant):
            handled += sum(_handle(rt, row, claimant, later) for row in batch)
        return handled
    finally:
        _schedule(rt, later)


def send_outbox(rt: runtime.Runtime) -> int:
    """Send every due outbox row; schedule a later run for rows that must wait.

    A row waits to be retried, or for its recipient's minute to have room.
    """
    later, sent = set[datetime](), 0
    try:
        while True:
            round_sent, claimed = _send_round(rt, later)
            sent += round_sent
            if not claimed:
                return sent
    finally:
        _schedule(rt, later)


def _claimant() -> str:
    """Names one job's claims: which host and process, and which run of the job."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _claim_inbox(rt: runtime.Runtime, claimant: str) -> list[inbox.Claimed]:
    """A batch of due rows, claimed in a short transaction of its own."""
    with rt.sessions.begin() as session:
        return inbox.claim(session, rt.clock(), claimant, BATCH)


def _ask_for_help(rt: runtime.Runtime) -> None:
    try:
        signals.request_processing(rt.redis, rt.queue)
    except RedisError:  # this job goes on alone
        log.warning("Redis unavailable: the inbox is worked by one job")


def _handle(rt: runtime.Runtime, row: inbox.Claimed, claimant: str,
            later: set[datetime]) -> int:
    outcome = _process_one(rt, row, claimant)
    if isinstance(outcome, datetime):
        later.add(_next_second(outcome))
        return 0
    return outcome


def _process_one(rt: runtime.Runtime, row: inbox.Claimed, claimant: str) -> int | datetime:
    """1 if handled, 0 if not (another worker's, or parked), or when to try again."""
    try:
        try:
            return _claim_and_handle(rt, row, claimant)
        except inbox.LookupMissing as missing:  # rolled back: look it up, then again
            change = missing.change
            return _claim_and_handle(rt, row, claimant,
                                     changes.resolve(change, rt.channels[change.platform]))
    except Exception as error:  # a bug must not wedge the inbox: record it and go on
        log.error("inbox message %s failed: %s", row.id, logs.stack_of(error))
        failure = _record_failure(rt, row.id, error)
        return failure.retry_at if failure is not None and failure.retry_at else 0


def _claim_and_handle(rt: runtime.Runtime, row: inbox.Claimed, claimant: str,
                      resolved: DirectoryChange | None = None) -> int:
    """Mark the row handled and act on it in one transaction: 1 if handled, 0 if not ours."""
    with rt.sessions.begin() as session:
        return int(inbox.process(session, row.id, now=rt.clock(), rules=rt.settings.rules,
                                 resolved=resolved, claimed=row, claimant=claimant))


def _send_round(rt: runtime.Runtime, later: set[datetime]) -> tuple[int, int]:
    """Claim a batch of due outbox rows and send them: (sent, claimed)."""
    with rt.sessions.begin() as session:
        claim = delivery.claim_due(session, rt.clock(), SEND_BATCH)
    sent = 0
    for outbox_id in claim.ids:
        outcome = delivery.deliver(rt.sessions, outbox_id, rt.channels, rt.clock,
                                   claimed=claim)
        if outcome is None:
            continue
        sent += outcome.state == "sent"
        if outcome.retry_at is not None:
            later.add(_next_second(outcome.retry_at))
    return sent, len(claim.ids)


def _record_failure(rt: runtime.Runtime, inbox_id: int,
                    error: Exception) -> inbox.Failure | None:
    """Record a failed attempt; if even that fails (the database is gone), the row stays as
    it was, uncounted, and the sweep brings it back."""
    try:
        with rt.sessions.begin() as session:
            failure = inbox.record_failure(session, inbox_id, error, now=rt.clock(),
                                           rules=rt.settings.rules)
    except Exception as second:
        log.error("could not record the failure of inbox message %s: %s", inbox_id,
                  type(second).__name__)
        return None
    if failure is not None and failure.parked:
        log.error("inbox message %s parked after %s attempts", inbox_id, failure.attempts)
    return failure


def _schedule(rt: runtime.Runtime, when: set[datetime]) -> None:
    """One scheduled run per second in which retries fall due; without Redis the sweep
    finds them."""
    try:
        for instant in sorted(when):
            signals.request_processing_at(rt.queue, instant)
    except RedisError:
        log.warning("Redis unavailable: retries left to the sweep")


def _next_second(instant: datetime) -> datetime:
    """`instant` rounded up to a whole second: the scheduler's own resolution."""
    whole = instant.replace(microsecond=0)
    return whole if whole == instant else whole + timedelta(seconds=1)
