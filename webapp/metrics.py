"""`/metrics` for Prometheus, and counting each platform callback by its result.

`/metrics` is off unless `MASHANGBAN_METRICS_TOKEN` is set, and then answers only a request
that presents it as `Authorization: Bearer <token>`: its figures say how busy the office
is and which sends fail, which is nobody's business outside operations. What it reports
is gathered by `workers.metrics` (docs/operations.md lists every metric).

A callback's result is read from its answer after the view ran: 200 `accepted` (or
`duplicate` when the view says the message was already held), 503 `unavailable`
(storage down; the platform retries), any other status `refused`. It is counted once the
answer has gone out (`call_on_close`), so counting adds nothing to the time the platform
waits.
"""

import hmac

from flask import Blueprint, Flask, Response, current_app, g, request
from flask.typing import ResponseReturnValue

from workers.metrics import exposition
from workers.runtime import Runtime

blueprint = Blueprint("metrics", __name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@blueprint.get("/metrics")
def metrics() -> ResponseReturnValue:
    rt: Runtime = current_app.extensions["mashangban"]
    token = rt.settings.metrics_token
    if not token:
        return Response("not found", status=404, mimetype="text/plain")
    presented = request.headers.get("Authorization", "")
    if not hmac.compare_digest(presented.encode(), f"Bearer {token}".encode()):
        return Response("a valid bearer token is required", status=401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    return Response(exposition(rt.engine, rt.clock, rt.events), content_type=CONTENT_TYPE)


def mark_duplicate() -> None:
    """The callback being answered carried only messages the inbox already held."""
    g.callback_result = "duplicate"


def count_callbacks(app: Flask, platforms: list[str]) -> None:
    """Count every message callback (a POST to a platform's blueprint) by its result."""

    @app.after_request
    def count(response: Response) -> Response:
        if request.method != "POST" or request.blueprint not in platforms:
            return response
        if response.status_code == 200:
            result = g.get("callback_result", "accepted")
        else:
            result = "unavailable" if response.status_code == 503 else "refused"
        events = current_app.extensions["mashangban"].events
        platform = request.blueprint
        response.call_on_close(lambda: events.callback(platform, result))
        return response
