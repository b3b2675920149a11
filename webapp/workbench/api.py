"""`/api/v1`: the workbench's data and actions as JSON, for its own pages and for scripts.

Authenticated by the workbench session (a state-changing call also sends the session's
CSRF token as `X-CSRF-Token`) or by an admin-issued token (`Authorization: Bearer …`,
`mashangban api-token issue PERSON`), which acts as its person with exactly their rights.
Errors are `{"error": "<Chinese message>"}` with 400, 401, 403 or 404. Each area adds its
endpoints to `blueprint` in a module of its own (`api_<area>.py`); docs/api.md lists them.
"""

from datetime import datetime

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from tasks.core import api_tokens
from webapp.workbench import sessions
from webapp.workbench.web import signed_in, viewer

blueprint = Blueprint("wb_api", __name__, url_prefix="/api/v1")


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def session_for_token(session: Session, token: str, now: datetime
                      ) -> sessions.WebSession | None:
    """The session an API token stands for (its person's), or None if unknown or revoked.
    It has no CSRF token: a script sends no cookie, so no other site can act through it."""
    person = api_tokens.person_for(session, token, now)
    if person is None:
        return None
    return sessions.WebSession(person.id, person.platform, person.userid, csrf="")


@blueprint.get("/me")
@signed_in
def me() -> ResponseReturnValue:
    """Who the session or token acts as, and which parts of the workbench they may open."""
    who = viewer()
    assert who is not None
    return jsonify(userid=who.userid, platform=who.platform, name=who.name,
                   is_admin=who.is_admin, supervises=who.supervises)
