"""What `/metrics` reports to Prometheus, gathered so that many processes on many hosts
give one true answer (docs/operations.md, "Metrics").

Two sources, because an installation runs several gunicorn processes and several workers:

- **Gauges read from the database at scrape time** (`DatabaseGauges`): backlogs, lags and
  parked failures are facts about the inbox, outbox and reminders tables, whichever
  process asks. A handful of queries, each on an index, none scanning sent history.
- **Event counters in Redis** (`EventCounters`): callbacks by result, send latency and
  send errors by code are counted with HINCRBY in one hash that every process shares, on
  any host. A Redis flush loses them, which Prometheus reads as a counter reset (its
  `rate()` and `increase()` handle that); recording never blocks or fails the work it
  counts: it uses the fast client and gives up silently when Redis does not answer.

Sends are timed by wrapping the sending methods of each platform's channel
(`meter_channel`), so the delivery code needs no metrics of its own.
"""

import logging
import time
from collections.abc import Callable, Generator, Iterator
from datetime import UTC, datetime
from functools import wraps
from typing import Any, cast

import redis
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, and_, func, or_, select
from sqlalchemy.orm import Session

from tasks.messaging.channel import DeliveryError
from tasks.models import InboxMessage, OutboxMessage, Reminder

log = logging.getLogger(__name__)

KEY = "mashangban:metrics"
CALLBACK_RESULTS = ("accepted", "duplicate", "refused", "unavailable")
# Seconds: WeCom's message/send answers in tens of milliseconds when well; the client gives
# up after 10 s (the channel's timeout), so the top buckets show a struggling API.
SEND_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SENDING_METHODS = ("send_text", "send_card", "send_image", "post_to_group",
                   "post_image_to_group", "update_card")
OUTBOX_STATES = ("pending", "sending", "failed")  # `sent` is history, not backlog


class EventCounters:
    """Counters shared by every process through one Redis hash (see the module's doc)."""

    def __init__(self, client: redis.Redis, key: str = KEY):
        self.client, self.key = client, key

    def callback(self, platform: str, result: str) -> None:
        """One callback answered: accepted, duplicate, refused or unavailable."""
        self._apply(lambda p: p.hincrby(self.key, f"callback|{platform}|{result}", 1))

    def send(self, platform: str, seconds: float, error: BaseException | None) -> None:
        """One call of a channel's sending method: how long it took, and its error code."""
        bucket = next((b for b in SEND_BUCKETS if seconds <= b), "+Inf")

        def record(p: Any) -> None:
            p.hincrby(self.key, f"send_bucket|{platform}|{bucket}", 1)
            p.hincrbyfloat(self.key, f"send_sum|{platform}", seconds)
            if error is not None:
                p.hincrby(self.key, f"send_error|{platform}|{error_code(error)}", 1)

        self._apply(record)

    def read(self) -> dict[str, float]:
        """Every counter, by field; empty when Redis does not answer."""
        try:
            raw = cast(dict[bytes, bytes], self.client.hgetall(self.key))  # not the async client
        except redis.RedisError:
            log.warning("Redis unavailable: /metrics shows no event counters")
            return {}
        return {field.decode(): float(value) for field, value in raw.items()}

    def _apply(self, write: Callable[[Any], None]) -> None:
        try:
            pipeline = self.client.pipeline(transaction=False)
            write(pipeline)
            pipeline.execute()
        except redis.RedisError:  # a lost count never costs a message
            log.debug("Redis unavailable: an event was not counted")


def error_code(error: BaseException) -> str:
    """The label of a failed send: the platform's error code (WeCom errcode, DingTalk
    code) when it gave one, else `network` or `other`; never free text, so the label
    set stays small."""
    code = getattr(error, "code", None)
    if isinstance(code, int) or (isinstance(code, str) and code.replace(".", "").isalnum()
                                 and len(code) <= 64):
        return str(code)
    if isinstance(error, DeliveryError) and error.reason.startswith(("network", "robot network")):
        return "network"
    return "other"


def meter_channel(channel: Any, platform: str, events: EventCounters) -> Any:
    """Time each sending call of `channel` into `events`; returns the same object.

    The methods are replaced on the instance rather than the channel wrapped in a proxy,
    so the channel stays itself: `isinstance` checks and attribute access are unchanged.
    """
    for name in SENDING_METHODS:
        method = getattr(channel, name, None)
        if method is not None:
            setattr(channel, name, _timed(method, platform, events))
    return channel


def _timed(method: Callable[..., Any], platform: str,
           events: EventCounters) -> Callable[..., Any]:
    @wraps(method)
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            result = method(*args, **kwargs)
        except Exception as error:
            events.send(platform, time.perf_counter() - start, error)
            raise
        events.send(platform, time.perf_counter() - start, None)
        return result

    return timed


