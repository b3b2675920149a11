"""The morning digest and the supervisor summaries (docs/reports.md), through the sandbox.

A month of work is generated (a seeded random office: tasks created, offered, accepted,
closed, rated and flagged at known instants) and replayed into the database as the
office clock moves through November 2026; at chosen instants of each day the scheduled
reports job runs as the sweep would, a real worker sends what it queued, and each
person's chat in the sandbox is compared with what the month's figures say it must show.
The expected figures are computed here from the generated specs, independently of the
product's queries. The clock is frozen between steps: nothing depends on how fast the
machine is.
"""

import math
import random
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from tasks.calendar.office import set_day
from tasks.calendar.workdays import SHANGHAI
from tasks.messaging.outbox import queue_group_markdown
from tasks.models import (
    Closure,
    Department,
    OutboxMessage,
    Person,
    Rating,
    ReportRun,
    SupervisorGrant,
    Task,
    TaskFlag,
    TaskOffer,
)
from tasks.routing import leave
from tasks.vocabulary import RATING_LEVELS
from tests.clocks import FrozenClock
from tests.e2e.chat import Seen
from tests.e2e.platforms import EVERY_PLATFORM
from workers.jobs.reports import send_scheduled_reports
from workers.runtime import Runtime
from workers.sweep import sweep

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)

ROBOT_KEY = "693a91f6-7a0c-4bc4-97a0-0ec2b1fa5aaa"
DEPT_NAMES = {"1": "某市人民政府办公室", "2": "秘书科", "3": "综合科", "4": "督查科", "5": "信息科"}
HOLDERS = {"2": ["lina", "wangfang", "majun"], "3": ["yangfan", "zhaolei"],
           "4": ["wangfang2", "huangtao"], "5": ["zhengxue", "xuming"]}
SUPERVISORS = {"1": {"zhoujianguo", "liuyang"}, "2": {"zhangwei"}, "3": {"chenjing"},
               "4": {"sunli"}, "5": {"wuqiang", "huangtao"}}  # huangtao by a grant
EVERYONE = sorted({u for users in HOLDERS.values() for u in users}
                  | {u for users in SUPERVISORS.values() for u in users})
BAD = ("不满意", "非常不满意")
FLAG_NAMES = {"buck_passing": "推诿扯皮", "idle": "领而不办", "poor_work": "办而不力"}

MONTH = [date(2026, 11, 2) + timedelta(days=i) for i in range(30)]  # Mon 2 Nov .. Tue 1 Dec
DAY_OFF = date(2026, 11, 11)  # a local holiday on a Wednesday
EXTRA_WORKDAY = date(2026, 11, 14)  # a working Saturday
LATE_DAY = date(2026, 11, 18)  # workers down until 10:00, and again over 17:00 until 20:00
DOWN_DAY = date(2026, 11, 23)  # a Monday with no worker at all: its digest and daily are lost


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)


def working(day: date) -> bool:
    return day == EXTRA_WORKDAY or (day.weekday() < 5 and day != DAY_OFF)


class SteppedClock(FrozenClock):
    """The office clock, shared by product and sandbox, moved only by the test."""

    def epoch(self) -> float:
        return self.now.timestamp()


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock(local(date(2026, 11, 2), 7))


@pytest.fixture
def reports(office):
    """The office with a group robot for 综合科, huangtao granted supervision of 信息科, and
    the month's calendar corrections."""
    office.route_group("3", office.add_group(ROBOT_KEY, "综合科工作群"))
    with office.rt.sessions.begin() as session:
        now = office.rt.clock()
        set_day(session, DAY_OFF, False, "本地假日", now=now)
        set_day(session, EXTRA_WORKDAY, True, "调休上班", now=now)
        session.add(SupervisorGrant(person_id=_person(session, "huangtao").id,
                                    department_id=_department(session, "5").id, granted_at=now))
    return office


def _person(session, userid: str) -> Person:
    return session.scalar(select(Person).where(Person.userid == userid))


def _department(session, platform_id: str) -> Department:
    return session.scalar(select(Department).where(Department.platform_id == platform_id))


# -- the generated month ---------------------------------------------------------------------

