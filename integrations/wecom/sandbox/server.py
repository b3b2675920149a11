"""Assemble the sandbox Flask app and run it (foreground or in a background thread)."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler, make_server

from integrations.sandbox_kit.server import ServerThread

from . import api, chat, control, oauth
from .config import SandboxConfig
from .envelope import aes_key_bytes
from .state import SandboxState

logger = logging.getLogger(__name__)


def _on_error(exc: Exception) -> Any:
    """Never answer 500: WeCom APIs get errcode -1, other endpoints a JSON error."""
    if isinstance(exc, HTTPException):
        return exc
    logger.exception("sandbox internal error")
    if request.path.startswith("/cgi-bin/"):
        return jsonify({"errcode": -1, "errmsg": "system busy"})
    return jsonify({"status": 0, "error": f"沙箱内部错误: {exc.__class__.__name__}"})


def create_sandbox_app(config: SandboxConfig) -> Flask:
    """A Flask app that answers like WeCom; its state is ``app.extensions["sandbox"]``."""
    aes_key_bytes(config.aes_key)  # fail fast on a malformed EncodingAESKey
    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["sandbox"] = SandboxState(config)
    app.register_blueprint(api.bp)
    app.register_blueprint(control.bp)
    app.register_blueprint(chat.bp)
    app.register_blueprint(oauth.bp)
    app.register_error_handler(Exception, _on_error)
    return app


def serve(config: SandboxConfig, host: str = "127.0.0.1", port: int = 8900) -> None:
    """Run the sandbox in the foreground until interrupted, logging each request.

    Its history file, if any, needs no closing: each change is committed as it happens.
    """
    server = make_server(host, port, create_sandbox_app(config), threaded=True,
                         request_handler=_RedactingHandler)
    try:
        server.serve_forever()
    finally:
        server.server_close()


_CREDENTIAL = re.compile(r"([?&](?:access_token|corpsecret|key)=)[^&\s]+")


class _RedactingHandler(WSGIRequestHandler):
    """Logs each request (and each error) with the credentials in its query (the access token, the
    app Secret of gettoken, a robot's webhook key) replaced by `***`."""

    def log(self, type: str, message: str, *args: Any) -> None:
        super().log(type, message, *(_CREDENTIAL.sub(r"\1***", str(arg)) for arg in args))


class SandboxThread(ServerThread):
    """The sandbox on 127.0.0.1 (free port by default) in a daemon thread; starts at once."""

    def __init__(self, config: SandboxConfig, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(create_sandbox_app(config), "wecom-sandbox", host, port)

    @property
    def state(self) -> SandboxState:
        """The live sandbox state (for assertions in tests)."""
        return self.app.extensions["sandbox"]

    @property
    def api_base_url(self) -> str:
        """What to put in wechatpy's ``WeChatClient.API_BASE_URL``."""
        return f"{self.url}/cgi-bin/"

    def shutdown(self) -> None:
        """Stop serving, wait for the thread to end and close the history file."""
        super().shutdown()
        self.state.close()


__all__ = ["SandboxThread", "create_sandbox_app", "serve"]
