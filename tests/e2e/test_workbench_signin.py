"""Signing in to the workbench on both platforms, as people do and as attackers try.

In the app (WeCom's OAuth2 `snsapi_base`, DingTalk's 免登 by the JSAPI) and on a desktop by
the platform's QR login; a forged, reused or expired code, or a state we did not issue, is
refused with a Chinese page and leaves no session; an expired session sends the person
back through sign-in; a POST without the session's CSRF token changes nothing; sign-out
ends the session; the cookie is HttpOnly, SameSite=Lax, and Secure over https. The plain
HTTP tests speak to the running product and sandbox; the browser tests (marked `browser`)
click through the real pages at phone and desktop size and keep screenshots.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from integrations.sandbox_kit.oauth import MEMBER_COOKIE
from tests.clocks import ShiftedClock
from tests.e2e.browsers import DESKTOP, PHONE, screenshot
from tests.e2e.office import Office, ProductServer
from tests.e2e.platforms import EVERY_PLATFORM
from tests.e2e.signing_in import client_code, in_dingtalk, sandbox_url, start_state
from tests.e2e.workbench import assert_fits, csrf_of, workbench_url
from webapp.workbench.web import signed_in

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)

PROBE = "/m/probe-signin"  # a page that needs sign-in (added to the app by `probe`)
WAYS = ("app", "qr")
SESSION_COOKIE = "msb_session"
SESSION_KEYS = "mashangban:web:session:*"


@pytest.fixture
def probe(office: Office, product: ProductServer) -> str:
    """A page only a signed-in person sees (the areas' pages are other parts' to test)."""
    product.app.add_url_rule(PROBE, "probe_signin",
                             signed_in(lambda: "已登录的页面"))
    return PROBE


# -- a sign-in, step by step, over plain HTTP ------------------------------------------------

def member_cookie(client: requests.Session, office: Office, userid: str) -> None:
    """The member "signed in" on the sandbox's chat page (the platform knows who uses it)."""
    client.cookies.set(MEMBER_COOKIE, userid, domain=urlsplit(sandbox_url(office)).hostname)


def fresh(client: requests.Session, office: Office, via: str, userid: str,
          next_path: str = "/api/v1/me") -> tuple[str, str]:
    """(state, code): a sign-in begun on the product and a code the platform issued to
    `userid` for it, not used yet."""
    if office.platform == "dingtalk" and via == "app":
        return start_state(client, office, next_path), client_code(office, userid)["code"]
    member_cookie(client, office, userid)
    start = client.get(workbench_url(office, "/auth/start"), allow_redirects=False, timeout=10,
                       params={"p": office.platform, "via": via, "next": next_path})
    assert start.status_code == 302, start.text
    platform_page = client.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert platform_page.status_code == 302, platform_page.text
    back = urlsplit(platform_page.headers["Location"])
    assert back.path == f"/auth/{office.platform}/callback"
    query = parse_qs(back.query)
    return query["state"][0], query["code"][0]


def submit(client: requests.Session, office: Office, via: str, state: str, code: str,
           *, follow: bool = False) -> requests.Response:
    """Bring the code back to the product as the platform (or our 免登 page) does."""
    if office.platform == "dingtalk" and via == "app":
        return client.post(workbench_url(office, "/auth/dingtalk/app"),
                           data={"state": state, "code": code}, allow_redirects=follow,
                           timeout=10)
    name = "authCode" if office.platform == "dingtalk" else "code"
    return client.get(workbench_url(office, f"/auth/{office.platform}/callback"),
                      params={name: code, "state": state}, allow_redirects=follow, timeout=10)


def signed_in_client(office: Office, userid: str, via: str = "app") -> requests.Session:
    client = requests.Session()
    state, code = fresh(client, office, via, userid)
    assert submit(client, office, via, state, code).status_code == 302
    assert me(client, office) == userid
    return client


def me(client: requests.Session, office: Office) -> str | None:
    answer = client.get(workbench_url(office, "/api/v1/me"), timeout=10)
    return answer.json()["userid"] if answer.status_code == 200 else None


def session_cookie_header(answer: requests.Response) -> str:
    found = [c for c in answer.raw.headers.getlist("Set-Cookie")
             if c.startswith(SESSION_COOKIE + "=")]
    assert len(found) == 1, answer.headers
    return found[0]


