"""Scheduled reports: the morning digest and the supervisor summaries.

The sweep calls `send_scheduled_reports` once a minute in every worker process. Each
report's run record (`ReportRun`, unique per name and period) is written in the
transaction that queues its messages, so however many processes look at once, and however
often, a report goes out once; one missed while the workers were down goes out on the
next call of the same day (the weekly summary: of the same week).

Charts are drawn between two short transactions, never inside one: on SQLite every
transaction holds the write lock.
"""

import logging

from tasks.calendar.office import load_calendar
from tasks.calendar.workdays import WorkCalendar
from tasks.reports import charts, digest, summaries
from tasks.reports.figures import DIGEST, Period, already_sent, due_reports
from workers import signals
from workers.runtime import Runtime

log = logging.getLogger(__name__)


def send_scheduled_reports(rt: Runtime) -> int:
    """Queue every report whose time has come and that has not gone out; returns how many
    messages were queued (0 when there was nothing to do)."""
    now = rt.clock()
    rules = rt.settings.rules
    queued = 0
    with rt.sessions.begin() as session:
        calendar = load_calendar(session, rules.working_hours)
        due = [p for p in due_reports(now, calendar, rules) if not already_sent(session, p)]
        for period in (p for p in due if p.name == DIGEST):
            queued += digest.queue_digests(session, period, calendar, now) or 0
    for period in (p for p in due if p.name != DIGEST):
        queued += _send_summaries(rt, period, calendar)
    if queued:
        signals.request_processing(rt.redis, rt.queue)
    return queued


def _send_summaries(rt: Runtime, period: Period, calendar: WorkCalendar) -> int:
    """Build the summaries, draw their charts outside any transaction, then queue them
    with the run record (nothing, if another process got there first)."""
    now = rt.clock()
    with rt.sessions.begin() as session:
        built = summaries.build_summaries(session, rt.settings.rules, calendar, period, now)
    pictures = [charts.trend_png(summary.weeks, summary.department_name) for summary in built]
    with rt.sessions.begin() as session:
        queued = summaries.queue_summaries(session, period, built, pictures, now)
    if queued is None:
        log.info("%s %s was sent by another process", period.name, period.key)
    return queued or 0
