"""Assemble the sandbox Flask app and run it (foreground or in a background thread).

Each part of the fake registers its blueprint here (`BLUEPRINTS`); the shared state is
`app.extensions["sandbox"]` (`state.SandboxState`).
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server

from integrations.sandbox_kit.server import ServerThread

from .config import SandboxConfig
from .state import SandboxState

logger = logging.getLogger(__name__)

# Modules of this package with a Flask blueprint `bp`, registered in this order.
BLUEPRINTS: tuple[str, ...] = (
    "openapi", "control", "chat",  # the sending side: OpenAPI, test control, chat page
    "signin",  # 免登's client answer and the web login page
    "gateway", "chat_send",  # delivering what people do: Stream gateway, HTTP push
)


def _on_error(exc: Exception) -> Any:
    """Never answer 500 for a bug of ours: DingTalk's own error shape instead."""
    if isinstance(exc, HTTPException):
        return exc
    logger.exception("sandbox internal error")
    if request.path.startswith("/sandbox/"):
        return jsonify({"status": 0, "error": f"沙箱内部错误: {exc.__class__.__name__}"})
    return jsonify({"code": "ServiceUnavailable", "message": "system busy",
                    "errcode": -1, "errmsg": "系统繁忙"}), 503


def create_sandbox_app(config: SandboxConfig) -> Flask:
    """A Flask app that answers like DingTalk; its state is `app.extensions["sandbox"]`."""
    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["sandbox"] = SandboxState(config)
    for name in BLUEPRINTS:
        app.register_blueprint(import_module(f"{__package__}.{name}").bp)
    app.register_error_handler(Exception, _on_error)
    return app


def serve(config: SandboxConfig, host: str = "127.0.0.1", port: int = 8900) -> None:
    """Run the sandbox in the foreground until interrupted."""
    app = create_sandbox_app(config)
    server = make_server(host, port, app, threaded=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        app.extensions["sandbox"].run_closers()
        app.extensions["sandbox"].close()


class SandboxThread(ServerThread):
    """The sandbox on 127.0.0.1 (free port by default) in a daemon thread; starts at once."""

    def __init__(self, config: SandboxConfig, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(create_sandbox_app(config), "dingtalk-sandbox", host, port)

    @property
    def state(self) -> SandboxState:
        """The live sandbox state (for assertions in tests)."""
        return self.app.extensions["sandbox"]

    def shutdown(self) -> None:
        """Stop serving, wait for the thread to end, then release what the parts hold open
        (the gateway's WebSocket server) and the history file."""
        super().shutdown()
        self.state.run_closers()
        self.state.close()
