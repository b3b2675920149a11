"""Serving the WSGI app with gunicorn from inside our own command."""

import logging
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from workers import logs
from workers.settings import load_settings


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from webapp import create_app

        app = create_app()
        level = self.cfg.loglevel.upper()  # the app's own lines follow the server's level
        settings = app.extensions["mashangban"].settings
        logs.configure(settings.secrets(), level=logging.getLevelName(level),  # each worker
                       fmt=settings.log_format)
        return app


class JsonGunicornLogger(Logger):
    """Gunicorn's own lines (starting, booting a worker, a worker timing out) as JSON
    objects, like the app's (`MASHANGBAN_LOG_FORMAT=json`)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers + self.access_log.handlers:
            handler.setFormatter(logs.JsonFormatter())


def serve(host: str, port: int, workers: int, *, log_level: str = "info") -> None:
    """Sync workers: callbacks are short and CPU-bound, so processes beat threads here.

    At info (and debug) every request gets an access-log line; above it, only problems
    are logged. Every log record of the server and its workers is scrubbed of credentials
    (`workers.logs`); gunicorn's access log names the path and query of each request,
    which for callbacks are the signature, timestamp and nonce, none of them secret.
    """
    settings = load_settings()
    logs.protect(settings.secrets())  # the arbiter; workers inherit it by fork
    as_json = settings.log_format == "json"
    _Gunicorn({
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "loglevel": log_level,
        # JSON: the app logs each request itself, with its id (`webapp.requests_log`)
        "accesslog": "-" if log_level in ("debug", "info") and not as_json else None,
        **({"logger_class": JsonGunicornLogger} if as_json else {}),
        "graceful_timeout": 5,
        "timeout": 30,
    }).run()
