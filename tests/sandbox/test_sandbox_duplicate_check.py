"""message/send with enable_duplicate_check: an identical request within the interval is
answered like the first and not delivered again, as WeCom does."""

from __future__ import annotations

from typing import Any

import pytest
import requests

AGENT_ID = 1000002


def _text(content: str, touser: str = "lina", **check: Any) -> dict[str, Any]:
    return {"touser": touser, "agentid": AGENT_ID, "msgtype": "text",
            "text": {"content": content}, **check}


CHECKED = {"enable_duplicate_check": 1, "duplicate_check_interval": 14400}


def _contents(api: Any, userid: str = "lina") -> list[str]:
    return [m["content"] for m in api.chat(userid, "messages")["messages"]]


def _sends(api: Any) -> list[dict[str, Any]]:
    calls = requests.get(f"{api.base}/sandbox/control/calls", timeout=5).json()["calls"]
    return [c for c in calls if c["path"] == "message/send"]


def test_an_identical_checked_request_is_answered_ok_but_not_delivered_again(api, clock):
    first = api.post("message/send", _text("明早九点开会", **CHECKED))
    clock.now += 3600
    again = api.post("message/send", _text("明早九点开会", **CHECKED))

    assert first["errcode"] == 0 and again["errcode"] == 0
    assert again["msgid"] == first["msgid"]
    assert _contents(api) == ["明早九点开会"]
    assert [c.get("duplicate", False) for c in _sends(api)] == [False, True]
    assert all(c["errcode"] == 0 for c in _sends(api))


def test_without_the_flag_identical_messages_are_delivered_every_time(api, clock):
    for _ in range(2):
        assert api.post("message/send", _text("明早九点开会"))["errcode"] == 0
    assert _contents(api) == ["明早九点开会", "明早九点开会"]
    assert not any("duplicate" in c for c in _sends(api))


@pytest.mark.parametrize("change", [
    {"text": {"content": "明早十点开会"}},
    {"touser": "zhangwei"},
    {"msgtype": "markdown", "markdown": {"content": "明早九点开会"}},
    {"duplicate_check_interval": 3600},
    {"safe": 0},
])
def test_any_difference_in_the_request_makes_it_a_new_message(api, clock, change):
    body = _text("明早九点开会", **CHECKED)
    api.post("message/send", body)
    changed = {**body, **change}
    if "markdown" in change:
        del changed["text"]
    assert api.post("message/send", changed)["errcode"] == 0
    assert [c.get("duplicate", False) for c in _sends(api)] == [False, False]


def test_key_order_and_spacing_do_not_make_a_request_different(api, clock, token):
    api.post("message/send", _text("明早九点开会", **CHECKED))
    reordered = ('{"duplicate_check_interval": 14400, "enable_duplicate_check": 1,'
                 ' "text": {"content": "明早九点开会"}, "msgtype": "text",'
                 f' "agentid": {AGENT_ID}, "touser": "lina"}}')
    answer = requests.post(f"{api.base}/cgi-bin/message/send", params={"access_token": token},
                           data=reordered.encode(), timeout=5).json()
    assert answer["errcode"] == 0
    assert _contents(api) == ["明早九点开会"]


def test_the_interval_defaults_to_1800_seconds(api, clock):
    body = _text("请报送周报", enable_duplicate_check=1)
    api.post("message/send", body)
    clock.now += 1799
    api.post("message/send", body)
    assert _contents(api) == ["请报送周报"]
    clock.now += 1
    api.post("message/send", body)
    assert _contents(api) == ["请报送周报", "请报送周报"]


def test_the_interval_is_at_most_four_hours(api, clock):
    body = _text("请报送周报", enable_duplicate_check=1, duplicate_check_interval=86400)
    api.post("message/send", body)
    clock.now += 14399
    api.post("message/send", body)
    assert len(_contents(api)) == 1
    clock.now += 1
    api.post("message/send", body)
    assert len(_contents(api)) == 2


def test_a_request_that_was_not_accepted_is_not_remembered(api, clock):
    api.control("inject", {"path": "message/send", "errcode": 45009})
    body = _text("请报送周报", **CHECKED)
    assert api.post("message/send", body)["errcode"] == 45009
    assert api.post("message/send", body)["errcode"] == 0
    assert _contents(api) == ["请报送周报"]
    assert not any("duplicate" in c for c in _sends(api))


def test_reset_forgets_the_checked_requests(api, clock):
    body = _text("请报送周报", **CHECKED)
    api.post("message/send", body)
    api.control("reset")
    api.post("message/send", body)
    assert _contents(api) == ["请报送周报"]
    assert [c.get("duplicate", False) for c in _sends(api)] == [False]
