"""The duty roster (值班表, docs/routing.md, regulation (二)): who is 带班, 值班 and 候班 when.

A roster arrives as a table (the admin's CSV or XLSX, read into header → cell dicts by
`webapp/`), is checked row by row (`parse_rows`, pure), resolved against the directory and
stored as one `DutyShift` per person and role (`import_rows`). `on_duty` answers who is on
duty at an instant; `describe_on_duty` is the chat reply to `值班`.

Times in the table are wall-clock Asia/Shanghai; stored instants are UTC. A shift belongs to
the date it starts on; an end at or before the start means the next day (`17:30-08:30` is a
night shift, `08:30-08:30` a 24-hour one).
"""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.calendar.workdays import SHANGHAI
from tasks.directory.lookup import find_department, find_person, person_by_userid
from tasks.markup import markdown_text
from tasks.models import Department, DutyShift, Person
from tasks.presentation.replies import contact
from tasks.vocabulary import WEEKDAY_NAMES

__all__ = [
    "ROLE_LABELS",
    "OnDuty",
    "RosterRow",
    "Shift",
    "describe_on_duty",
    "import_rows",
    "on_duty",
    "parse_date",
    "parse_rows",
    "shifts_starting_on",
]

ROLE_LABELS = {"lead": "带班", "duty": "值班", "standby": "候班"}
_ROLES = tuple(ROLE_LABELS)  # the order they are shown in
_T = TypeVar("_T")
OFFICE_LABEL = "全办"


# ---------------------------------------------------------------------------- parsing

# Each column's accepted headers; the first is the name used in messages.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "day": ("日期", "值班日期"),
    "start": ("开始", "开始时间"),
    "end": ("结束", "结束时间"),
    "shift": ("班次",),
    "department": ("部门", "科室"),
    "lead": ("带班", "带班领导", "带班人员"),
    "duty": ("值班", "值班人员", "值班员"),
    "standby": ("候班", "候班人员"),
}
_PEOPLE_SEPARATORS = re.compile(r"[、,，/／;；\s\u3000]+")


@dataclass(frozen=True)
class RosterRow:
    """One checked line of a roster: a shift and the names (or userids) written on it."""

    day: date
    start: time
    end: time
    department: str | None
    lead: tuple[str, ...]
    duty: tuple[str, ...]
    standby: tuple[str, ...]
    row: int = field(default=0, compare=False)  # the file's row number, for messages

    def span(self) -> tuple[datetime, datetime]:
        """The shift as UTC instants; an end at or before the start is on the next day."""
        starts = datetime.combine(self.day, self.start, tzinfo=SHANGHAI)
        ends = datetime.combine(self.day, self.end, tzinfo=SHANGHAI)
        if ends <= starts:
            ends += timedelta(days=1)
        return starts.astimezone(UTC), ends.astimezone(UTC)


def parse_rows(records: Sequence[Mapping[str, str]], year: int | None = None, *,
               first_row: int = 2) -> list[RosterRow]:
    """Check a roster table given as header → cell dicts, one per line after the header.

    `first_row` is the file's row number of `records[0]` (2 when the header is row 1); a
    line whose cells are all empty is skipped but counted. An empty 日期 repeats the date
    above it (a merged cell). `year` completes dates written without one (`11月24日`);
    without it they are refused. Every problem raises ValueError naming the row and column.
    """
    rows: list[RosterRow] = []
    columns: dict[str, str] | None = None
    previous_day: date | None = None
    for number, record in enumerate(records, start=first_row):
        cells = {str(k).strip().lstrip("\ufeff"): "" if v is None else str(v).strip()
                 for k, v in record.items() if k is not None}
        if not any(cells.values()):
            continue
        if columns is None:
            columns = _find_columns(cells.keys())
        day_text = _value(cells, columns, "day")
        if day_text:
            day = _cell(number, "日期", parse_date, day_text, year)
        elif previous_day is not None:
            day = previous_day
        else:
            raise ValueError(f"row {number}: 日期: empty")
        previous_day = day
        start, end = _hours(number, cells, columns)
        department = _value(cells, columns, "department") or None
        people = {role: _people(_value(cells, columns, role)) for role in _ROLES}
        if not any(people.values()):
            raise ValueError(f"row {number}: 带班/值班/候班: no one is named on this shift")
        _refuse_double_roles(number, people)
        rows.append(RosterRow(day, start, end, department, people["lead"], people["duty"],
                              people["standby"], row=number))
    return rows


