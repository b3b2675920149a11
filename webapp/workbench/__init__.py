"""The workbench: the product's web pages, opened inside WeCom and DingTalk (应用主页, card
links) or in a desktop browser, and the JSON API under `/api/v1` they share.

Server-rendered Flask blueprints and Jinja templates; static files are vendored under
`static/` (government intranets reach no CDN). Sign-in is the platform's own
(`webapp.workbench.auth`); what a person may see and do is the chat's authorization matrix,
asked through the same verbs (`webapp.workbench.web.act`).
"""

import redis
from flask import Blueprint, Flask, g, redirect, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import OperationalError

from webapp.errors import unexpected
from webapp.workbench import (  # noqa: F401 - api_admin, api_tasks, api_dashboard: routes on api
    admin,
    api,
    api_admin,
    api_dashboard,
    api_tasks,
    auth,
    auth_dingtalk,
    dashboard,
    duties,
    tasks,
)
from webapp.workbench.web import close_db, current_session, error_page, now, rt, shown_time

# The shell: templates, static files and the home page; the areas register after it.
shell = Blueprint("workbench", __name__, template_folder="templates", static_folder="static",
                  static_url_path="/static/wb")


@shell.get("/")
def home() -> ResponseReturnValue:
    return redirect("/m/")


# Every blueprint of the workbench; the JSON API's areas add their routes to `api`.
BLUEPRINTS: list[Blueprint] = [
    shell,
    auth.blueprint,  # /auth: sign-in through the platform
    auth_dingtalk.blueprint,  # /auth/dingtalk/app: DingTalk's 免登
    tasks.blueprint,  # /m: the task pages
    duties.blueprint,  # /duties: 职责公开
    dashboard.blueprint,  # /dashboard: the supervisor's dashboard
    admin.blueprint,  # /admin: the admin pages
    api.blueprint,  # /api/v1
]

# Paths that belong to the workbench: its guard (CSRF, error pages) applies to them only,
# never to the platforms' callback URLs.
PREFIXES = ("/m", "/auth", "/dashboard", "/admin", "/duties", "/api/v1")
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
# Views that take a POST before anyone is signed in; their own `state` guards them.
CSRF_EXEMPT: set[str] = {"wb_auth_dingtalk.jsapi_code"}  # DingTalk's 免登 POST


def register(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.jinja_env.filters["shown_time"] = shown_time
    app.before_request(_guard)
    app.teardown_request(close_db)
    app.register_error_handler(redis.RedisError, _unavailable)
    app.register_error_handler(OperationalError, _unavailable)


def _ours() -> bool:
    return request.path == "/" or any(
        request.path == prefix or request.path.startswith(prefix + "/") for prefix in PREFIXES)


def _guard() -> ResponseReturnValue | None:
    """Before a workbench view: an API token stands in for a session, and a request that
    changes something must carry its session's CSRF token."""
    if not _ours():
        return None
    token = api.bearer_token() if request.path.startswith("/api/") else None
    if token is not None:
        with rt().sessions.begin() as db_session:
            g.wb_session = api.session_for_token(db_session, token, now())
        if g.wb_session is None:
            return error_page(401, "未登录", "API 令牌无效或已撤销")
        return None
    if request.method in UNSAFE and request.endpoint not in CSRF_EXEMPT:
        session = current_session()
        given = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token")
        if session is None or not session.csrf_matches(given):
            return error_page(403, "页面已过期", "页面已过期或登录已失效，请刷新页面后重试。")
    return None


def _unavailable(error: Exception) -> ResponseReturnValue:
    """Redis or the database is down: the workbench says so instead of failing."""
    if not _ours():
        return unexpected(error)
    return error_page(503, "服务暂不可用", "服务暂时不可用，请稍后重试。")

