"""The dashboard's daily rollup (`tasks.feedback.rollup`) follows every event that changes a
past period's figures, in the event's own transaction: after a close, a rating, a 重办
that withdraws the rating, a second close, an expired rating window and a 转办, the rollup
equals the sums of the closures, and the dashboard's figures still equal the summaries'
department by department (P90 included). `mashangban report rollup` finds a rollup that
has drifted and rebuilds it."""

from datetime import timedelta

from sqlalchemy import update

from tasks.calendar.office import load_calendar
from tasks.calendar.workdays import SHANGHAI
from tasks.feedback import ratings, rollup
from tasks.models import DashboardDay
from tasks.reports import dashboard
from tests.middle.test_dashboard_figures import _assert_same
from webapp.cli.main import main


def _week(now):
    monday = now.astimezone(SHANGHAI).date() - timedelta(days=now.weekday())
    return dashboard.Span("自定义", monday - timedelta(days=7), monday + timedelta(days=6))


def _figures(office, department_name: str) -> dashboard.Figures:
    now = office.clock()
    with office.sessions() as session:
        tree = dashboard.load_tree(session)
        unit = next(u for u in tree.units.values() if u.name == department_name)
        return dashboard.period_figures(session, tree, _week(now)).departments[unit.id]


def _same_as_live(office) -> None:
    now = office.clock()
    with office.sessions() as session:
        assert rollup.differences(session) == []
        _assert_same(session, _week(now), now)


def _department_of(office, userid: str) -> str:
    with office.sessions() as session:
        tree = dashboard.load_tree(session)
        person = next(p for p in session.scalars(dashboard.select(dashboard.Person))
                      if p.userid == userid)
        homes = dashboard._read_homes(session)[person.id]
        return tree.units[min(homes)].name


def test_a_close_a_rating_a_reopen_and_a_second_close_move_the_rollup(office):
    office.say("yangfan", "新建 核对全年经费报表 @李娜 3天内")
    office.click("lina", "接办")
    section = _department_of(office, "lina")
    office.clock.advance(minutes=40)
    office.say("lina", "办结 #1 已报送办公室")
    _same_as_live(office)
    closed = _figures(office, section)
    assert (closed.closed, closed.ratings[rollup.WAITING]) == (1, 1)

    office.click("yangfan", "不满意")
    _same_as_live(office)
    assert _figures(office, section).ratings["不满意"] == 1

    office.say("yangfan", "重办 #1 3天内 数据有误需重新核对")
    _same_as_live(office)
    office.click("lina", "接办")
    office.clock.advance(hours=2)
    office.say("lina", "办结 #1 已重新核对")
    _same_as_live(office)
    twice = _figures(office, section)
    assert twice.closed == 2 and len(twice.first_response) == 2

    office.clock.advance(days=10)  # past the new rating's window
    with office.sessions.begin() as session:
        calendar = load_calendar(session, office.rules.working_hours)
        assert ratings.expire_due(session, office.rules, calendar, office.clock()) >= 1
    _same_as_live(office)


def test_a_transfer_moves_the_new_task_as_before(office):
    office.say("yangfan", "新建 起草会议纪要 @郑雪 明天")
    before = _department_of(office, "zhengxue")
    assert _figures(office, before).new == 1
    office.say("zhengxue", "转办 #1 @徐明 他负责会议纪要")
    _same_as_live(office)
    after = _department_of(office, "xuming")
    if after != before:
        assert _figures(office, before).new == 0
    assert _figures(office, after).new == 1


def test_the_check_command_finds_a_drifted_rollup_and_rebuilds_it(office, capsys,
                                                                   monkeypatch, db):
    monkeypatch.setenv("MASHANGBAN_DATABASE_URL", db.url.render_as_string(hide_password=False))
    office.say("yangfan", "新建 核对全年经费报表 @李娜 3天内")
    office.say("lina", "办结 #1 已报送办公室")
    assert main(["report", "rollup"]) == 0
    assert "一致" in capsys.readouterr().out
    with office.sessions.begin() as session:
        session.execute(update(DashboardDay).values(closed=DashboardDay.closed + 1))
    assert main(["report", "rollup"]) == 1
    assert "不一致" in capsys.readouterr().out
    assert main(["report", "rollup", "--rebuild"]) == 0
    assert main(["report", "rollup"]) == 0