@dataclass
class Spec:
    """One generated task and everything that happens to it, at known instants."""

    title: str
    dept: str
    holder: str  # for an offer: the member who will claim it
    offered: bool
    created: datetime
    deadline: datetime | None
    extended: bool  # an approved extension: the original deadline was a day earlier
    accepted: datetime | None
    closed: datetime | None
    rated: datetime | None
    level: str | None  # a level, "not_rated", or None while waiting
    flags: list[tuple[str, datetime]] = field(default_factory=list)
    id: int = 0

    @property
    def response_due(self) -> datetime:
        return self.created + timedelta(hours=4)

    @property
    def original_deadline(self) -> datetime | None:
        if self.deadline is None:
            return None
        return self.deadline - timedelta(days=1) if self.extended else self.deadline

    @property
    def first_response(self) -> int:
        assert self.accepted is not None
        return int((self.accepted - self.created).total_seconds() // 60)

    def open_at(self, t: datetime) -> bool:
        return self.created <= t and (self.closed is None or self.closed > t)

    def pending_at(self, t: datetime) -> bool:
        return self.accepted is None or self.accepted > t

    def rating_at(self, t: datetime) -> str:
        if self.rated is not None and self.rated <= t:
            return self.level or "asked"
        return "asked"


def generate_month() -> list[Spec]:
    rng = random.Random(6)
    specs = []
    for day in MONTH[:-1]:
        if not working(day):
            continue
        for dept, holders in HOLDERS.items():
            for holder in holders:
                for _ in range(rng.choice([0, 1, 1, 2])):
                    specs.append(_spec(rng, day, dept, holder, len(specs) + 1))
    return sorted(specs, key=lambda s: s.created)


def _spec(rng: random.Random, day: date, dept: str, holder: str, n: int) -> Spec:
    created = local(day, 9) + timedelta(minutes=rng.randint(0, 420))
    deadline = (None if rng.random() < 0.1 else
                local(day + timedelta(days=rng.choice([0, 1, 2, 3, 6])), 17, 30))
    offered = rng.random() < 0.15
    accepted = None if rng.random() < 0.15 else created + timedelta(minutes=rng.randint(5, 900))
    closed = (None if accepted is None or rng.random() < 0.25
              else accepted + timedelta(minutes=rng.randint(60, 5 * 24 * 60)))
    rated, level = None, None
    if closed is not None:
        roll = rng.random()
        if roll < 0.15:
            rated, level = closed + timedelta(days=3), "not_rated"
        elif roll >= 0.25:
            rated = closed + timedelta(minutes=rng.randint(30, 2000))
            level = rng.choice(RATING_LEVELS)
    spec = Spec(f"生成任务{n}号 关于{DEPT_NAMES[dept]}的事项", dept, holder, offered, created,
                deadline, deadline is not None and rng.random() < 0.1, accepted, closed,
                rated, level)
    if rng.random() < 0.12:
        spec.flags.append(("buck_passing", created + timedelta(minutes=30)))
    if accepted is not None and rng.random() < 0.1:
        spec.flags.append(("idle", accepted + timedelta(days=1)))
    if level in BAD and rated is not None:
        spec.flags.append(("poor_work", rated))
    return spec


class Replay:
    """Writes the month into the database event by event, as far as the clock has come."""

    def __init__(self, rt: Runtime, specs: list[Spec]):
        self.rt, self.specs = rt, specs
        events = []
        for index, spec in enumerate(specs):
            events.append((spec.created, 0, index, self._create))
            if spec.accepted is not None:
                events.append((spec.accepted, 1, index, self._accept))
            if spec.closed is not None:
                events.append((spec.closed, 2, index, self._close))
            if spec.rated is not None:
                events.append((spec.rated, 3, index, self._rate))
            for number, (_, at) in enumerate(spec.flags):
                events.append((at, 4 + number, index, self._flag))
        self.events = sorted(events, key=lambda e: e[:3])
        self.done = 0

    def until(self, t: datetime) -> None:
        with self.rt.sessions.begin() as session:
            people = {p.userid: p for p in session.scalars(select(Person))}
            depts = {d.platform_id: d for d in session.scalars(select(Department))}
            while self.done < len(self.events) and self.events[self.done][0] <= t:
                at, order, index, apply = self.events[self.done]
                apply(session, self.specs[index], people, depts, at, order)
                session.flush()
                self.done += 1

    def _create(self, session, spec, people, depts, at, _):
        holder = None if spec.offered else people[spec.holder]
        task = Task(title=spec.title, kind="general", state="pending",
                    requester_id=people["zhoujianguo"].id,
                    holder_id=holder.id if holder else None,
                    department_id=depts[spec.dept].id if spec.offered else None,
                    first_responder_id=holder.id if holder else None, policy={},
                    first_response_due=spec.response_due, deadline=spec.deadline,
                    original_deadline=spec.original_deadline, created_at=at, updated_at=at)
        session.add(task)
        session.flush()
        spec.id = task.id
        if spec.offered:
            for userid in HOLDERS[spec.dept]:
                session.add(TaskOffer(task_id=task.id, person_id=people[userid].id,
                                      offered_at=at))

    def _accept(self, session, spec, people, depts, at, _):
        task = session.get(Task, spec.id)
        task.holder_id = task.first_responder_id = people[spec.holder].id
        task.state, task.accepted_at = "accepted", at
        for offer in session.scalars(select(TaskOffer).where(TaskOffer.task_id == spec.id)):
            offer.withdrawn_at = at

    def _close(self, session, spec, people, depts, at, _):
        task = session.get(Task, spec.id)
        task.state, task.closed_at, task.result = "closed", at, "已办结"
        holder = people[spec.holder]
        closure = Closure(
            task_id=spec.id, round=0, closed_at=at, closed_by_id=holder.id, holder_id=holder.id,
            department_id=depts[spec.dept].id, result="已办结",
            first_response_minutes=spec.first_response,
            close_minutes=int((at - spec.created).total_seconds() // 60),
            deadline=spec.deadline, original_deadline=spec.original_deadline,
            on_time_original=None if spec.deadline is None else at <= spec.original_deadline,
            on_time_extended=None if spec.deadline is None else at <= spec.deadline,
            holder_times=[])
        session.add(closure)
        session.flush()
        session.add(Rating(task_id=spec.id, closure_id=closure.id, holder_id=holder.id,
                           requester_id=people["zhoujianguo"].id, state="asked", asked_at=at,
                           expires_at=at + timedelta(days=3)))

    def _rate(self, session, spec, people, depts, at, _):
        rating = session.scalar(select(Rating).where(Rating.task_id == spec.id))
        if spec.level == "not_rated":
            rating.state = "not_rated"
        else:
            rating.state, rating.level, rating.rated_at = "rated", spec.level, at

    def _flag(self, session, spec, people, depts, at, order):
        kind, _ = spec.flags[order - 4]
        session.add(TaskFlag(task_id=spec.id, flag=kind, key=f"gen-{order}", raised_at=at,
                             detail={}))


# -- what the month must show -------------------------------------------------------------------

def expected_digest(specs: list[Spec], userid: str, t: datetime) -> dict | None:
    """The digest sections of one person at `t`, as task ids in their order, or None."""
    mine = [s for s in specs if s.open_at(t) and (
        (s.holder == userid and not (s.offered and s.pending_at(t)))
        or (s.offered and s.pending_at(t) and userid in HOLDERS[s.dept]))]
    if not mine:
        return None
    today = t.astimezone(SHANGHAI).date()
    overdue = [s for s in mine if s.deadline is not None and s.deadline < t]
    due_today = [s for s in mine if s not in overdue and s.deadline is not None
                 and s.deadline.astimezone(SHANGHAI).date() == today]
    waiting = [s for s in mine if s not in overdue + due_today and s.pending_at(t)]
    by_deadline = lambda s: (s.deadline, s.id)  # noqa: E731
    return {"total": len(mine),
            "已超期": [s.id for s in sorted(overdue, key=by_deadline)],
            "今日到期": [s.id for s in sorted(due_today, key=by_deadline)],
            "等你接办": [s.id for s in sorted(waiting, key=lambda s: (s.response_due, s.id))],
            "later": len(mine) - len(overdue) - len(due_today) - len(waiting)}


def expected_summary(specs: list[Spec], dept: str, start: datetime, end: datetime,
                     now: datetime) -> list[str] | None:
    """The figure lines of a department's summary (and its overdue ids), or None if quiet."""
    mine = [s for s in specs if dept == "1" or s.dept == dept]
    new = [s for s in mine if start <= s.created < end]
    closed = [s for s in mine if s.closed is not None and start <= s.closed < end]
    open_now = [s for s in mine if s.open_at(now)]
    overdue = sorted((s for s in open_now if s.deadline is not None and s.deadline < now),
                     key=lambda s: (s.deadline, s.id))
    flags = {kind: sum(1 for s in mine for k, at in s.flags if k == kind and start <= at < end)
             for kind in FLAG_NAMES}
    if not (new or closed or open_now or sum(flags.values())):
        return None
    timed = [s for s in closed if s.deadline is not None]
    lines = [f"新增 {len(new)} 项，办结 {len(closed)} 项；"
             f"当前在办 {len(open_now)} 项，其中超期 {len(overdue)} 项"]
    if timed:
        ok = sum(1 for s in timed if s.closed <= s.original_deadline)
        ext = sum(1 for s in timed if s.closed <= s.deadline)
        lines.append(f"按期办结率：{_pct(ok, len(timed))}%（{ok}/{len(timed)}，按原定期限）；"
                     f"计入批准延期 {_pct(ext, len(timed))}%（{ext}/{len(timed)}）")
    else:
        lines.append("按期办结率：—（本期没有带期限的办结）")
    if closed:
        minutes = sorted(s.first_response for s in closed)
        p90 = minutes[math.ceil(0.9 * len(minutes)) - 1]
        lines.append(f"首次响应：平均 {_duration(sum(minutes) / len(minutes))}，"
                     f"P90 {_duration(p90)}（{len(minutes)} 项）")
    else:
        lines.append("首次响应：—（本期没有办结）")
    states = [s.rating_at(now) for s in closed]
    lines.append("满意度：" + "，".join(
        [f"{level} {states.count(level)}" for level in RATING_LEVELS]
        + [f"超时未评 {states.count('not_rated')}", f"待评价 {states.count('asked')}"]))
    lines.append("问题提示：" + "，".join(f"{FLAG_NAMES[k]} {n}" for k, n in flags.items()))
    lines.append(" ".join(f"#{s.id}" for s in overdue[:5]))
    return lines


def _pct(part: int, whole: int) -> int:
    return math.floor(100 * part / whole + 0.5)


def _duration(minutes: float) -> str:
    whole = math.floor(minutes + 0.5)
    days, hours, mins = whole // 1440, whole % 1440 // 60, whole % 60
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{mins}分钟" if mins else f"{hours}小时"
    return f"{mins}分钟"


def summary_lines(text: str) -> list[str]:
    """The figure lines of a summary as sent (lines 3–7) and its overdue ids."""
    lines = text.split("\n")
    overdue = re.findall(r"^> #(\d+) ", text, flags=re.M)
    return lines[2:7] + [" ".join(f"#{n}" for n in overdue)]


def digest_sections(text: str) -> dict:
    found: dict = {"later": 0}
    section = None
    for line in text.split("\n"):
        if m := re.fullmatch(r"\*\*(已超期|今日到期|等你接办) (\d+) 项\*\*", line):
            section = m.group(1)
            found[section] = int(m.group(2))
            found[section + " ids"] = []
        elif m := re.match(r"> #(\d+) ", line):
            found[section + " ids"].append(int(m.group(1)))
        elif m := re.fullmatch(r"另有 (\d+) 项在办，未到期。", line):
            found["later"] = int(m.group(1))
        elif m := re.search(r"你有 (\d+) 项任务未办结", line):
            found["total"] = int(m.group(1))
    return found


def _robot(rt: Runtime) -> str:
    """What the settings name 综合科's group chat by (WeCom's webhook key, DingTalk's
    openConversationId)."""
    [platform] = rt.settings.platforms
    [(_, key)] = rt.settings.rules.group_chats(platform, "3")
    return key


# -- running the office ------------------------------------------------------------------------

class Chats:
    """What each member and the robot's group have received so far, to read what is new."""

    def __init__(self, office):
        self.office = office
        self.seen: dict[str, int] = {}

    def new(self, userid: str) -> list[Seen]:
        messages = self.office.received(userid)
        fresh = messages[self.seen.get(userid, 0):]
        self.seen[userid] = len(messages)
        return fresh

    def new_robot(self) -> list[Seen]:
        messages = self.office.group_posts(ROBOT_KEY)
        fresh = messages[self.seen.get("robot", 0):]
        self.seen["robot"] = len(messages)
        return fresh


def ticks(day: date) -> list[datetime]:
    if day == DOWN_DAY:
        return []
    if day == LATE_DAY:
        return [local(day, 10), local(day, 10, 1), local(day, 20)]
    return [local(day, 8, 29), local(day, 8, 30), local(day, 8, 31), local(day, 16, 59),
            local(day, 17), local(day, 17, 1)]


def _outbox_count(rt: Runtime) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count(OutboxMessage.id)))


