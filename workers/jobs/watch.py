"""Periodic checks that need no message to trigger them: 领而不办 flags, ratings that were
never given, and the scheduled digests and summaries.

The sweep thread runs them once a minute in every worker process; what each one does is
keyed in the database, so several processes checking at once still act exactly once.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from tasks.calendar.office import load_calendar
from tasks.calendar.workdays import WorkCalendar
from tasks.core.office_rules import OfficeRules
from tasks.feedback import ratings
from tasks.routing import flags
from workers import signals
from workers.jobs import reports
from workers.runtime import Runtime

log = logging.getLogger(__name__)


DomainCheck = Callable[[Session, OfficeRules, WorkCalendar, datetime], int]


def check_idle_tasks(rt: Runtime) -> int:
    """Raise 领而不办 flags that fell due; returns how many."""
    return _run(rt, flags.raise_idle_flags)


def expire_ratings(rt: Runtime) -> int:
    """Record as not rated the ratings (好差评) whose window passed, and redraw their cards;
    each is claimed by a conditional UPDATE, so it changes once. Returns how many."""
    return _run(rt, ratings.expire_due)


def _run(rt: Runtime, check: DomainCheck) -> int:
    """One check in one transaction; wake a sender for whatever it queued."""
    with rt.sessions.begin() as session:
        calendar = load_calendar(session, rt.settings.rules.working_hours)
        acted = check(session, rt.settings.rules, calendar, rt.clock())
    if acted:
        signals.request_processing(rt.redis, rt.queue)
    return acted


def run_checks(rt: Runtime) -> None:
    """Run every periodic check; one failing does not keep the others from running."""
    checks: tuple[Callable[[Runtime], int], ...] = (
        check_idle_tasks, expire_ratings, reports.send_scheduled_reports)
    for check in checks:
        try:
            check(rt)
        except Exception:
            log.exception("periodic check %s failed; will try again", check.__name__)
