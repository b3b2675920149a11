"""A fake WeCom (企业微信) server speaking the real protocol, for tests and local demos."""

from .config import SandboxConfig
from .server import SandboxThread, create_sandbox_app, serve

__all__ = ["SandboxConfig", "SandboxThread", "create_sandbox_app", "serve"]