def _first_working_day_of_week(day: date) -> date:
    monday = day - timedelta(days=day.weekday())
    return next(monday + timedelta(days=i) for i in range(7) if working(monday + timedelta(days=i)))


def expected_at(specs: list[Spec], t: datetime, sent: set[tuple[str, str]]) -> dict:
    """Who must get what at tick `t`: {userid: [("digest", sections) | (heading, lines)]}."""
    day = t.astimezone(SHANGHAI).date()
    clock = t.astimezone(SHANGHAI).time()
    due: dict[str, list] = {u: [] for u in [*EVERYONE, "robot"]}
    if not working(day):
        return due
    if clock >= time(8, 30) and ("digest", day.isoformat()) not in sent:
        sent.add(("digest", day.isoformat()))
        for userid in EVERYONE:
            sections = expected_digest(specs, userid, t)
            if sections is not None:
                due[userid].append(("digest", sections))
    monday = day - timedelta(days=day.weekday())
    if (day > _first_working_day_of_week(day) or clock >= time(8, 30)) \
            and ("weekly", monday.isoformat()) not in sent:
        sent.add(("weekly", monday.isoformat()))
        start, end = local(monday - timedelta(days=7), 0), local(monday, 0)
        first = monday - timedelta(days=7)
        for dept, name in DEPT_NAMES.items():
            lines = expected_summary(specs, dept, start, end, t)
            if lines is None:
                continue
            last = first + timedelta(days=6)
            heading = (f"**【督办周报】{name}**（{first.month}月{first.day}日—"
                       f"{last.month}月{last.day}日）")
            for userid in [*SUPERVISORS[dept], *(["robot"] if dept == "3" else [])]:
                due[userid].append((heading, lines))
    if clock >= time(17) and ("daily", day.isoformat()) not in sent:
        sent.add(("daily", day.isoformat()))
        previous = next(day - timedelta(days=i) for i in range(1, 30)
                        if working(day - timedelta(days=i)))
        start, end = local(previous, 17), local(day, 17)
        for dept, name in DEPT_NAMES.items():
            lines = expected_summary(specs, dept, start, end, t)
            if lines is None:
                continue
            weekday = "一二三四五六日"[day.weekday()]
            heading = f"**【督办日报】{name}**（{day.month}月{day.day}日 周{weekday}）"
            for userid in [*SUPERVISORS[dept], *(["robot"] if dept == "3" else [])]:
                due[userid].append((heading, lines))
    return due


