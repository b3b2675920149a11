"""A fake DingTalk (钉钉) speaking the real protocol, for tests and local demos: the
OpenAPI (tokens, robot messages, interactive cards, media, contacts), the Stream gateway
(`/v1.0/gateway/connections/open` and a WebSocket server the official SDK connects to),
the signed HTTP callbacks and encrypted event push, and a chat page."""

from .config import SandboxConfig
from .server import SandboxThread, create_sandbox_app, serve

__all__ = ["SandboxConfig", "SandboxThread", "create_sandbox_app", "serve"]
