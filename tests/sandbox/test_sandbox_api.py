"""The /cgi-bin/ API answers like WeCom: tokens, message/send, card updates, injection."""

from __future__ import annotations

from typing import Any

import pytest
import requests

CORP_ID = "wwsandboxcorp0001"
SECRET = "sandbox-secret-0123456789"
AGENT_ID = 1000002


def _gettoken(base: str, corpid: str = CORP_ID, secret: str = SECRET) -> dict[str, Any]:
    return requests.get(
        f"{base}/cgi-bin/gettoken", params={"corpid": corpid, "corpsecret": secret}, timeout=5
    ).json()


def _text(content: str, touser: str = "lina") -> dict[str, Any]:
    return {"touser": touser, "agentid": AGENT_ID, "msgtype": "text", "text": {"content": content}}


def test_gettoken_same_token_while_valid(sandbox: Any) -> None:
    first = _gettoken(sandbox.url)
    assert first["errcode"] == 0 and first["errmsg"] == "ok"
    assert first["expires_in"] == 7200
    assert _gettoken(sandbox.url)["access_token"] == first["access_token"]


def test_gettoken_errors(sandbox: Any) -> None:
    assert _gettoken(sandbox.url, secret="wrong")["errcode"] == 40001
    assert _gettoken(sandbox.url, corpid="wrongcorp")["errcode"] == 40013
    assert "access_token" not in _gettoken(sandbox.url, secret="wrong")


def test_access_token_checks(sandbox: Any, api: Any) -> None:
    url = f"{sandbox.url}/cgi-bin/user/get"
    assert requests.get(url, params={"userid": "lina"}, timeout=5).json()["errcode"] == 41001
    bogus = requests.get(url, params={"userid": "lina", "access_token": "nope"}, timeout=5)
    assert bogus.status_code == 200 and bogus.json()["errcode"] == 40014
    assert api.get("user/get", userid="lina")["errcode"] == 0
    assert api.control("expire-tokens")["ok"] is True
    assert api.get("user/get", userid="lina")["errcode"] == 42001
    fresh = _gettoken(sandbox.url)["access_token"]
    assert fresh != api.token
    api.token = fresh
    assert api.get("user/get", userid="lina")["errcode"] == 0
    api.control("revoke-tokens")
    assert api.get("user/get", userid="lina")["errcode"] == 40014


def test_send_text_delivers_to_transcript(api: Any) -> None:
    result = api.post("message/send", _text("请查收会议纪要", "lina|ghost|zhangwei"))
    assert result["errcode"] == 0 and result["errmsg"] == "ok"
    assert result["invaliduser"] == "ghost"
    assert isinstance(result["msgid"], str) and result["msgid"]
    assert "response_code" not in result
    messages = api.chat("lina", "messages")["messages"]
    assert [(m["from"], m["msgtype"], m["content"]) for m in messages] == [
        ("app", "text", "请查收会议纪要")
    ]
    assert messages[0]["msgid"] == result["msgid"]
    assert api.chat("zhangwei", "messages")["messages"][0]["content"] == "请查收会议纪要"
    assert api.chat("ghost", "messages") == {"status": 0, "error": "未知成员"}


def test_send_markdown_and_party(api: Any) -> None:
    body = {
        "toparty": "5",
        "agentid": AGENT_ID,
        "msgtype": "markdown",
        "markdown": {"content": "**今日待办** 3 项"},
    }
    assert api.post("message/send", body)["errcode"] == 0
    for userid in ("wuqiang", "zhengxue", "xuming"):
        assert api.chat(userid, "messages")["messages"][0]["msgtype"] == "markdown"


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        ({**_text("x"), "agentid": 42}, 301002),
        ({"touser": "lina", "msgtype": "text", "text": {"content": "x"}}, 41011),
        (_text(""), 44004),
        (_text("字" * 683), 45002),
        ({**_text("x"), "msgtype": "voice"}, 40008),
        (_text("x", "ghost1|ghost2"), 81013),
    ],
)
def test_send_rejections(api: Any, body: dict[str, Any], errcode: int) -> None:
    assert api.post("message/send", body)["errcode"] == errcode


def test_text_limit_is_bytes(api: Any) -> None:
    assert api.post("message/send", _text("字" * 682))["errcode"] == 0  # 2046 bytes


def test_malformed_json_is_47001(sandbox: Any, api: Any) -> None:
    url = f"{sandbox.url}/cgi-bin/message/send"
    for raw in (b"{not json", b"[1,2]", b"\xff\xfe"):
        response = requests.post(url, params={"access_token": api.token}, data=raw, timeout=5)
        assert response.status_code == 200
        assert response.json()["errcode"] == 47001


