"""Fixtures shared by the unit tests that write outbox rows on the test database."""

import pytest

from workers.db import make_sessions


@pytest.fixture
def sessions(db):
    return make_sessions(db)
