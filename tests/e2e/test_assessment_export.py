"""Assessment records (平时考核记载): `mashangban report assess` against a real database.

The records are inserted directly (directory, tasks, ledger, closures, ratings, audit
events), as the product would have left them; the command writes .xlsx and .csv, and the
numbers are read back from the files. A generated office checks every figure against
expectations computed here, simply, from the generator's own story of each task; a small
hand-written office pins the rules people would argue about (period boundaries in Shanghai
time, 补位, bounces, extensions, ratings, sub-departments).
"""

import csv
import random
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from tasks.calendar.workdays import SHANGHAI, WorkCalendar
from tasks.models import (
    Closure,
    Department,
    Extension,
    Holding,
    Membership,
    Person,
    Rating,
    Task,
    TaskEvent,
)
from tasks.reports.assessment import Period, assess
from tasks.vocabulary import RATING_LEVELS
from tests.conftest import make_settings
from webapp.cli.main import main

NOW = datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI)  # the report is made after the periods
NOVEMBER = ("2026-11-01", "2026-11-30")
P_START = datetime(2026, 11, 1, tzinfo=SHANGHAI)
P_END = datetime(2026, 12, 1, tzinfo=SHANGHAI)


def sh(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


# ------------------------------------------------------------------------------- fixtures


@pytest.fixture
def cli(db, var_dir, database_url, redis_url, monkeypatch, capsys):
    """`mashangban ARGS…` in-process on the test database, with the clock at NOW."""
    settings = make_settings(var_dir, database_url, redis_url)
    for name, value in settings.raw.items():
        monkeypatch.setenv(f"MASHANGBAN_{name}", value)
    monkeypatch.setattr("webapp.cli.common.now", lambda: NOW.astimezone(UTC))

    def run(*args: str) -> tuple[int, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    return run


class Builder:
    """Rows as the product writes them, with only what the assessment reads."""

    def __init__(self, session) -> None:
        self.session = session
        self.count = 0

    def department(self, platform_id: str, name: str, parent: str | None = None) -> Department:
        department = Department(platform_id=platform_id, name=name, parent_platform_id=parent)
        self.session.add(department)
        self.session.flush()
        return department

    def person(self, userid: str, name: str, *departments: Department,
               active: bool = True) -> Person:
        person = Person(userid=userid, name=name, active=active)
        self.session.add(person)
        self.session.flush()
        for department in departments:
            self.session.add(Membership(person_id=person.id, department_id=department.id))
        return person

    def task(self, requester: Person, created: datetime, *, first_response: str = "15 minutes",
             deadline: datetime | None = None, original: datetime | None = None,
             state: str = "accepted") -> Task:
        self.count += 1
        task = Task(title=f"任务{self.count}", kind="urgent", state=state,
                    requester_id=requester.id, created_at=created, updated_at=created,
                    deadline=deadline, original_deadline=original,
                    policy={"label": "急件", "first_response": first_response,
                            "progress": "none", "completion": "none", "quiet_hours": False})
        self.session.add(task)
        self.session.flush()
        return task

    def hold(self, task: Task, person: Person, start: datetime, *,
             accepted: datetime | None = None, ended: datetime | None = None,
             ended_by: str | None = None, stand_in_for: Person | None = None) -> None:
        self.session.add(Holding(task_id=task.id, person_id=person.id, started_at=start,
                                 accepted_at=accepted, ended_at=ended, ended_by=ended_by,
                                 stand_in_for_id=stand_in_for.id if stand_in_for else None))

    def event(self, task: Task, action: str, at: datetime, **detail: str) -> None:
        self.session.add(TaskEvent(task_id=task.id, at=at, action=action, channel="chat",
                                   detail=detail))

    def close(self, task: Task, holder: Person, at: datetime, *, round_: int = 0,
              deadline: datetime | None, original: datetime | None) -> Closure:
        first = original or deadline
        closure = Closure(
            task_id=task.id, round=round_, closed_at=at, holder_id=holder.id, result="已办结",
            close_minutes=int((at - task.created_at).total_seconds() // 60),
            deadline=deadline, original_deadline=first,
            on_time_original=None if first is None else at <= first,
            on_time_extended=None if deadline is None else at <= deadline)
        self.session.add(closure)
        self.session.flush()
        return closure

    def rate(self, closure: Closure, requester: Person, state: str, level: str | None = None,
             followup: str | None = None) -> None:
        self.session.add(Rating(
            task_id=closure.task_id, closure_id=closure.id, requester_id=requester.id,
            holder_id=closure.holder_id, state=state, level=level, followup=followup,
            asked_at=closure.closed_at, expires_at=closure.closed_at + timedelta(days=3)))

    def extension(self, task: Task, by: Person, previous: datetime, wanted: datetime,
                  decided: datetime) -> None:
        self.session.add(Extension(task_id=task.id, requested_by_id=by.id,
                                   requested_at=decided - timedelta(hours=1),
                                   previous_deadline=previous, requested_deadline=wanted,
                                   reason="等待数据", state="approved", decided_at=decided))


def office(b: Builder) -> dict[str, object]:
    """办公室 › 秘书科, 综合科 › 信息组, 督查科; 16 people, one in two departments, one gone."""
    top = b.department("1", "市政府办公室")
    secretariat = b.department("2", "秘书科", "1")
    general = b.department("3", "综合科", "1")
    it = b.department("5", "信息组", "3")
    inspection = b.department("4", "督查科", "1")
    units = [secretariat, general, it, inspection]
    people = [b.person(f"u{i:02d}", f"人员{i:02d}", units[i % 4]) for i in range(14)]
    people.append(b.person("both", "两科人员", secretariat, inspection))
    people.append(b.person("gone", "已离职", active=False))
    leader = b.person("lead", "主任", top)
    return {"top": top, "secretariat": secretariat, "general": general, "it": it,
            "inspection": inspection, "people": people, "leader": leader}


# -------------------------------------------------------------------- reading the exports


def read_xlsx(path: Path) -> dict[str, dict[str, dict[str, object]]]:
    """Sheet → key (账号 or 部门编号) → header → cell value, as Excel stores it."""
    workbook = load_workbook(path)
    out: dict[str, dict[str, dict[str, object]]] = {}
    for name, key in (("个人", "账号"), ("部门", "部门编号")):
        rows = list(workbook[name].iter_rows(values_only=True))
        headers = rows[1]
        out[name] = {str(dict(zip(headers, row, strict=True))[key]):
                     dict(zip(headers, row, strict=True)) for row in rows[2:]}
    return out


def read_csv(path: Path) -> dict[str, dict[str, dict[str, object]]]:
    """The same shape from the CSV: rates back to fractions, counts to ints."""
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM, so Excel reads UTF-8
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out: dict[str, dict[str, dict[str, object]]] = {"个人": {}, "部门": {}}
    for row in rows:
        out[row["层级"]][row["编号"]] = {k: _number(v) for k, v in row.items()}
    return out


def _number(text: str) -> object:
    if text == "":
        return None
    if text.endswith("%"):
        return float(text[:-1]) / 100
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


# ------------------------------------------------------------------ the generated office


@dataclass
class Stretch:
    person: Person
    start: datetime
    accepted: datetime | None = None
    ended: datetime | None = None
    ended_by: str | None = None
    stand_in: Person | None = None
    bounced_in: bool = False  # the transfer that started this stretch was a bounce


@dataclass
class Story:
    """One generated task, kept in memory so the expectations need no SQL."""

    created: datetime
    limit: int | None  # first-response minutes
    d0: datetime | None
    extension: tuple[datetime, datetime] | None  # (decided at, new deadline)
    stretches: list[Stretch] = field(default_factory=list)
    close: tuple[datetime, Person] | None = None
    rating: tuple[str, str | None, str | None] | None = None  # state, level, followup
    chases: list[datetime] = field(default_factory=list)

    @property
    def deadline(self) -> datetime | None:
        return self.extension[1] if self.extension else self.d0

    def deadline_at(self, instant: datetime) -> datetime | None:
        if self.extension and self.extension[0] <= instant:
            return self.extension[1]
        return self.d0

    def holder_at(self, instant: datetime) -> Person | None:
        for s in self.stretches:
            if s.start <= instant and (s.ended is None or s.ended > instant):
                return s.person
        return None


def generate(b: Builder, rng: random.Random, people: list[Person], requester: Person,
             count: int) -> list[Story]:
    """Tasks from late October to early December: transfers, bounces, 补位, extensions,
    closes, cancels, open work, chases and every kind of rating."""
    stories = []
    for _ in range(count):
        created = sh(10, 25) + timedelta(minutes=rng.randint(0, 42 * 24 * 60))
        story = Story(created=created, limit=rng.choice([15, 60, 120, None]),
                      d0=created + timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 9))
                      if rng.random() < 0.85 else None, extension=None)
        t, person, holders = created, rng.choice(people), []
        hands = rng.choice([1, 1, 2, 3])
        for index in range(hands):
            stretch = Stretch(person, t, stand_in=rng.choice(people)
                              if rng.random() < 0.1 else None,
                              bounced_in=person.id in holders)
            story.stretches.append(stretch)
            holders.append(person.id)
            offset = rng.randint(1, 240)
            respond = t + timedelta(minutes=offset)
            if index < hands - 1:  # passed on, sometimes after accepting it first
                stretch.accepted = t + timedelta(minutes=rng.randint(0, offset)) \
                    if rng.random() < 0.4 else None
                stretch.ended, stretch.ended_by = respond, "transferred"
                earlier = [p for p in people if p.id in holders and p.id != person.id]
                person = rng.choice(earlier) if earlier and rng.random() < 0.4 else \
                    rng.choice([p for p in people if p.id != person.id])
                t = respond
                continue
            fate = rng.random()
            if fate < 0.6:
                stretch.accepted = respond if rng.random() < 0.7 else None
                closed = respond + timedelta(minutes=rng.randint(30, 16 * 24 * 60))
                stretch.ended, stretch.ended_by = closed, "closed"
                story.close = (closed, person)
                state = rng.choice(["rated"] * 6 + ["not_rated"] * 2 + ["asked"])
                level = rng.choice(RATING_LEVELS) if state == "rated" else None
                followup = rng.choice([None, "rectification", "reopened"]) \
                    if level in ("不满意", "非常不满意") else None
                story.rating = (state, level, followup)
            elif fate < 0.7:
                stretch.ended, stretch.ended_by = respond, "cancelled"
            else:
                stretch.accepted = respond if rng.random() < 0.5 else None
        last = story.stretches[-1].ended or created + timedelta(days=25)
        if story.d0 is not None and rng.random() < 0.3:
            story.extension = (created + (last - created) / 2,
                               story.d0 + timedelta(days=rng.randint(1, 8)))
        story.chases = sorted(created + (last - created) * rng.random()
                              for _ in range(rng.choice([0, 0, 1, 2])))
        _store(b, story, requester)
        stories.append(story)
    return stories


def _store(b: Builder, story: Story, requester: Person) -> None:
    end = story.stretches[-1]
    state = {"closed": "closed", "cancelled": "cancelled"}.get(end.ended_by or "", "accepted")
    task = b.task(requester, story.created,
                  first_response=f"{story.limit} minutes" if story.limit else "none",
                  deadline=story.deadline, original=story.d0 if story.extension else None,
                  state=state)
    for s in story.stretches:
        b.hold(task, s.person, s.start, accepted=s.accepted, ended=s.ended,
               ended_by=s.ended_by, stand_in_for=s.stand_in)
        if s is not story.stretches[0]:
            b.event(task, "transferred", s.start, **({"bounced": "yes"} if s.bounced_in else {}))
    if story.extension:
        b.extension(task, end.person, story.d0, story.extension[1], story.extension[0])
    for at in story.chases:
        b.event(task, "chased", at)
    if story.close:
        closure = b.close(task, story.close[1], story.close[0],
                          deadline=story.deadline_at(story.close[0]), original=story.d0)
        assert story.rating is not None
        b.rate(closure, requester, *story.rating)


def expected(stories: list[Story], start: datetime, end: datetime) -> dict[int, dict]:
    """Person id → header → value, from the stories, each rule written out plainly."""
    counts: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    inside = lambda t: t is not None and start <= t < end  # noqa: E731
    instant = min(end, NOW)
    for story in stories:
        for i, s in enumerate(story.stretches):
            c = counts[s.person.id]
            if inside(s.start):
                c["收到任务"] += 1
                c["补位任务"] += s.stand_in is not None
                c["已接办"] += s.accepted is not None or s.ended_by == "closed"
                answer = s.accepted or (s.ended if s.ended_by in ("transferred", "closed")
                                        else None)
                if answer:
                    c["responded"] += 1
                    c["response_minutes"] += (answer - s.start).total_seconds() / 60
                if story.limit is not None:
                    due = s.start + timedelta(minutes=story.limit)
                    if story.deadline is not None:
                        due = min(due, max(story.deadline, s.start))
                    if answer and answer <= due:
                        c["应限时响应"] += 1
                        c["按时响应"] += 1
                    elif (answer or s.ended or NOW) > due:
                        c["应限时响应"] += 1
            if s.ended_by == "transferred" and inside(s.ended):
                c["转办"] += 1
                c["退回"] += story.stretches[i + 1].bounced_in
            if s.start < instant and (s.ended is None or s.ended > instant):
                deadline = story.deadline_at(instant)
                c["期末逾期未办结"] += deadline is not None and deadline < instant
        for at in story.chases:
            holder = story.holder_at(at)
            if holder is not None and inside(at):
                counts[holder.id]["被催办"] += 1
        if story.close and inside(story.close[0]):
            at, holder = story.close
            c = counts[holder.id]
            c["办结"] += 1
            c["close_minutes"] += int((at - story.created).total_seconds() // 60)
            if story.d0 is not None:
                c["有期限办结"] += 1
                c["按原期限按时办结"] += at <= story.d0
                c["按延期后期限按时办结"] += at <= story.deadline_at(at)
                c["逾期办结"] += at > story.deadline_at(at)
            state, level, followup = story.rating or ("", None, None)
            if state == "rated":
                c[level] += 1
                c["差评已整改"] += level in ("不满意", "非常不满意") and followup is not None
            c["未评价"] += state == "not_rated"
            c["待评价"] += state == "asked"
    return counts


def with_rates(c: dict[str, float]) -> dict[str, object]:
    """The derived columns, from counts; None where the denominator is 0."""
    def ratio(a: float, b: float) -> float | None:
        return a / b if b else None

    rated = sum(c[level] for level in RATING_LEVELS)
    out: dict[str, object] = {k: v for k, v in c.items()
                              if k not in ("responded", "response_minutes", "close_minutes")}
    out.update({
        "按时响应率": ratio(c["按时响应"], c["应限时响应"]),
        "平均响应时间（分钟）": None if not c["responded"]
        else round(c["response_minutes"] / c["responded"], 1),
        "按原期限按时率": ratio(c["按原期限按时办结"], c["有期限办结"]),
        "按延期后期限按时率": ratio(c["按延期后期限按时办结"], c["有期限办结"]),
        "平均办结时间（小时）": None if not c["办结"]
        else round(c["close_minutes"] / c["办结"] / 60, 1),
        "逾期合计": c["逾期办结"] + c["期末逾期未办结"],
        "满意率": ratio(c["非常满意"] + c["满意"] + c["基本满意"], rated),
        "差评": c["不满意"] + c["非常不满意"],
    })
    return out


def sum_counts(rows: list[dict[str, float]]) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    for row in rows:
        for key, value in row.items():
            total[key] += value
    return total


def assert_row(actual: dict[str, object], wanted: dict[str, object], who: str) -> None:
    for header, value in wanted.items():
        got = actual[header]
        if header in INTEGER_HEADERS:
            assert got == value, (who, header, got, value)
            assert isinstance(got, int), (who, header, got)  # a number, not text
        elif value is None:
            assert got is None, (who, header, got)
        elif header.endswith("率"):
            assert got == pytest.approx(value, abs=6e-4), (who, header, got, value)
        else:
            assert got == pytest.approx(value, abs=0.051), (who, header, got, value)


COUNT_HEADERS = ("收到任务", "补位任务", "已接办", "应限时响应", "按时响应", "办结", "有期限办结",
                 "按原期限按时办结", "按延期后期限按时办结", "逾期办结", "期末逾期未办结", "被催办",
                 "转办", "退回", *RATING_LEVELS, "未评价", "待评价", "差评已整改")
INTEGER_HEADERS = (*COUNT_HEADERS, "逾期合计", "差评")


def complete(c: dict[str, float]) -> dict[str, float]:
    full = defaultdict(float, {h: 0.0 for h in COUNT_HEADERS})
    full.update(c)
    return full


@pytest.fixture
def generated(session):
    b = Builder(session)
    o = office(b)
    rng = random.Random(20261126)
    stories = generate(b, rng, o["people"], o["leader"], 400)
    session.commit()
    return o, stories


def _wanted(counts, person_id):
    full = complete(counts.get(person_id, {}))
    return {k: (int(v) if k in INTEGER_HEADERS else v) for k, v in with_rates(full).items()}


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_every_figure_of_a_generated_month_matches(generated, cli, tmp_path, suffix):
    o, stories = generated
    out = tmp_path / f"考核{suffix}"
    code, text = cli("report", "assess", "--from", NOVEMBER[0], "--to", NOVEMBER[1],
                     "--out", str(out))
    assert code == 0, text
    assert "已生成平时考核记载" in text and "2026-11-01 至 2026-11-30" in text
    sheets = read_xlsx(out) if suffix == ".xlsx" else read_csv(out)
    counts = {pid: complete(c) for pid, c in expected(stories, P_START, P_END).items()}
    assert sum(c["收到任务"] for c in counts.values()) > 150  # the month is well populated

    people = o["people"] + [o["leader"]]
    for person in people:
        row = sheets["个人"][person.userid]
        assert row["姓名" if suffix == ".xlsx" else "名称"] == person.name
        assert_row(row, _wanted(counts, person.id), person.userid)
    if suffix == ".xlsx":  # someone who left still answers for the work they did
        assert sheets["个人"]["gone"]["在职"] == "否"
    assert set(sheets["个人"]) == {p.userid for p in people}

    members = {"2": [p for p in people if o["secretariat"].id in _deps(p)],
               "3": [p for p in people if {o["general"].id, o["it"].id} & _deps(p)],
               "5": [p for p in people if o["it"].id in _deps(p)],
               "4": [p for p in people if o["inspection"].id in _deps(p)]}
    members["1"] = [p for p in people if _deps(p)]  # the one who left is in no department
    for platform_id, group in members.items():
        total = sum_counts([counts.get(p.id, complete({})) for p in group])
        wanted = {k: (int(v) if k in INTEGER_HEADERS else v)
                  for k, v in with_rates(complete(total)).items()}
        row = sheets["部门"][platform_id]
        assert row["人数"] == len(group), platform_id
        assert_row(row, wanted, platform_id)


def _deps(person: Person) -> set[int]:
    return {m.department_id for m in person.memberships}


def test_the_workbook_is_laid_out_for_people(generated, cli, tmp_path):
    out = tmp_path / "考核.xlsx"
    code, text = cli("report", "assess", "--from", "2026/11/1", "--to", "2026年11月30日",
                     "--out", str(out))
    assert code == 0, text
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["个人", "部门"]
    sheet = workbook["个人"]
    note = sheet["A1"].value
    assert "平时考核记载（个人）" in note and "2026-11-01 至 2026-11-30" in note
    assert "生成时间：2026-12-10 09:00" in note and "全部部门" in note
    assert sheet.freeze_panes == "B3"
    headers = [c.value for c in sheet[2]]
    assert headers[:4] == ["姓名", "账号", "部门", "在职"]
    rate = headers.index("按时响应率") + 1
    assert sheet.cell(row=3, column=rate).number_format == "0.0%"
    assert sheet.cell(row=3, column=headers.index("收到任务") + 1).number_format == "0"
    assert all(sheet.column_dimensions[c].width >= 8 for c in "ABCDEFG")
    departments = workbook["部门"]
    assert [c.value for c in departments[2]][:4] == ["部门", "部门编号", "上级部门", "人数"]
    names = [departments.cell(row=r, column=1).value for r in range(3, departments.max_row + 1)]
    assert names == ["市政府办公室", "　督查科", "　秘书科", "　综合科", "　　信息组"]


def test_the_report_takes_a_few_queries_whatever_the_office_size(generated, session):
    statements: list[str] = []

    def count(*_args) -> None:
        statements.append("x")

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        result = assess(session, Period(P_START.date(), (P_END - timedelta(days=1)).date()),
                        calendar=WorkCalendar(), now=NOW)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(result.people) == 17
    assert len(statements) <= 15, len(statements)


# ------------------------------------------------------------------- hand-written cases


@pytest.fixture
def golden(session):
    """A few tasks whose figures are written out by hand below."""
    b = Builder(session)
    o = office(b)
    li, wang, zhao = o["people"][0], o["people"][1], o["people"][2]  # 秘书科, 综合科, 信息组
    sun = o["people"][3]  # 督查科
    boss = o["leader"]

    # 1. Late against the original deadline, on time with the approved extension.
    t = b.task(boss, sh(11, 3), deadline=sh(11, 20, 17, 30), original=sh(11, 10, 17, 30),
               state="closed")
    b.hold(t, li, sh(11, 3), accepted=sh(11, 3, 9, 10), ended=sh(11, 15), ended_by="closed")
    b.extension(t, li, sh(11, 10, 17, 30), sh(11, 20, 17, 30), sh(11, 9))
    c = b.close(t, li, sh(11, 15), deadline=sh(11, 20, 17, 30), original=sh(11, 10, 17, 30))
    b.rate(c, boss, "rated", "不满意", "rectification")  # 4. a bad rating, rectified

    # 2. 补位: 王芳's stand-in work for 李娜 while she was away; closed, never rated.
    t = b.task(boss, sh(11, 5), deadline=sh(11, 6, 17, 30), state="closed")
    b.hold(t, wang, sh(11, 5), accepted=sh(11, 5, 9, 30), ended=sh(11, 6), ended_by="closed",
           stand_in_for=li)
    c = b.close(t, wang, sh(11, 6), deadline=sh(11, 6, 17, 30), original=None)
    b.rate(c, boss, "not_rated")  # 5. not rated: never counted as satisfied

    # 3. A bounce: 李娜 → 赵磊 → back to 李娜, who still holds it, past its deadline.
    t = b.task(boss, sh(11, 10), deadline=sh(11, 25, 17, 30))
    b.hold(t, li, sh(11, 10), ended=sh(11, 10, 9, 5), ended_by="transferred")
    b.hold(t, zhao, sh(11, 10, 9, 5), ended=sh(11, 10, 9, 50), ended_by="transferred")
    b.event(t, "transferred", sh(11, 10, 9, 5))
    b.hold(t, li, sh(11, 10, 9, 50), accepted=sh(11, 10, 10, 30))
    b.event(t, "transferred", sh(11, 10, 9, 50), bounced="yes")
    b.event(t, "chased", sh(11, 10, 9, 20))  # while 赵磊 held it
    b.event(t, "chased", sh(11, 28))          # 李娜's again

    # 6. Period boundaries, in Shanghai time: just before and just inside the month …
    t = b.task(boss, sh(10, 31, 23, 59), first_response="none")
    b.hold(t, sun, sh(10, 31, 23, 59), accepted=sh(11, 1, 8))
    t = b.task(boss, sh(11, 1, 0, 0), first_response="none", state="closed")
    b.hold(t, sun, sh(11, 1, 0, 0), accepted=sh(11, 1, 8), ended=sh(11, 30, 23, 59),
           ended_by="closed")
    c = b.close(t, sun, sh(11, 30, 23, 59), deadline=None, original=None)
    b.rate(c, boss, "rated", "非常满意")
    # … and a close just after it, rated in December's figures, not November's.
    t = b.task(boss, sh(10, 20), first_response="none", state="closed")
    b.hold(t, sun, sh(10, 20), ended=sh(12, 1, 0, 0), ended_by="closed")
    c = b.close(t, sun, sh(12, 1, 0, 0), deadline=None, original=None)
    b.rate(c, boss, "rated", "满意")
    session.commit()
    return o


def test_golden_cases(golden, cli, tmp_path):
    out = tmp_path / "golden.xlsx"
    code, text = cli("report", "assess", "--from", NOVEMBER[0], "--to", NOVEMBER[1],
                     "--out", str(out))
    assert code == 0, text
    people = read_xlsx(out)["个人"]
    li, wang, zhao, sun = people["u00"], people["u01"], people["u02"], people["u03"]

    # 李娜: task 1 and the bounced task (twice received), and the close of task 1
    assert (li["收到任务"], li["已接办"], li["转办"], li["退回"]) == (3, 2, 1, 0)
    assert (li["办结"], li["有期限办结"], li["按原期限按时办结"], li["按延期后期限按时办结"]) \
        == (1, 1, 0, 1)
    assert li["按原期限按时率"] == 0 and li["按延期后期限按时率"] == 1
    # closed late against no deadline in force; the bounced task is overdue on 30 November
    assert (li["逾期办结"], li["期末逾期未办结"], li["逾期合计"]) == (0, 1, 1)
    assert (li["不满意"], li["差评"], li["差评已整改"], li["满意率"]) == (1, 1, 1, 0)
    assert li["被催办"] == 1
    # first responses: 10 min (accepted), 5 min (passed on), 40 min (accepted after the bounce)
    assert (li["应限时响应"], li["按时响应"]) == (3, 2)
    assert li["平均响应时间（分钟）"] == pytest.approx((10 + 5 + 40) / 3, abs=0.05)
    assert li["平均办结时间（小时）"] == pytest.approx(12 * 24, abs=0.05)

    # 王芳: one stand-in task, closed on time, not rated
    assert (wang["收到任务"], wang["补位任务"], wang["办结"], wang["按原期限按时办结"]) \
        == (1, 1, 1, 1)
    assert (wang["未评价"], wang["满意率"], wang["按时响应"], wang["应限时响应"]) \
        == (1, None, 0, 1)
    assert wang["非常满意"] == wang["满意"] == wang["基本满意"] == 0

    # 赵磊 bounced it back: the bounce counts for him, as does the chase in his hands
    assert (zhao["收到任务"], zhao["转办"], zhao["退回"], zhao["被催办"]) == (1, 1, 1, 1)

    # 孙丽: only the task received on 1 November 00:00 Shanghai, and its close on 30 Nov
    assert (sun["收到任务"], sun["办结"], sun["非常满意"], sun["满意"]) == (1, 1, 1, 0)
    assert sun["有期限办结"] == 0 and sun["按原期限按时率"] is None
    assert sun["应限时响应"] == 0 and sun["按时响应率"] is None

    # December: the close at 1 December 00:00 and its rating belong there
    out = tmp_path / "december.csv"
    code, text = cli("report", "assess", "--from", "2026-12-01", "--to", "2026-12-01",
                     "--out", str(out))
    assert code == 0, text
    sun = read_csv(out)["个人"]["u03"]
    assert (sun["收到任务"], sun["办结"], sun["满意"]) == (0, 1, 1)


def test_golden_overdue_at_the_end_of_the_period(golden, cli, tmp_path):
    """The bounced task is due 25 November and still open: overdue at November's end,
    not at the end of a period that stopped before the deadline."""
    out = tmp_path / "a.csv"
    assert cli("report", "assess", "--from", NOVEMBER[0], "--to", NOVEMBER[1],
               "--out", str(out))[0] == 0
    assert read_csv(out)["个人"]["u00"]["期末逾期未办结"] == 1
    assert cli("report", "assess", "--from", NOVEMBER[0], "--to", "2026-11-24",
               "--out", str(out))[0] == 0
    assert read_csv(out)["个人"]["u00"]["期末逾期未办结"] == 0


@pytest.mark.parametrize("written", ["综合科", "3"])
def test_a_department_includes_its_sub_departments(golden, cli, tmp_path, written):
    out = tmp_path / "zh.xlsx"
    code, text = cli("report", "assess", "--from", NOVEMBER[0], "--to", NOVEMBER[1],
                     "--department", written, "--out", str(out))
    assert code == 0, text
    assert "综合科（3）" in text
    sheets = read_xlsx(out)
    people = sheets["个人"]
    assert {row["部门"] for row in people.values()} == {"综合科", "信息组"}
    assert "u02" in people and "u00" not in people  # 信息组 in, 秘书科 out
    departments = sheets["部门"]
    assert list(departments) == ["3", "5"]
    assert departments["3"]["收到任务"] == people["u01"]["收到任务"] + people["u02"]["收到任务"]
    assert departments["3"]["退回"] == 1 and departments["5"]["退回"] == 1
    assert departments["3"]["补位任务"] == 1
    assert departments["3"]["人数"] == len(people)
    note = load_workbook(out)["部门"]["A1"].value
    assert "范围：综合科（3）" in note


# ------------------------------------------------------------------- bad input, for real


@pytest.fixture
def environment(db, var_dir, database_url, redis_url) -> dict[str, str]:
    import os

    settings = make_settings(var_dir, database_url, redis_url)
    return {**os.environ, **{f"MASHANGBAN_{k}": v for k, v in settings.raw.items()}}


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "2026-13-01", "--to", "2026-11-30"], "--from 日期无法识别：「2026-13-01」"),
    (["--from", "2026-11-30", "--to", "2026-11-01"], "起始日期 2026-11-30 晚于结束日期 2026-11-01"),
    (["--from", "2026-11-01", "--to", "2026-11-30", "--department", "后勤科"],
     "没有名为或编号为「后勤科」的部门"),
    (["--from", "2026-11-01", "--to", "2026-11-30", "--out", "/nonexistent/dir/a.xlsx"],
     "无法写入 /nonexistent/dir/a.xlsx：目录 /nonexistent/dir 不存在"),
    (["--from", "2026-11-01", "--to", "2026-11-30", "--out", "report.pdf"],
     "--out 只能是 .xlsx 或 .csv 文件：「report.pdf」"),
    # a place nobody may write to, whoever runs it (root included: /proc refuses new files)
    (["--from", "2026-11-01", "--to", "2026-11-30", "--out", "/proc/assess.csv"],
     "无法写入 /proc/assess.csv："),
])
def test_bad_input_is_one_chinese_line_and_exit_code_2(environment, tmp_path, args, message):
    if "--out" not in args:
        args = [*args, "--out", str(tmp_path / "a.xlsx")]
    done = subprocess.run([str(Path(sys.executable).parent / "mashangban"), "report", "assess",
                           *args], env=environment, cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"mashangban: {message}")
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not (tmp_path / "a.xlsx").exists()