def _find_columns(headers: Iterable[str]) -> dict[str, str]:
    present = set(headers)
    found = {key: next(h for h in names if h in present)
             for key, names in _COLUMNS.items() if any(h in present for h in names)}
    if "day" not in found:
        raise ValueError("header: missing column 日期")
    if not ({"start", "end"} <= found.keys() or "shift" in found):
        raise ValueError("header: missing columns 开始 and 结束 (or 班次)")
    if not any(role in found for role in _ROLES):
        raise ValueError("header: missing columns 带班, 值班 and 候班 (at least one is needed)")
    return found


def _value(cells: dict[str, str], columns: dict[str, str], key: str) -> str:
    return cells.get(columns[key], "") if key in columns else ""


def _cell(number: int, column: str, read: Callable[..., _T], *args: object) -> _T:
    """`read(*args)`, with a ValueError's message prefixed by the row and the column."""
    try:
        return read(*args)
    except ValueError as error:
        raise ValueError(f"row {number}: {column}: {error}") from None


_FULL_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_SHORT_DATE = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_MIDNIGHT = re.compile(r"[ T]00:00(:00(\.0+)?)?")
_WEEKDAY = re.compile(r"[（(]?\s*(?:周|星期|礼拜)([一二三四五六日天])\s*[)）]?")


def parse_date(text: str, year: int | None = None) -> date:
    """`2026-11-24`, `2026/11/24`, `2026年11月24日`, or `11月24日` given `year`.

    A weekday written after it (`11月24日（周二）`) must be the right one; a midnight time
    after it (a spreadsheet date, `2026-11-24 00:00:00`) is ignored.
    """
    original = text.strip()
    rest = original
    weekday = None
    if (match := _WEEKDAY.search(rest)) and not rest[match.end():].strip():
        weekday = WEEKDAY_NAMES.index(match.group(1).replace("天", "日"))
        rest = rest[:match.start()].strip()
    if (match := _MIDNIGHT.search(rest)) and not rest[match.end():].strip():
        rest = rest[:match.start()].strip()
    if match := _FULL_DATE.fullmatch(rest):
        numbers = int(match[1]), int(match[2]), int(match[3])
    elif match := _SHORT_DATE.fullmatch(rest):
        if year is None:
            raise ValueError(f"'{original}' has no year (give the year, e.g. --year 2026)")
        numbers = year, int(match[1]), int(match[2])
    else:
        raise ValueError(f"cannot read '{original}' (write e.g. 2026-11-24)")
    try:
        day = date(*numbers)
    except ValueError as error:
        raise ValueError(f"cannot read '{original}' ({error})") from None
    if weekday is not None and day.weekday() != weekday:
        raise ValueError(f"'{original}': {day.isoformat()} is a 周{WEEKDAY_NAMES[day.weekday()]}")
    return day


_TIME = re.compile(r"(\d{1,2})(?:\s*[:：点时]\s*(\d{1,2})?\s*分?(?:\s*[:：]\s*(\d{1,2}))?)?")
_SPAN = re.compile(r"(.*?\S)\s*(?:-|－|–|—|~|～|至|到)+\s*(次日|翌日)?\s*(\S.*)")


def _parse_time(text: str) -> time:
    """`8:30`, `08:30`, `08:30:00`, `8点30`, `8时30分`, `8点`; `24:00` is midnight."""
    match = _TIME.fullmatch(text.strip())
    if match is None or (match[2] is None and not re.search(r"[点时]", text)):
        raise ValueError(f"cannot read time '{text.strip()}' (write e.g. 08:30)")
    hour, minute = int(match[1]), int(match[2] or 0)
    if (hour, minute) == (24, 0):
        return time(0, 0)
    if hour > 23 or minute > 59 or int(match[3] or 0) > 59:
        raise ValueError(f"cannot read time '{text.strip()}' (write e.g. 08:30)")
    return time(hour, minute)


