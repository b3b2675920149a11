"""Dispatching due reminders: the database is the schedule, this is its clock.

Every worker process runs a `ReminderThread` that polls for due rows four times a second,
counted from the start of each poll, so a reminder waits at most one interval plus one
round (docs/performance.md, reminder dispatch). Each poll is one indexed query when
nothing is due (the calendar is read only when rows are), so the cost follows what is
due, not what is pending; rows are claimed with SKIP LOCKED (PostgreSQL) or under
SQLite's single write lock, so any number of processes on any number of hosts dispatch
each reminder once.
"""

import logging
import threading
import time

from tasks.reminders import schedule
from workers import signals
from workers.runtime import Runtime

log = logging.getLogger(__name__)
POLL_SECONDS = 0.25
BATCH = 500
# On SQLite a full batch holds the only write lock; pausing this long before the next lets
# a waiting writer (the web's inbox insert answering WeCom) in, whose busy handler sleeps
# up to 100 ms between tries.
SQLITE_BATCH_GAP = 0.1


def dispatch_reminders(rt: Runtime) -> int:
    """Send everything due now (in batches) and wake a sender for the queued messages."""
    total = 0
    while True:
        with rt.sessions.begin() as session:
            sent = schedule.dispatch_due(session, None, rt.settings.rules, rt.clock(),
                                          limit=BATCH, limits=rt.limits)
        total += sent
        if sent < BATCH:
            break
        if rt.engine.dialect.name == "sqlite":
            time.sleep(SQLITE_BATCH_GAP)
    if total:
        signals.request_processing(rt.redis, rt.queue)
    return total


class ReminderThread(threading.Thread):
    """Polls `dispatch_reminders` until stopped; errors are logged and retried next poll."""

    def __init__(self, rt: Runtime, interval: float = POLL_SECONDS):
        super().__init__(name="mashangban-reminders", daemon=True)
        self.rt, self.interval, self.stopped = rt, interval, threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while not self.stopped.wait(max(0.0, started + self.interval - time.monotonic())):
            started = time.monotonic()
            try:
                dispatch_reminders(self.rt)
            except Exception:
                log.exception("reminder dispatch failed; will try again")
