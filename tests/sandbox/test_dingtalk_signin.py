"""DingTalk's sign-in adapter (`integrations.dingtalk.signin`) against the sandbox: 免登's
code from the client and the web login's code from the QR page each become the member's
userid once; a forged, reused, expired or cross-organisation code becomes nobody; DingTalk
being unreachable or our credentials being wrong is an error, not "nobody"."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from wechatpy.session.redisstorage import RedisStorage

from integrations.dingtalk.api import DingTalkError
from integrations.dingtalk.platform import make_signin
from integrations.dingtalk.sandbox import SandboxThread
from integrations.dingtalk.signin import DingTalkSignIn
from integrations.platform import Services
from tests.sandbox.dingtalk_fixtures import Clock, control, settings_for
from workers.runtime import _token_lock

CALLBACK = "http://127.0.0.1:8000/auth/dingtalk/callback"


@pytest.fixture
def make_signin_for(dt_sandbox: SandboxThread, redis_conn):
    services = Services(storage=lambda prefix: RedisStorage(redis_conn, prefix=prefix),
                        lock=lambda name: _token_lock(redis_conn, name))

    def make(**overrides: str) -> DingTalkSignIn:
        settings = replace(settings_for(dt_sandbox.url, **overrides), login_base=dt_sandbox.url,
                           corp_id=dt_sandbox.state.config.corp_id)
        signin = make_signin(settings, services)
        assert isinstance(signin, DingTalkSignIn)
        return signin

    return make


@pytest.fixture
def signin(make_signin_for) -> DingTalkSignIn:
    return make_signin_for()


def client_code(sandbox: SandboxThread, userid: str, corp_id: str | None = None) -> str:
    """What requestAuthCode answers in `userid`'s DingTalk client."""
    answer = requests.post(f"{sandbox.url}/sandbox/jsapi/requestAuthCode", timeout=5,
                           json={"userid": userid,
                                 "corpId": corp_id or sandbox.state.config.corp_id})
    assert answer.status_code == 200, answer.text
    return answer.json()["code"]


def scan(signin: DingTalkSignIn, userid: str, state: str = "s1") -> dict[str, str]:
    """`userid` "scans" the QR code on the web login page (the member list stands in for
    the phones): where DingTalk sends them back."""
    page = requests.get(signin.qr_url(CALLBACK, state), timeout=5)
    assert page.status_code == 200 and "扫码登录" in page.text
    found = re.search(f'data-userid="{re.escape(userid)}" href="([^"]+)"', page.text)
    assert found, f"{userid} is not on the member list"
    link = html.unescape(found.group(1))
    back = requests.get(page.url.split("/oauth2/")[0] + link, allow_redirects=False, timeout=5)
    assert back.status_code == 302
    target = urlsplit(back.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == CALLBACK
    return {k: v[0] for k, v in parse_qs(target.query).items()}


def test_mianden_code_from_the_client_is_the_member_once(dt_sandbox, signin):
    assert signin.app_url(CALLBACK, "s") is None, "inside DingTalk the page signs in by JSAPI"
    code = client_code(dt_sandbox, "lina")
    assert signin.userid(code, via="jsapi") == "lina"
    assert signin.userid(code, via="jsapi") is None, "a code is good once"


def test_mianden_refuses_forged_expired_and_foreign_codes(dt_sandbox, dt_clock: Clock, signin):
    assert signin.userid("forged-code-123", via="jsapi") is None
    assert signin.userid("", via="jsapi") is None
    assert signin.userid("x" * 5000, via="jsapi") is None
    assert signin.userid("../../etc?passwd", via="jsapi") is None
    late = client_code(dt_sandbox, "zhangwei")
    dt_clock.now += 301  # DingTalk: the code lives 5 minutes
    assert signin.userid(late, via="jsapi") is None
    other = requests.post(f"{dt_sandbox.url}/sandbox/jsapi/requestAuthCode", timeout=5,
                          json={"userid": "lina", "corpId": "dingothercorp"})
    assert other.status_code == 400 and other.json()["errorMessage"] == "corpId 不匹配"
    assert signin.userid(scan(signin, "lina")["authCode"], via="jsapi") is None, \
        "a web-login code is no 免登 code"


def test_web_login_qr_code_signs_in_the_scanning_member(dt_sandbox, signin):
    url = urlsplit(signin.qr_url(CALLBACK, "nonce-7"))
    query = parse_qs(url.query)
    assert url.path == "/oauth2/auth"
    assert query["client_id"] == [dt_sandbox.state.config.app_key]
    assert query["response_type"] == ["code"] and query["prompt"] == ["consent"]
    assert query["redirect_uri"] == [CALLBACK] and query["scope"] == ["openid corpid"]
    back = scan(signin, "wangfang", state="nonce-7")
    assert back["state"] == "nonce-7" and back["code"] == back["authCode"]
    assert signin.userid(back["authCode"], via="qr") == "wangfang"
    assert signin.userid(back["authCode"], via="qr") is None, "a code is good once"
    paths = [c["path"] for c in dt_sandbox.state.calls()]
    assert "v1.0/oauth2/userAccessToken" in paths and "v1.0/contact/users/me" in paths
    assert "topapi/user/getbyunionid" in paths


def test_the_chat_pages_member_is_signed_in_without_a_picker(dt_sandbox, signin):
    answer = requests.get(signin.qr_url(CALLBACK, "s2"), cookies={"sandbox_member": "lina"},
                          allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["authCode"][0]
    assert signin.userid(code, via="qr") == "lina"


def test_web_login_refuses_expired_codes_and_people_who_left(dt_sandbox, dt_clock, signin):
    late = scan(signin, "lina")["authCode"]
    dt_clock.now += 301
    assert signin.userid(late, via="qr") is None
    code = scan(signin, "zhangwei")["authCode"]
    control(dt_sandbox, "contact", event="user_leave_org", userid="zhangwei", notify=False)
    assert signin.userid(code, via="qr") is None, "not a member of the organisation"
    assert signin.userid("forged", via="qr") is None


def test_the_login_page_refuses_another_apps_request_in_chinese(dt_sandbox, signin):
    url = signin.qr_url(CALLBACK, "s").replace(dt_sandbox.state.config.app_key, "dingother")
    answer = requests.get(url, timeout=5)
    assert answer.status_code == 400 and "应用不存在" in answer.text
    assert 'lang="zh-CN"' in answer.text


def test_dingtalk_failing_or_our_wrong_secret_is_an_error_not_nobody(
        dt_sandbox, signin, make_signin_for):
    code = client_code(dt_sandbox, "lina")
    control(dt_sandbox, "inject", path="/topapi/v2/user/getuserinfo", error="network")
    with pytest.raises(DingTalkError) as failed:
        signin.userid(code, via="jsapi")
    assert failed.value.retryable
    wrong = make_signin_for(secret="wrong-secret-0000")
    with pytest.raises(DingTalkError) as refused:
        wrong.userid(scan(wrong, "lina")["authCode"], via="qr")
    assert not refused.value.retryable