def refused_without_session(answer: requests.Response, client: requests.Session,
                            office: Office, words: str) -> None:
    assert answer.status_code == 403, answer.text
    assert words in answer.text and 'lang="zh-CN"' in answer.text
    assert SESSION_COOKIE not in answer.headers.get("Set-Cookie", "")
    assert SESSION_COOKIE not in client.cookies
    assert me(client, office) is None


# -- signing in ----------------------------------------------------------------------------

@pytest.mark.parametrize("via", WAYS)
def test_a_member_signs_in_and_gets_a_strict_cookie(office: Office, via: str):
    client = requests.Session()
    state, code = fresh(client, office, via, "lina", next_path="/api/v1/me")
    answer = submit(client, office, via, state, code)
    assert answer.status_code == 302 and answer.headers["Location"] == "/api/v1/me"
    cookie = session_cookie_header(answer).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie, "the workbench is served over http here"
    assert me(client, office) == "lina"


@pytest.mark.parametrize("via", WAYS)
@pytest.mark.parametrize("trouble", ["forged", "reused", "expired"])
def test_a_bad_code_is_refused_in_chinese_and_signs_nobody_in(office: Office, clock: ShiftedClock,
                                                              via: str, trouble: str):
    client = requests.Session()
    state, code = fresh(client, office, via, "lina")
    if trouble == "forged":
        code = "F" * len(code)
    elif trouble == "reused":
        assert submit(client, office, via, state, code).status_code == 302  # lina's, once
        client = requests.Session()  # ... and someone else's sign-in brings the code again
        state, _unused = fresh(client, office, via, "zhangwei")
    else:
        clock.advance(seconds=301)  # the platforms' codes live 5 minutes
    answer = submit(client, office, via, state, code)
    refused_without_session(answer, client, office, "授权码无效或已过期")


@pytest.mark.parametrize("via", WAYS)
def test_a_state_we_did_not_issue_or_already_used_is_refused(office: Office, via: str):
    client = requests.Session()
    state, code = fresh(client, office, via, "lina")
    forged = submit(client, office, via, "S" * len(state), code)
    refused_without_session(forged, client, office, "登录链接已失效")
    assert submit(client, office, via, state, code).status_code == 302, "the code was not spent"
    stranger = requests.Session()
    again = submit(stranger, office, via, state, code)
    refused_without_session(again, stranger, office, "登录链接已失效")


@pytest.mark.parametrize("via", WAYS)
def test_a_sign_in_link_made_in_another_browser_signs_nobody_in(office: Office, via: str):
    """Login CSRF: an attacker begins a sign-in, takes his own code and sends the victim
    the link that would finish it; the victim's browser did not begin that sign-in."""
    attacker = requests.Session()
    state, code = fresh(attacker, office, via, "zhangwei")
    victim = requests.Session()
    answer = submit(victim, office, via, state, code)
    refused_without_session(answer, victim, office, "登录链接已失效")
    assert submit(attacker, office, via, state, code).status_code == 302, \
        "nothing was spent: the sign-in is still the attacker's own"
    assert me(attacker, office) == "zhangwei"


def test_a_code_of_one_way_cannot_finish_a_sign_in_begun_the_other(office: Office):
    """A QR sign-in's state with an in-app code (and the reverse) signs nobody in."""
    client = requests.Session()
    _app_state, app_code = fresh(client, office, "app", "lina")
    qr_state, _qr_code = fresh(client, office, "qr", "lina")  # the browser's latest sign-in
    if office.platform == "dingtalk":  # 免登 codes are no web-login codes
        answer = submit(client, office, "qr", qr_state, app_code)
        refused_without_session(answer, client, office, "授权码无效或已过期")
    else:  # WeCom trades both with auth/getuserinfo: the state still binds the way
        assert submit(client, office, "qr", qr_state, app_code).status_code == 302
        assert me(client, office) == "lina"


