"""Delivery paces sends by the limits the channel declares, never by numbers of its own."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tasks.messaging.delivery import deliver
from tasks.messaging.outbox import queue_group_markdown, queue_text
from tasks.models import OutboxMessage
from tests.unit.fake_platform import LIMITS, FakeChannel
from tests.unit.outbox_rows import queue_rows

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _channel(**limits: int) -> FakeChannel:
    channel = FakeChannel()
    channel.limits = replace(LIMITS, **limits)  # type: ignore[misc]
    return channel


def test_a_channel_allowing_two_a_minute_holds_the_third_send(sessions):
    channel = _channel(per_member_per_minute=2)
    ids = queue_rows(sessions, *[lambda s, n=n: queue_text(s, "lina", f"第{n}条", now=T0)
                             for n in range(3)])
    outcomes = [deliver(sessions, i, {"wecom": channel}, lambda: T0) for i in ids]
    assert [o.state for o in outcomes] == ["sent", "sent", "deferred"]
    assert outcomes[2].retry_at == T0 + timedelta(seconds=60)
    assert channel.sent == [("lina", "第0条"), ("lina", "第1条")]
    with sessions() as session:
        held = session.get(OutboxMessage, ids[2])
        assert (held.state, held.attempts) == ("pending", 0)  # waiting is no attempt


def test_the_same_userid_on_another_platform_has_its_own_minute(sessions):
    wecom, other = _channel(per_member_per_minute=1), _channel(per_member_per_minute=1)
    ids = queue_rows(sessions, lambda s: queue_text(s, "lina", "一", now=T0),
                 lambda s: queue_text(s, "lina", "二", now=T0, platform="fakechat"))
    channels = {"wecom": wecom, "fakechat": other}
    assert [deliver(sessions, i, channels, lambda: T0).state for i in ids] == ["sent", "sent"]
    assert (wecom.sent, other.sent) == ([("lina", "一")], [("lina", "二")])


def test_group_posts_are_paced_by_the_group_limit(sessions):
    channel = _channel(per_group_per_minute=1, per_member_per_minute=100)
    ids = queue_rows(sessions, *[lambda s, n=n: queue_group_markdown(s, "KEY", f"{n}", now=T0)
                             for n in range(2)])
    outcomes = [deliver(sessions, i, {"wecom": channel}, lambda: T0) for i in ids]
    assert [o.state for o in outcomes] == ["sent", "deferred"]
    assert channel.sent == [("KEY", "0")]


def test_a_row_for_a_platform_not_served_fails_with_the_reason(sessions):
    [row_id] = queue_rows(sessions, lambda s: queue_text(s, "lina", "你好", now=T0,
                                                     platform="dingtalk"))
    outcome = deliver(sessions, row_id, {"wecom": _channel()}, lambda: T0)
    assert outcome is not None and outcome.state == "failed"
    with sessions() as session:
        row = session.scalar(select(OutboxMessage))
        assert row.state == "failed" and "dingtalk" in (row.last_error or "")