def check_received(office, chats: Chats, expected: dict) -> int:
    """Compare each chat's new messages with what was due; returns how many arrived."""
    arrived = 0
    for userid, wanted in expected.items():
        fresh = chats.new_robot() if userid == "robot" else chats.new(userid)
        arrived += len(fresh)
        texts = [m for m in fresh if m.kind == "markdown"]
        images = [m for m in fresh if m.kind == "image"]
        assert len(texts) == len(wanted), (userid, [m.text[:40] for m in texts], wanted)
        summaries = 0
        for message, (kind, figures) in zip(texts, wanted, strict=True):
            if kind == "digest":
                check_digest(message.text, figures, userid, office.max_content_bytes)
            else:
                summaries += 1
                assert message.text.startswith(kind), (userid, message.text[:60])
                assert summary_lines(message.text) == figures, (userid, kind)
                following = fresh[fresh.index(message) + 1]
                assert following.kind == "image", "the chart follows its summary"
        assert len(images) == summaries, userid
    return arrived


def check_digest(text: str, want: dict, userid: str, most_bytes: int) -> None:
    got = digest_sections(text)
    assert got["total"] == want["total"], (userid, text)
    assert got["later"] == want["later"], (userid, text)
    for section in ("已超期", "今日到期", "等你接办"):
        assert got.get(section, 0) == len(want[section]), (userid, section, text)
        assert got.get(section + " ids", []) == want[section][:5], (userid, section, text)
    assert len(text.encode()) <= most_bytes


