"""The directory as the chat language sees it: which active people a written name means.

`tasks.verbs.interpret` declares the `DirectoryView` protocol so the language needs no
database; this is the implementation backed by a session.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.markup import plain_text
from tasks.models import Person


class SessionDirectory:
    """Exact-name look-ups, cached for one message (a message asks about few words)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._seen: dict[str, tuple[str, ...]] = {}

    def people_named(self, written: str) -> tuple[str, ...]:
        """Labels (`王芳（秘书科，@wangfang）`) of the active people whose name is exactly
        `written`, for a text message (names escaped as plain text)."""
        if written not in self._seen:
            people = self._session.scalars(
                select(Person).where(Person.active, Person.name == written)
                .order_by(Person.id)).all()
            self._seen[written] = tuple(
                f"{plain_text(p.name)}"
                f"（{plain_text('、'.join(p.department_names)) or '未分配部门'}，@{p.userid}）"
                for p in people)
        return self._seen[written]
