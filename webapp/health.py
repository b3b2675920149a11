"""`/healthz`: whether this process can reach its database and Redis right now."""

from collections.abc import Callable

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from workers.runtime import Runtime

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 when both answer, 503 naming what failed; load balancers and operators read it.

    Redis is asked through the web's quick client: a frozen Redis makes this a fast 503,
    not a web worker held for seconds."""
    rt: Runtime = current_app.extensions["mashangban"]
    report = {"database": _check(lambda: _ping_database(rt)), "redis": _check(rt.web_redis.ping)}
    healthy = all(value == "ok" for value in report.values())
    return jsonify(status="ok" if healthy else "degraded", **report), 200 if healthy else 503


def _ping_database(rt: Runtime) -> None:
    with rt.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _check(probe: Callable[[], object]) -> str:
    try:
        probe()
    except Exception as error:  # health reports every failure instead of raising it
        return f"error: {type(error).__name__}"
    return "ok"
