"""Declarative base and the column types every model shares."""

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.engine import CursorResult, Dialect
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Session
from sqlalchemy.sql.dml import Update

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored as naive UTC and always read back as an aware UTC datetime.

    SQLite drops time zones and PostgreSQL converts them to the session zone; storing
    naive UTC on both and re-attaching UTC on read keeps arithmetic honest everywhere.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware instant is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Root of all mapped classes, with constraint names that migrations can rely on."""

    metadata = MetaData(naming_convention=NAMING)


def rows_updated(session: Session, statement: Update) -> int:
    """How many rows a conditional UPDATE changed.

    This is how work is claimed: of two processes racing for a row, the database lets
    exactly one UPDATE through, and the loser sees zero rows.
    """
    return cast(CursorResult[Any], session.execute(statement)).rowcount


def column_length(column: InstrumentedAttribute[Any]) -> int | None:
    """The declared length of a String column (None for unbounded types)."""
    return getattr(column.expression.type, "length", None)


def fits(column: InstrumentedAttribute[Any], value: str) -> bool:
    """Whether `value` fits the String `column`.

    PostgreSQL refuses a longer value (and takes the whole transaction with it) while
    SQLite stores it; code that stores what came from outside checks with this first, so
    both databases behave the same and the failure is a clear decision, not a crash.
    """
    length = column_length(column)
    return length is None or len(value) <= length
