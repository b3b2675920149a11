"""The middle layer's office: the seeded directory in a migrated SQLite (or the CI
database), the pinned Tuesday clock, the admin, and the in-memory channel."""

import pytest
from sqlalchemy import Engine

from tasks.core.office_rules import OfficeRules
from tasks.directory.sync import apply_snapshot
from tests.clocks import FrozenClock
from tests.middle.channel import MemoryChannel
from tests.middle.office import Office
from tests.seeded_office import ADMINS, OFFICE_START, seeded_directory
from workers.db import make_sessions


@pytest.fixture
def office(db: Engine) -> Office:
    clock = FrozenClock(OFFICE_START)
    channel = MemoryChannel(directory=seeded_directory())
    sessions = make_sessions(db)
    with sessions.begin() as session:
        apply_snapshot(session, channel.fetch_directory(), now=clock())
    return Office(sessions, clock, OfficeRules(admins=frozenset(ADMINS)), channel)