def _hours(number: int, cells: dict[str, str], columns: dict[str, str]) -> tuple[time, time]:
    start_text = _value(cells, columns, "start")
    end_text = _value(cells, columns, "end")
    if start_text or end_text or "shift" not in columns:
        if not start_text:
            raise ValueError(f"row {number}: 开始: empty")
        if not end_text:
            raise ValueError(f"row {number}: 结束: empty")
        return (_cell(number, "开始", _parse_time, start_text),
                _cell(number, "结束", _parse_time, end_text))
    return _cell(number, "班次", _parse_shift, _value(cells, columns, "shift"))


def _parse_shift(text: str) -> tuple[time, time]:
    """`白班 08:30-17:30`, `夜班 17:30-次日08:30`, `08:30-08:30` (24 hours)."""
    if not text:
        raise ValueError("empty (write e.g. 白班 08:30-17:30)")
    hours = re.sub(r"^[^\d]*", "", text)  # the shift's name, 白班 or 夜班, is only a label
    match = _SPAN.fullmatch(hours)
    if match is None:
        raise ValueError(f"cannot read '{text}' (write e.g. 白班 08:30-17:30)")
    try:
        return _parse_time(match[1]), _parse_time(match[3])
    except ValueError as error:
        raise ValueError(f"'{text}': {error}") from None


_OPEN, _CLOSE = re.compile(r"\s*[（(]\s*[@＠]?\s*"), re.compile(r"\s*[)）]")
_WITH_USERID = re.compile(r"(?P<name>[^()]+)\((?P<userid>[^()]+)\)")


def _people(text: str) -> tuple[str, ...]:
    """`李娜、马骏` → (李娜, 马骏); `王芳（wangfang）` names one of two 王芳 by account and is
    kept as `王芳(wangfang)`."""
    names: list[str] = []
    for name in _PEOPLE_SEPARATORS.split(_CLOSE.sub(")", _OPEN.sub("(", text))):
        name = name.strip().lstrip("@＠")
        if name and name not in names:
            names.append(name)
    return tuple(names)


def _refuse_double_roles(number: int, people: dict[str, tuple[str, ...]]) -> None:
    seen: dict[str, str] = {}
    for role in _ROLES:
        for name in people[role]:
            if name in seen:
                raise ValueError(f"row {number}: {ROLE_LABELS[role]}: {name} is already "
                                 f"{ROLE_LABELS[seen[name]]} on this shift")
            seen[name] = role


# ---------------------------------------------------------------------------- importing


def import_rows(session: Session, rows: Sequence[RosterRow], *, replace: bool,
                now: datetime) -> int:
    """Store checked rows as duty shifts; returns how many places (person × role) were added.

    Every name and department is resolved before anything changes, so one unknown or
    ambiguous name refuses the whole file. Importing is idempotent: a place identical to a
    stored one (same span, department, role and person) is not added twice. With `replace`,
    for every date in the rows, the stored shifts of the departments the rows list for that
    date (office-wide counting as one) and starting on that date are deleted first.
    `now` is the import's instant; shifts in the past are accepted (a roster kept for the
    record).
    """
    del now  # accepted for symmetry with the other imports; nothing depends on it yet
    departments: dict[str | None, int | None] = {None: None}
    planned: dict[tuple[datetime, datetime, int | None, str, int], None] = {}  # ordered set
    for row in rows:
        if row.department not in departments:
            departments[row.department] = _department_id(session, row)
        department_id = departments[row.department]
        starts_at, ends_at = row.span()
        roles: dict[int, str] = {}
        for role in _ROLES:
            for written in getattr(row, role):
                person = _resolve(session, row, role, written)
                if roles.setdefault(person.id, role) != role:
                    raise ValueError(f"row {row.row}: {ROLE_LABELS[role]}: {written} is already "
                                     f"{ROLE_LABELS[roles[person.id]]} on this shift")
                planned[(starts_at, ends_at, department_id, role, person.id)] = None
    if replace:
        scope = {(r.day, departments[r.department]) for r in rows}
        for shift in _stored_on({day for day, _ in scope}, session):
            if (_local_day(shift.starts_at), shift.department_id) in scope:
                session.delete(shift)
        session.flush()
    existing = _existing_places(session, planned)
    added = 0
    for starts_at, ends_at, department_id, role, person_id in planned:
        if (starts_at, ends_at, department_id, role, person_id) in existing:
            continue
        session.add(DutyShift(starts_at=starts_at, ends_at=ends_at, department_id=department_id,
                              role=role, person_id=person_id))
        added += 1
    session.flush()
    return added


