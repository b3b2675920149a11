"""Database engines and migrations, the same code on SQLite and PostgreSQL."""

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

import tasks


def make_engine(url: str) -> Engine:
    """An engine tuned for its backend.

    On SQLite every transaction starts with BEGIN IMMEDIATE, so concurrent workers queue
    for the write lock instead of failing mid-transaction; WAL lets readers go on.

    `hide_parameters`: a database error's text names the statement but not its values,
    which are what people wrote (a task's title, a message's payload); such errors reach
    the logs with their tracebacks and `inbox.error`.
    """
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    _make_sqlite_directory(url)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                           hide_parameters=True)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _make_sqlite_directory(url: str) -> None:
    """SQLite creates the file but not its folder; a fresh checkout has no ./var yet."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(tasks.__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema to `revision`; safe to run on every start."""
    _make_sqlite_directory(url)
    command.upgrade(alembic_config(url), revision)
