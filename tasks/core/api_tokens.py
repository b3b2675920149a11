"""API tokens that admins issue (`mashangban api-token issue`, the admin page): a script
acting through `/api/v1` as one person, with exactly that person's rights.

Only a SHA-256 of a token is stored; the token is shown once, when issued. A revoked
token, or one whose person has left, no longer acts.
"""

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.models import ApiToken, Person

PREFIX = "msb_"  # so a token found in a file or a log is recognisable as ours
LONGEST = 100


def hashed(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session: Session, person: Person, name: str, *, issued_by: str,
          now: datetime) -> str:
    """A new token acting as `person`; returns the token itself (shown once)."""
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=hashed(token), person_id=person.id, name=name[:100],
                         issued_at=now, issued_by=issued_by[:100]))
    return token


def person_for(session: Session, token: str, now: datetime) -> Person | None:
    """The active person a live token acts as, noting its use; None otherwise."""
    if not token or len(token) > LONGEST:
        return None
    record = session.scalar(select(ApiToken).where(ApiToken.token_hash == hashed(token),
                                                   ApiToken.revoked_at.is_(None)))
    if record is None:
        return None
    person = session.get(Person, record.person_id)
    if person is None or not person.active:
        return None
    record.last_used_at = now
    return person


def revoke(session: Session, token_id: int, now: datetime) -> bool:
    """Stop a token acting; False if there is no such live token."""
    record = session.get(ApiToken, token_id)
    if record is None or record.revoked_at is not None:
        return False
    record.revoked_at = now
    return True


def listed(session: Session) -> list[tuple[ApiToken, Person]]:
    """Every token with its person, newest first (the hash is never shown)."""
    rows = session.execute(select(ApiToken, Person).join(
        Person, Person.id == ApiToken.person_id).order_by(ApiToken.id.desc()))
    return [(token, person) for token, person in rows]
