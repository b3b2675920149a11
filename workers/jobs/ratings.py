"""Ratings (好差评) that were never given: recorded as not rated when their window passes."""

from tasks import ratings
from tasks.office_calendar import load_calendar
from workers import signals
from workers.runtime import Runtime


def expire_ratings(rt: Runtime) -> int:
    """Close the rating windows that have passed and wake a sender for the card updates and
    notices that queued; returns how many ratings changed.

    Run once a minute by the sweep in every worker; each rating is claimed by a conditional
    UPDATE, so several processes sweeping at once act on it once.
    """
    with rt.sessions.begin() as session:
        calendar = load_calendar(session, rt.settings.rules.working_hours)
        changed = ratings.expire_due(session, rt.settings.rules, calendar, rt.clock())
    if changed:
        signals.request_processing(rt.redis, rt.queue)
    return changed
