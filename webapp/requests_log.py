"""Each web request's id and what it was, on every log line it causes.

Every request gets an id (the `X-Request-Id` a proxy in front sent, if it looks like one,
else a new one), answered back in the same header, so an admin can match a complaint, a
proxy's log and ours. While the request runs, each JSON log line carries `request_id`,
`method` and `path` (`workers.logs.context`). With JSON logs the app also writes one line
per request with its `status` and `duration_ms`, in place of gunicorn's access line
(`webapp.server` turns that off then).
"""

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from workers import logs

log = logging.getLogger("mashangban.request")
HEADER = "X-Request-Id"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")


def install(app: Flask, *, line_per_request: bool) -> None:
    """Register the hooks on `app`; `line_per_request` logs each request's outcome."""

    @app.before_request
    def enter() -> None:
        offered = request.headers.get(HEADER, "")
        g.request_id = offered if _SANE_ID.fullmatch(offered) else uuid.uuid4().hex
        g.request_started = time.perf_counter()
        g.log_token = logs.push(request_id=g.request_id, method=request.method,
                                path=request.path)

    @app.after_request
    def answer(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers[HEADER] = request_id
        if line_per_request and "request_started" in g:
            elapsed = (time.perf_counter() - g.request_started) * 1000
            log.info("%s %s %s", request.method, request.path, response.status_code,
                     extra={"status": response.status_code, "duration_ms": round(elapsed, 1)})
        return response

    @app.teardown_request
    def leave(_error: BaseException | None) -> None:
        token = g.pop("log_token", None)
        if token is not None:
            try:
                logs.pop(token)
            except ValueError:  # torn down in another context than it was entered in
                pass
