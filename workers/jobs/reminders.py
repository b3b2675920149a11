"""Dispatching due reminders: the database is the schedule, this is its clock.

Every worker process runs a `ReminderThread` that polls for due rows twice a second. Each
poll is one indexed query when nothing is due, so the cost follows what is due, not what
is pending; rows are claimed with SKIP LOCKED (PostgreSQL) or under SQLite's single write
lock, so any number of processes on any number of hosts dispatch each reminder once.
"""

import logging
import threading

from tasks import reminders
from tasks.office_calendar import load_calendar
from workers import signals
from workers.runtime import Runtime

log = logging.getLogger(__name__)
POLL_SECONDS = 0.5
BATCH = 500


def dispatch_reminders(rt: Runtime) -> int:
    """Send everything due now (in batches) and wake a sender for the queued messages."""
    total = 0
    while True:
        with rt.sessions.begin() as session:
            calendar = load_calendar(session, rt.settings.rules.working_hours)
            sent = reminders.dispatch_due(session, calendar, rt.settings.rules, rt.clock(),
                                          limit=BATCH)
        total += sent
        if sent < BATCH:
            break
    if total:
        signals.request_processing(rt.redis, rt.queue)
    return total


class ReminderThread(threading.Thread):
    """Polls `dispatch_reminders` until stopped; errors are logged and retried next poll."""

    def __init__(self, rt: Runtime, interval: float = POLL_SECONDS):
        super().__init__(name="mashangban-reminders", daemon=True)
        self.rt, self.interval, self.stopped = rt, interval, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                dispatch_reminders(self.rt)
            except Exception:
                log.exception("reminder dispatch failed; will try again")