def _department_id(session: Session, row: RosterRow) -> int | None:
    assert row.department is not None
    department = find_department(session, row.department)
    if department is None:
        names = "、".join(d.name for d in session.scalars(
            select(Department).where(Department.active).order_by(Department.id)))
        raise ValueError(f"row {row.row}: 部门: no department named {row.department} "
                         f"(known: {names}; leave it empty for the whole office)")
    # The top department is the office itself: its shifts are the office-wide ones.
    return None if department.parent_platform_id is None else department.id


def _resolve(session: Session, row: RosterRow, role: str, written: str) -> Person:
    where = f"row {row.row}: {ROLE_LABELS[role]}"
    if match := _WITH_USERID.fullmatch(written):
        person = person_by_userid(session, match["userid"])
        if person is None:
            raise ValueError(f"{where}: no one has the userid {match['userid']}")
        if person.name != match["name"]:
            raise ValueError(f"{where}: {match['userid']} is {contact(person)}, "
                             f"not {match['name']}")
        return person
    lookup = find_person(session, written)
    if lookup.person is not None:
        return lookup.person
    exact = [p for p in lookup.candidates if written in (p.name, p.userid)]
    if exact:
        options = "、".join(contact(p) for p in exact)
        example = f"{exact[0].name}({exact[0].userid})"
        raise ValueError(f"{where}: {written} is ambiguous: {options}; "
                         f"write the userid, e.g. {example}")
    hint = ("; did you mean " + "、".join(contact(p) for p in lookup.candidates)
            if lookup.candidates else "")
    raise ValueError(f"{where}: no one named {written} in the directory{hint}")


def _local_day(instant: datetime) -> date:
    return instant.astimezone(SHANGHAI).date()


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    starts = datetime.combine(day, time(0), tzinfo=SHANGHAI)
    return starts.astimezone(UTC), (starts + timedelta(days=1)).astimezone(UTC)


def _stored_on(days: Iterable[date], session: Session) -> list[DutyShift]:
    """The stored shifts that start on any of `days` (Shanghai dates)."""
    found: list[DutyShift] = []
    for day in sorted(days):
        lower, upper = _day_bounds(day)
        found.extend(session.scalars(select(DutyShift).where(
            DutyShift.starts_at >= lower, DutyShift.starts_at < upper)))
    return found


def _existing_places(session: Session, planned: Iterable[tuple]) -> set[tuple]:
    days = {_local_day(starts_at) for starts_at, *_ in planned}
    return {(s.starts_at, s.ends_at, s.department_id, s.role, s.person_id)
            for s in _stored_on(days, session)}


# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class OnDuty:
    """Who holds each role of the duty roster at one instant, for one department or the office."""

    lead: tuple[Person, ...] = ()
    duty: tuple[Person, ...] = ()
    standby: tuple[Person, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.lead or self.duty or self.standby)


@dataclass(frozen=True)
class Shift:
    """The stored places that share one span and department, grouped by role."""

    starts_at: datetime
    ends_at: datetime
    department: Department | None
    lead: tuple[Person, ...]
    duty: tuple[Person, ...]
    standby: tuple[Person, ...]

    @property
    def department_name(self) -> str:
        return self.department.name if self.department is not None else OFFICE_LABEL

    def hours(self) -> str:
        """`08:30—17:30`, or `17:30—次日08:30` across midnight."""
        starts, ends = self.starts_at.astimezone(SHANGHAI), self.ends_at.astimezone(SHANGHAI)
        days = (ends.date() - starts.date()).days
        prefix = "" if days == 0 else "次日" if days == 1 else f"{ends.month}月{ends.day}日 "
        return f"{starts:%H:%M}—{prefix}{ends:%H:%M}"


