"""How the web app answers what went wrong: a short status line, never a 500 or a trace.

Registered on the app and on each platform's callback blueprint. A callback is input from
outside; whatever it makes a view do that the view did not expect is answered 400 (a
platform retries a non-200 a bounded number of times and gets the same answer) and logged
by exception type and place, never by message text, which may quote what someone wrote.
"""

import logging
import traceback
from pathlib import Path

from flask import request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def plain_error(error: HTTPException) -> tuple[str, int]:
    """Answer refused requests with their status and a short reason, never a stack trace."""
    status = error.code or 400
    if status == 413:  # oversized: a malformed request like any other (issue #2: 400/403)
        status = 400
    return f"{status} {error.name}", status


def unexpected(error: Exception) -> tuple[str, int]:
    """Anything a view did not expect becomes a logged 400 (HTTP errors keep their status:
    a blueprint's catch-all sees them before the app's own handler does)."""
    if isinstance(error, HTTPException):
        return plain_error(error)
    frames = traceback.extract_tb(error.__traceback__)
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
    log.error("unexpected %s at %s answering %s %s; answered 400", type(error).__name__,
              where, request.method, request.path)
    return "400 Bad Request", 400
