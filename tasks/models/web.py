"""What the workbench (the web pages inside WeCom and DingTalk) stores: the forms it has acted
on, so a resubmitted form acts once, and the API tokens admins issue."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tasks.models.base import Base, UTCDateTime


class WebSubmission(Base):
    """One acted-on form: its one-time key and what the person was answered.

    A form carries a fresh key; a second submission of the same key (a double tap, a
    browser resending after a lost answer) finds the row and gets the first answer again
    instead of acting twice. The row is written in the action's own transaction.
    """

    __tablename__ = "web_submissions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON)


class ApiToken(Base):
    """A bearer token for `/api/v1`, issued by an admin to act as one person.

    Only a SHA-256 of the token is kept; the token itself is shown once when issued. A
    token acts with exactly its person's rights (the same authorization matrix as chat).
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    name: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