def on_duty(session: Session, now: datetime, department_id: int | None = None) -> OnDuty:
    """The people whose shifts cover `now` (starts_at <= now < ends_at) for that department,
    or the office-wide shifts when `department_id` is None; empty when nobody is rostered
    (callers fall back to the department's leaders or members)."""
    shifts = session.scalars(
        select(DutyShift)
        .where(DutyShift.starts_at <= now, DutyShift.ends_at > now,
               DutyShift.department_id.is_(None) if department_id is None
               else DutyShift.department_id == department_id)
        .order_by(DutyShift.starts_at, DutyShift.id)).all()
    return OnDuty(*(_people_in(shifts, role) for role in _ROLES))


def _people_in(shifts: Iterable[DutyShift], role: str) -> tuple[Person, ...]:
    people: list[Person] = []
    for shift in shifts:
        if shift.role == role and shift.person not in people:
            people.append(shift.person)
    return tuple(people)


def _grouped(shifts: Sequence[DutyShift]) -> list[Shift]:
    """Places grouped by span and department: office-wide first, then by department, then
    by start."""
    groups: dict[tuple, list[DutyShift]] = {}
    for shift in shifts:
        groups.setdefault((shift.department_id, shift.starts_at, shift.ends_at), []).append(shift)
    ordered = sorted(groups.items(), key=lambda item: (
        item[0][0] is not None, item[0][0] or 0, item[0][1], item[0][2]))
    return [Shift(starts_at, ends_at, places[0].department,
                  *(_people_in(places, role) for role in _ROLES))
            for (_, starts_at, ends_at), places in ordered]


def shifts_starting_on(session: Session, day: date) -> list[Shift]:
    """The roster of one date (Asia/Shanghai): every shift that starts on it."""
    places = sorted(_stored_on([day], session), key=lambda s: s.id)
    return _grouped(places)


def describe_on_duty(session: Session, now: datetime) -> str:
    """The reply to `值班`: who is 带班/值班/候班 now, office-wide first, then by department;
    when nobody is, the next shift."""
    current = session.scalars(
        select(DutyShift).where(DutyShift.starts_at <= now, DutyShift.ends_at > now)
        .order_by(DutyShift.id)).all()
    if current:
        lines = [f"现在值班（{_stamp(now)}）"]
        for shift in _grouped(current):
            lines.extend(_shift_lines(shift))
        return "\n".join(lines)
    following = session.scalar(
        select(DutyShift.starts_at).where(DutyShift.starts_at > now)
        .order_by(DutyShift.starts_at).limit(1))
    if following is None:
        return "现在没有排班，之后也没有排班。请管理员导入值班表（mashangban roster import）。"
    upcoming = session.scalars(
        select(DutyShift).where(DutyShift.starts_at == following).order_by(DutyShift.id)).all()
    lines = [f"现在没有排班。下一班：{_stamp(following)} 起"]
    for shift in _grouped(upcoming):
        lines.extend(_shift_lines(shift))
    return "\n".join(lines)


def _stamp(instant: datetime) -> str:
    local = instant.astimezone(SHANGHAI)
    return f"{local.month}月{local.day}日 周{WEEKDAY_NAMES[local.weekday()]} {local:%H:%M}"


def _shift_lines(shift: Shift) -> list[str]:
    starts = shift.starts_at.astimezone(SHANGHAI)
    lines = [f"【{markdown_text(shift.department_name)}】{starts.month}月{starts.day}日 "
             f"{shift.hours()}"]
    for role in _ROLES:
        people = getattr(shift, role)
        if people:
            lines.append(f"{ROLE_LABELS[role]}：" + "、".join(_mention(p) for p in people))
    return lines


def _mention(person: Person) -> str:
    """A person in the markdown reply to 值班: name and the account to @ them by."""
    return f"{markdown_text(person.name)}（@{markdown_text(person.userid)}）"
