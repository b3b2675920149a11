"""A sandbox's WSGI app served on 127.0.0.1 in a daemon thread, for tests and the e2e
suite (werkzeug's threaded server; the app itself is the sandbox's own)."""

from __future__ import annotations

import threading
from typing import Any, Self

from werkzeug.serving import WSGIRequestHandler, make_server


class QuietHandler(WSGIRequestHandler):
    """Request handler that does not print an access-log line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


class ServerThread:
    """`app` on `host` (a free port by default) in a daemon thread named `name-PORT`;
    starts at once. Subclasses release their sandbox's state after `shutdown`."""

    def __init__(self, app: Any, name: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._server = make_server(host, port, app, threaded=True,
                                   request_handler=QuietHandler)
        self.port: int = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name=f"{name}-{self.port}", daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        """Stop serving and wait for the thread to end."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()
