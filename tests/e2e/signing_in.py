"""Signing in to the workbench in tests as the DingTalk client does (免登), past what
`tests/e2e/workbench.py` does.

Inside DingTalk our page asks the client for a code with the JSAPI
(`dd.runtime.permission.requestAuthCode`); the vendored dingtalk-jsapi library talks to the
client's native bridge. Tests have no client: `in_dingtalk` makes a Playwright browser
context look like DingTalk on Android (its user agent, and a stand-in for its bridge,
`window.nuva`, which the library calls) whose answer comes from the sandbox's
`/sandbox/jsapi/requestAuthCode` for the member "using" the client. The product's page and
the library run unchanged; `start_state` and `client_code` are the same steps over plain
HTTP.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from tests.e2e.office import Office

# DingTalk's Android client: "AliApp(DingTalk/…)" and "DingTalk(…)" in a WebView's agent.
ANDROID_AGENT = ("Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like "
                 "Gecko) Chrome/120.0 Mobile Safari/537.36 AliApp(DingTalk/7.6.10) "
                 "com.alibaba.android.rimet/0 Channel/0 language/zh-CN abi/64 "
                 "DingTalk(7.6.10)")

# The stand-in for the Android client's bridge (dingtalk-jsapi's lib/bridge/h5Android.js
# calls window.nuva.require()(onSuccess, onFail, service, action, params)).
BRIDGE_JS = """
window.nuva = {isReady: true, require: function () {
  return function (ok, fail, service, action, params) {
    if (service === "runtime.permission" && action === "requestAuthCode") {
      window.__sandboxAuthCode(params.corpId).then(function (answer) {
        if (answer.code) ok({code: answer.code}); else fail(answer);
      });
    } else {
      ok({});
    }
  };
}};
"""


def sandbox_url(office: Office) -> str:
    url: str = office.driver.url  # type: ignore[attr-defined]
    return url


def client_code(office: Office, userid: str, corp_id: str | None = None) -> dict[str, Any]:
    """What requestAuthCode answers in `userid`'s client: {"code"} or the client's error."""
    corp = corp_id or office.rt.settings.platform_settings("dingtalk").corp_id
    answer = requests.post(f"{sandbox_url(office)}/sandbox/jsapi/requestAuthCode",
                           json={"userid": userid, "corpId": corp}, timeout=10)
    result: dict[str, Any] = answer.json()
    return result


def in_dingtalk(browser: Any, office: Office, userid: str, viewport: dict[str, int]) -> Any:
    """A browser context that is `userid`'s DingTalk client on Android."""
    context = browser.new_context(user_agent=ANDROID_AGENT, viewport=viewport,
                                  locale="zh-CN")
    context.expose_function("__sandboxAuthCode",
                            lambda corp_id: client_code(office, userid, corp_id))
    context.add_init_script(BRIDGE_JS)
    return context


def start_state(client: requests.Session, office: Office, next_path: str) -> str:
    """Open the workbench inside "DingTalk": the 免登 page's sign-in state."""
    page = client.get(office.rt.settings.rules.public_url + "/auth/start",
                      params={"p": "dingtalk", "next": next_path}, timeout=10)
    assert page.status_code == 200 and urlsplit(page.url).path == "/auth/dingtalk/app", page.url
    assert 'id="jsapi-form"' in page.text
    return parse_qs(urlsplit(page.url).query)["state"][0]
