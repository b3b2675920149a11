"""Running a platform's receiver: the process (or worker thread) that keeps a connection the
product opens to the platform (DingTalk's Stream mode) and stores what arrives on it.

Generic over `Platform.receiver`: it builds the platform's receiver with a `store` that
does what a callback view does (`webapp/wecom.py`): insert into the inbox (unique
(platform, key): a redelivery is a no-op), then one Redis round trip that wakes a worker.
There is no signature to claim: the connection itself is authenticated. With Redis down or
frozen (the web process's fast-failing client) the message is still stored and
acknowledged, and the sweep wakes a worker.
"""

import logging
import signal
import threading
from typing import Any

import redis

from integrations.platform import Receiver, Store
from tasks.messaging.inbound import Inbound
from tasks.messaging.inbox import Unstorable
from workers import logs, signals
from workers.runtime import Runtime

log = logging.getLogger(__name__)


def store_for(rt: Runtime, name: str) -> Store:
    """Store a message of platform `name` in the inbox and, if it is new, wake a worker.

    Raises when storage fails (the receiver then asks the platform to deliver it again)
    and `Unstorable` for a key no row can hold. Each message is counted for /metrics as a
    callback is (`mashangban_callbacks_total`: accepted, duplicate, refused, unavailable).
    """
    inbox = rt.inboxes[name]

    def store(message: Inbound) -> bool:
        try:
            stored = inbox.store(message, now=rt.clock())
        except Unstorable:
            rt.events.callback(name, "refused")
            raise
        except Exception:
            rt.events.callback(name, "unavailable")
            raise
        rt.events.callback(name, "accepted" if stored else "duplicate")
        if stored:
            wake(rt)
        return stored

    return store


def wake(rt: Runtime) -> None:
    """One round trip: raise the flag and, if it was down, queue a processing job."""
    try:
        signals.request_processing(rt.web_redis, rt.web_queue)
    except redis.RedisError:
        log.warning("Redis unavailable: message stored, processing left to the sweep")


def build(rt: Runtime, name: str) -> Receiver | None:
    """Platform `name`'s receiver for these settings, or None if it receives by callbacks."""
    factory = rt.platforms[name].receiver
    if factory is None:
        return None
    return factory(rt.settings.platform_settings(name), rt.services, store_for(rt, name))


def receivers(rt: Runtime) -> dict[str, Receiver]:
    """Every served platform's receiver, for the platforms that have one in this mode."""
    built = {name: build(rt, name) for name in rt.platforms}
    return {name: receiver for name, receiver in built.items() if receiver is not None}


def run(receiver: Receiver, *, secrets: tuple[str, ...], log_level: str = "info",
        log_format: str = "text") -> None:
    """Run `receiver` in the foreground until SIGTERM or SIGINT, which stop it cleanly."""
    logs.configure(secrets, level=logging.getLevelName(log_level.upper()), fmt=log_format)

    def stop(_signum: int, _frame: Any) -> None:
        log.info("stopping the receiver")
        receiver.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    receiver.run()


class ReceiverThread(threading.Thread):
    """A receiver inside another process (`mashangban worker --with-stream`)."""

    def __init__(self, name: str, receiver: Receiver) -> None:
        super().__init__(name=f"receiver-{name}", daemon=True)
        self.receiver = receiver

    def run(self) -> None:
        self.receiver.run()

    def stop(self) -> None:
        self.receiver.stop()
