"""The safety net: finds work that Redis forgot (a flush, a lost job) and asks for it again.

The database is the truth for what must happen; this runs in every worker process on a
timer, costs two indexed queries, and only signals when something is actually waiting.
Every sixth round it also runs the periodic checks of `workers/jobs/watch.py`.
"""

import logging
import threading
from datetime import timedelta

from sqlalchemy import exists, select

from tasks.handling import inbox
from tasks.messaging import delivery
from tasks.models import OutboxMessage
from workers import signals
from workers.jobs import watch
from workers.runtime import Runtime

log = logging.getLogger(__name__)
GRACE = timedelta(seconds=5)  # leave fresh rows to the job their own signal queued
STALE_SENDING = delivery.STALE_SENDING  # a row `sending` this long has lost its sender


def sweep(rt: Runtime) -> bool:
    """Signal processing if inbox or outbox rows wait unattended; True if it signalled."""
    now = rt.clock()
    with rt.sessions.begin() as session:
        delivery.release_stale(session, now, STALE_SENDING)
        waiting = session.scalar(select(
            # not rows waiting for their retry, nor parked ones (they wait for an admin)
            exists().where(inbox.waiting_since(now - GRACE))
            | exists().where(OutboxMessage.state == "pending",
                             OutboxMessage.next_attempt_at <= now - GRACE)
        ))
    if waiting:
        signals.clear(rt.redis)  # a flag left by a lost job must not block the new one
        signals.request_processing(rt.redis, rt.queue)
    return bool(waiting)


class SweepThread(threading.Thread):
    """Runs `sweep` every `interval` seconds until stopped; errors are logged, not fatal."""

    def __init__(self, rt: Runtime, interval: float = 10.0, watch_every: int = 6):
        super().__init__(name="mashangban-sweep", daemon=True)
        self.rt, self.interval, self.stopped = rt, interval, threading.Event()
        self.watch_every = watch_every  # run the open-work checks every Nth round (1 min)

    def run(self) -> None:
        rounds = 0
        while not self.stopped.wait(self.interval):
            rounds += 1
            try:
                sweep(self.rt)
            except Exception:
                log.exception("sweep failed; will try again")
            if rounds % self.watch_every == 0:  # isolates each check's failures itself
                watch.run_checks(self.rt)
