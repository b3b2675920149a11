"""What a sender that repeats itself meets: a slow WeCom, a resent card, a card updated twice,
and text carrying characters a client does not show."""

from __future__ import annotations

from typing import Any

import pytest
import requests

AGENT_ID = 1000002
CHECKED = {"enable_duplicate_check": 1, "duplicate_check_interval": 14400}


def _text(content: str, **extra: Any) -> dict[str, Any]:
    return {"touser": "lina", "agentid": AGENT_ID, "msgtype": "text",
            "text": {"content": content}, **extra}


def _calls(api: Any, path: str = "message/send") -> list[dict[str, Any]]:
    calls = requests.get(f"{api.base}/sandbox/control/calls", timeout=5).json()["calls"]
    return [c for c in calls if c["path"] == path]


def _stalls(api: Any) -> dict[str, int]:
    return requests.get(f"{api.base}/sandbox/control/stalls", timeout=5).json()


def test_a_stalled_call_takes_effect_after_the_caller_gave_up(api):
    assert api.control("stall", {"path": "message/send"})["ok"] is True
    assert _stalls(api) == {"held": 0, "queued": 1}

    with pytest.raises(requests.Timeout):
        requests.post(f"{api.base}/cgi-bin/message/send", params={"access_token": api.token},
                      json=_text("明早九点开会"), timeout=0.3)
    assert _stalls(api) == {"held": 1, "queued": 0}
    assert api.chat("lina", "messages")["messages"] == [], "held: not handled yet"

    assert api.control("release") == {"ok": True, "released": 1}  # answers once handled

    assert [m["content"] for m in api.chat("lina", "messages")["messages"]] == ["明早九点开会"]
    [call] = _calls(api)
    assert (call["errcode"], call["stalled"]) == (0, True)
    assert api.post("message/send", _text("下一条"))["errcode"] == 0, "one call was stalled"


def test_a_checked_resend_of_a_stalled_send_is_dropped(api):
    api.control("stall", {"path": "message/send"})
    with pytest.raises(requests.Timeout):
        requests.post(f"{api.base}/cgi-bin/message/send", params={"access_token": api.token},
                      json=_text("明早九点开会", **CHECKED), timeout=0.3)
    api.control("release")

    assert api.post("message/send", _text("明早九点开会", **CHECKED))["errcode"] == 0
    assert [m["content"] for m in api.chat("lina", "messages")["messages"]] == ["明早九点开会"]
    assert [c.get("duplicate", False) for c in _calls(api)] == [False, True]


def test_reset_releases_held_calls(api):
    api.control("stall", {"path": "message/send", "times": 2})
    with pytest.raises(requests.Timeout):
        requests.post(f"{api.base}/cgi-bin/message/send", params={"access_token": api.token},
                      json=_text("一"), timeout=0.3)
    assert api.control("reset")["ok"] is True
    assert _stalls(api) == {"held": 0, "queued": 0}
    assert api.post("message/send", _text("二"))["errcode"] == 0  # the second stall is gone


@pytest.mark.parametrize("body", [{}, {"path": ""}, {"path": "message/send", "times": 0},
                                  {"path": "message/send", "seconds": 601}])
def test_a_malformed_stall_is_refused(api, body):
    answer = requests.post(f"{api.base}/sandbox/control/stall", json=body, timeout=5)
    assert answer.status_code == 400 and answer.json()["ok"] is False


def test_zero_width_characters_reach_wecom_but_no_one_sees_them(api):
    marked = "请查收会议纪要\u2060\u200b\u200c\u200d"
    assert api.post("message/send", _text(marked))["errcode"] == 0
    assert api.post("message/send", _text("请查收会议纪要"))["errcode"] == 0

    shown = [m["content"] for m in api.chat("lina", "messages")["messages"]]
    assert shown == ["请查收会议纪要", "请查收会议纪要"]
    # they are part of the request: they count towards the 2048 bytes
    assert api.post("message/send", _text("字" * 682 + "\u200b"))["errcode"] == 45002


def test_a_checked_card_sent_again_is_dropped_and_answered_with_its_code(api, button_card):
    card = {**button_card("task_101"), **CHECKED}
    first = api.post("message/send", card)
    again = api.post("message/send", card)

    assert first["errcode"] == 0 and again == first
    assert len(api.chat("lina", "messages")["messages"]) == 1
    other = button_card("task_101", sub_title_text="改了内容")
    assert api.post("message/send", {**other, **CHECKED})["errcode"] == 42014


def test_a_card_updated_twice_with_the_same_card_looks_as_after_one_update(
        api, button_card, receiver):
    sent = api.post("message/send", button_card("task_102"))
    api.chat("lina", "click", {"task_id": "task_102", "key": "accept:task_102"})
    click_code = receiver.last()["msg"]["ResponseCode"]
    new_card = {**button_card("task_102")["template_card"], "replace_text": "已由李娜接办"}
    update = {"userids": ["lina"], "agentid": AGENT_ID, "template_card": new_card}

    assert api.post("message/update_template_card",
                    {**update, "response_code": click_code})["errcode"] == 0
    once = api.chat("lina", "messages")["messages"]
    assert api.post("message/update_template_card",
                    {**update, "response_code": sent["response_code"]})["errcode"] == 0
    twice = api.chat("lina", "messages")["messages"]

    assert twice == once
    assert (once[0]["disabled"], once[0]["replace_text"]) == (True, "已由李娜接办")
    spent = api.post("message/update_template_card", {**update, "response_code": click_code})
    assert spent["errcode"] == 60140, "each code updates once"