def test_a_month_of_digests_and_summaries_reaches_exactly_the_right_people(reports):
    office, rt = reports, reports.rt
    specs = generate_month()
    replay, chats, sent = Replay(rt, specs), Chats(reports), set()
    images_seen = 0
    for day in MONTH:
        for t in ticks(day):
            replay.until(t)
            rt.clock.now = t
            before = _outbox_count(rt)
            queued = send_scheduled_reports(rt)
            assert send_scheduled_reports(rt) == 0, "a second run at once sends nothing"
            expected = expected_at(specs, t, sent)
            due = sum(len(v) for v in expected.values())
            if not due:
                assert queued == 0 and _outbox_count(rt) == before, t
                continue
            office.work()
            arrived = check_received(office, chats, expected)
            assert arrived == queued, t
            images_seen += sum(1 for wanted in expected.values() for k, _ in wanted
                               if k != "digest")
    assert images_seen > 100

    with rt.sessions() as session:
        runs = {(r.name, r.period) for r in session.scalars(select(ReportRun))}
    digests = {p for n, p in runs if n == "digest"}
    worked = [d for d in MONTH if working(d) and d != DOWN_DAY]
    assert digests == {d.isoformat() for d in worked}
    assert {p for n, p in runs if n == "summary-daily"} == {d.isoformat() for d in worked}
    assert {p for n, p in runs if n == "summary-weekly"} == {
        "2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48"}
    failed = [c for c in office.sent_calls("group") + office.sent_calls("message")
              if not c.ok]
    assert failed == []


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _seed(rt: Runtime, specs: list[Spec], until: datetime) -> None:
    Replay(rt, specs).until(until)


