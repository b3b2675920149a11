"""What every `mashangban` command module shares: the database, the clock, failing in one
line, and waking a worker for what a command queued."""

import argparse
import errno
import socket
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


LOG_LEVELS = ("debug", "info", "warning", "error")


def add_log_level(parser: argparse.ArgumentParser) -> None:
    """`--log-level`: info (the default) logs every request or job; the demo asks for
    warning, so its window shows only what needs attention."""
    parser.add_argument("--log-level", choices=LOG_LEVELS, default="info",
                        help="info logs one line per request or job (default); warning "
                             "only problems")


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 1..65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"not a port number (1..65535): {port}")
    return port


def port_unavailable(host: str, port: int) -> str | None:
    """Why a server could not listen on host:port now ("is already in use", …), or None.

    Binds the way our servers do (SO_REUSEADDR), so a port left in TIME_WAIT by a server
    that just stopped counts as free, as it is for them.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return "is already in use"
            if error.errno == errno.EACCES:
                return "needs root (ports below 1024 are privileged)"
            return f"cannot be opened ({error.strerror})"
    return None
