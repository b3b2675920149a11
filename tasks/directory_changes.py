"""Incremental directory changes from the platform (being written)."""

from datetime import datetime

from sqlalchemy.orm import Session

from tasks.inbound import DirectoryChange
from tasks.rules import OfficeRules


def apply(session: Session, change: DirectoryChange, *, now: datetime,
          rules: OfficeRules) -> None:
    """Apply one change_contact event to the stored directory."""
