"""Two workers racing for the same stored message: exactly one acts on it."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from sqlalchemy import func, select

from tasks.handling import inbox
from tasks.messaging.inbound import TextMessage
from tasks.models import OutboxMessage, Task
from tests.e2e.platforms import EVERY_PLATFORM

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)


def test_two_workers_claiming_one_message_create_one_task(office):
    message = TextMessage(key="msg:race-1", sender="zhangwei", text="新建 核对数据 @李娜 3天内")
    assert office.rt.inbox.store(message, now=office.rt.clock()) is True
    assert office.rt.inbox.store(message, now=office.rt.clock()) is False  # a redelivery
    with office.rt.sessions() as session:
        [inbox_id] = inbox.due_ids(session, office.rt.clock())
    start = Barrier(2)

    def worker(_: int) -> bool:
        start.wait()
        with office.rt.sessions.begin() as session:
            return inbox.process(session, inbox_id, now=office.rt.clock())

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(worker, range(2)))

    assert outcomes == [False, True]
    with office.rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Task)) == 1
        replies = session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.recipient == "zhangwei"))
        assert replies == 1