def test_an_unwritable_file_is_refused(cli, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, text = cli("report", "assess", "--from", NOVEMBER[0], "--to", NOVEMBER[1],
                         "--out", str(folder / "a.xlsx"))
    finally:
        folder.chmod(0o700)
    if code == 0:  # running as root: every folder is writable
        pytest.skip("permissions are not enforced for this user")
    assert code == 2 and text.strip() == f"mashangban: 无法写入 {folder / 'a.xlsx'}：没有写入权限"


FORMULA_NAME = '=HYPERLINK("http://evil.example/phish","点此查看")'


def test_a_name_that_looks_like_a_formula_is_exported_as_text(golden, session, cli, tmp_path):
    """A directory name is data: no spreadsheet program may run it as a formula."""
    from openpyxl import load_workbook

    golden["people"][0].name = FORMULA_NAME
    session.commit()
    workbook, table = tmp_path / "names.xlsx", tmp_path / "names.csv"
    for out in (workbook, table):
        code, text = cli("report", "assess", "--from", NOVEMBER[0], "--to", NOVEMBER[1],
                         "--out", str(out))
        assert code == 0, text

    cells = [c for row in load_workbook(workbook)["个人"].iter_rows() for c in row
             if c.value == FORMULA_NAME]
    assert cells and all(c.data_type == "s" for c in cells)
    rows = list(csv.reader(table.open(encoding="utf-8-sig")))
    assert ["个人", "'" + FORMULA_NAME] == rows[[r[1] for r in rows].index(
        "'" + FORMULA_NAME)][:2]
