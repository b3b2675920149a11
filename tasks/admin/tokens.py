"""Issuing and revoking API tokens from the admin page (the command line's
`mashangban api-token` calls `tasks.core.api_tokens` itself), with an audit entry that
never holds the token."""

from datetime import datetime

from sqlalchemy.orm import Session

from tasks.admin.audit import Actor, record
from tasks.admin.names import person_named
from tasks.core import api_tokens
from tasks.models import ApiToken, Person


def issue(session: Session, person_text: str, name: str, *, by: Actor,
          now: datetime) -> tuple[str, Person]:
    """A new token acting as the named person; returns the token (shown once) and them."""
    person = person_named(session, person_text)
    label = name.strip() or "未命名"
    if len(label) > 100:
        raise ValueError("令牌用途太长（最多 100 个字）")
    token = api_tokens.issue(session, person, label, issued_by=by.name, now=now)
    session.flush()
    record(session, by, "token", "issue", f"{person.name}（{person.userid}）",
           before="无", after=f"签发令牌「{label}」", now=now)
    return token, person


def revoke(session: Session, token_id: int, *, by: Actor, now: datetime) -> bool:
    """Stop a token acting; False if there is no such live token."""
    row = session.get(ApiToken, token_id)
    if row is None or not api_tokens.revoke(session, token_id, now):
        return False
    person = session.get(Person, row.person_id)
    who = f"{person.name}（{person.userid}）" if person is not None else str(row.person_id)
    record(session, by, "token", "revoke", who, before=f"令牌「{row.name}」有效",
           after="已吊销", now=now)
    return True
