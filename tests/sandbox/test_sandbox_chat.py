"""The chat endpoints post encrypted callbacks exactly like WeCom and show the replies."""

from __future__ import annotations

from typing import Any

import requests

AGENT_ID = 1000002
CORP_ID = "wwsandboxcorp0001"


def test_member_text_reaches_callback(api: Any, receiver: Any) -> None:
    result = api.chat("lina", "send", {"text": "帮我查一下今天的任务"})
    assert result == {"status": 200}
    arrived = receiver.last()
    msg = arrived["msg"]
    assert msg["MsgType"] == "text" and msg["Content"] == "帮我查一下今天的任务"
    assert msg["FromUserName"] == "lina" and msg["ToUserName"] == CORP_ID
    assert msg["AgentID"] == str(AGENT_ID)
    assert int(msg["MsgId"]) > 2**32
    assert set(arrived["args"]) == {"msg_signature", "timestamp", "nonce"}
    transcript = api.chat("lina", "messages")["messages"]
    assert transcript[-1]["from"] == "member" and transcript[-1]["msgid"] == int(msg["MsgId"])


def test_msg_ids_increase(api: Any, receiver: Any) -> None:
    api.chat("lina", "send", {"text": "一"})
    api.chat("zhangwei", "send", {"text": "二"})
    first, second = (int(r["msg"]["MsgId"]) for r in receiver.received)
    assert second > first


def test_click_sends_template_card_event(api: Any, receiver: Any, button_card: Any) -> None:
    api.post("message/send", button_card("task_click"))
    result = api.chat("lina", "click", {"task_id": "task_click", "key": "accept:task_click"})
    assert result["status"] == 200
    msg = receiver.last()["msg"]
    assert (msg["MsgType"], msg["Event"]) == ("event", "template_card_event")
    assert msg["EventKey"] == "accept:task_click" and msg["TaskId"] == "task_click"
    assert msg["CardType"] == "button_interaction" and msg["FromUserName"] == "lina"
    assert msg["ResponseCode"] == result["response_code"]
    # The click's ResponseCode updates the card once.
    update = {
        "userids": ["lina"],
        "agentid": AGENT_ID,
        "response_code": msg["ResponseCode"],
        "button": {"replace_name": "已接受"},
    }
    assert api.post("message/update_template_card", update)["errcode"] == 0
    assert api.post("message/update_template_card", update)["errcode"] == 60140
    card = api.chat("lina", "messages")["messages"][0]
    assert card["disabled"] is True and card["replace_text"] == "已接受"
    again = api.chat("lina", "click", {"task_id": "task_click", "key": "accept:task_click"})
    assert again["status"] == 0 and again["ignored"] is True
    assert len(receiver.received) == 1


def test_each_click_gets_a_fresh_code(api: Any, receiver: Any, button_card: Any) -> None:
    api.post("message/send", button_card("task_twice"))
    for _ in range(2):
        api.chat("zhangwei", "click", {"task_id": "task_twice", "key": "reject:task_twice"})
    codes = {r["msg"]["ResponseCode"] for r in receiver.received}
    assert len(codes) == 2


def test_click_errors(api: Any, button_card: Any) -> None:
    api.post("message/send", button_card("task_err"))
    assert api.chat("lina", "click", {"task_id": "task_err", "key": "nope"})["status"] == 0
    assert api.chat("huangtao", "click", {"task_id": "task_err", "key": "x"})["status"] == 0
    response = requests.post(f"{api.base}/sandbox/chat/lina/click", data=b"junk", timeout=5)
    assert response.status_code == 400


def test_vote_card_selected_items(api: Any, receiver: Any) -> None:
    card = {
        "card_type": "vote_interaction",
        "main_title": {"title": "选择截止时间"},
        "task_id": "vote_1",
        "checkbox": {
            "question_key": "due",
            "mode": 1,
            "option_list": [{"id": "fri", "text": "周五"}, {"id": "mon", "text": "下周一"}],
        },
        "submit_button": {"text": "提交", "key": "submit_vote"},
    }
    sent = api.post(
        "message/send",
        {"touser": "sunli", "agentid": AGENT_ID, "msgtype": "template_card", "template_card": card},
    )
    assert sent["errcode"] == 0 and sent["response_code"]
    api.chat(
        "sunli",
        "click",
        {
            "task_id": "vote_1",
            "key": "submit_vote",
            "selected_items": [{"question_key": "due", "option_ids": ["fri", "mon"]}],
        },
    )
    item = receiver.last()["msg"]["SelectedItems"]["SelectedItem"]
    assert item["QuestionKey"] == "due" and item["OptionIds"]["OptionId"] == ["fri", "mon"]


