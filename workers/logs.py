"""Logging of the processes (web, worker, sandbox, sync-directory): what a line may carry.

At the default level (INFO) a log line names ids, counts and error types; it never
carries what people wrote or a credential. The sources keep to that: database engines
hide statement parameters (`workers.db.make_engine`), and no code logs message text. As a
safety net every record, whichever library makes it, is scrubbed before any handler sees
it (`protect` installs a log record factory): the configured credentials
(`Settings.secrets`) wherever they appear, and the value of every credential-shaped URL
parameter or JSON field (`access_token=`, `corpsecret=`, `key=`, `secret=`, `token=`,
`"access_token": "…"`, as in the URLs urllib3 logs at DEBUG, werkzeug's request lines
and requests' errors), its traceback included, become `***`.
"""

import logging
import re
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

REDACTED = "***"
MIN_SECRET = 4  # shorter values would garble every line and protect nothing
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

_NAMES = r"access_token|corpsecret|secret|key|token"
_CREDENTIAL_FIELD = re.compile(
    rf"""(?<![\w-])((?:{_NAMES})=)[^&\s"'<>]+"""  # a URL query or form parameter
    rf"""|("(?:{_NAMES})"\s*:\s*")[^"]*""",  # a JSON field
    re.IGNORECASE)


class Redactor:
    """Replaces credentials in a text by `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True)
        self._secrets = re.compile("|".join(map(re.escape, values))) if values else None

    def __call__(self, text: str) -> str:
        text = _CREDENTIAL_FIELD.sub(lambda m: (m.group(1) or m.group(2)) + REDACTED, text)
        return self._secrets.sub(REDACTED, text) if self._secrets else text


_lock = threading.Lock()
_redact: Redactor | None = None
_plain = logging.Formatter()


def protect(secrets: Iterable[str]) -> None:
    """Scrub every log record of this process from now on (see the module's docstring).

    Changes no handler, format or level: a command that prints its own output keeps it.
    Calling it again replaces the secrets.
    """
    global _redact
    with _lock:
        if _redact is None:
            logging.setLogRecordFactory(_scrubbing(logging.getLogRecordFactory()))
        _redact = Redactor(secrets)


def configure(secrets: Iterable[str], level: int = logging.INFO) -> None:
    """A long-running process's logging: one line per record on stderr, from `level`
    (the default, INFO, shows no library's DEBUG lines such as urllib3's URLs), scrubbed.

    An exception nobody caught, in the main thread or another, is logged too instead of
    printed, so its traceback is scrubbed as well (requests' errors quote the URL).
    """
    protect(secrets)
    logging.basicConfig(level=level, format=FORMAT)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def _log_uncaught(kind: type[BaseException], error: BaseException,
                  traceback: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, traceback)
        return
    logging.getLogger("mashangban").critical("uncaught exception",
                                             exc_info=(kind, error, traceback))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    logging.getLogger("mashangban").critical(
        "uncaught exception in thread %s", name,
        exc_info=(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback))


def stack_of(error: BaseException) -> str:
    """Where `error` was raised, frame by frame, and its type, but not its message.

    An exception's message may quote what someone wrote (a value in a constraint error,
    a title in a domain error), so a failure is logged by place and type: enough to find
    the bug, nothing of the person's words.
    """
    frames = "".join(traceback.format_list(traceback.extract_tb(error.__traceback__)))
    return f"Traceback (message omitted):\n{frames}{type(error).__module__}.{type(error).__name__}"


def _scrubbing(make: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def make_scrubbed(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        redact = _redact
        if redact is not None:
            _scrub(record, redact)
        return record

    return make_scrubbed


def _scrub(record: logging.LogRecord, redact: Redactor) -> None:
    """Render the message (and the traceback, which formatters then reuse) and redact it."""
    try:
        message = record.getMessage()
    except Exception:  # a malformed logging call: leave it for the handler to report
        return
    record.msg, record.args = redact(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(_plain.formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
