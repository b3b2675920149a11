"""The e2e platform machinery itself: which platforms a mark selects, and how the WeCom
driver reads the sandbox's entries (no office, no sandbox: quick)."""

import pytest

from tests.e2e import platforms
from tests.e2e.chat import Seen, SeenCard, SentCall
from tests.e2e.drivers.wecom import WeComDriver, seen, sent_call


def test_a_planned_platform_without_a_driver_is_left_out_and_an_unknown_one_refused():
    assert platforms.available(platforms.EVERY_PLATFORM) == [
        name for name in platforms.EVERY_PLATFORM if name in platforms.DRIVERS]
    assert "wecom" in platforms.available(("wecom", "dingtalk"))
    with pytest.raises(ValueError, match="wecon"):
        platforms.available(("wecon",))


def test_every_driver_is_found_by_its_registry_line():
    assert platforms.driver_factory("wecom") is WeComDriver


def test_a_wecom_card_reads_as_what_its_recipient_sees():
    entry = {"from": "app", "msgtype": "template_card", "task_id": "t1", "disabled": True,
             "replace_text": "已由李娜接办", "card": {
                 "card_type": "button_interaction", "main_title": {"title": "新任务 #1"},
                 "sub_title_text": "核对来文",
                 "horizontal_content_list": [{"keyname": "提请人", "value": "张伟"},
                                             {"keyname": "期限", "value": "11月25日"}],
                 "button_list": [{"text": "接办", "key": "accept:1"},
                                 {"text": "转办", "key": "transfer:1"}]}}
    card = SeenCard("t1", "新任务 #1", "核对来文", [("提请人", "张伟"), ("期限", "11月25日")],
                    [("接办", "accept:1"), ("转办", "transfer:1")], True, "已由李娜接办")
    assert seen(entry) == Seen("app", "card", "新任务 #1", card=card)
    assert card.shown == {"提请人": "张伟", "期限": "11月25日"} and card.key("转办") == "transfer:1"
    assert seen({"from": "member", "msgtype": "text", "content": "帮助"}) == Seen("user", "text",
                                                                                "帮助")
    assert seen({"msgtype": "markdown", "content": "**周报**"}) == Seen("app", "markdown",
                                                                       "**周报**")


def test_wecom_call_log_entries_read_as_neutral_faults():
    assert sent_call("message", {"errcode": 0, "http_status": 200}).ok
    assert sent_call("message", {"errcode": 45009, "http_status": 200}) == SentCall(
        "message", "rate_limited", "45009")
    assert sent_call("message", {"errcode": None, "http_status": 502}).error == "network"
    assert sent_call("message", {"errcode": 60011, "http_status": 200}).error == "other"
    assert sent_call("message", {"errcode": 0, "duplicate": True, "stalled": True}) == SentCall(
        "message", None, "", duplicate=True, stalled=True)
