"""The outbox sends through the DingTalk channel: rows reach the sandbox's members and
groups, and a rate-limited row waits and is sent later, never dropped."""

from datetime import UTC, datetime, timedelta

import requests

from integrations.dingtalk.sandbox.state import seeded_group_id
from tasks.messaging.delivery import deliver
from tasks.messaging.outbox import queue_group_markdown, queue_image, queue_markdown, queue_text
from tasks.models import OutboxMessage
from tests.sandbox.dingtalk_fixtures import chat, control
from workers.db import make_sessions

START = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def queued(sessions, add) -> int:
    with sessions.begin() as session:
        row = add(session)
        session.flush()
        return row.id


def test_outbox_rows_reach_dingtalk_members_and_groups(db, dt_sandbox, dt_channel):
    sessions, clock = make_sessions(db), Clock()
    group = seeded_group_id(5)
    ids = [
        queued(sessions, lambda s: queue_text(s, "lina", "请报送周报", now=START,
                                              platform="dingtalk")),
        queued(sessions, lambda s: queue_markdown(s, "lina", "**我的任务**\n#12 周报", now=START,
                                                  platform="dingtalk")),
        queued(sessions, lambda s: queue_image(s, "lina", PNG, now=START, platform="dingtalk")),
        queued(sessions, lambda s: queue_group_markdown(s, group, "## 信息科汇总", now=START,
                                                        platform="dingtalk")),
    ]
    outcomes = [deliver(sessions, i, {"dingtalk": dt_channel}, clock) for i in ids]
    assert [o.state for o in outcomes if o] == ["sent"] * 4
    assert [m["msgtype"] for m in chat(dt_sandbox, "lina")] == ["text", "markdown", "image"]
    posted = requests.get(f"{dt_sandbox.url}/sandbox/groups/{group}/messages", timeout=5)
    assert posted.json()["messages"][0]["content"] == "## 信息科汇总"


def test_a_rate_limited_row_waits_and_is_sent_later(db, dt_sandbox, dt_channel):
    sessions, clock = make_sessions(db), Clock()
    row = queued(sessions, lambda s: queue_text(s, "lina", "请报送周报", now=START,
                                                platform="dingtalk"))
    control(dt_sandbox, "inject", path="/v1.0/robot/oToMessages/batchSend",
            error="rate_limited")
    waiting = deliver(sessions, row, {"dingtalk": dt_channel}, clock)
    assert waiting is not None and waiting.state == "pending"
    assert waiting.retry_at is not None and waiting.retry_at >= START + timedelta(seconds=2)
    assert chat(dt_sandbox, "lina") == []
    clock.now = waiting.retry_at
    assert deliver(sessions, row, {"dingtalk": dt_channel}, clock).state == "sent"
    assert [m["content"] for m in chat(dt_sandbox, "lina")] == ["请报送周报"]
    with sessions() as session:
        assert session.get(OutboxMessage, row).attempts == 2
