"""Counting sends for /metrics never costs a send (`workers/metrics.py`); the counts as
Prometheus reads them are tested through the office in tests/e2e/test_operations.py."""

import pytest
import redis

from integrations.dingtalk.api import DingTalkError
from integrations.wecom.channel import WeComError
from tasks.messaging.channel import Delivery, DeliveryError
from workers.metrics import EventCounters, error_code, meter_channel


class Sender:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def send_text(self, to: str, text: str) -> Delivery:
        if to == "nobody":
            raise WeComError("WeCom errcode 81013: user invalid", 81013, retryable=False)
        self.sent.append(text)
        return Delivery(message_id="m1")


def test_a_send_goes_through_and_fails_as_before_when_redis_is_gone():
    dead = redis.Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.2,
                                socket_timeout=0.2)
    sender = Sender()
    channel = meter_channel(sender, "wecom", EventCounters(dead))

    assert channel is sender and isinstance(channel, Sender), "the channel stays itself"
    assert channel.send_text("lina", "你好") == Delivery(message_id="m1")
    with pytest.raises(WeComError):
        channel.send_text("nobody", "你好")
    assert sender.sent == ["你好"]
    assert EventCounters(dead).read() == {}, "a scrape without Redis shows no counters"


def test_counted_sends_land_in_the_shared_hash(redis_conn):
    sender = meter_channel(Sender(), "wecom", EventCounters(redis_conn))
    sender.send_text("lina", "一")
    with pytest.raises(WeComError):
        sender.send_text("nobody", "二")

    counts = EventCounters(redis_conn).read()
    assert counts["send_error|wecom|81013"] == 1
    assert sum(v for k, v in counts.items() if k.startswith("send_bucket|wecom|")) == 2


@pytest.mark.parametrize(("error", "label"), [
    (WeComError("WeCom errcode 45009: rate", 45009, retryable=True), "45009"),
    (DingTalkError("DingTalk: throttled", code="Forbidden.AccessDenied.QpsLimit",
                   retryable=True), "Forbidden.AccessDenied.QpsLimit"),
    (DeliveryError("network: ReadTimeout", retryable=True), "network"),
    (DeliveryError("收件人 x 不在应用可见范围内 (invaliduser)", retryable=False), "other"),
    (DingTalkError("free text <b> in a code", code="a b<c>", retryable=False), "other"),
    (RuntimeError("bug"), "other"),
])
def test_an_error_is_labelled_by_the_platforms_code_never_by_free_text(error, label):
    assert error_code(error) == label