def test_unreachable_callback_is_status_0(api: Any) -> None:
    api.control("callback-url", {"url": "http://127.0.0.1:9/nowhere"})
    result = api.chat("lina", "send", {"text": "在吗"})
    assert result["status"] == 0 and result["error"]
    assert api.chat("lina", "messages")["messages"][-1]["content"] == "在吗"


def test_callback_http_error_is_reported(api: Any, receiver: Any) -> None:
    receiver.status = 503
    assert api.chat("lina", "send", {"text": "x"}) == {"status": 503}
    log = requests.get(f"{api.base}/sandbox/control/callbacks", timeout=5).json()["callbacks"]
    assert log[-1]["kind"] == "text" and log[-1]["status"] == 503


def test_passive_text_reply_is_shown(api: Any, receiver: Any) -> None:
    receiver.reply = (
        "<xml><ToUserName><![CDATA[lina]]></ToUserName><FromUserName><![CDATA["
        f"{CORP_ID}]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA["
        "text]]></MsgType><Content><![CDATA[收到]]></Content></xml>"
    )
    result = api.chat("lina", "send", {"text": "你好"})
    assert result == {"status": 200, "passive_reply": "text"}
    last = api.chat("lina", "messages")["messages"][-1]
    assert (last["from"], last["content"], last["passive"]) == ("app", "收到", True)


def test_passive_update_button_greys_clicker_card(
    api: Any, receiver: Any, button_card: Any
) -> None:
    api.post("message/send", button_card("task_passive"))
    receiver.reply = (
        "<xml><ToUserName><![CDATA[lina]]></ToUserName><FromUserName><![CDATA["
        f"{CORP_ID}]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA["
        "update_button]]></MsgType><Button><ReplaceName><![CDATA[已退回]]>"
        "</ReplaceName></Button></xml>"
    )
    result = api.chat("lina", "click", {"task_id": "task_passive", "key": "reject:task_passive"})
    assert result["passive_reply"] == "update_button"
    assert api.chat("lina", "messages")["messages"][0]["replace_text"] == "已退回"
    assert api.chat("zhangwei", "messages")["messages"][0]["disabled"] is False


def test_acks_and_garbage_passive_replies(api: Any, receiver: Any) -> None:
    receiver.raw_reply = "success"
    assert api.chat("lina", "send", {"text": "x"}) == {"status": 200}
    receiver.raw_reply = "<xml><Encrypt>bogus</Encrypt></xml>"
    result = api.chat("lina", "send", {"text": "y"})
    assert result["status"] == 200 and result["passive_reply_error"]
    assert [m["content"] for m in api.chat("lina", "messages")["messages"]] == ["x", "y"]


def test_verify_url(api: Any) -> None:
    result = api.control("verify-url")
    assert result["status"] == 200 and result["ok"] is True


def test_send_validation(api: Any) -> None:
    assert api.chat("lina", "send", {"text": "  "})["status"] == 0
    assert api.chat("ghost", "send", {"text": "x"})["error"] == "未知成员"
    response = requests.post(f"{api.base}/sandbox/chat/lina/send", data=b"[", timeout=5)
    assert response.status_code == 400


def test_page_has_stable_hooks(api: Any) -> None:
    html = requests.get(f"{api.base}/", timeout=5).text
    for hook in (
        'id="member-select"',
        'id="message-input"',
        'id="send-button"',
        "card-status",
        "card-title",
        "dataset.key",
        "setInterval(refresh, 1000)",
    ):
        assert hook in html
    assert 'value="wangfang2"' in html and "某市人民政府办公室" in html
    assert "http://" not in html.replace("http://127.0.0.1", "") and "https://" not in html
