"""Department group chats on DingTalk (MASHANGBAN_DINGTALK_GROUPS): each department's
summary goes to the group chats configured for it, on each group's own platform."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tasks.core.office_rules import OfficeRules
from tasks.models import OutboxMessage
from tasks.reports.figures import Period
from tasks.reports.summaries import Summary, queue_summaries
from tests.conftest import TEST_WECOM
from workers.settings import SettingsError, load_settings

CID = "cidAbC+dEf/123=="
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def rules_from(tmp_path, **variables: str) -> OfficeRules:
    return load_settings({f"MASHANGBAN_{k}": v for k, v in variables.items()},
                         env_file=str(tmp_path / "none")).rules


def test_dingtalk_groups_are_read_by_department(tmp_path):
    rules = rules_from(tmp_path, DINGTALK_GROUPS=f"3={CID}, 5=cidOther", ROBOTS="5=key-a")
    assert rules.group_chats("dingtalk", "3") == (("dingtalk", CID),)
    # departments are per platform: WeCom's 5 has the robot, DingTalk's 5 its group
    assert rules.group_chats("wecom", "5") == (("wecom", "key-a"),)
    assert rules.group_chats("dingtalk", "5") == (("dingtalk", "cidOther"),)
    assert rules.group_chats("dingtalk", "2") == ()
    assert rules.group_chats("wecom", "3") == ()


@pytest.mark.parametrize("text", ["3", "=cid", "3=has space", "3=" + "c" * 129])
def test_a_malformed_group_list_is_refused_with_one_line(tmp_path, text):
    with pytest.raises(SettingsError, match="DINGTALK_GROUPS is malformed"):
        rules_from(tmp_path, DINGTALK_GROUPS=text)


def test_dingtalk_groups_need_dingtalk_served(tmp_path):
    settings = load_settings({"MASHANGBAN_DINGTALK_GROUPS": f"3={CID}", **TEST_WECOM},
                             env_file=str(tmp_path / "none"))
    with pytest.raises(SettingsError, match="add it to MASHANGBAN_PLATFORMS"):
        settings.check_platforms()


def test_a_summary_is_queued_to_each_group_on_its_platform(session):
    period = Period("daily", "2026-12-04", NOW, NOW, date(2026, 12, 4))
    summary = Summary("5", "信息科", (), (("wecom", "key-a"), ("dingtalk", CID)), "汇总", ())
    assert queue_summaries(session, period, [summary], [b"\x89PNG"], NOW) == 4
    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(r.platform, r.kind, r.body["key"]) for r in rows] == [
        ("wecom", "group_markdown", "key-a"), ("wecom", "group_image", "key-a"),
        ("dingtalk", "group_markdown", CID), ("dingtalk", "group_image", CID)]
