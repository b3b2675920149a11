"""The DingTalk sandbox refuses what DingTalk refuses, in DingTalk's shapes, and never
answers a server error for junk."""

from __future__ import annotations

import json

import pytest
import requests

from tests.sandbox.dingtalk_fixtures import (
    APP_KEY,
    APP_SECRET,
    ROBOT_CODE,
    chat,
    control,
)


@pytest.fixture
def token(dt_sandbox) -> str:
    answer = requests.post(f"{dt_sandbox.url}/v1.0/oauth2/accessToken",
                           json={"appKey": APP_KEY, "appSecret": APP_SECRET}, timeout=5)
    assert answer.status_code == 200 and answer.json()["expireIn"] == 7200
    return answer.json()["accessToken"]


def send(sandbox, token: str, body: object, path: str = "/v1.0/robot/oToMessages/batchSend"):
    return requests.post(f"{sandbox.url}{path}", json=body, timeout=5,
                         headers={"x-acs-dingtalk-access-token": token})


def text_to(*userids: str) -> dict:
    return {"robotCode": ROBOT_CODE, "userIds": list(userids), "msgKey": "sampleText",
            "msgParam": json.dumps({"content": "你好"})}


@pytest.mark.parametrize("credentials, code", [
    ({"appKey": APP_KEY, "appSecret": "wrong"}, "invalidClientIdOrSecret"),
    ({"appKey": "other", "appSecret": APP_SECRET}, "invalidClientIdOrSecret"),
    ({}, "MissingParameter"),
])
def test_a_token_needs_the_apps_credentials(dt_sandbox, credentials, code):
    answer = requests.post(f"{dt_sandbox.url}/v1.0/oauth2/accessToken", json=credentials,
                           timeout=5)
    assert answer.status_code == 400 and answer.json()["code"] == code


@pytest.mark.parametrize("bad", ["", "not-a-token"])
def test_calls_without_a_valid_token_are_refused(dt_sandbox, bad):
    answer = send(dt_sandbox, bad, text_to("lina"))
    assert answer.status_code == 401 and answer.json()["code"] == "InvalidAuthentication"
    old = requests.post(f"{dt_sandbox.url}/topapi/v2/user/get",
                        params={"access_token": bad}, json={"userid": "lina"}, timeout=5)
    assert old.status_code == 200 and old.json()["errcode"] == 40014


def test_an_expired_token_is_refused_on_both_hosts(dt_sandbox, token):
    control(dt_sandbox, "expire-tokens")
    assert send(dt_sandbox, token, text_to("lina")).status_code == 401
    old = requests.post(f"{dt_sandbox.url}/topapi/v2/user/get",
                        params={"access_token": token}, json={"userid": "lina"}, timeout=5)
    assert old.json()["errcode"] == 42001


@pytest.mark.parametrize("body", [
    "junk", [], {}, {**text_to("lina"), "robotCode": "other"},
    {**text_to("lina"), "msgKey": "sampleVideo"},
    {**text_to("lina"), "msgParam": "{not json"},
    {**text_to("lina"), "msgParam": json.dumps({"text": "no content"})},
    {**text_to("lina"), "userIds": "lina"},
    text_to(*[f"u{n}" for n in range(21)]),
])
def test_malformed_sends_are_refused_and_change_nothing(dt_sandbox, token, body):
    answer = send(dt_sandbox, token, body)
    assert answer.status_code == 400 and answer.json()["code"]
    assert chat(dt_sandbox, "lina") == []


@pytest.mark.parametrize("body", [
    {"cardTemplateId": "StandardCard", "cardBizId": "c1", "robotCode": ROBOT_CODE,
     "cardData": "{}", "singleChatReceiver": json.dumps({"userId": "lina"})},
    {"cardTemplateId": "StandardCard", "cardBizId": "c1", "robotCode": ROBOT_CODE,
     "cardData": json.dumps({"header": {}, "contents": []}), "singleChatReceiver": "lina"},
    {"cardTemplateId": "Other", "cardBizId": "c1", "robotCode": ROBOT_CODE,
     "cardData": json.dumps({"header": {}, "contents": []}),
     "singleChatReceiver": json.dumps({"userId": "lina"})},
])
def test_malformed_cards_are_refused(dt_sandbox, token, body):
    answer = send(dt_sandbox, token, body, "/v1.0/im/v1.0/robot/interactiveCards/send")
    assert answer.status_code == 400
    assert chat(dt_sandbox, "lina") == []


def test_an_unknown_card_cannot_be_updated(dt_sandbox, token):
    answer = requests.put(f"{dt_sandbox.url}/v1.0/im/robots/interactiveCards", timeout=5,
                          headers={"x-acs-dingtalk-access-token": token},
                          json={"cardBizId": "nope", "cardData": json.dumps(
                              {"header": {}, "contents": []})})
    assert answer.status_code == 400 and answer.json()["code"] == "cardInstance.notExist"


@pytest.mark.parametrize("path, body, errcode", [
    ("/topapi/v2/department/get", {"dept_id": 99}, 60003),
    ("/topapi/v2/department/get", {"dept_id": "1"}, 400002),
    ("/topapi/v2/user/get", {"userid": "nobody"}, 60121),
    ("/topapi/v2/user/list", {"dept_id": 1, "cursor": 0, "size": 101}, 400002),
])
def test_the_contact_api_answers_dingtalks_errcodes(dt_sandbox, token, path, body, errcode):
    answer = requests.post(f"{dt_sandbox.url}{path}", params={"access_token": token},
                           json=body, timeout=5)
    assert answer.status_code == 200 and answer.json()["errcode"] == errcode


def test_user_list_pages_with_a_cursor(dt_sandbox, token):
    def page(cursor: int) -> dict:
        return requests.post(f"{dt_sandbox.url}/topapi/v2/user/list",
                             params={"access_token": token}, timeout=5,
                             json={"dept_id": 2, "cursor": cursor, "size": 3}).json()["result"]
    first = page(0)
    assert first["has_more"] and len(first["list"]) == 3
    rest = page(first["next_cursor"])
    assert not rest["has_more"] and len(first["list"]) + len(rest["list"]) == 4


def test_media_must_be_a_picture(dt_sandbox, token):
    answer = requests.post(f"{dt_sandbox.url}/media/upload", timeout=5,
                           params={"access_token": token}, data={"type": "image"},
                           files={"media": ("a.txt", b"hello", "text/plain")})
    assert answer.json()["errcode"] == 40004


@pytest.mark.parametrize("action, body", [
    ("inject", {"path": "/v1.0/x", "error": "<script>"}),
    ("inject", {"error": "network"}),
    ("inject", {"path": "/v1.0/x", "error": "network", "times": 0}),
    ("stall", {"path": "/v1.0/x", "seconds": 9999}),
    ("contact", {"event": "user_leave_org", "userid": "nobody"}),
    ("contact", {"event": "org_dept_remove", "dept_id": 2}),
    ("contact", {"event": "whatever"}),
    ("group", {"openConversationId": "has space"}),
])
def test_bad_control_requests_get_a_clear_answer(dt_sandbox, action, body):
    answer = requests.post(f"{dt_sandbox.url}/sandbox/control/{action}", json=body, timeout=5)
    assert answer.status_code == 400 and answer.json()["ok"] is False


def test_the_chat_page_lists_the_office_by_department(dt_sandbox):
    page = requests.get(dt_sandbox.url + "/", timeout=5).text
    assert "钉钉沙箱" in page and "秘书科" in page and 'data-userid="zhangwei"' in page
