"""What every `mashangban` command module shares: the database, the clock, failing in one
line, and waking a worker for what a command queued."""

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from workers.settings import load_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

# How a module registers a subcommand: (group, name, help, run) -> its parser.
Register = Callable[
    [argparse._SubParsersAction, str, str, Callable[[argparse.Namespace], int | None]],
    argparse.ArgumentParser,
]


def sessions() -> "sessionmaker[Session]":
    """A sessionmaker on the configured database (built per command: commands are short)."""
    from workers.runtime import Runtime

    return Runtime(load_settings()).sessions


def now() -> datetime:
    """The commands' clock; tests replace it to act on a pinned office day."""
    return datetime.now(UTC)


def fail(message: str) -> int:
    """One line on stderr and exit code 2: an admin's mistake is never a traceback."""
    print(f"mashangban: {' '.join(message.split())}", file=sys.stderr)
    return 2


def wake_sender(note: str = "消息已保存，由 worker 稍后发出") -> None:
    """Send what a command queued now; without Redis the workers' sweep sends it later."""
    from redis import RedisError

    from workers.runtime import Runtime
    from workers.signals import request_processing

    rt = Runtime(load_settings())
    try:
        request_processing(rt.redis, rt.queue)
    except RedisError:
        print(f"Redis 不可用：{note}", file=sys.stderr)