def _task(title: str, dept: str, holder: str, created: datetime, **extra) -> Spec:
    fields = {"offered": False, "deadline": None, "extended": False, "accepted": None,
              "closed": None, "rated": None, "level": None, **extra}
    return Spec(title, dept, holder, created=created, **fields)


TUESDAY = date(2026, 11, 24)


def _office_ran_on_monday_morning(rt: Runtime) -> None:
    """The office was running on Monday 23 at 08:30 (with nothing to report yet), so
    last week's summary is not still due when a test's Tuesday comes."""
    rt.clock.now = local(TUESDAY - timedelta(days=1), 8, 30)
    assert send_scheduled_reports(rt) == 0


def test_the_digest_lists_overdue_due_today_and_waiting_work_with_time_left(reports):
    office, rt = reports, reports.rt
    monday = local(TUESDAY - timedelta(days=1), 9)
    specs = [
        _task("整理会议纪要", "2", "lina", monday, deadline=local(TUESDAY, 17, 30),
              accepted=monday + timedelta(minutes=10)),
        _task("报送值班表", "2", "lina", monday, deadline=local(TUESDAY - timedelta(days=1), 17),
              accepted=monday + timedelta(minutes=20)),
        _task("核对来文", "2", "lina", monday + timedelta(hours=23),
              deadline=local(TUESDAY + timedelta(days=2), 17, 30)),
        _task("起草年度工作总结", "2", "lina", monday,
              deadline=local(TUESDAY + timedelta(days=9), 17),
              accepted=monday + timedelta(minutes=5)),
        _task("借用三楼会议室", "2", "wangfang", monday + timedelta(hours=22), offered=True),
        _task("已经办完的事", "3", "yangfan", monday, accepted=monday,
              closed=monday + timedelta(hours=1)),
    ]
    _office_ran_on_monday_morning(rt)
    _seed(rt, specs, local(TUESDAY, 8, 30))
    rt.clock.now = local(TUESDAY, 8, 30)

    send_scheduled_reports(rt)
    office.work()

    today, overdue, fresh, _, offered, _ = (s.id for s in specs)
    assert office.last_reply("lina") == (
        "**今日待办提醒**（11月24日 周二）\n"
        "李娜，你有 5 项任务未办结：\n"
        "**已超期 1 项**\n"
        f"> #{overdue} 报送值班表｜办理中｜11月23日 17:00 周一（已超期15小时30分钟）\n"
        "**今日到期 1 项**\n"
        f"> #{today} 整理会议纪要｜办理中｜11月24日 17:30 周二（剩余9小时）\n"
        "**等你接办 2 项**\n"
        f"> #{offered} 借用三楼会议室｜待认领｜接办时限剩余2小时30分钟\n"
        f"> #{fresh} 核对来文｜待接办｜接办时限剩余3小时30分钟\n"
        "另有 1 项在办，未到期。\n"
        "发送「我的」查看全部；接办 #编号，进展 #编号 说明，办结 #编号 结果。")
    assert "你有 1 项任务未办结" in office.last_reply("majun"), "offered to all of 秘书科"
    for nobody in ("yangfan", "zhangwei", "zhoujianguo", "chenjing"):
        assert office.replies(nobody) == [], f"{nobody} has nothing open"


