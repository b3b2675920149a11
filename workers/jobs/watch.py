"""Periodic checks that need no message to trigger them: 领而不办 flags, ratings that were
never given, and the scheduled digests and summaries.

The sweep thread runs them once a minute in every worker process; what each one does is
keyed in the database, so several processes checking at once still act exactly once.
"""

import logging
from collections.abc import Callable

from tasks import flags
from tasks.office_calendar import load_calendar
from workers import signals
from workers.jobs import ratings, reports
from workers.runtime import Runtime

log = logging.getLogger(__name__)


def check_idle_tasks(rt: Runtime) -> int:
    """Raise 领而不办 flags that fell due and wake a sender for the notices they queued."""
    with rt.sessions.begin() as session:
        calendar = load_calendar(session, rt.settings.rules.working_hours)
        raised = flags.raise_idle_flags(session, rt.settings.rules, calendar, rt.clock())
    if raised:
        signals.request_processing(rt.redis, rt.queue)
    return raised


def run_checks(rt: Runtime) -> None:
    """Run every periodic check; one failing does not keep the others from running."""
    checks: tuple[Callable[[Runtime], int], ...] = (
        check_idle_tasks, ratings.expire_ratings, reports.send_scheduled_reports)
    for check in checks:
        try:
            check(rt)
        except Exception:
            log.exception("periodic check %s failed; will try again", check.__name__)
