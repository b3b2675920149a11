"""Signing in as a member of the sandbox organisation, the two ways DingTalk offers an
enterprise-internal app's web page:

- 免登 inside the DingTalk client: the page calls the JSAPI
  `dd.runtime.permission.requestAuthCode({corpId})` and the client answers
  `{code}` for the member using it. The sandbox has no client, so
  `POST /sandbox/jsapi/requestAuthCode {"userid", "corpId"}` answers what the client
  would (tests' stand-in for the native bridge calls it). The product trades the code at
  `topapi/v2/user/getuserinfo` (`openapi.py`).
- The web login on a desktop (登录第三方网站): `GET /oauth2/auth?client_id=&redirect_uri=
  &response_type=code&scope=openid&state=&prompt=consent` (login.dingtalk.com) shows
  a QR code to scan; here it signs in the member chosen on the chat page (the cookie
  `sandbox_member` the page sets), or shows a member picker ("scanning" as that member),
  then redirects to `redirect_uri?authCode=…&state=…`. The product trades the code at
  `/v1.0/oauth2/userAccessToken`, reads `/v1.0/contact/users/me` and maps the unionId
  with `topapi/user/getbyunionid` (`openapi.py`).

Every code is single-use and lives 5 minutes of the sandbox clock
(`integrations.sandbox_kit.codes`).
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template_string, \
    request

from .state import SandboxState

bp = Blueprint("dingtalk_signin", __name__)

MEMBER_COOKIE = "sandbox_member"  # set by the chat page when a member is chosen
JSAPI = "jsapi"  # the codes' doors: the client's 免登 and the web login
WEB_LOGIN = "web"


def _state() -> SandboxState:
    return current_app.extensions["sandbox"]


def unionid_of(userid: str) -> str:
    """The member's unionId: stable, opaque, not the userid (as on DingTalk, where it is
    the same person across apps of one developer)."""
    return "dtu" + hashlib.sha256(f"sandbox-union:{userid}".encode()).hexdigest()[:24]


def userid_of_union(state: SandboxState, unionid: str) -> str | None:
    """The organisation member with that unionId, or None."""
    return next((u for u in sorted(state.directory.userids()) if unionid_of(u) == unionid), None)


@bp.post("/sandbox/jsapi/requestAuthCode")
def request_auth_code() -> Response | tuple[Response, int]:
    """What `dd.runtime.permission.requestAuthCode({corpId})` answers inside the client
    of member `userid`: `{"code"}`, or the client's failure for another organisation's
    corpId (errorCode 3, "corpId 不匹配") or a member not in it."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    state = _state()
    userid, corp_id = body.get("userid"), body.get("corpId")
    if corp_id != state.config.corp_id:
        return jsonify({"errorCode": "3", "errorMessage": "corpId 不匹配"}), 400
    if not isinstance(userid, str) or state.directory.user(userid) is None:
        return jsonify({"errorCode": "7", "errorMessage": "用户不在该组织"}), 400
    return jsonify({"code": state.codes.issue(userid, JSAPI)})


def _login_problem(state: SandboxState, args: Any) -> str | None:
    """Why DingTalk's login page would refuse these parameters, in its words, or None."""
    if args.get("client_id") != state.config.app_key:
        return "应用不存在或 client_id 错误"
    if args.get("response_type") != "code":
        return "response_type 只支持 code"
    if "openid" not in (args.get("scope") or "").split():
        return "scope 须包含 openid"
    target = urlsplit(args.get("redirect_uri") or "")
    if target.scheme not in ("http", "https") or not target.netloc:
        return "redirect_uri 无效"
    return None


def _back(redirect_uri: str, state_value: str, code: str) -> Response:
    """Redirect to the app with the code, as DingTalk does: `authCode` (and `code`, the
    same value, which DingTalk also sends) and `state` unchanged."""
    query = urlencode({"authCode": code, "code": code, "state": state_value})
    joiner = "&" if "?" in redirect_uri else "?"
    return redirect(f"{redirect_uri}{joiner}{query}", code=302)


@bp.route("/oauth2/auth", methods=["GET", "POST"])
def web_login() -> Response | tuple[str, int] | str:
    """The web login page (login.dingtalk.com/oauth2/auth): the chat page's member signs
    in at once; otherwise a picker, each member a "scan" button (POST userid)."""
    state = _state()
    args = request.values
    problem = _login_problem(state, args)
    if problem:
        return render_template_string(LOGIN_PAGE, problem=problem, groups=[], args={}), 400
    chosen = request.form.get("userid") if request.method == "POST" else \
        request.cookies.get(MEMBER_COOKIE)
    if chosen and state.directory.user(chosen) is not None:
        return _back(args["redirect_uri"], args.get("state", ""),
                     state.codes.issue(chosen, WEB_LOGIN))
    keep = {k: args.get(k, "") for k in ("client_id", "redirect_uri", "response_type",
                                          "scope", "state", "prompt")}
    return render_template_string(LOGIN_PAGE, problem=None, args=keep,
                                  groups=state.directory.users_by_department())


LOGIN_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>钉钉登录 · 沙箱</title>
<style>
* { box-sizing: border-box; }
body { margin: 0; font-family: -apple-system, "PingFang SC", "Microsoft YaHei",
  "Noto Sans CJK SC", sans-serif; background: #f2f3f5; color: #171a1d; }
header { background: #1677ff; color: #fff; padding: 12px 16px; font-size: 17px;
  font-weight: 600; }
main { max-width: 560px; margin: 0 auto; padding: 16px; }
.box { background: #fff; border-radius: 8px; padding: 16px; margin-bottom: 12px; }
h1 { font-size: 18px; margin: 0 0 6px; }
p { margin: 4px 0 12px; color: #4e5969; line-height: 1.6; }
.dept { font-size: 13px; color: #86909c; margin: 12px 0 6px; }
.people { display: flex; flex-wrap: wrap; gap: 8px; }
button { font-size: 15px; padding: 8px 14px; border-radius: 6px; border: 1px solid #1677ff;
  background: #fff; color: #1677ff; cursor: pointer; }
button:focus-visible { outline: 3px solid #0e42d2; outline-offset: 2px; }
.error { color: #cb2634; }
</style>
</head>
<body>
<header>钉钉沙箱 · 扫码登录</header>
<main>
{% if problem %}
<div class="box"><h1>无法登录</h1><p class="error">{{ problem }}</p></div>
{% else %}
<div class="box">
<h1>选择扫码的成员</h1>
<p>真实环境中这里是二维码，用手机钉钉扫码确认后登录。沙箱中请选择以哪位成员的身份「扫码」。</p>
<form method="post" action="/oauth2/auth">
{% for name, value in args.items() %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}
{% for dept, people in groups %}
<div class="dept">{{ dept.name }}</div>
<div class="people">
{% for person in people %}<button type="submit" name="userid" value="{{ person.userid }}">{{ person.name }}</button>
{% endfor %}</div>
{% endfor %}
</form>
</div>
{% endif %}
</main>
</body>
</html>
"""
