"""Periodic checks on open work that need no message to trigger them (领而不办 for now).

The sweep thread runs them once a minute in every worker process; each flag is keyed in
the database, so several processes checking at once still raise it exactly once.
"""

from tasks import flags
from tasks.office_calendar import load_calendar
from workers import signals
from workers.runtime import Runtime


def check_idle_tasks(rt: Runtime) -> int:
    """Raise 领而不办 flags that fell due and wake a sender for the notices they queued."""
    with rt.sessions.begin() as session:
        calendar = load_calendar(session, rt.settings.rules.working_hours)
        raised = flags.raise_idle_flags(session, rt.settings.rules, calendar, rt.clock())
    if raised:
        signals.request_processing(rt.redis, rt.queue)
    return raised
