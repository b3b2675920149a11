"""WeCom's QR-code web login (企业微信扫码登录), played by the sandbox:
`GET /wwlogin/sso/login?login_type=CorpApp&appid=&agentid=&redirect_uri=&state=`
(login.work.weixin.qq.com).

On WeCom the page shows a QR code; the member scans it with the WeCom app and confirms,
and WeCom redirects to `redirect_uri?code=…&state=…`. The product trades the code with
`cgi-bin/auth/getuserinfo`, the same call as the in-app OAuth (`oauth.py`), so the codes
come from the same store: single-use, 5 minutes of the sandbox clock.

The sandbox has no phone: the member chosen on the chat page (its cookie) "scans" at once,
else a member list stands in for the phones, each member a "scan".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, redirect, request

from integrations.sandbox_kit.oauth import MEMBER_COOKIE, error_page, picker_page, with_code

from .state import SandboxState
from .web import as_int, current_state

bp = Blueprint("sandbox_login", __name__)
PICKED = "sandbox_pick"  # the member list's choice, a parameter only the sandbox reads


def _page(html: str, status: int = 200) -> Response:
    return Response(html, status=status, mimetype="text/html")


def _problem(state: SandboxState, args: Any) -> str | None:
    """Why WeCom's login page would refuse these parameters, in its words, or None."""
    if args.get("login_type") != "CorpApp":
        return "login_type 须为 CorpApp（企业自建应用）"
    if args.get("appid") != state.config.corp_id:
        return "appid 与企业不符（错误码 40013）"
    if as_int(args.get("agentid")) != state.config.agent_id:
        return "agentid 无效（错误码 301002）"
    target = urlsplit(args.get("redirect_uri") or "")
    if target.scheme not in ("http", "https") or not target.netloc:
        return "redirect_uri 无效"
    return None


@bp.get("/wwlogin/sso/login")
def sso_login() -> Any:
    """Check the app's parameters as WeCom does, then "scan": redirect with a code."""
    state = current_state()
    args = request.args
    problem = _problem(state, args)
    if problem:
        return _page(error_page("扫码登录失败", problem), 400)
    userid = args.get(PICKED) or request.cookies.get(MEMBER_COOKIE, "")
    if state.directory.find_member(userid) is None:
        return _page(_picker(state, dict(args)))
    code = state.oauth_codes.issue(userid)
    return redirect(with_code(args["redirect_uri"], "code", code, args.get("state", "")))


def _picker(state: SandboxState, args: dict[str, str]) -> str:
    members = [(m["userid"], m["name"]) for m in state.directory.members_of(1, True)]
    return picker_page("企业微信沙箱 · 扫码登录",
                       "真实环境中这里是二维码，成员用企业微信扫码确认后登录。请选择由谁「扫码」：",
                       members, lambda userid: "/wwlogin/sso/login?"
                       + urlencode({**args, PICKED: userid}))