def test_button_card_and_update(api: Any, button_card: Any) -> None:
    sent = api.post("message/send", button_card("task_001"))
    assert sent["errcode"] == 0 and sent["response_code"]
    card_msg = api.chat("lina", "messages")["messages"][0]
    assert card_msg["msgtype"] == "template_card" and card_msg["task_id"] == "task_001"
    assert card_msg["card"]["main_title"]["title"] == "新任务：整理会议纪要"
    assert card_msg["disabled"] is False and card_msg["replace_text"] is None
    update = {
        "userids": ["lina", "ghost"],
        "agentid": AGENT_ID,
        "response_code": sent["response_code"],
        "button": {"replace_name": "已接受"},
    }
    result = api.post("message/update_template_card", update)
    assert result == {"errcode": 0, "errmsg": "ok", "invaliduser": ["ghost"]}
    lina = api.chat("lina", "messages")["messages"][0]
    assert lina["disabled"] is True and lina["replace_text"] == "已接受"
    assert api.chat("zhangwei", "messages")["messages"][0]["disabled"] is False
    assert api.post("message/update_template_card", update)["errcode"] == 60140


def test_replace_whole_card_for_everyone(api: Any, button_card: Any) -> None:
    sent = api.post("message/send", button_card("task_002"))
    new_card = {**button_card("task_002")["template_card"], "replace_text": "已退回"}
    new_card["main_title"] = {"title": "任务已退回"}
    result = api.post(
        "message/update_template_card",
        {
            "atall": 1,
            "agentid": AGENT_ID,
            "response_code": sent["response_code"],
            "template_card": new_card,
        },
    )
    assert result["errcode"] == 0 and result["invaliduser"] == []
    for userid in ("lina", "zhangwei"):
        msg = api.chat(userid, "messages")["messages"][0]
        assert msg["card"]["main_title"]["title"] == "任务已退回"
        assert (msg["disabled"], msg["replace_text"]) == (True, "已退回")


def test_update_with_unknown_code_is_60140(api: Any) -> None:
    body = {
        "atall": 1,
        "agentid": AGENT_ID,
        "response_code": "nope",
        "button": {"replace_name": "x"},
    }
    assert api.post("message/update_template_card", body)["errcode"] == 60140


def test_card_validation(api: Any, button_card: Any) -> None:
    assert api.post("message/send", button_card("dup"))["errcode"] == 0
    reused = api.post("message/send", button_card("dup"))
    assert reused["errcode"] == 42014
    assert reused["errmsg"].startswith("taskid has existed or empty or exceed max len")
    assert api.post("message/send", button_card("bad id!"))["errcode"] == 40058
    assert api.post("message/send", button_card("x" * 129))["errcode"] == 42014
    assert api.post("message/send", button_card("b1", button_list=[]))["errcode"] == 40058
    seven = [{"text": f"b{i}", "key": f"k{i}"} for i in range(7)]
    assert api.post("message/send", button_card("b2", button_list=seven))["errcode"] == 40058
    assert api.post("message/send", button_card("b3", main_title={}))["errcode"] == 40058
    no_type = button_card("b4")
    del no_type["template_card"]["card_type"]
    assert api.post("message/send", no_type)["errcode"] == 40058
    no_task = button_card("b5")
    del no_task["template_card"]["task_id"]
    assert api.post("message/send", no_task)["errcode"] == 42014


def test_injected_error_answered_once(api: Any) -> None:
    assert api.control("inject", {"path": "message/send", "errcode": 45009, "times": 1})["ok"]
    assert api.post("message/send", _text("a")) == {"errcode": 45009, "errmsg": "injected"}
    assert api.post("message/send", _text("b"))["errcode"] == 0
    calls = requests.get(f"{api.base}/sandbox/control/calls", timeout=5).json()["calls"]
    sends = [c for c in calls if c["path"] == "message/send"]
    assert [c["errcode"] for c in sends] == [45009, 0]
    assert {"method", "path", "errcode", "http_status", "time"} <= set(sends[0])


def test_injected_network_failure_is_502(api: Any) -> None:
    api.control("inject", {"path": "/cgi-bin/gettoken", "errcode": "network"})
    response = requests.get(
        f"{api.base}/cgi-bin/gettoken", params={"corpid": CORP_ID, "corpsecret": SECRET}, timeout=5
    )
    assert response.status_code == 502
    assert _gettoken(api.base)["errcode"] == 0


def test_bad_control_input_is_400(api: Any) -> None:
    response = requests.post(f"{api.base}/sandbox/control/inject", data=b"zz", timeout=5)
    assert response.status_code == 400


def test_reset_clears_transcripts_and_codes(api: Any, button_card: Any) -> None:
    sent = api.post("message/send", button_card("task_r"))
    api.control("inject", {"path": "user/get", "errcode": 60020})
    assert api.control("reset")["ok"]
    assert api.chat("lina", "messages")["messages"] == []
    assert api.get("user/get", userid="lina")["errcode"] == 0
    body = {
        "atall": 1,
        "agentid": AGENT_ID,
        "response_code": sent["response_code"],
        "button": {"replace_name": "x"},
    }
    assert api.post("message/update_template_card", body)["errcode"] == 60140
    assert api.post("message/send", button_card("task_r"))["errcode"] == 0


def test_unknown_api_and_wrong_method(sandbox: Any, api: Any) -> None:
    missing = requests.get(f"{sandbox.url}/cgi-bin/no/such", timeout=5)
    assert missing.status_code == 404 and missing.json()["errcode"] == 404
    wrong = requests.get(
        f"{sandbox.url}/cgi-bin/message/send", params={"access_token": api.token}, timeout=5
    )
    assert wrong.json()["errcode"] == 43002