def test_someone_on_leave_gets_no_digest_and_their_backup_sees_their_work(reports):
    office, rt = reports, reports.rt
    monday = local(TUESDAY - timedelta(days=1), 9)
    specs = [_task("报送值班表", "2", "lina", monday, deadline=local(TUESDAY, 17),
                   accepted=monday + timedelta(minutes=5)),
             _task("核对来文", "2", "wangfang", monday, deadline=local(TUESDAY, 17, 30),
                   accepted=monday + timedelta(minutes=5))]
    _office_ran_on_monday_morning(rt)
    _seed(rt, specs, local(TUESDAY, 8))
    with rt.sessions.begin() as session:
        lina, wangfang = (session.scalar(select(Person).where(Person.userid == userid))
                          for userid in ("lina", "wangfang"))
        leave.start(session, lina, local(TUESDAY + timedelta(days=3), 17, 30), wangfang,
                    "年休假", now=local(TUESDAY, 8), by=lina)
    rt.clock.now = local(TUESDAY, 8, 30)

    send_scheduled_reports(rt)
    office.work()

    assert office.replies("lina") == [], "nobody is chased while on leave"
    digest = office.last_reply("wangfang")
    assert "王芳，你有 2 项任务未办结" in digest
    assert f"> #{specs[0].id} 报送值班表｜办理中（代李娜）｜" in digest
    assert f"> #{specs[1].id} 核对来文｜办理中｜" in digest


def test_a_summary_states_its_figures_and_sends_its_chart_as_an_image(reports):
    office, rt = reports, reports.rt
    start = local(TUESDAY - timedelta(days=1), 17)
    specs = []
    for n, (response, closed_after, level) in enumerate(
            [(10, 60, "非常满意"), (20, 90, "满意"), (30, 30 * 60, "不满意"),
             (40, 120, None), (200, 300, "not_rated")]):
        created = start + timedelta(hours=15, minutes=n)
        accepted = created + timedelta(minutes=response)
        closed = accepted + timedelta(minutes=closed_after)
        specs.append(_task(f"信息报送{n + 1}", "5", "zhengxue", created,
                           deadline=created + timedelta(hours=3), extended=n == 2,
                           accepted=accepted, closed=closed,
                           rated=closed + timedelta(minutes=5) if level else None, level=level))
    # closed late against its original deadline, on time against the approved extension
    specs[2].created = local(TUESDAY - timedelta(days=1), 9)  # before the period
    specs[2].accepted = specs[2].created + timedelta(minutes=30)
    specs[2].deadline = local(TUESDAY, 12)  # extended by a day: originally Monday 12:00
    specs[2].closed = local(TUESDAY, 10)
    specs[2].rated = specs[2].closed + timedelta(minutes=5)
    specs.append(_task("网站栏目更新", "5", "xuming", start + timedelta(hours=16),
                       deadline=start + timedelta(hours=18)))
    specs[-1].flags.append(("buck_passing", start + timedelta(hours=16, minutes=1)))
    _office_ran_on_monday_morning(rt)
    _seed(rt, specs, local(TUESDAY, 17))
    rt.clock.now = local(TUESDAY, 17)

    send_scheduled_reports(rt)
    office.work()

    [text, image] = office.received("wuqiang")
    assert text.text.split("\n")[:7] == [
        "**【督办日报】信息科**（11月24日 周二）",
        "统计时段：11月23日 17:00 至 11月24日 17:00",
        "新增 5 项，办结 5 项；当前在办 1 项，其中超期 1 项",
        "按期办结率：60%（3/5，按原定期限）；计入批准延期 80%（4/5）",
        "首次响应：平均 1小时，P90 3小时20分钟（5 项）",
        "满意度：非常满意 1，满意 1，基本满意 0，不满意 1，非常不满意 0，超时未评 1，待评价 1",
        "问题提示：推诿扯皮 1，领而不办 0，办而不力 0",
    ]
    assert f"> #{specs[-1].id} 网站栏目更新｜徐明｜" in text.text
    assert image.kind == "image"
    assert _png_size(office.image(image)) == (640, 320)
    assert office.sent_calls("upload")[0].ok
    assert office.replies("huangtao") == [text.text], \
        "granted supervision of 信息科, huangtao gets its summary (and holds nothing)"
    assert [m.kind for m in office.transcript("huangtao")] == ["markdown", "image"]
    root = office.replies("zhoujianguo")[0]
    assert root.startswith("**【督办日报】某市人民政府办公室**") and "新增 5 项，办结 5 项" in root
    for nobody in ("zhangwei", "chenjing", "sunli"):
        assert office.replies(nobody) == [], f"{nobody}'s department was quiet"


