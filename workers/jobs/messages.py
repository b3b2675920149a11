"""The job that acts on received messages and then sends what they produced."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from redis import RedisError
from sqlalchemy.orm import Session

from tasks.directory import changes
from tasks.handling import inbox
from tasks.messaging import delivery
from tasks.messaging.inbound import DirectoryChange
from workers import logs, runtime, signals

log = logging.getLogger(__name__)
BATCH = 100


def process_messages() -> dict[str, int]:
    """Work through the inbox, then the outbox, until both have nothing due."""
    rt = runtime.current()
    signals.clear(rt.redis)
    handled = process_inbox(rt)
    sent = send_outbox(rt)
    return {"handled": handled, "sent": sent}


def process_inbox(rt: runtime.Runtime) -> int:
    """Act on each due inbox row in its own transaction; one that fails is recorded in
    another and the loop goes on to the next, whatever happened."""
    def act(inbox_id: int) -> tuple[int, datetime | None]:
        outcome = _process_one(rt, inbox_id)
        return (0, outcome) if isinstance(outcome, datetime) else (outcome, None)

    return _drain(rt, inbox.due_ids, act)


def _process_one(rt: runtime.Runtime, inbox_id: int) -> int | datetime:
    """1 if handled, 0 if not (another worker's, or parked), or when to try again."""
    try:
        try:
            return _claim_and_handle(rt, inbox_id)
        except inbox.LookupMissing as missing:  # rolled back: look it up, then again
            change = missing.change
            return _claim_and_handle(rt, inbox_id,
                                     changes.resolve(change, rt.channels[change.platform]))
    except Exception as error:  # a bug must not wedge the inbox: record it and go on
        log.error("inbox message %s failed: %s", inbox_id, logs.stack_of(error))
        failure = _record_failure(rt, inbox_id, error)
        return failure.retry_at if failure is not None and failure.retry_at else 0


def _claim_and_handle(rt: runtime.Runtime, inbox_id: int,
                      resolved: DirectoryChange | None = None) -> int:
    """Claim the row and act on it in one transaction: 1 if handled, 0 if not ours."""
    with rt.sessions.begin() as session:
        return int(inbox.process(session, inbox_id, now=rt.clock(),
                                 rules=rt.settings.rules, resolved=resolved))


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


def send_outbox(rt: runtime.Runtime) -> int:
    """Send every due outbox row; schedule a later run for rows that must wait.

    A row waits to be retried, or for its recipient's minute to have room.
    """
    def act(outbox_id: int) -> tuple[int, datetime | None]:
        outcome = delivery.deliver(rt.sessions, outbox_id, rt.channels, rt.clock)
        if outcome is None:
            return 0, None
        return int(outcome.state == "sent"), outcome.retry_at

    return _drain(rt, delivery.due_ids, act)


def _drain(rt: runtime.Runtime, due: Callable[[Session, datetime, int], list[int]],
           act: Callable[[int], tuple[int, datetime | None]]) -> int:
    """Act on due rows, batch after batch, each row once, until none is due; return how
    many were done. `act` tells whether a row was done and when it wants another try;
    the rows that fall due within the same second share one scheduled run, asked for
    even if an act blew up, so the rows already put back are picked up."""
    done, tried, later = 0, set[int](), set[datetime]()
    try:
        while True:
            with rt.sessions() as session:
                ids = [i for i in due(session, rt.clock(), BATCH) if i not in tried]
            if not ids:
                return done
            for row_id in ids:
                tried.add(row_id)
                count, retry_at = act(row_id)
                done += count
                if retry_at is not None:
                    later.add(_next_second(retry_at))
    finally:
        _schedule(rt, later)


def _next_second(instant: datetime) -> datetime:
    """`instant` rounded up to a whole second: the scheduler's own resolution."""
    whole = instant.replace(microsecond=0)
    return whole if whole == instant else whole + timedelta(seconds=1)
