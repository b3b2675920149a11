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
        # the last fifth of 1,920 working minutes is 384 minutes before the deadline
        ("due_soon", 0, local(30, 8, 36), "holder"),
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
    assert due[("due_soon", 0)] == local(27, 22, 5), (
        "a fifth of 10 clock minutes is 2, raised to half the length (at least 10 minutes "
        "would be the whole task)")


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


# ---- 即将到期: the last fifth of the task's length (docs/reminders.md) ----------------------


def due_soon(t: Task, now: datetime | None = None) -> datetime | None:
    found = [p for p in plan(t, t.created_at, CAL, RULES, now or t.created_at)
             if p.timer == "due_soon"]
    return found[0].due_at.astimezone(SHANGHAI).replace(tzinfo=None) if found else None


def test_a_day_long_task_is_not_due_soon_as_soon_as_it_is_created():
    """Issue 14: written at 09:59 for tomorrow 10:00, 即将到期 came at 10:00 the same morning
    (「剩余23小时59分钟」), seconds after creation and before the holder had accepted."""
    t = task(created=sh(24, 9, 59), first=sh(24, 11, 59), deadline=sh(25, 10))
    # 391 working minutes; a fifth is 78: Wednesday 08:42
    assert due_soon(t) == local(25, 8, 42)


def test_a_ten_day_task_is_due_soon_one_working_day_before():
    t = task(created=sh(24, 10), first=sh(24, 12), deadline=datetime(2026, 12, 4, 17, 30,
                                                                     tzinfo=SHANGHAI))
    assert due_soon(t) == datetime(2026, 12, 4, 8, 30), "a working day before 下班 is 上班"


def test_a_deadline_after_the_weekend_is_not_due_soon_on_the_weekend():
    t = task(created=sh(23, 10), first=sh(23, 12), deadline=sh(30, 10))  # Monday to Monday
    assert due_soon(t) == local(27, 10), "390 working minutes back: Friday at the same hour"


def test_an_hour_long_task_is_due_soon_only_once_accepted():
    """A general task due in an hour has 2 working hours to be accepted, cut to the
    deadline: waiting, it gets 待接办 and 催办 at the deadline and no 即将到期."""
    waiting = task(created=sh(24, 10), first=sh(24, 11), deadline=sh(24, 11))
    assert due_soon(waiting) is None
    accepted = task(state="accepted", created=sh(24, 10), first=sh(24, 11),
                    deadline=sh(24, 11), accepted=sh(24, 10, 5))
    assert due_soon(accepted, sh(24, 10, 5)) == local(24, 10, 48)


def test_a_short_task_gets_at_least_ten_minutes_of_warning():
    accepted = task("urgent", state="accepted", created=sh(24, 17), first=sh(24, 17, 15),
                    deadline=sh(24, 17, 30), accepted=sh(24, 17, 1))
    assert due_soon(accepted, sh(24, 17, 1)) == local(24, 17, 20), "a fifth would be 6"
    tiny = task("urgent", state="accepted", created=sh(24, 16, 30), first=sh(24, 16, 40),
                deadline=sh(24, 16, 40), accepted=sh(24, 16, 31))
    assert due_soon(tiny, sh(24, 16, 31)) == local(24, 16, 35), "half of 10 minutes"


def test_the_warning_waits_for_the_first_response_limit():
    """Created at 16:00 for 17:00 with 15 minutes to accept: not before 16:15."""
    t = task("urgent", created=sh(24, 16), first=sh(24, 16, 15), deadline=sh(24, 17))
    assert due_soon(t) == local(24, 16, 48)
    t = task("urgent", created=sh(24, 16), first=sh(24, 16, 55), deadline=sh(24, 17))
    assert due_soon(t) == local(24, 16, 55)


def test_a_warning_held_by_quiet_hours_past_the_deadline_is_dropped():
    t = task(state="accepted", created=sh(24, 18), first=sh(24, 18), deadline=sh(25, 8, 10),
             accepted=sh(24, 18))
    # no working time before 08:10: by the clock, 06:32, held to 08:30, after the deadline
    assert due_soon(t, sh(24, 18)) is None