def test_nothing_is_sent_on_a_day_off_and_a_missed_digest_goes_late_the_same_day(reports):
    office, rt = reports, reports.rt
    saturday = date(2026, 11, 21)
    _seed(rt, [_task("周末值守", "2", "lina", local(saturday - timedelta(days=1), 9),
                     deadline=local(saturday + timedelta(days=3), 17))], local(saturday, 8))
    for hour in (8, 9, 17, 23):
        rt.clock.now = local(saturday, hour, 30)
        assert send_scheduled_reports(rt) == 0

    rt.clock.now = local(TUESDAY, 15)  # workers were down all morning
    send_scheduled_reports(rt)
    office.work()
    assert len(office.replies("lina")) == 1
    rt.clock.now = local(TUESDAY, 15, 1)
    assert send_scheduled_reports(rt) == 0


def test_many_workers_checking_at_once_send_each_report_once(reports):
    office, rt = reports, reports.rt
    _seed(rt, [_task("核对来文", "3", "yangfan", local(TUESDAY, 9),
                     deadline=local(TUESDAY, 12))], local(TUESDAY, 17))
    rt.clock.now = local(TUESDAY, 17)
    workers = [Runtime(rt.settings, clock=rt.clock, _engine=rt.engine) for _ in range(4)]
    barrier, results = threading.Barrier(len(workers)), []

    def check(worker: Runtime) -> None:
        barrier.wait()
        results.append(send_scheduled_reports(worker))

    threads = [threading.Thread(target=check, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    office.work()

    with rt.sessions() as session:
        runs = session.scalars(select(ReportRun)).all()
    assert sorted(r.name for r in runs) == ["digest", "summary-daily", "summary-weekly"]
    assert sum(results) == sum(r.messages for r in runs) == _outbox_count(rt)
    # last week's summary (late: its Monday had no worker) and today's, once each
    assert [m.kind for m in office.transcript("chenjing")] == ["markdown", "image"] * 2
    assert len(office.replies("yangfan")) == 1  # the digest


def test_the_robot_gets_the_summary_and_its_chart_and_is_kept_under_twenty_a_minute(reports):
    office, rt = reports, reports.rt
    _office_ran_on_monday_morning(rt)
    _seed(rt, [_task("核对来文", "3", "yangfan", local(TUESDAY, 9),
                     deadline=local(TUESDAY, 12))], local(TUESDAY, 17))
    rt.clock.now = local(TUESDAY, 17)
    send_scheduled_reports(rt)
    office.work()
    chats = Chats(office)
    [text, image] = chats.new_robot()
    assert text.kind == "markdown" and text.text.startswith("**【督办日报】综合科**")
    assert _png_size(office.image(image)) == (640, 320)

    with rt.sessions.begin() as session:  # a burst: 25 more posts for the same robot
        for n in range(25):
            queue_group_markdown(session, _robot(rt), f"第{n + 1}条", now=rt.clock(),
                                 platform=office.platform)
    office.rt.clock.advance(seconds=61)
    sweep(rt)
    office.work()
    first = chats.new_robot()
    assert [m.text for m in first] == [f"第{n + 1}条" for n in range(20)]

    rt.clock.advance(seconds=70)  # the twenty have left the minute, and the sweep's grace
    sweep(rt)
    office.work()
    assert [m.text for m in chats.new_robot()] == [f"第{n + 1}条" for n in range(20, 25)]
    assert all(c.ok for c in office.sent_calls("group")), "none refused"


def test_a_refused_robot_post_is_retried_when_throttled_and_failed_when_unknown(reports):
    office, rt = reports, reports.rt
    office.fault("rate_limited", kind="group")
    with rt.sessions.begin() as session:
        queue_group_markdown(session, _robot(rt), "限流后重试", now=rt.clock(),
                             platform=office.platform)
        queue_group_markdown(session, "no-such-robot", "错误的机器人", now=rt.clock(),
                             platform=office.platform)
    rt.clock.advance(seconds=6)
    sweep(rt)
    office.work()

    with rt.sessions() as session:
        rows = {r.body["text"]: r for r in session.scalars(select(OutboxMessage))}
    unknown = rows["错误的机器人"]
    assert unknown.state == "failed"
    assert office.code("unknown_group", kind="group") in unknown.last_error
    assert "no-such-robot" not in rows["错误的机器人"].recipient, "the key is not shown"
    throttled = rows["限流后重试"]
    assert throttled.state == "pending"
    assert office.code("rate_limited", kind="group") in throttled.last_error
    assert throttled.next_attempt_at >= rt.clock() + timedelta(seconds=59)

    rt.clock.advance(seconds=66)
    sweep(rt)
    office.work()
    assert [m.text for m in Chats(office).new_robot()] == ["限流后重试"]
