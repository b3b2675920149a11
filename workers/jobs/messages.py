"""The job that acts on received messages and then sends what they produced."""

import logging
from datetime import datetime, timedelta

from tasks.handling import inbox
from tasks.messaging import delivery
from workers import runtime, signals

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
    """Act on each unprocessed inbox row in its own transaction."""
    handled, tried = 0, set[int]()
    while True:
        with rt.sessions() as session:
            ids = [i for i in inbox.unprocessed_ids(session, limit=BATCH) if i not in tried]
        if not ids:
            return handled
        for inbox_id in ids:
            tried.add(inbox_id)
            handled += _process_one(rt, inbox_id)


def _process_one(rt: runtime.Runtime, inbox_id: int) -> int:
    try:
        with rt.sessions.begin() as session:
            return int(inbox.process(session, inbox_id, now=rt.clock(),
                                     rules=rt.settings.rules))
    except Exception as error:  # a bug must not wedge the inbox: record it and tell the sender
        log.exception("inbox message %s failed", inbox_id)
        with rt.sessions.begin() as session:
            inbox.mark_failed(session, inbox_id, f"{type(error).__name__}: {error}",
                              now=rt.clock())
        return 0


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