class DatabaseGauges(Collector):
    """Backlogs and lags read from the database when Prometheus scrapes."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime]):
        self.engine, self.clock = engine, clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self.clock()
        with Session(self.engine) as session:
            parked_inbox = yield from _inbox(session, now)
            failed_outbox = yield from _outbox(session, now)
            yield from _reminders(session, now)
        parked = GaugeMetricFamily("mashangban_parked_failures",
                                   "What failed for good and waits for an admin: inbox "
                                   "messages parked, outbox messages failed",
                                   labels=["kind"])
        parked.add_metric(["inbox"], parked_inbox)
        parked.add_metric(["outbox"], failed_outbox)
        yield parked


def _inbox(session: Session, now: datetime) -> Generator[GaugeMetricFamily, None, int]:
    """Unprocessed rows due now (a row waiting out its retry delay is not late), and parked
    rows (processed_at stays empty until an admin retries or drops them); both read on
    the unprocessed index."""
    due = and_(InboxMessage.processed_at.is_(None), InboxMessage.parked_at.is_(None),
               or_(InboxMessage.next_attempt_at.is_(None), InboxMessage.next_attempt_at <= now))
    count, oldest = session.execute(
        select(func.count(), func.min(InboxMessage.received_at)).where(due)).one()
    parked = session.scalar(select(func.count()).where(
        InboxMessage.processed_at.is_(None), InboxMessage.parked_at.is_not(None))) or 0
    yield _gauge("mashangban_inbox_backlog", "Received messages due for processing", count)
    yield _gauge("mashangban_inbox_lag_seconds",
                 "Age of the oldest received message due for processing (0: none)",
                 _age(now, oldest))
    return int(parked)


def _outbox(session: Session, now: datetime) -> Generator[GaugeMetricFamily, None, int]:
    """Rows not yet sent, by state (on the (state, next_attempt_at) index), and how late
    the oldest pending row due now is."""
    rows = session.execute(
        select(OutboxMessage.state, OutboxMessage.platform, func.count())
        .where(OutboxMessage.state.in_(OUTBOX_STATES))
        .group_by(OutboxMessage.state, OutboxMessage.platform)).all()
    backlog = GaugeMetricFamily("mashangban_outbox_backlog", "Messages to send, by state",
                                labels=["state", "platform"])
    for state, platform, count in rows:
        backlog.add_metric([state, platform], count)
    yield backlog
    oldest = session.scalar(select(func.min(OutboxMessage.next_attempt_at)).where(
        OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now))
    yield _gauge("mashangban_outbox_lag_seconds",
                 "How late the oldest pending message due for sending is (0: none)",
                 _age(now, oldest))
    return sum(count for state, _platform, count in rows if state == "failed")


def _reminders(session: Session, now: datetime) -> Iterator[GaugeMetricFamily]:
    """How late the oldest reminder due but not dispatched is, on the (state, due_at)
    index: the dispatcher polls every few seconds, so minutes mean it is not running."""
    oldest = session.scalar(select(func.min(Reminder.due_at)).where(
        Reminder.state == "pending", Reminder.due_at <= now))
    yield _gauge("mashangban_reminder_lag_seconds",
                 "How late the oldest due reminder not yet dispatched is (0: none)",
                 _age(now, oldest))


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _age(now: datetime, since: datetime | None) -> float:
    if since is None:
        return 0.0
    if since.tzinfo is None:  # an aggregate bypasses the column type: naive UTC
        since = since.replace(tzinfo=UTC)
    return max(0.0, (now - since).total_seconds())


class EventCollector(Collector):
    """The Redis counters as Prometheus counters and a histogram."""

    def __init__(self, events: EventCounters):
        self.events = events

    def collect(self) -> Iterator[CounterMetricFamily | HistogramMetricFamily]:
        counts = self.events.read()
        callbacks = CounterMetricFamily("mashangban_callbacks",
                                        "Platform callbacks answered, by result",
                                        labels=["platform", "result"])
        errors = CounterMetricFamily("mashangban_send_errors",
                                     "Failed calls to a platform's send API, by error code",
                                     labels=["platform", "code"])
        buckets: dict[str, dict[str, float]] = {}
        sums: dict[str, float] = {}
        for field, value in sorted(counts.items()):
            kind, _, rest = field.partition("|")
            if kind == "callback":
                platform, _, result = rest.partition("|")
                callbacks.add_metric([platform, result], value)
            elif kind == "send_error":
                platform, _, code = rest.partition("|")
                errors.add_metric([platform, code], value)
            elif kind == "send_bucket":
                platform, _, bound = rest.partition("|")
                buckets.setdefault(platform, {})[bound] = value
            elif kind == "send_sum":
                sums[rest] = value
        yield callbacks
        yield errors
        latency = HistogramMetricFamily("mashangban_send_seconds",
                                        "Time a platform's send API took to answer",
                                        labels=["platform"])
        for platform, counted in sorted(buckets.items()):
            cumulative, total = [], 0.0
            for bound in [*map(str, SEND_BUCKETS), "+Inf"]:
                total += counted.get(bound, 0.0)
                cumulative.append((bound, total))
            latency.add_metric([platform], cumulative, sum_value=sums.get(platform, 0.0))
        yield latency


def exposition(engine: Engine, clock: Callable[[], datetime], events: EventCounters) -> bytes:
    """The text Prometheus scrapes: the database gauges and the shared event counters."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseGauges(engine, clock))
    registry.register(EventCollector(events))
    return generate_latest(registry)
