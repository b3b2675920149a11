"""What every workbench view needs: the runtime, a database session, the signed-in person,
acting as them, and rendering pages.

A view reads in `db()`, a session opened for the request and closed after it; a view that
changes something does it through `act`, which runs the same verb chat runs in a
transaction of its own (`tasks.handling.actions.perform`) and then wakes a worker to send
what it queued (card redraws, notices).
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import current_app, g, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tasks.core.context import Context
from tasks.handling.actions import Outcome, perform
from tasks.models import Membership, Person, SupervisorGrant, WebSubmission
from tasks.presentation.replies import stamp
from webapp.workbench import sessions
from workers import receiver
from workers.runtime import Runtime

View = TypeVar("View", bound=Callable[..., ResponseReturnValue])


@dataclass(frozen=True)
class Viewer:
    """The signed-in person as the pages need them; rights are asked of the matrix."""

    person_id: int
    userid: str
    platform: str
    name: str
    is_admin: bool
    supervises: bool  # leads or is granted a department, or admin: the dashboard is theirs


def rt() -> Runtime:
    runtime: Runtime = current_app.extensions["mashangban"]
    return runtime


def db() -> Session:
    """The request's read session (closed when the request ends)."""
    if "wb_db" not in g:
        g.wb_db = rt().sessions()
    session: Session = g.wb_db
    return session


def end_reads() -> None:
    """End the request's read transaction before a write: on SQLite every transaction
    takes the write lock (BEGIN IMMEDIATE, workers/db.py), so a read left open would make
    the write wait out the busy timeout."""
    if "wb_db" in g:
        g.wb_db.rollback()


def close_db(_error: BaseException | None = None) -> None:
    session = g.pop("wb_db", None)
    if session is not None:
        session.close()


def now() -> datetime:
    return rt().clock()


def current_session() -> sessions.WebSession | None:
    """The request's session, from its cookie or its API token (`webapp.workbench.api`)."""
    if "wb_session" not in g:
        g.wb_session = sessions.find(rt().web_redis, request.cookies.get(sessions.COOKIE),
                                     minutes=rt().settings.web_session_minutes)
    found: sessions.WebSession | None = g.wb_session
    return found


def viewer() -> Viewer | None:
    """Who is signed in, or None; a person who left the directory is signed out."""
    if "wb_viewer" in g:
        found: Viewer | None = g.wb_viewer
        return found
    session = current_session()
    person = db().get(Person, session.person_id) if session else None
    g.wb_viewer = _viewer_of(person) if person is not None and person.active else None
    return g.wb_viewer


def _viewer_of(person: Person) -> Viewer:
    is_admin = person.known_as(rt().settings.rules.admins)
    leads = db().scalar(select(exists().where(Membership.person_id == person.id,
                                              Membership.is_leader)))
    granted = db().scalar(select(exists().where(SupervisorGrant.person_id == person.id)))
    return Viewer(person.id, person.userid, person.platform, person.name, is_admin,
                  bool(is_admin or leads or granted))


def person() -> Person:
    """The signed-in person's record (in `db()`); only inside `signed_in` views."""
    found = viewer()
    assert found is not None, "person() outside a signed_in view"
    record = db().get(Person, found.person_id)
    assert record is not None
    return record


def wants_json() -> bool:
    return request.path.startswith("/api/")


def signed_in(view: View) -> View:
    """Only for a signed-in person: pages send others through sign-in and back, the API
    answers 401."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if viewer() is None:
            if wants_json():
                return jsonify(error="未登录或登录已过期"), 401
            query = {"next": request.full_path.rstrip("?")}
            if request.args.get("p"):
                query["p"] = request.args["p"]
            return redirect("/auth/start?" + urlencode(query))
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


def safe_next(path: str | None) -> str:
    """Where to go after sign-in: only a path of ours, never another site."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/m/"
    return path


def form_key() -> str:
    """A fresh one-time key for a form: the same form submitted twice acts once."""
    return secrets.token_urlsafe(24)


def act(key: str, do: Callable[[Context], None]) -> Outcome:
    """Do something as the signed-in person, as chat would, once per `key`; then wake a
    worker to send what it queued. Two submissions racing with one key: the second's
    insert of the key fails, and it is answered with the first's outcome."""
    runtime, who = rt(), viewer()
    assert who is not None, "act() outside a signed_in view"
    end_reads()
    try:
        with runtime.sessions.begin() as session:
            record = session.get(Person, who.person_id)
            assert record is not None
            outcome = perform(session, record, do, now=runtime.clock(),
                              rules=runtime.settings.rules, key=key)
    except IntegrityError:
        with runtime.sessions() as session:
            stored = session.get(WebSubmission, key)
            if stored is None:
                raise
            return Outcome(replies=tuple(stored.outcome.get("replies") or ()),
                           refusal=stored.outcome.get("refusal"), repeated=True)
    if outcome.done and not outcome.repeated:
        receiver.wake(runtime)
    return outcome


def render(template: str, status: int = 200, **context: Any) -> ResponseReturnValue:
    """A page, with the signed-in person, the navigation and the CSRF token."""
    who = viewer()
    session = current_session()
    context.setdefault("flashes", outcome_flashes(request.args.get("done")))
    return render_template(template, viewer=who, nav=navigation(who),
                           csrf_token=session.csrf if session else "",
                           form_key=form_key, **context), status


def outcome_flashes(key: str | None) -> list[tuple[str, str]]:
    """What an action answered, shown after its redirect (`?done=<form key>`): the stored
    outcome of the signed-in person's own submission, so a reload shows it again and
    nobody can read another's."""
    who = viewer()
    if not key or who is None or len(key) > 64:
        return []
    stored = db().get(WebSubmission, key)
    if stored is None or stored.person_id != who.person_id:
        return []
    if stored.outcome.get("refusal"):
        return [("error", str(stored.outcome["refusal"]))]
    return [("ok", str(text)) for text in stored.outcome.get("replies") or ()]


def navigation(who: Viewer | None) -> list[tuple[str, str]]:
    """The menu: (label, path), only what this person may open."""
    if who is None:
        return []
    items = [("我的待办", "/m/"), ("我交办的", "/m/requested"), ("待我评价", "/m/to-rate"),
             ("新建", "/m/new"), ("职责公开", "/duties")]
    if who.supervises:
        items.append(("驾驶舱", "/dashboard"))
    if who.is_admin:
        items.append(("管理", "/admin"))
    return items


def shown_time(when: datetime | None) -> str:
    """`12月4日 17:00` in Asia/Shanghai, as chat shows times."""
    return stamp(when) if when is not None else ""


def error_page(status: int, title: str, message: str) -> ResponseReturnValue:
    """An error as a page (or JSON under /api/): Chinese, short, never a trace."""
    if wants_json():
        return jsonify(error=message), status
    return render("workbench/error.html", status=status, title=title, message=message)
