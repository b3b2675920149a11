"""Shared fixtures: a real database and a real Redis, cleaned around every test.

`MASHANGBAN_TEST_DATABASE_URL` and `MASHANGBAN_TEST_REDIS_URL` point the suite at
servers (CI uses PostgreSQL and a Redis database other than 0); without them it uses a
SQLite file and the embedded Redis.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from tasks.models import Base
from tests.clocks import ShiftedClock
from workers import embedded_redis
from workers.db import make_engine, make_sessions, upgrade
from workers.runtime import Runtime
from workers.settings import Settings, load_settings

# Hypothesis runs the same examples on every run by default ("ci": derandomized, no example
# database), so `make test` takes the same time each run and a failure in CI fails again on
# any machine. Properties that leave the budget to the profile (the 10,000-message runs of
# tests/properties) get 1,000 examples there; MASHANGBAN_HYPOTHESIS=explore draws fresh
# random examples, 10,000 of them, to look for new failures.
HYPOTHESIS_PROFILE = "MASHANGBAN_HYPOTHESIS"
hypothesis_settings.register_profile("ci", derandomize=True, database=None, deadline=None,
                                     max_examples=1_000, print_blob=True)
hypothesis_settings.register_profile("explore", deadline=None, max_examples=10_000)
hypothesis_settings.load_profile(os.environ.get(HYPOTHESIS_PROFILE, "ci"))

TEST_WECOM = {
    "MASHANGBAN_WECOM_CORP_ID": "wwtest0000000001",
    "MASHANGBAN_WECOM_AGENT_ID": "1000002",
    "MASHANGBAN_WECOM_SECRET": "test-secret",
    "MASHANGBAN_WECOM_TOKEN": "QDG6eK",
    "MASHANGBAN_WECOM_AES_KEY": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
}


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="session")
def database_url(var_dir: Path) -> str:
    url = os.environ.get("MASHANGBAN_TEST_DATABASE_URL") or f"sqlite:///{var_dir / 'test.db'}"
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)  # the suite runs on the migrated schema, so migrations are tested too
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Engine:
    """An empty database (task numbers start again at 1)."""
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
    return engine


@pytest.fixture
def session(db: Engine) -> Iterator[Session]:
    with make_sessions(db)() as session:
        yield session


@pytest.fixture(scope="session")
def redis_url(var_dir: Path) -> Iterator[str]:
    url = os.environ.get("MASHANGBAN_TEST_REDIS_URL")
    if url:
        yield url
        return
    yield embedded_redis.ensure_running(var_dir / "redis")
    embedded_redis.stop(var_dir / "redis")


@pytest.fixture
def redis_conn(redis_url: str) -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


def make_settings(var_dir: Path, database_url: str, redis_url: str, **extra: str) -> Settings:
    environ = {**TEST_WECOM, "MASHANGBAN_VAR_DIR": str(var_dir),
               "MASHANGBAN_DATABASE_URL": database_url, "MASHANGBAN_REDIS_URL": redis_url,
               **{f"MASHANGBAN_{k.upper()}": v for k, v in extra.items()}}
    return load_settings(environ, env_file="/nonexistent")


@pytest.fixture
def settings(var_dir: Path, database_url: str, redis_url: str) -> Settings:
    return make_settings(var_dir, database_url, redis_url)


@pytest.fixture
def runtime(settings: Settings, db: Engine, redis_conn: redis.Redis) -> Runtime:
    """A runtime on the test database and Redis; its clock is real time plus an offset."""
    return Runtime(settings, clock=ShiftedClock(), _engine=db)