def test_junk_at_the_sign_in_doors_gets_a_chinese_refusal_never_a_500(office: Office,
                                                                     product: ProductServer):
    flask = product.app.test_client()
    odd = ["", "x" * 5000, "../../etc/passwd", "状态", "%00", "a&b=c"]
    for value in odd:
        for answer in (flask.post("/auth/dingtalk/app", data={"state": value, "code": value}),
                       flask.post("/auth/dingtalk/app", data=value.encode()),
                       flask.get("/auth/dingtalk/qr", query_string={"state": value}),
                       flask.get("/auth/dingtalk/app", query_string={"state": value}),
                       flask.get(f"/auth/{office.platform}/callback",
                                 query_string={"state": value, "code": value,
                                               "authCode": value})):
            assert answer.status_code < 500, (value, answer.status_code)
            if answer.status_code >= 400:
                assert "登录" in answer.get_data(as_text=True)
            assert SESSION_COOKIE not in answer.headers.get("Set-Cookie", "")


# -- the session -----------------------------------------------------------------------------

def test_an_expired_session_sends_the_person_back_through_sign_in(office: Office, probe: str):
    client = signed_in_client(office, "lina")
    assert client.get(workbench_url(office, probe), timeout=10).text == "已登录的页面"
    for key in office.rt.web_redis.scan_iter(SESSION_KEYS):  # the sliding expiry ran out
        office.rt.web_redis.delete(key)
    assert client.get(workbench_url(office, "/api/v1/me"), timeout=10).status_code == 401
    page = client.get(workbench_url(office, probe), allow_redirects=False, timeout=10)
    assert page.status_code == 302
    assert page.headers["Location"] == "/auth/start?" + urlencode({"next": probe})
    state, code = fresh(client, office, "app", "lina", next_path=probe)
    back = submit(client, office, "app", state, code, follow=True)
    assert back.url == workbench_url(office, probe) and back.text == "已登录的页面"


def test_a_session_lives_its_minutes_from_the_last_use(office: Office):
    client = signed_in_client(office, "lina")
    [key] = list(office.rt.web_redis.scan_iter(SESSION_KEYS))
    minutes = office.rt.settings.web_session_minutes
    assert 0 < office.rt.web_redis.ttl(key) <= minutes * 60
    office.rt.web_redis.expire(key, 5)  # nearly over ...
    assert me(client, office) == "lina"
    assert office.rt.web_redis.ttl(key) > minutes * 60 - 10, "... and renewed by the use"
    token = client.cookies[SESSION_COOKIE]
    assert token not in key.decode() and token not in office.rt.web_redis.get(key).decode(), \
        "Redis keeps only a hash of the cookie"


def test_a_post_without_the_sessions_csrf_token_is_refused_and_changes_nothing(office: Office):
    client = signed_in_client(office, "lina")
    token = csrf_of(client, office, "/auth/start")
    for form, headers in (({}, {}), ({"csrf_token": "wrong"}, {}),
                          ({}, {"X-CSRF-Token": "wrong"}),
                          ({"csrf_token": token[:-1]}, {})):
        answer = client.post(workbench_url(office, "/auth/signout"), data=form, headers=headers,
                             timeout=10)
        assert answer.status_code == 403 and "页面已过期" in answer.text, form
        assert me(client, office) == "lina", "a refused POST changes nothing"
    signed_out = client.post(workbench_url(office, "/auth/signout"),
                             data={"csrf_token": token}, timeout=10)
    assert signed_out.status_code == 200 and "已退出登录" in signed_out.text
    assert "李娜" not in signed_out.text, "the page shows nobody signed in"
    assert me(client, office) is None
    assert list(office.rt.web_redis.scan_iter(SESSION_KEYS)) == [], "the session is gone"


def test_another_sessions_token_does_not_pass(office: Office):
    lina, wang = signed_in_client(office, "lina"), signed_in_client(office, "zhangwei")
    answer = lina.post(workbench_url(office, "/auth/signout"),
                       data={"csrf_token": csrf_of(wang, office, "/auth/start")}, timeout=10)
    assert answer.status_code == 403 and me(lina, office) == "lina"


