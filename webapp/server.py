"""Serving the WSGI app with gunicorn from inside our own command."""

from typing import Any

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from webapp import create_app

        return create_app()


def serve(host: str, port: int, workers: int, *, log_level: str = "info") -> None:
    """Sync workers: callbacks are short and CPU-bound, so processes beat threads here.

    At info (and debug) every request gets an access-log line; above it, only problems
    are logged.
    """
    _Gunicorn({
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "loglevel": log_level,
        "accesslog": "-" if log_level in ("debug", "info") else None,
        "graceful_timeout": 5,
        "timeout": 30,
    }).run()
