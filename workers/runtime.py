"""The composition root: one object that holds an installation's connections and adapters.

Built explicitly by the CLI, the web app factory and tests; jobs running in a worker
process reach it through `current()`, which builds it from the environment on first use.

Per platform served (`Settings.platforms`, described in `integrations.registry`) it holds
an inbox writer, a callback verifier and a channel, each built on first use; `inbox`,
`verifier` and `channel` are the first platform's, the shortcut of a single-platform
installation.

Two Redis clients: `redis` for workers and the CLI, patient (10 s, redis-py's retries),
and `web_redis` for the web process, which must answer WeCom within 5 s whatever Redis
does: every call on it answers or fails within `WEB_REDIS_TIMEOUT`. Both are built from
`MASHANGBAN_REDIS_URL` by `workers.redis_urls`, which also reaches a master through Redis
Sentinel (`redis+sentinel://`).
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from rq import Queue
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from wechatpy.session.redisstorage import RedisStorage

from integrations import registry
from integrations.platform import LOCK_WAIT, Platform, Services, SignIn
from tasks.messaging.channel import Channel, ChannelLimits
from tasks.messaging.inbox import InboxWriter
from workers import embedded_redis, metrics, redis_urls
from workers.db import make_engine, make_sessions
from workers.settings import Settings, load_settings

Clock = Callable[[], datetime]

# Seconds the web process waits for Redis to connect, and then for each answer. A healthy
# Redis answers in well under a millisecond; a frozen one must not hold a callback longer
# than this (WeCom gives up after 5 s and retries). The message is stored before Redis is
# asked anything, and the sweep wakes a worker for it if Redis does not answer.
WEB_REDIS_TIMEOUT = 0.2


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """Connections and adapters of one process; cheap to build, nothing opened until used.

    `channel_override` replaces the platforms' channels (tests): one channel for every
    platform, or a mapping of platform name to channel for those it names.
    """

    settings: Settings
    clock: Clock = system_clock
    channel_override: Channel | Mapping[str, Channel] | None = None
    _engine: Engine | None = field(default=None, repr=False)

    @cached_property
    def engine(self) -> Engine:
        return self._engine or make_engine(self.settings.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_sessions(self.engine)

    @cached_property
    def platforms(self) -> dict[str, Platform]:
        """The platforms served, by name, in the order configured."""
        return {name: registry.platform(name) for name in self.settings.platforms}

    @cached_property
    def inboxes(self) -> dict[str, InboxWriter]:
        """Where the web process stores each platform's callbacks."""
        return {name: InboxWriter(self.engine, name) for name in self.platforms}

    @cached_property
    def verifiers(self) -> dict[str, Any]:
        """Each platform's callback verifier and decoder."""
        return {name: platform.verifier(self.settings.platform_settings(name), self.services)
                for name, platform in self.platforms.items()}

    @cached_property
    def signins(self) -> dict[str, SignIn]:
        """How each platform that has one signs people in to the workbench."""
        return {name: platform.signin(self.settings.platform_settings(name), self.services)
                for name, platform in self.platforms.items() if platform.signin is not None}

    @cached_property
    def channels(self) -> dict[str, Channel]:
        """Each platform's `Channel`; outbox rows go through their platform's."""
        return {name: self._channel(name, platform) for name, platform in self.platforms.items()}

    @cached_property
    def limits(self) -> dict[str, ChannelLimits]:
        """What each platform's channel declares, for the domain functions that need it."""
        return {name: channel.limits for name, channel in self.channels.items()}

    @property
    def main_platform(self) -> str:
        return self.settings.platforms[0]

    @property
    def inbox(self) -> InboxWriter:
        return self.inboxes[self.main_platform]

    @property
    def verifier(self) -> Any:
        return self.verifiers[self.main_platform]

    @property
    def channel(self) -> Channel:
        return self.channels[self.main_platform]

    @cached_property
    def services(self) -> Services:
        """What platforms' factories borrow: shared storage and locks on Redis, and the
        callback limits."""
        return Services(storage=lambda prefix: RedisStorage(self.redis, prefix=prefix),
                        lock=lambda name: _token_lock(self.redis, name),
                        callback_max_age=timedelta(seconds=self.settings.callback_max_age),
                        callback_max_body=self.settings.callback_max_body)

    def _channel(self, name: str, platform: Platform) -> Channel:
        override = self.channel_override
        if isinstance(override, Mapping):
            if name in override:
                return override[name]
        elif override is not None:
            return override
        channel = platform.channel(self.settings.platform_settings(name), self.services)
        return metrics.meter_channel(channel, name, self.events)

    @cached_property
    def events(self) -> metrics.EventCounters:
        """The event counters every process shares for /metrics (`workers.metrics`), on
        the fast client: counting waits at most `WEB_REDIS_TIMEOUT` for Redis."""
        return metrics.EventCounters(self.web_redis)

    @cached_property
    def redis_url(self) -> str:
        """The configured Redis, else the embedded server (started if nobody has)."""
        return self.settings.redis_url or embedded_redis.ensure_running(self.settings.var_dir)

    @cached_property
    def web_redis(self) -> redis.Redis:
        """The web process's client (callbacks, health): answers or fails fast.

        Connecting and each answer wait at most `WEB_REDIS_TIMEOUT`. A timeout is never
        retried (that would multiply the wait); a connection error is retried once, at
        once, because it is what a connection left over from before a Redis restart
        gives. Worst case with a frozen Redis: a connect and an answer, 2 x 0.2 s.
        The pool is redis-py's plain `ConnectionPool`, which opens a new connection when
        all are busy: no request ever queues for a connection held by a stuck one.
        """
        return redis_urls.client(
            self.redis_url,
            socket_connect_timeout=WEB_REDIS_TIMEOUT,
            socket_timeout=WEB_REDIS_TIMEOUT,
            retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
        )

    @cached_property
    def web_queue(self) -> Queue:
        """The processing queue as the web process enqueues to it, on `web_redis`."""
        return Queue(self.settings.queue_name, connection=self.web_redis)

    @cached_property
    def redis(self) -> redis.Redis:
        """Workers' and the CLI's client: waits up to 10 s and retries (redis-py's default),
        because a job would rather be slow than fail."""
        return redis_urls.client(self.redis_url, socket_timeout=10, health_check_interval=30)

    @cached_property
    def queue(self) -> Queue:
        return Queue(self.settings.queue_name, connection=self.redis)


_current: Runtime | None = None


def install(runtime: Runtime) -> None:
    """Make `runtime` the one jobs in this process use."""
    global _current
    _current = runtime


def current() -> Runtime:
    global _current
    if _current is None:
        _current = Runtime(load_settings())
    return _current


@contextmanager
def _token_lock(client: redis.Redis, name: str) -> Iterator[None]:
    """A Redis lock that survives a flush while held: losing it then only means another
    process may have fetched a token too, which is harmless, so the send goes on."""
    lock = client.lock(f"mashangban:lock:{name}", timeout=30,
                       blocking_timeout=LOCK_WAIT.total_seconds())
    lock.acquire()
    try:
        yield
    finally:
        try:
            lock.release()
        except redis.exceptions.LockError:
            pass
