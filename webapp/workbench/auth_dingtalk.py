"""DingTalk's in-app sign-in (免登): a page of ours, since DingTalk has no OAuth redirect
for an internal app's H5 page.

`/auth/start` sends a browser inside DingTalk here (`SignIn.app_url` is None) with the
sign-in's `state`. The page loads the vendored DingTalk JSAPI, asks the client for a code
of our organisation (`dd.runtime.permission.requestAuthCode({corpId})`) and POSTs it with
the state; the server takes the state once (it guards this POST, made before anyone is
signed in, in place of a session's CSRF token) and signs the person in like any
platform's callback (`auth.finish`). Outside the client the page offers DingTalk's web
login (the QR code) for the same sign-in.
"""

from flask import Blueprint, redirect, request
from flask.typing import ResponseReturnValue

from webapp.workbench import auth
from webapp.workbench.web import error_page, render, rt, safe_next

blueprint = Blueprint("wb_auth_dingtalk", __name__)
PLATFORM = "dingtalk"
STATE_LONGEST = 100  # what `sessions.take_signin` accepts


def _stale() -> ResponseReturnValue:
    return error_page(403, "登录失败", "登录链接已失效，请从钉钉中重新打开页面。")


def _taken(state: str | None) -> dict | None:
    """The sign-in `state` stands for, taken once, if this browser began it on DingTalk."""
    return auth.take_state(PLATFORM, state)


@blueprint.get("/auth/dingtalk/app")
def page() -> ResponseReturnValue:
    """The 免登 page: the script asks the client for a code and posts it here."""
    state = request.args.get("state", "")
    if PLATFORM not in rt().signins or not state or len(state) > STATE_LONGEST:
        return _stale()
    signin = rt().signins[PLATFORM]
    return render("workbench/signin_dingtalk.html", state=state,
                  corp_id=getattr(signin, "corp_id", ""))


@blueprint.post("/auth/dingtalk/app")
def jsapi_code() -> ResponseReturnValue:
    """The client's code with the sign-in's state: the person is signed in, once."""
    found = _taken(request.form.get("state"))
    if found is None:
        return _stale()
    return auth.finish(PLATFORM, request.form.get("code", ""), "jsapi",
                       safe_next(found.get("next")))


@blueprint.get("/auth/dingtalk/qr")
def qr_instead() -> ResponseReturnValue:
    """The page's way out when 免登 cannot work: the same sign-in by DingTalk's QR login."""
    found = _taken(request.args.get("state"))
    if found is None:
        return _stale()
    return redirect(auth.begin(PLATFORM, "qr", safe_next(found.get("next"))))
