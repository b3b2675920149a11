"""Which reminders a task's state calls for, and when (tasks.reminders.plan, pure).

Times are Asia/Shanghai in late November 2026: Tuesday the 24th to Monday the 30th, with
the weekend of the 28th–29th off; quiet hours 21:00–08:00; working hours 08:30–17:30.
"""

from datetime import datetime

from tasks.calendar.workdays import SHANGHAI, WorkCalendar
from tasks.core.office_rules import OfficeRules
from tasks.core.sla import DEFAULTS_BY_KIND
from tasks.models import Task
from tasks.reminders.schedule import plan

CAL = WorkCalendar()
RULES = OfficeRules()


def sh(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


TUESDAY_NINE = sh(24, 9)


def task(kind: str = "general", *, state: str = "pending", created: datetime = TUESDAY_NINE,
         first: datetime | None = None, deadline: datetime | None = None,
         accepted: datetime | None = None, progress: dict | None = None,
         holder: int | None = 1) -> Task:
    return Task(id=1, title="t", kind=kind, state=state, created_at=created,
                policy=DEFAULTS_BY_KIND[kind].to_dict(), first_response_due=first,
                deadline=deadline, accepted_at=accepted, progress_every=progress,
                holder_id=holder, escalation=[])


def table(t: Task, now: datetime, since: datetime | None = None) -> list[tuple]:
    planned = plan(t, since or t.created_at, CAL, RULES, now)
    return sorted((p.timer, p.level, p.due_at.astimezone(SHANGHAI).replace(tzinfo=None),
                   p.audience) for p in planned)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute)


def test_a_general_task_waiting_for_its_holder():
    t = task(first=sh(24, 11), deadline=sh(30, 17, 30))
    assert table(t, sh(24, 9)) == [
        ("due_soon", 0, local(27, 17, 30), "holder"),  # one working day before
        ("first_response", 0, local(24, 11), "holder"),
        ("first_response", 1, local(24, 12), "supervisors+backup"),  # half the time again
        ("overdue", 0, local(30, 17, 30), "holder+supervisors"),
        ("overdue", 1, datetime(2026, 12, 1, 8, 30), "holder+supervisors"),
        ("overdue", 2, datetime(2026, 12, 2, 8, 30), "holder+supervisors+assigner"),
        ("overdue", 3, datetime(2026, 12, 3, 8, 30), "holder+supervisors+assigner"),
    ]


def test_accepting_ends_the_first_response_timer_and_starts_progress():
    t = task(state="accepted", first=sh(24, 11), deadline=sh(30, 17, 30), accepted=sh(24, 9),
             progress={"amount": 1, "unit": "natural_days"})
    timers = {(p[0], p[1]): p[2] for p in table(t, sh(24, 9))}
    assert ("first_response", 0) not in timers
    assert timers[("progress", 0)] == local(25, 17, 30)
    assert timers[("progress", 1)] == local(26, 17, 30)


def test_quiet_hours_hold_non_urgent_reminders_until_the_working_morning():
    t = task(first=sh(27, 22), deadline=sh(27, 22, 30), created=sh(27, 20))  # Friday night
    due = {(p[0], p[1]): p[2] for p in table(t, sh(27, 20))}
    assert due[("first_response", 0)] == local(30, 8, 30), "Friday night waits for Monday"
    assert due[("overdue", 0)] == local(30, 8, 30)


def test_urgent_and_leader_calls_never_wait():
    t = task("leader_call", first=sh(27, 22, 1), deadline=sh(27, 22, 10), created=sh(27, 22))
    due = {(p[0], p[1]): p[2] for p in table(t, sh(27, 22))}
    assert due[("first_response", 0)] == local(27, 22, 1)
    assert due[("overdue", 0)] == local(27, 22, 10)
    assert due[("due_soon", 0)] == local(27, 22, 8), "80 % of a task shorter than a day"


def test_an_emergency_climbs_minute_by_minute_at_night():
    t = task("emergency", first=sh(28, 3, 1), created=sh(28, 3), holder=None)
    assert table(t, sh(28, 3)) == [
        ("first_response", 0, local(28, 3, 1), "holder"),
        ("first_response", 1, local(28, 3, 3), "escalation:first"),
        ("first_response", 2, local(28, 3, 5), "escalation:rest"),
    ]


def test_an_unclaimed_department_request_climbs_to_whoever_is_next():
    t = task(first=sh(24, 11), deadline=sh(30, 17, 30), holder=None)
    levels = {(p[0], p[1]): p[3] for p in table(t, sh(24, 9))}
    assert levels[("first_response", 1)] == "escalation"


def test_a_new_holder_gets_a_new_cycle():
    t = task(first=sh(24, 15), deadline=sh(30, 17, 30))
    first = plan(t, sh(24, 9), CAL, RULES, sh(24, 9))
    again = plan(t, sh(24, 13), CAL, RULES, sh(24, 13))
    cycle = {p.cycle for p in first if p.timer == "first_response"}
    assert cycle != {p.cycle for p in again if p.timer == "first_response"}


def test_closed_and_cancelled_tasks_plan_nothing():
    for state in ("closed", "cancelled"):
        assert plan(task(state=state, deadline=sh(30, 17, 30)), sh(24, 9), CAL, RULES,
                    sh(24, 9)) == []


def test_no_due_soon_once_the_deadline_has_passed():
    t = task(state="accepted", deadline=sh(24, 17, 30), accepted=sh(24, 9))
    assert "due_soon" not in {p[0] for p in table(t, sh(24, 18))}
