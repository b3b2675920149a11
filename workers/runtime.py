"""The composition root: one object that holds an installation's connections and adapters.

Built explicitly by the CLI, the web app factory and tests; jobs running in a worker
process reach it through `current()`, which builds it from the environment on first use.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property

import redis
from rq import Queue
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from wechatpy.session.redisstorage import RedisStorage

from integrations.wecom.api import WeComApi
from integrations.wecom.callback import CallbackVerifier
from integrations.wecom.channel import WeComChannel
from tasks.messaging.channel import Channel
from tasks.messaging.inbox import InboxWriter
from workers import embedded_redis
from workers.db import make_engine, make_sessions
from workers.settings import Settings, load_settings

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """Connections and adapters of one process; cheap to build, nothing opened until used."""

    settings: Settings
    clock: Clock = system_clock
    channel_override: Channel | None = None
    _engine: Engine | None = field(default=None, repr=False)

    @cached_property
    def engine(self) -> Engine:
        return self._engine or make_engine(self.settings.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_sessions(self.engine)

    @cached_property
    def inbox(self) -> InboxWriter:
        """Where the web process stores WeCom callbacks."""
        return InboxWriter(self.engine, "wecom")

    @cached_property
    def redis(self) -> redis.Redis:
        url = self.settings.redis_url or embedded_redis.ensure_running(self.settings.var_dir)
        return redis.Redis.from_url(url, socket_timeout=10, health_check_interval=30)

    @cached_property
    def queue(self) -> Queue:
        return Queue(self.settings.queue_name, connection=self.redis)

    @cached_property
    def channel(self) -> Channel:
        if self.channel_override is not None:
            return self.channel_override
        wecom = self.settings.wecom
        api = WeComApi(
            wecom.corp_id, wecom.secret, api_base=wecom.api_base,
            storage=RedisStorage(self.redis, prefix="mashangban:wecom"),
            lock=lambda name: _token_lock(self.redis, name),
        )
        return WeComChannel(api, wecom.agent_id)

    @cached_property
    def verifier(self) -> CallbackVerifier:
        wecom = self.settings.wecom
        return CallbackVerifier(
            wecom.token, wecom.aes_key, wecom.corp_id,
            max_age=timedelta(seconds=self.settings.callback_max_age),
            max_body=self.settings.callback_max_body,
        )


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
    lock = client.lock(f"mashangban:lock:{name}", timeout=30, blocking_timeout=30)
    lock.acquire()
    try:
        yield
    finally:
        try:
            lock.release()
        except redis.exceptions.LockError:
            pass
