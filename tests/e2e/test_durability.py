"""Nothing is lost: a Redis flush or a lost job leaves work in the database for the sweep."""

import pytest
from sqlalchemy import func, select, update

from tasks.models import InboxMessage, OutboxMessage
from tests.e2e.platforms import EVERY_PLATFORM
from workers.jobs.messages import process_inbox
from workers.sweep import sweep

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)


def unprocessed(office) -> int:
    with office.rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(InboxMessage)
                              .where(InboxMessage.processed_at.is_(None)))


def test_a_request_survives_a_redis_flush_before_any_worker_ran(office):
    office.say("zhangwei", "新建 核对名单 @李娜 3天内", work=False)
    office.rt.redis.flushdb()  # the queued job and its signal are gone
    office.work()
    assert unprocessed(office) == 1, "with no job queued nothing ran yet"

    office.rt.clock.advance(seconds=10)  # past the sweep's grace period
    assert sweep(office.rt) is True
    office.work()

    assert unprocessed(office) == 0
    assert len(office.cards("lina")) == 1
    assert "#1" in office.last_reply("zhangwei")


def test_the_sweep_stays_quiet_when_nothing_waits(office):
    office.say("lina", "帮助")
    office.rt.clock.advance(seconds=10)
    assert sweep(office.rt) is False
    assert office.rt.queue.count == 0


def test_a_send_interrupted_mid_flight_is_released_and_sent(office):
    office.say("lina", "帮助", work=False)
    process_inbox(office.rt)  # the reply is in the outbox ...
    with office.rt.sessions.begin() as session:  # ... and a sender died right after claiming it
        session.execute(update(OutboxMessage).values(state="sending",
                                                     next_attempt_at=office.rt.clock()))
    office.rt.redis.flushdb()
    office.work()
    assert office.replies("lina") == []

    office.rt.clock.advance(minutes=6)
    assert sweep(office.rt) is True
    office.work()

    assert "指令一览" in office.last_reply("lina")
