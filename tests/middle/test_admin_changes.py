"""The admin's changes (tasks/admin), shared by the command line and the admin pages: each
saved change writes one audit entry, a change that changes nothing writes none, and bad
input is refused whole."""

from datetime import date

import pytest
from sqlalchemy import func, select

from tasks.admin import calendar, deliveries, grants, policies, routing
from tasks.admin.audit import Actor, recent
from tasks.core.policies import policy_for
from tasks.messaging.outbox import queue_text
from tasks.models import CalendarDay, OfficeAuditEntry, OutboxMessage, Person, RoutingRule
from tests.seeded_office import ROUTING_RULES


def _admin(session) -> Actor:
    return Actor(session.scalar(select(Person).where(Person.userid == "xuming")), "web")


def _entries(office) -> int:
    with office.sessions() as session:
        return session.scalar(select(func.count()).select_from(OfficeAuditEntry))


def test_a_policy_edit_is_recorded_with_before_and_after(office):
    with office.sessions.begin() as session:
        policies.edit(session, "general", {"completion": "15 natural_days"}, by=_admin(session),
                      now=office.clock())
        policies.edit(session, "general", {"completion": "15 natural_days"}, by=_admin(session),
                      now=office.clock())
    with office.sessions() as session:
        [entry] = recent(session)
        assert entry.actor_name == "徐明" and entry.channel == "web" and entry.area == "policy"
        assert "办结时限 10 natural_days" in entry.before
        assert "办结时限 15 natural_days" in entry.after
        assert str(policy_for(session, "general").completion) == "15 natural_days"


@pytest.mark.parametrize("values", [{"completion": "ten days"}, {"nonsense": "1 hours"},
                                    {"quiet_hours": "maybe"}])
def test_a_bad_policy_value_changes_nothing(office, values):
    with pytest.raises(ValueError), office.sessions.begin() as session:
        policies.edit(session, "general", values, by=_admin(session), now=office.clock())
    assert _entries(office) == 0


def test_calendar_corrections_are_recorded_and_cleared(office):
    day = date(2026, 11, 25)
    with office.sessions.begin() as session:
        calendar.set_day(session, day, False, "停电检修", by=Actor.command_line(),
                         rules=office.rules, now=office.clock())
    with office.sessions.begin() as session:
        assert calendar.clear_day(session, day, by=Actor.command_line(), rules=office.rules,
                                  now=office.clock())
        assert not calendar.clear_day(session, day, by=Actor.command_line(),
                                      rules=office.rules, now=office.clock())
    with office.sessions() as session:
        cleared, made = recent(session)
        assert (made.action, made.after, made.actor_name) == ("set_day", "休息（停电检修）",
                                                              "命令行")
        assert (cleared.action, cleared.before) == ("clear_day", "休息（停电检修）")
        assert session.get(CalendarDay, day) is None


def test_routing_rules_are_added_edited_and_removed_with_the_import_checks(office):
    with office.sessions.begin() as session:
        routing.replace_all(session, ROUTING_RULES, by=_admin(session), now=office.clock())
        rule = routing.add_rule(session, "督查科", ["督办"], None, by=_admin(session),
                                now=office.clock())
        rule_id = rule.id
    with pytest.raises(ValueError, match="no department named '不存在科'"), \
            office.sessions.begin() as session:
        routing.edit_rule(session, rule_id, "不存在科", ["督办"], None, by=_admin(session),
                          now=office.clock())
    with pytest.raises(ValueError, match="give keywords, a category, or both"), \
            office.sessions.begin() as session:
        routing.add_rule(session, "督查科", [], None, by=_admin(session), now=office.clock())
    with office.sessions.begin() as session:
        routing.edit_rule(session, rule_id, "督查科", ["督办", "督查"], "督查",
                          by=_admin(session), now=office.clock())
        rules = routing.ordered(session)
        assert [r.department.name for r in rules] == ["综合科", "信息科", "督查科", "秘书科"]
        assert rules[-1].is_default
        routing.remove_rule(session, rule_id, by=_admin(session), now=office.clock())
    with office.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RoutingRule)) == 3
        assert [e.action for e in recent(session)] == ["remove_rule", "edit_rule", "add_rule",
                                                        "import"]


def test_grants_resolve_names_as_the_command_line_does(office):
    with office.sessions.begin() as session:
        _, _, new = grants.grant(session, "李娜", "督查科", by=_admin(session),
                                 now=office.clock())
        assert new
        assert not grants.grant(session, "lina", "督查科", by=_admin(session),
                                now=office.clock())[2]
    with pytest.raises(grants.Unknown, match="不唯一"), office.sessions.begin() as session:
        grants.grant(session, "王芳", "督查科", by=_admin(session), now=office.clock())
    with office.sessions.begin() as session:
        grants.revoke(session, "李娜", "督查科", by=_admin(session), now=office.clock())
    with pytest.raises(grants.Unknown, match="没有 督查科 的督办授权"), \
            office.sessions.begin() as session:
        grants.revoke(session, "李娜", "督查科", by=_admin(session), now=office.clock())
    with office.sessions() as session:
        assert [e.action for e in recent(session)] == ["revoke", "grant"]


def test_a_failed_send_is_resent_once_however_often_it_is_asked(office):
    with office.sessions.begin() as session:
        row = queue_text(session, "lina", "提醒", now=office.clock())
        session.flush()
        row.state, row.last_error, row.attempts = "failed", "60020 not allow", 1
        row_id = row.id
    with office.sessions.begin() as session:
        assert deliveries.resend(session, row_id, by=_admin(session), now=office.clock())
        assert not deliveries.resend(session, row_id, by=_admin(session), now=office.clock())
    office.deliver()
    with office.sessions() as session:
        assert session.get(OutboxMessage, row_id).state == "sent"
        assert not deliveries.resend(session, row_id, by=_admin(session), now=office.clock())
        [entry] = recent(session)
        assert entry.action == "resend" and "60020" in entry.before
    assert [(m.to, m.text) for m in office.channel.received] == [("lina", "提醒")]
