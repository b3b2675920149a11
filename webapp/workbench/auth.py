"""Signing in to the workbench through the chat platform, and nothing else.

`/auth/start` picks the platform and the way: inside WeCom or DingTalk (their browsers say
so in the user agent, and links from chat say which platform with `p=`) the platform's
in-app sign-in runs without a prompt; a desktop browser gets a page offering each served
platform's QR-code login. Either way the platform sends the browser back to
`/auth/<platform>/callback` with a one-time code and our `state`; the code becomes a user
id by the platform's API (`SignIn.userid`), the user id a person of the directory, and
that person a session (`webapp.workbench.sessions`). There are no passwords.
"""

import logging

from flask import Blueprint, make_response, redirect, request
from flask.typing import ResponseReturnValue

from tasks.directory.lookup import person_by_userid
from webapp.workbench import sessions
from webapp.workbench.web import db, error_page, render, rt, safe_next

log = logging.getLogger(__name__)
blueprint = Blueprint("wb_auth", __name__)

# What a platform's own browser puts in its user agent.
APP_AGENTS = {"wecom": ("wxwork",), "dingtalk": ("dingtalk",)}
VIAS = ("app", "qr", "jsapi")


def callback_url(platform: str) -> str:
    """Where the platform sends the browser back: on the public address, which is the
    trusted domain (可信域名) configured in the platform's console."""
    return f"{rt().settings.rules.public_url}/auth/{platform}/callback"


@blueprint.get("/auth/start")
def start() -> ResponseReturnValue:
    next_path = safe_next(request.args.get("next"))
    served = list(rt().signins)
    platform = _platform(served)
    if platform is None:
        return render("workbench/signin.html", platforms=_choices(served), next=next_path)
    via = request.args.get("via", "")
    via = via if via in VIAS else "app"
    return redirect(begin(platform, via, next_path))


def begin(platform: str, via: str, next_path: str) -> str:
    """The address that starts a sign-in on `platform` the way `via`."""
    signin = rt().signins[platform]
    state = sessions.remember_signin(rt().web_redis, platform, next_path, via)
    url = callback_url(platform)
    if via == "qr":
        return signin.qr_url(url, state)
    app_url = signin.app_url(url, state)
    return app_url if app_url is not None else f"/auth/{platform}/app?state={state}"


def _platform(served: list[str]) -> str | None:
    """The platform named by the link, else the one whose browser this is, else None."""
    named = request.args.get("p", "")
    if named in served:
        return named
    agent = request.headers.get("User-Agent", "").lower()
    for name in served:
        if any(mark in agent for mark in APP_AGENTS.get(name, ())):
            return name
    return None


def _choices(served: list[str]) -> list[dict[str, str]]:
    return [{"name": name, "title": rt().platforms[name].title} for name in served]


@blueprint.get("/auth/<platform>/callback")
def callback(platform: str) -> ResponseReturnValue:
    """The platform's redirect back with `code` and `state`: sign the person in."""
    state = sessions.take_signin(rt().web_redis, request.args.get("state"))
    if state is None or state.get("platform") != platform or platform not in rt().signins:
        return error_page(403, "登录失败", "登录链接已失效，请从应用中重新打开页面。")
    code = request.args.get("code", "")
    return finish(platform, code, str(state.get("via", "app")), safe_next(state.get("next")))


def finish(platform: str, code: str, via: str, next_path: str) -> ResponseReturnValue:
    """Turn a platform's one-time code into a session and go on to `next_path`."""
    if not code or len(code) > 512:
        return error_page(403, "登录失败", "没有收到有效的授权码，请重新打开页面。")
    try:
        userid = rt().signins[platform].userid(code, via=via)
    except Exception as error:  # the platform is unreachable or answered an error
        log.warning("sign-in on %s failed: %s", platform, type(error).__name__)
        return error_page(503, "暂时无法登录",
                          f"暂时无法连接{rt().platforms[platform].title}，请稍后重试。")
    if userid is None:
        return error_page(403, "登录失败", "授权码无效或已过期，请重新打开页面。")
    found = person_by_userid(db(), userid, platform)
    if found is None:
        return error_page(403, "无法登录", "你不在本单位的通讯录中，请联系管理员。")
    token = sessions.start(rt().web_redis, found.id, platform, userid,
                           minutes=rt().settings.web_session_minutes)
    answer = make_response(redirect(next_path))
    set_cookie(answer, token)
    return answer


def set_cookie(answer: ResponseReturnValue, token: str) -> None:
    secure = rt().settings.rules.public_url.startswith("https://")
    answer.set_cookie(sessions.COOKIE, token, httponly=True, samesite="Lax",  # type: ignore[union-attr]
                      secure=secure, path="/")


@blueprint.post("/auth/signout")
def signout() -> ResponseReturnValue:
    sessions.end(rt().web_redis, request.cookies.get(sessions.COOKIE))
    page = render("workbench/signed_out.html")
    answer = make_response(page)
    answer.delete_cookie(sessions.COOKIE, path="/")
    return answer

