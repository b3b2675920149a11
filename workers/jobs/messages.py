"""The job that acts on received messages and then sends what they produced."""

import logging
from datetime import datetime, timedelta

from redis import RedisError

from tasks.handling import inbox
from tasks.messaging import delivery
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
    handled, tried, later = 0, set[int](), set[datetime]()
    try:
        while True:
            with rt.sessions() as session:
                ids = [i for i in inbox.due_ids(session, rt.clock(), limit=BATCH)
                       if i not in tried]
            if not ids:
                return handled
            for inbox_id in ids:
                tried.add(inbox_id)
                outcome = _process_one(rt, inbox_id)
                if isinstance(outcome, datetime):
                    later.add(_next_second(outcome))
                else:
                    handled += outcome
    finally:  # the rows waiting for a retry are picked up then (or by the sweep)
        _schedule(rt, later)


def _process_one(rt: runtime.Runtime, inbox_id: int) -> int | datetime:
    """1 if handled, 0 if not (another worker's, or parked), or when to try again."""
    try:
        with rt.sessions.begin() as session:
            return int(inbox.process(session, inbox_id, now=rt.clock(),
                                     rules=rt.settings.rules))
    except Exception as error:  # a bug must not wedge the inbox: record it and go on
        log.error("inbox message %s failed: %s", inbox_id, logs.stack_of(error))
        failure = _record_failure(rt, inbox_id, error)
        return failure.retry_at if failure is not None and failure.retry_at else 0


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
    finds them (`inbox.waiting_since`)."""
    try:
        for instant in sorted(when):
            signals.request_processing_at(rt.queue, instant)
    except RedisError:
        log.warning("Redis unavailable: inbox retries left to the sweep")


def send_outbox(rt: runtime.Runtime) -> int:
    """Send every due outbox row; schedule a later run for rows that must wait.

    A row waits to be retried, or for its recipient's minute to have room; the rows that
    fall due within the same second share one scheduled run.
    """
    sent, tried, later = 0, set[int](), set[datetime]()
    try:
        while True:
            with rt.sessions() as session:
                ids = [i for i in delivery.due_ids(session, rt.clock(), limit=BATCH)
                       if i not in tried]
            if not ids:
                return sent
            for outbox_id in ids:
                tried.add(outbox_id)
                outcome = delivery.deliver(rt.sessions, outbox_id, rt.channels, rt.clock)
                if outcome is not None and outcome.state == "sent":
                    sent += 1
                elif outcome is not None and outcome.retry_at is not None:
                    later.add(_next_second(outcome.retry_at))
    finally:  # even if a send blew up, the rows already put back must be picked up
        for when in sorted(later):
            signals.request_processing_at(rt.queue, when)


def _next_second(instant: datetime) -> datetime:
    """`instant` rounded up to a whole second: the scheduler's own resolution."""
    whole = instant.replace(microsecond=0)
    return whole if whole == instant else whole + timedelta(seconds=1)
