"""Task kinds' time limits (SLA policies) and the deadlines they give a new task.

A limit is an amount in a unit. The units keep natural time, working time and the
assigner's word apart, because the regulation counts them differently: an urgent reply is
due in 15 clock minutes, a general one within 2 working hours, a general task in 10 natural
days (docs/sla.md). Everything here is pure: the calendar and the instant are passed in.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tasks.calendar.workdays import SHANGHAI, CalendarDataMissing, WorkCalendar
from tasks.errors import Refusal

# unit → how it reads in Chinese. `assigner`: the assigner must write the limit;
# `instructed`: set by instruction when given, otherwise the timer does not run.
UNITS: dict[str, str] = {
    "minutes": "分钟",
    "hours": "小时",
    "working_hours": "个工作小时",
    "natural_days": "天（自然日）",
    "working_days": "个工作日",
    "same_working_day": "当个工作日内",
    "assigner": "由交办人确定",
    "instructed": "按指示",
}
_NEEDS_AMOUNT = {"minutes", "hours", "working_hours", "natural_days", "working_days"}
WORKING_UNITS = {"working_hours", "working_days", "same_working_day"}


@dataclass(frozen=True)
class Limit:
    """One timer of a policy, e.g. `Limit(2, "working_hours")`."""

    amount: int | None
    unit: str

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}" if self.unit in _NEEDS_AMOUNT else self.unit

    @property
    def chinese(self) -> str:
        if self.unit in _NEEDS_AMOUNT:
            return f"{self.amount}{UNITS[self.unit]}"
        return UNITS[self.unit]

    @property
    def is_set_by_people(self) -> bool:
        return self.unit in ("assigner", "instructed")


def parse_limit(text: str | None) -> Limit | None:
    """Read `2 working_hours`, `same_working_day`, `assigner` or `none` (no such timer).

    Raises ValueError with a message naming what is wrong, for CLI and YAML input.
    """
    words = (text or "none").strip().split()
    if words in ([], ["none"], ["-"]):
        return None
    if len(words) == 1 and words[0] in UNITS and words[0] not in _NEEDS_AMOUNT:
        return Limit(None, words[0])
    if len(words) == 2 and words[1] in _NEEDS_AMOUNT and words[0].isdigit():
        amount = int(words[0])
        if 0 < amount <= 10_000:
            return Limit(amount, words[1])
    units = ", ".join(UNITS)
    raise ValueError(f"cannot read limit {text!r}: write '<number> <unit>', a unit without "
                     f"number, or 'none' (units: {units})")


@dataclass(frozen=True)
class Policy:
    """The timers of one task kind, as admins edit them and tasks copy them."""

    kind: str
    label: str
    first_response: Limit | None
    progress: Limit | None
    completion: Limit | None
    quiet_hours: bool

    def to_dict(self) -> dict[str, Any]:
        """The form stored on each task and written to YAML."""
        return {
            "label": self.label,
            "first_response": _text(self.first_response),
            "progress": _text(self.progress),
            "completion": _text(self.completion),
            "quiet_hours": self.quiet_hours,
        }

    @classmethod
    def from_dict(cls, kind: str, data: dict[str, Any]) -> "Policy":
        quiet = data.get("quiet_hours", True)
        if not isinstance(quiet, bool):
            raise ValueError(f"{kind}: quiet_hours must be true or false")
        return cls(kind, str(data.get("label") or kind), parse_limit(data.get("first_response")),
                   parse_limit(data.get("progress")), parse_limit(data.get("completion")), quiet)

    @property
    def working_time(self) -> bool:
        """Whether time left on such tasks is best shown in working days."""
        return self.completion is not None and self.completion.unit in WORKING_UNITS


def _text(limit: Limit | None) -> str:
    return "none" if limit is None else str(limit)


def _p(kind: str, label: str, first: str, progress: str, completion: str, quiet: bool) -> Policy:
    return Policy(kind, label, parse_limit(first), parse_limit(progress), parse_limit(completion),
                  quiet)


# docs/sla.md. "At once" (即时) is read as 15 minutes for office work and 1 minute for
# calls and emergencies (响铃3声); docs/sla.md gives the reasoning for each row.
DEFAULT_POLICIES: tuple[Policy, ...] = (
    _p("general", "一般件", "2 working_hours", "10 natural_days", "10 natural_days", True),
    _p("urgent", "急件", "15 minutes", "none", "same_working_day", False),
    _p("leader_call", "领导来电（一般事项）", "1 minutes", "none", "10 minutes", False),
    _p("leader_call_special", "领导来电（特殊事项）", "1 minutes", "none", "3 hours", False),
    _p("emergency", "突发事件信息", "1 minutes", "instructed", "instructed", False),
    _p("draft_doc", "公文代拟", "none", "none", "3 natural_days", True),
    _p("minutes", "会议纪要", "none", "none", "2 natural_days", True),
    _p("consultation", "征求意见", "none", "none", "10 natural_days", True),
    _p("approval", "送审报批", "none", "none", "2 natural_days", True),
    _p("assigned", "领导/上级交办", "15 minutes", "instructed", "assigner", True),
    _p("supervision", "督查事项", "none", "instructed", "assigner", True),
)
DEFAULTS_BY_KIND = {policy.kind: policy for policy in DEFAULT_POLICIES}


@dataclass(frozen=True)
class Deadlines:
    """The instants a new task is held to; None where its policy runs no such timer."""

    first_response_due: datetime | None
    deadline: datetime | None
    progress_every: Limit | None


def due_after(limit: Limit | None, start: datetime, calendar: WorkCalendar) -> datetime | None:
    """When a timer started at `start` runs out; None for limits set by people."""
    if limit is None or limit.is_set_by_people:
        return None
    amount = limit.amount or 0
    match limit.unit:
        case "minutes":
            return start + timedelta(minutes=amount)
        case "hours":
            return start + timedelta(hours=amount)
        case "working_hours":
            return calendar.add_working_minutes(start, amount * 60)
        case "natural_days":
            return calendar.add_natural_days(start, amount)
        case "working_days":
            return calendar.add_working_days(start, amount)
        case "same_working_day":
            return calendar.end_of_working_day(start)
    raise ValueError(f"unknown unit {limit.unit!r}")


def deadline_for(
    policy: Policy,
    created_at: datetime,
    calendar: WorkCalendar,
    *,
    written: datetime | None = None,
    written_progress: Limit | None = None,
) -> Deadlines:
    """The deadlines of a task created at `created_at`, on its kind's policy.

    A deadline the requester wrote wins over the policy's; a kind whose limit is set by the
    assigner (交办, 督查) refuses to start without one. A first-response limit never falls
    after the deadline itself: nobody can be late to answer a task that is already due.
    """
    deadline = written or due_after(policy.completion, created_at, calendar)
    if deadline is None and policy.completion is not None and policy.completion.unit == "assigner":
        raise Refusal(f"「{policy.label}」的期限由交办人确定，请写明期限，"
                      "例如：3个工作日内、12月5日前。")
    first = due_after(policy.first_response, created_at, calendar)
    if first is not None and deadline is not None:
        first = min(first, deadline)
    progress = written_progress or policy.progress
    if progress is not None and progress.is_set_by_people:
        progress = None
    return Deadlines(first, deadline, progress)


@dataclass(frozen=True)
class OffHours:
    """A deadline nobody is at work to meet: on a day off (a weekend, a statutory holiday,
    the office's own day off), or outside the office day on a working day for a kind that
    counts working time (急件 due 今晚8点).

    `holiday` is the statutory holiday's name in chinesecalendar (`National Day`) for a day
    off within a holiday break; `earlier` is the last working instant before the deadline
    (下班 of the previous working day, or of the same day), None when that has passed.
    """

    deadline: datetime
    day_off: bool
    holiday: str | None
    earlier: datetime | None


def off_hours(deadline: datetime, policy: Policy, calendar: WorkCalendar,
              now: datetime) -> OffHours | None:
    """Whether a written deadline falls outside working time, and the working time before it.

    Days off are said out loud, but the deadline written is kept: only the writer knows
    whether Saturday was meant. A year without calendar data says nothing (it is refused
    elsewhere when working days are needed).
    """
    local = deadline.astimezone(SHANGHAI)
    try:
        working_day = calendar.is_working_day(local.date())
        clock = local.time().replace(tzinfo=None)
        outside = policy.working_time and not calendar.hours.within_office_day(clock)
        if working_day and not outside:
            return None
        earlier: datetime | None = calendar.last_working_instant(deadline)
    except CalendarDataMissing:
        return None
    holiday = None if working_day else calendar.holiday_name(local.date())
    return OffHours(deadline, not working_day, holiday,
                    earlier if earlier is not None and earlier > now else None)


def on_working_day(due: datetime, calendar: WorkCalendar) -> datetime:
    """A deadline the assistant computed, moved off a day off to the next working day at the
    same time of day (期间的最后一日是法定休假日的，以休假日结束的次日为最后一日); kept
    as it is where the calendar has no data."""
    local = due.astimezone(SHANGHAI)
    day = local.date()
    try:
        for _ in range(60):
            if calendar.is_working_day(day):
                return local.replace(year=day.year, month=day.month, day=day.day).astimezone(
                    due.tzinfo)
            day += timedelta(days=1)
    except CalendarDataMissing:
        pass
    return due
