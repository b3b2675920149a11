"""Two people press 接办 on the same task at the same moment, in two OS processes.

The task is offered to 综合科, so every member holds a live 接办 button. Both clicks
travel the real path (sandbox → signed callback → inbox) and are then handled by two
separate processes released together by a barrier: exactly one becomes the holder, and
the other is told who did. Run on whichever database the suite runs on (SQLite by
default, PostgreSQL in CI).
"""

import multiprocessing
from datetime import datetime

import pytest
from sqlalchemy import select

from tasks.handling import inbox
from tasks.models import InboxMessage, Task, TaskEvent
from tests.e2e.platforms import EVERY_PLATFORM
from workers.db import make_engine

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)

ROUNDS = 4


def _handle_after_barrier(database_url: str, inbox_id: int, now: str, barrier) -> bool:  # noqa: ANN001
    """One worker process: wait for the other, then handle one stored click."""
    from sqlalchemy.orm import sessionmaker

    engine = make_engine(database_url)
    sessions = sessionmaker(engine)
    barrier.wait(timeout=30)
    with sessions.begin() as session:
        handled = inbox.process(session, inbox_id, now=datetime.fromisoformat(now))
    engine.dispose()
    return handled


def test_exactly_one_of_two_simultaneous_acceptors_wins(office, database_url):
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        for number in range(1, ROUNDS + 1):
            office.say("chenjing", f"新建 核对第{number}批来文 @综合科 2天内")
            office.click("yangfan", "接办", work=False)
            office.click("zhaolei", "接办", work=False)
            clicks = _unprocessed_clicks(office)
            assert len(clicks) == 2
            barrier = context.Manager().Barrier(2)
            now = office.rt.clock().isoformat()
            outcomes = pool.starmap(_handle_after_barrier,
                                    [(database_url, click, now, barrier) for click in clicks])
            assert outcomes == [True, True], "each click was handled by its own process"
            office.work()  # send the replies the two processes queued

            with office.rt.sessions() as session:
                task = session.get(Task, number)
                winner = task.holder.userid
                accepts = session.scalars(select(TaskEvent).where(
                    TaskEvent.task_id == number, TaskEvent.action == "accepted")).all()
            assert task.state == "accepted" and winner in ("yangfan", "zhaolei")
            assert len(accepts) == 1 and accepts[0].actor_id == task.holder_id
            loser = "zhaolei" if winner == "yangfan" else "yangfan"
            names = {"yangfan": "杨帆", "zhaolei": "赵磊"}
            assert f"任务 #{number} 已由 {names[winner]} 接办" in office.last_reply(loser)
            assert f"已接办任务 #{number}" in office.last_reply(winner)


def _unprocessed_clicks(office) -> list[int]:
    with office.rt.sessions() as session:
        return list(session.scalars(select(InboxMessage.id).where(
            InboxMessage.processed_at.is_(None)).order_by(InboxMessage.id)))
