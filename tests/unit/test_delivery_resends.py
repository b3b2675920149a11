"""Delivery keys every send with its row, and only resends where the platform drops a copy."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from integrations import registry
from integrations.wecom.limits import LIMITS as LIMITS_WECOM
from tasks.messaging import delivery
from tasks.messaging.channel import Card, Delivery, DeliveryError
from tasks.messaging.delivery import deliver, resend_bounds_problem
from tasks.messaging.outbox import queue_card, queue_image, queue_markdown, queue_text
from tasks.models import Card as CardRecord
from tasks.models import OutboxMessage, Person
from tests.unit.fake_platform import LIMITS, FakeChannel
from tests.unit.outbox_rows import queue_rows

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n"


def test_every_message_to_a_member_is_keyed_with_its_own_row(sessions):
    ids = queue_rows(sessions, lambda s: queue_text(s, "lina", "同一句话", now=T0),
                 lambda s: queue_text(s, "lina", "同一句话", now=T0),
                 lambda s: queue_markdown(s, "lina", "**列表**", now=T0),
                 lambda s: queue_image(s, "lina", PNG, now=T0))
    channel = FakeChannel()
    for row_id in ids:
        deliver(sessions, row_id, {"wecom": channel}, lambda: T0)
    assert channel.keys == ids


def keyed_channel() -> FakeChannel:
    """A channel whose platform has WeCom's duplicate check."""
    channel = FakeChannel()
    channel.limits = replace(LIMITS, duplicate_window=LIMITS_WECOM.duplicate_window)  # type: ignore[misc]
    return channel


def _deliver_all(sessions, ids, channel, now=T0) -> None:  # noqa: ANN001
    for row_id in ids:
        deliver(sessions, row_id, {"wecom": channel}, lambda: now)


def test_a_text_is_a_repeat_only_where_the_platform_could_take_two_rows_for_one(sessions):
    channel = keyed_channel()
    first = queue_rows(sessions, lambda s: queue_text(s, "lina", "请报送周报", now=T0))
    _deliver_all(sessions, first, channel)  # alone so far: sent as written
    later = T0 + timedelta(hours=3)
    rest = queue_rows(sessions,
                  lambda s: queue_text(s, "lina", "请报送周报", now=later),  # the same again
                  lambda s: queue_markdown(s, "lina", "请报送周报", now=later),  # other kind
                  lambda s: queue_text(s, "zhangwei", "请报送周报", now=later),  # other person
                  lambda s: queue_text(s, "lina", "请报送月报", now=later))  # other text
    _deliver_all(sessions, rest, channel, later)
    far = later + LIMITS_WECOM.duplicate_window + delivery.resend_horizon() + timedelta(minutes=1)
    beyond = queue_rows(sessions, lambda s: queue_text(s, "lina", "请报送周报", now=far))
    _deliver_all(sessions, beyond, channel, far)

    assert channel.keys == first + rest + beyond
    assert channel.repeats == [False, True, False, False, False, False]


def test_a_platform_without_a_duplicate_check_sends_no_repeat(sessions):
    channel = FakeChannel()  # its duplicate_window is zero: nothing is dropped anyway
    ids = queue_rows(sessions, *[lambda s: queue_text(s, "lina", "请报送周报", now=T0)] * 2)
    _deliver_all(sessions, ids, channel)
    assert channel.repeats == [False, False]


def test_a_rows_decision_is_kept_for_all_its_attempts(sessions):
    """A row decided alone stays so when resent, even if a twin has been queued since:
    its resend must be the same request as its first attempt. The twin is the repeat."""
    channel = keyed_channel()
    [alone] = queue_rows(sessions, lambda s: queue_text(s, "lina", "请报送周报", now=T0))
    _deliver_all(sessions, [alone], channel)
    [twin] = queue_rows(sessions, lambda s: queue_text(s, "lina", "请报送周报", now=T0))
    with sessions.begin() as session:  # the first send's outcome was never recorded
        session.execute(update(OutboxMessage).where(OutboxMessage.id == alone)
                        .values(state="pending"))
    _deliver_all(sessions, [alone, twin], channel)
    assert list(zip(channel.keys, channel.repeats, strict=True)) == [
        (alone, False), (alone, False), (twin, True)]


def test_twins_queued_together_are_both_repeats(sessions):
    channel = keyed_channel()
    ids = queue_rows(sessions, *[lambda s: queue_text(s, "lina", "请报送周报", now=T0)] * 2)
    _deliver_all(sessions, ids, channel)
    assert channel.repeats == [True, True]


class CardTakenChannel(FakeChannel):
    """Answers a card as WeCom does when its task_id was accepted before."""

    def send_card(self, to: str, card: Card, *, key: int | None = None) -> Delivery:
        raise DeliveryError("WeCom errcode 42014: taskid has existed", retryable=False,
                            delivered_before=True)


