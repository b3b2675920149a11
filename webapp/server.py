"""Serving the WSGI app with gunicorn from inside our own command."""

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
        logs.configure(app.extensions["mashangban"].settings.secrets())  # in each worker
        return app


def serve(host: str, port: int, workers: int) -> None:
    """Sync workers: callbacks are short and CPU-bound, so processes beat threads here.

    Every log record of the server and its workers is scrubbed of credentials
    (`workers.logs`); gunicorn's access log names the path and query of each request,
    which for callbacks are the signature, timestamp and nonce, none of them secret.
    """
    logs.protect(load_settings().secrets())  # the arbiter; workers inherit it by fork
    _Gunicorn({
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "accesslog": "-",
        "graceful_timeout": 5,
        "timeout": 30,
    }).run()