def test_the_cookie_is_secure_when_the_workbench_is_served_over_https(
        office: Office, product: ProductServer):
    rules = replace(office.rt.settings.rules, public_url="https://wb.example.gov.cn")
    office.rt.settings = replace(office.rt.settings, rules=rules)
    flask = product.app.test_client()
    https = "https://wb.example.gov.cn"
    start = flask.get(f"/auth/start?p={office.platform}&via=qr&next=/api/v1/me", base_url=https)
    assert start.status_code == 302
    login = urlsplit(start.headers["Location"])
    assert parse_qs(login.query)["redirect_uri"] == [
        f"https://wb.example.gov.cn/auth/{office.platform}/callback"]
    platform_page = requests.get(start.headers["Location"], allow_redirects=False, timeout=10,
                                 cookies={MEMBER_COOKIE: "lina"})
    back = urlsplit(platform_page.headers["Location"])
    assert back.netloc == "wb.example.gov.cn"
    [bound] = [c for c in start.headers.getlist("Set-Cookie") if c.startswith("msb_signin=")]
    assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/auth"} <= {
        part.strip() for part in bound.split(";")}
    answer = flask.get(f"{back.path}?{back.query}", base_url=https)
    assert answer.status_code == 302
    [cookie] = [c for c in answer.headers.getlist("Set-Cookie")
                if c.startswith(SESSION_COOKIE + "=")]
    assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/"} <= {
        part.strip() for part in cookie.split(";")}


# -- in the browser ----------------------------------------------------------------------------

pages = pytest.mark.browser


def landed(page: Any, path: str) -> None:
    """Wait until the browser is at `path` of ours (WeCom's `#wechat_redirect` may ride
    along: a fragment survives redirects)."""
    page.wait_for_url(lambda url: urlsplit(url).path == path)


def shot(page: Any, name: str, size: str) -> None:
    assert_fits(page)
    screenshot(page, f"signin-{name}-{size}", folder="workbench")


@pages
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_in_the_app_the_member_is_signed_in_without_a_prompt(browser, office: Office,
                                                             probe: str, size: str):
    viewport = PHONE if size == "phone" else DESKTOP
    if office.platform == "dingtalk":
        context = in_dingtalk(browser, office, "lina", viewport)
    else:
        context = browser.new_context(viewport=viewport, locale="zh-CN", user_agent=(
            "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120.0 Mobile "
            "Safari/537.36 wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh ColorScheme/Light"))
        context.add_cookies([{"name": MEMBER_COOKIE, "value": "lina",
                              "url": sandbox_url(office)}])
    page = context.new_page()
    page.goto(workbench_url(office, f"/auth/start?next={probe}"))  # no p=: the agent says
    landed(page, probe)
    assert page.inner_text("body") == "已登录的页面"
    assert me_in(page, office) == "lina"
    context.close()


def me_in(page: Any, office: Office) -> str | None:
    answer = page.request.get(workbench_url(office, "/api/v1/me"))
    return answer.json()["userid"] if answer.status == 200 else None


@pages
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_on_a_desktop_the_member_signs_in_by_scanning(browser, office: Office, probe: str,
                                                      size: str):
    context = browser.new_context(viewport=PHONE if size == "phone" else DESKTOP,
                                  locale="zh-CN")
    page = context.new_page()
    page.goto(workbench_url(office, f"/auth/start?next={probe}"))
    title = office.rt.platforms[office.platform].title
    button = page.get_by_role("link", name=f"{title}扫码登录")
    assert page.locator("h1").inner_text() == "登录马上办"
    shot(page, f"chooser-{office.platform}", size)
    button.click()
    page.wait_for_url(sandbox_url(office) + "/**")
    assert "扫码" in page.locator("h1").inner_text()
    shot(page, f"sandbox-qr-{office.platform}", size)
    page.locator('[data-userid="lina"]').click()
    landed(page, probe)
    assert me_in(page, office) == "lina"
    context.close()


