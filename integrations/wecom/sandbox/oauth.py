"""WeCom's OAuth2 web sign-in, played by the sandbox: the authorize page that hands out a
code (`open.weixin.qq.com/connect/oauth2/authorize`) and `cgi-bin/auth/getuserinfo`, which
the product calls to learn whose code it is.

Inside the WeCom app, `snsapi_base` signs in without a prompt: the app knows who is using
it. The sandbox's "app" is its chat page, so the member chosen there (the page's cookie)
is signed in at once; with no member chosen, a member list stands in for the phone.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, request

from integrations.sandbox_kit.oauth import MEMBER_COOKIE, error_page, picker_page, with_code

from .state import SandboxState
from .web import current_state, wecom_error

bp = Blueprint("sandbox_oauth", __name__)
PICKED = "sandbox_pick"  # the member list's choice, a parameter only the sandbox reads


def _page(html: str, status: int = 200) -> Response:
    return Response(html, status=status, mimetype="text/html")


@bp.get("/connect/oauth2/authorize")
def authorize() -> Any:
    """Check the app's parameters as WeCom does, then redirect with a code for the member."""
    state = current_state()
    args = request.args
    if args.get("appid") != state.config.corp_id:
        return _page(error_page("参数错误", "appid 与企业不符（错误码 40013）"), 400)
    if args.get("response_type") != "code" or not args.get("redirect_uri"):
        return _page(error_page("参数错误", "缺少 redirect_uri 或 response_type=code"), 400)
    if args.get("scope") not in ("snsapi_base", "snsapi_privateinfo"):
        return _page(error_page("参数错误", "scope 只能是 snsapi_base 或 snsapi_privateinfo"),
                     400)
    userid = args.get(PICKED) or request.cookies.get(MEMBER_COOKIE, "")
    if state.directory.find_member(userid) is None:
        return _page(_picker(state, dict(args)))
    code = state.oauth_codes.issue(userid)
    answer = redirect(with_code(args["redirect_uri"], "code", code, args.get("state", "")))
    answer.set_cookie(MEMBER_COOKIE, userid, samesite="Lax")
    return answer


def _picker(state: SandboxState, args: dict[str, str]) -> str:
    members = [(m["userid"], m["name"]) for m in state.directory.members_of(1, True)]
    return picker_page("企业微信沙箱 · 网页授权", "以哪位成员的身份打开应用？", members,
                       lambda userid: "/connect/oauth2/authorize?"
                       + urlencode({**args, PICKED: userid}))


def getuserinfo(state: SandboxState) -> dict[str, Any]:
    """GET /cgi-bin/auth/getuserinfo?access_token=&code=: a member's userid, once per code
    (40029 invalid code: unknown, used or older than 5 minutes)."""
    userid = state.oauth_codes.take(request.args.get("code", ""))
    if userid is None:
        return wecom_error(40029)
    return {"errcode": 0, "errmsg": "ok", "userid": userid}