def _card_row(sessions) -> int:  # noqa: ANN001
    def write(session):  # noqa: ANN001, ANN202
        lina = Person(userid="lina", name="李娜")
        record = CardRecord(platform_card_id="mr1-1-x", recipient=lina, purpose="rating",
                            created_at=T0)
        session.add_all([lina, record])
        session.flush()
        return queue_card(session, record, Card(card_id="mr1-1-x", title="请评价"), now=T0)
    [row_id] = queue_rows(sessions, write)
    return row_id


def test_a_card_refused_as_sent_before_on_a_resend_counts_as_sent(sessions):
    row_id = _card_row(sessions)
    with sessions.begin() as session:  # an earlier attempt's outcome was never recorded
        session.execute(update(OutboxMessage).values(attempts=1))
    outcome = deliver(sessions, row_id, {"wecom": CardTakenChannel()}, lambda: T0)
    assert outcome is not None and outcome.state == "sent"


def test_a_card_refused_as_sent_before_on_its_first_attempt_fails(sessions):
    """Nothing of ours went out before: the id was taken by someone else."""
    row_id = _card_row(sessions)
    outcome = deliver(sessions, row_id, {"wecom": CardTakenChannel()}, lambda: T0)
    assert outcome is not None and outcome.state == "failed"


def test_a_row_is_released_only_after_its_sender_gave_up_and_resent_inside_the_window():
    horizon = delivery.resend_horizon()
    assert delivery.STALE_SENDING >= max(
        registry.platform(name).limits.longest_send for name in registry.names()
    ) + delivery.SEND_MARGIN
    assert horizon < timedelta(hours=1), "well inside WeCom's 4 hours"
    for name in registry.names():
        assert resend_bounds_problem(registry.platform(name).limits) is None, name


def test_limits_that_would_send_twice_are_named():
    slow = replace(LIMITS, longest_send=delivery.STALE_SENDING)
    assert "released" in (resend_bounds_problem(slow) or "")
    short = replace(LIMITS, duplicate_window=delivery.resend_horizon())
    assert "duplicate window" in (resend_bounds_problem(short) or "")
    assert resend_bounds_problem(replace(LIMITS, duplicate_window=timedelta(0))) is None


def test_the_settings_refuse_a_platform_whose_resends_could_arrive_twice(
        tmp_path, monkeypatch):
    from tests.conftest import TEST_WECOM
    from tests.unit import fake_platform
    from workers.settings import SettingsError, load_settings

    monkeypatch.setitem(registry.PLATFORMS, "fakechat", "tests.unit.fake_platform:PLATFORM")
    slow = replace(fake_platform.PLATFORM, limits=replace(LIMITS, longest_send=timedelta(hours=1)))
    monkeypatch.setattr(fake_platform, "PLATFORM", slow)
    settings = load_settings({**TEST_WECOM, "MASHANGBAN_PLATFORMS": "wecom,fakechat",
                              "MASHANGBAN_FAKECHAT_TOKEN": "abc"},
                             env_file=str(tmp_path / "none"))
    with pytest.raises(SettingsError, match="MASHANGBAN_PLATFORMS: fakechat: a send may take"):
        settings.check_platforms()


def _claimed_batch(sessions, count: int, at: datetime) -> delivery.Claim:  # noqa: ANN001
    queue_rows(sessions, *[lambda s, n=n: queue_text(s, "lina", f"第{n}条", now=at)
                           for n in range(count)])
    with sessions.begin() as session:
        return delivery.claim_due(session, at, 50)


def test_a_batchs_later_row_is_stamped_when_its_send_starts_so_its_release_counts_from_then(
        sessions):
    claim = _claimed_batch(sessions, 2, T0)
    channel = FakeChannel()
    started = T0 + timedelta(minutes=4)  # the first send of the batch was that slow
    deliver(sessions, claim.ids[1], {"wecom": channel}, lambda: started, claimed=claim)
    with sessions.begin() as session:
        # five minutes after the batch's claim, but one after the second row's send began:
        # a sender may still be waiting for the platform, so the row stays its own
        assert delivery.release_stale(session, T0 + delivery.STALE_SENDING
                                      + timedelta(seconds=1)) == 1  # the first row only
        states = {row.id: (row.state, row.next_attempt_at)
                  for row in session.query(OutboxMessage)}
    assert states[claim.ids[1]] == ("sent", started)
    assert states[claim.ids[0]][0] == "pending"


def test_a_row_released_from_a_slow_batch_is_not_sent_by_its_first_sender(sessions):
    claim = _claimed_batch(sessions, 1, T0)
    later = T0 + delivery.STALE_SENDING + timedelta(minutes=1)
    with sessions.begin() as session:
        assert delivery.release_stale(session, later) == 1  # its sender seemed dead
        again = delivery.claim_due(session, later, 50)  # and another sender took it
    assert again.ids == claim.ids
    first, second = FakeChannel(), FakeChannel()
    assert deliver(sessions, claim.ids[0], {"wecom": first}, lambda: later,
                   claimed=claim) is None
    deliver(sessions, claim.ids[0], {"wecom": second}, lambda: later, claimed=again)
    assert first.keys == [] and second.keys == list(claim.ids)