@pages
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_forged_code_shows_a_chinese_error_page(browser, office: Office, size: str):
    client = requests.Session()
    state, code = fresh(client, office, "qr", "lina")
    context = browser.new_context(viewport=PHONE if size == "phone" else DESKTOP,
                                  locale="zh-CN")
    context.add_cookies([{"name": "msb_signin", "value": client.cookies["msb_signin"],
                          "domain": urlsplit(workbench_url(office, "/")).hostname,
                          "path": "/auth"}])  # this browser began the sign-in
    page = context.new_page()
    name = "authCode" if office.platform == "dingtalk" else "code"
    answer = page.goto(workbench_url(office, f"/auth/{office.platform}/callback?"
                                     + urlencode({name: "F" * len(code), "state": state})))
    assert answer.status == 403
    assert page.locator("h1").inner_text() == "登录失败"
    assert "授权码无效或已过期" in page.inner_text("main")
    assert SESSION_COOKIE not in {c["name"] for c in context.cookies()}
    shot(page, f"error-{office.platform}", size)
    context.close()


@pages
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_signing_out_in_the_browser_ends_the_session(browser, office: Office, size: str):
    context = browser.new_context(viewport=PHONE if size == "phone" else DESKTOP,
                                  locale="zh-CN")
    context.add_cookies([{"name": MEMBER_COOKIE, "value": "lina", "url": sandbox_url(office)}])
    page = context.new_page()
    page.goto(workbench_url(office, f"/auth/start?p={office.platform}&via=qr&next=/api/v1/me"))
    [cookie] = [c for c in context.cookies() if c["name"] == SESSION_COOKIE]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]
    assert page.evaluate("document.cookie").find(SESSION_COOKIE) == -1, "HttpOnly: no script"
    page.goto(workbench_url(office, "/auth/start"))  # the chooser, with the sign-out button
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "已退出登录"
    assert page.locator("nav.menu, .who").count() == 0, "the page shows nobody signed in"
    assert page.get_by_role("button", name="退出登录").count() == 0
    shot(page, f"signed-out-{office.platform}", size)
    assert me_in(page, office) is None
    context.close()


@pages
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_dingtalk_page_outside_dingtalk_offers_the_qr_login(browser, office: Office,
                                                               probe: str, size: str):
    if office.platform != "dingtalk":
        pytest.skip("免登 is DingTalk's")
    context = browser.new_context(viewport=PHONE if size == "phone" else DESKTOP,
                                  locale="zh-CN")
    page = context.new_page()
    page.goto(workbench_url(office, f"/auth/start?p=dingtalk&next={probe}"))
    status = page.locator("#jsapi-status")
    sync_expect(status).to_contain_text("当前不在钉钉客户端内")
    fallback = page.get_by_role("link", name="用钉钉扫码登录")
    sync_expect(fallback).to_be_visible()
    shot(page, "dingtalk-outside", size)
    fallback.click()
    page.wait_for_url(sandbox_url(office) + "/**")
    page.locator('[data-userid="lina"]').click()
    landed(page, probe)
    assert me_in(page, office) == "lina"
    context.close()


@pages
def test_dingtalk_refusing_the_code_leaves_the_page_with_a_way_out(browser, office: Office,
                                                                   probe: str):
    """The client answers 免登 with an error (here: the sandbox member is not in the
    organisation): the page says so in Chinese and offers the QR login."""
    if office.platform != "dingtalk":
        pytest.skip("免登 is DingTalk's")
    context = in_dingtalk(browser, office, "nobody-here", PHONE)
    page = context.new_page()
    page.goto(workbench_url(office, f"/auth/start?next={probe}"))
    sync_expect(page.locator("#jsapi-status")).to_contain_text("钉钉免登失败")
    sync_expect(page.get_by_role("link", name="用钉钉扫码登录")).to_be_visible()
    shot(page, "dingtalk-refused", "phone")
    assert me_in(page, office) is None
    context.close()


def sync_expect(locator: Any) -> Any:
    from playwright.sync_api import expect

    return expect(locator)


@pages
def test_the_member_chosen_on_the_sandbox_chat_page_is_the_one_signed_in(
        browser, office: Office, probe: str):
    """The demo's way in: pick a member on the sandbox's chat page, open the workbench on
    the same browser, and the platform's login page signs that member in at once."""
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(sandbox_url(office) + "/")
    if office.platform == "dingtalk":
        page.locator('.person[data-userid="wangfang"]').click()
    else:
        page.select_option("#member-select", "wangfang")
    page.goto(workbench_url(office, f"/auth/start?p={office.platform}&via=qr&next={probe}"))
    landed(page, probe)
    assert me_in(page, office) == "wangfang"
    context.close()
