"""Serving the WSGI app with gunicorn from inside our own command."""

import logging
from typing import Any

from gunicorn.app.base import BaseApplication

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
        logs.configure(app.extensions["mashangban"].settings.secrets(),  # in each worker
                       level=logging.getLevelName(level))
        return app


def serve(host: str, port: int, workers: int, *, log_level: str = "info") -> None:
    """Sync workers: callbacks are short and CPU-bound, so processes beat threads here.

    At info (and debug) every request gets an access-log line; above it, only problems
    are logged. Every log record of the server and its workers is scrubbed of credentials
    (`workers.logs`); gunicorn's access log names the path and query of each request,
    which for callbacks are the signature, timestamp and nonce, none of them secret.
    """
    logs.protect(load_settings().secrets())  # the arbiter; workers inherit it by fork
    _Gunicorn({
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "loglevel": log_level,
        "accesslog": "-" if log_level in ("debug", "info") else None,
        "graceful_timeout": 5,
        "timeout": 30,
    }).run()
