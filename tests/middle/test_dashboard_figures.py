"""The dashboard's figures are the summaries' figures (docs/workbench.md, "Dashboard"): on
a generated office of a few thousand tasks and on the seeded office driven through chat,
every department's numbers from the grouped queries of `tasks.reports.dashboard` equal
those the daily and weekly summaries compute (`tasks.reports.summaries`), for several
periods; and who may see which departments follows the chat matrix."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from benchmarks.dashboard_office import Shape, build
from tasks.calendar.workdays import SHANGHAI
from tasks.core.office_rules import OfficeRules
from tasks.models import Department, Person
from tasks.reports import dashboard, summaries
from tasks.reports.figures import Period, p90
from workers.db import make_sessions

NOW = datetime(2026, 12, 4, 10, 30, tzinfo=SHANGHAI).astimezone(UTC)
SMALL = Shape(people=80, tasks=4_000, bureaus=2, sections=3, days=90, seed=7)


def _summary_figures(session, start: datetime, end: datetime, now: datetime):
    """department id → the summaries' Figures for [start, end)."""
    departments = list(session.scalars(select(Department).where(Department.active)))
    subtree = summaries._subtrees(departments)
    facts = summaries._load_facts(session, start, end, now)
    known = {(d.platform, d.platform_id) for d in departments}
    period = Period("summary-daily", "x", start, end, end.date())
    return {d.id: summaries._figures(facts, subtree[d.id],
                                     (d.platform, d.parent_platform_id) not in known,
                                     period, now)
            for d in departments}


def _assert_same(session, span: dashboard.Span, now: datetime) -> int:
    expected = _summary_figures(session, span.start, span.end, now)
    tree = dashboard.load_tree(session)
    got = dashboard.period_figures(session, tree, span)
    loads, _ = dashboard.workload(session, tree, now)
    compared = 0
    for department_id, want in expected.items():
        have = got.departments.get(department_id, dashboard.Figures())
        load = loads.get(department_id, dashboard.Load())
        assert (have.new, have.closed, have.on_time, have.with_deadline,
                have.on_time_extended, have.with_deadline_extended) == (
            want.new, want.closed, want.on_time, want.with_deadline,
            want.on_time_extended, want.with_deadline_extended), department_id
        assert sorted(have.first_response) == sorted(want.first_response), \
            department_id
        assert have.first_response_p90 == (
            p90(want.first_response) if want.first_response else None), department_id
        assert +have.ratings == +want.ratings, department_id
        assert +have.flags == +want.flags, department_id
        assert (load.open, load.overdue) == (want.open, len(want.overdue)), department_id
        count, listed = dashboard.overdue_tasks(session, tree, department_id, now, limit=5)
        assert count == len(want.overdue)
        assert [t.id for t in listed] == [t.id for t in want.overdue[:5]]
        compared += want.closed + want.open
    return compared


@pytest.fixture
def generated(db: Engine):
    built = build(db, SMALL, NOW)
    with make_sessions(db)() as session:
        yield session, built


@pytest.mark.parametrize(("first", "last"), [
    (date(2026, 11, 30), date(2026, 12, 6)),   # 本周
    (date(2026, 12, 1), date(2026, 12, 31)),   # 本月
    (date(2026, 11, 1), date(2026, 11, 30)),   # last month
    (date(2026, 9, 1), date(2026, 12, 4)),     # a custom span over most of the data
])
def test_every_departments_figures_equal_the_summaries(generated, first, last):
    session, _ = generated
    span = dashboard.Span("自定义", first, last)
    assert _assert_same(session, span, NOW) > 100


def test_a_persons_figures_add_up_to_their_sections(generated):
    session, built = generated
    span = dashboard.span_of("month", None, None, NOW)
    tree = dashboard.load_tree(session)
    section = built.sections[0]
    got = dashboard.period_figures(session, tree, span, people=built.members[section])
    people = [got.people.get(p, dashboard.Figures()) for p in built.members[section]]
    whole = got.departments[section]
    assert sum(f.closed for f in people) == whole.closed
    assert sorted(v for f in people for v in f.first_response) == \
        sorted(whole.first_response)


def test_periods_are_this_week_this_month_or_checked_dates():
    assert dashboard.span_of("week", None, None, NOW).first == date(2026, 11, 30)
    month = dashboard.span_of("month", None, None, NOW)
    assert (month.first, month.last) == (date(2026, 12, 1), date(2026, 12, 31))
    with pytest.raises(dashboard.PeriodError, match="晚于"):
        dashboard.span_of("custom", date(2026, 12, 2), date(2026, 12, 1), NOW)
    with pytest.raises(dashboard.PeriodError, match="最长 366 天"):
        dashboard.span_of("custom", date(2025, 1, 1), date(2026, 12, 1), NOW)
    with pytest.raises(dashboard.PeriodError, match="起止日期"):
        dashboard.span_of("custom", None, date(2026, 12, 1), NOW)


def test_who_sees_which_departments(generated):
    session, built = generated
    tree = dashboard.load_tree(session)
    rules = OfficeRules(admins=frozenset({built.userids[80]}))

    def scope(person_id: int):
        return dashboard.scope_of(session, rules, session.get(Person, person_id), tree)

    leader = scope(1)
    assert leader is not None and leader.everything and leader.roots == (built.root,)
    bureau_head = scope(built.leaders[built.bureaus[0]])
    assert bureau_head is not None and bureau_head.roots == (built.bureaus[0],)
    assert bureau_head.visible(tree) == set(tree.subtree(built.bureaus[0]))
    section_head = scope(built.leaders[built.sections[4]])
    assert section_head is not None and section_head.roots == (built.sections[4],)
    plain = [p for p in built.members[built.sections[5]]
             if p != built.leaders[built.sections[5]]][-1]
    assert scope(plain) is None
    admin = scope(80)
    assert admin is not None and admin.everything


# -- the seeded office, driven through chat ----------------------------------------------


def test_the_seeded_offices_figures_equal_its_summaries(office):
    office.say("yangfan", "新建 核对全年经费报表 @李娜 3天内")
    office.click("lina", "接办")
    office.say("lina", "办结 #1 已报送办公室")
    office.click("yangfan", "满意")
    office.say("zhaolei", "新建 起草会议纪要 @郑雪 明天")
    office.say("zhangwei", "新建 更新网站栏目 @徐明 今天")
    office.click("xuming", "接办")
    office.say("chenjing", "新建 整理档案材料 @王芳 1小时内")
    office.clock.advance(days=3)
    office.say("zhengxue", "办结 #2 已起草")
    office.clock.advance(hours=1)
    now = office.clock()
    with office.sessions() as session:
        monday = now.astimezone(SHANGHAI).date() - timedelta(days=now.weekday())
        span = dashboard.Span("本周", monday - timedelta(days=7), monday + timedelta(days=6))
        assert _assert_same(session, span, now) >= 4
