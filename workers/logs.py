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

`MASHANGBAN_LOG_FORMAT=json` makes a process log one JSON object per line instead
(`JsonFormatter`, for log collectors): the same scrubbed message, with the time in UTC,
the level, the logger, and the context of what the line is about (`context`: the web
request's id, path and status; the worker's job), see docs/operations.md.
"""

import json
import logging
import os
import re
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from types import MappingProxyType, TracebackType
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


def configure(secrets: Iterable[str], level: int = logging.INFO, fmt: str = "text") -> None:
    """A long-running process's logging: one line per record on stderr, from `level`
    (the default, INFO, shows no library's DEBUG lines such as urllib3's URLs), scrubbed;
    `fmt` "json" writes each line as a JSON object (`JsonFormatter`).

    An exception nobody caught, in the main thread or another, is logged too instead of
    printed, so its traceback is scrubbed as well (requests' errors quote the URL).
    """
    protect(secrets)
    logging.basicConfig(level=level, format=FORMAT)
    logging.getLogger().setLevel(level)
    if fmt == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


# ---- structured lines -----------------------------------------------------------------

_context: ContextVar[Mapping[str, Any]] = ContextVar("mashangban_log_context",
                                                    default=MappingProxyType({}))

# What every LogRecord has; anything else on a record came from `extra=` and is a field.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "taskName"}


@contextmanager
def context(**fields: Any) -> Iterator[None]:
    """Add `fields` (a request id, a job id) to every JSON line logged inside the block,
    in this thread or task; blocks nest, the inner value of a field wins."""
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def push(**fields: Any) -> Token[Mapping[str, Any]]:
    """`context` for code that enters and leaves in two calls (a web request's hooks):
    add `fields` until `pop` is given the returned token."""
    return _context.set({**_context.get(), **fields})


def pop(token: Token[Mapping[str, Any]]) -> None:
    _context.reset(token)


def current_context() -> dict[str, Any]:
    """The fields `context` and `bind` have set here (a copy)."""
    return dict(_context.get())


class JsonFormatter(logging.Formatter):
    """One JSON object per record: `time` (UTC, ISO 8601), `level`, `logger`, `message`,
    `process`, the context's fields, a record's `extra=` fields, and `exception` (the
    traceback) when there is one.

    The message and traceback were scrubbed when the record was made (`protect`); the
    context's and extra fields were not, so each string among them is scrubbed here.
    """

    def format(self, record: logging.LogRecord) -> str:
        redact = _redact or Redactor()
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": os.getpid(),
        }
        fields = {**_context.get(), **{k: v for k, v in vars(record).items()
                                       if k not in _RECORD_ATTRIBUTES and not k.startswith("_")}}
        for key, value in fields.items():
            if key not in line:
                line[key] = redact(value) if isinstance(value, str) else _plain_value(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self.formatException(record.exc_info))
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = redact(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _plain_value(value: Any) -> Any:
    """A field as JSON carries it: numbers, booleans and None as they are, anything else as
    its (scrubbed) text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    return (_redact or Redactor())(str(value))


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
