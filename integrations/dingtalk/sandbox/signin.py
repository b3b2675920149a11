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

from flask import Blueprint, Response, current_app, jsonify, redirect, request

from integrations.sandbox_kit.oauth import MEMBER_COOKIE, error_page, picker_page

from .state import SandboxState

bp = Blueprint("dingtalk_signin", __name__)

PICKED = "sandbox_pick"  # the member list's choice, a parameter only the sandbox reads


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
    return jsonify({"code": state.jsapi_codes.issue(userid)})


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


def _back(redirect_uri: str, state_value: str, code: str) -> Any:
    """Redirect to the app with the code, as DingTalk does: `authCode` (and `code`, the
    same value, which DingTalk also sends) and `state` unchanged."""
    query = urlencode({"authCode": code, "code": code, "state": state_value})
    joiner = "&" if "?" in redirect_uri else "?"
    return redirect(f"{redirect_uri}{joiner}{query}", code=302)


def _page(html: str, status: int = 200) -> Response:
    return Response(html, status=status, mimetype="text/html")


@bp.get("/oauth2/auth")
def web_login() -> Any:
    """The web login page (login.dingtalk.com/oauth2/auth): the chat page's member signs
    in at once; otherwise a member list, each member a "scan"."""
    state = _state()
    args = request.args
    problem = _login_problem(state, args)
    if problem:
        return _page(error_page("钉钉登录失败", problem), 400)
    userid = args.get(PICKED) or request.cookies.get(MEMBER_COOKIE, "")
    if state.directory.user(userid) is None:
        return _page(_picker(state, {k: v for k, v in args.items() if k != PICKED}))
    return _back(args["redirect_uri"], args.get("state", ""), state.login_codes.issue(userid))


def _picker(state: SandboxState, args: dict[str, str]) -> str:
    members = [(person["userid"], person["name"])
               for _dept, people in state.directory.users_by_department() for person in people]
    unique = list(dict.fromkeys(members))  # a member of two departments is listed once
    return picker_page("钉钉沙箱 · 扫码登录",
                       "真实环境中这里是二维码，成员用钉钉扫码确认后登录。请选择由谁「扫码」：",
                       unique, lambda userid: "/oauth2/auth?"
                       + urlencode({**args, PICKED: userid}))
