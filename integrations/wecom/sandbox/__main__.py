"""Command line: ``python -m integrations.wecom.sandbox`` runs the sandbox in the foreground."""

from __future__ import annotations

import argparse

from .config import SandboxConfig
from .server import serve

DEFAULT_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"


def main(argv: list[str] | None = None) -> None:
    """Parse options and serve until Ctrl-C."""
    parser = argparse.ArgumentParser(description="企业微信沙箱 (fake WeCom)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--corp-id", default="wwsandbox0000001")
    parser.add_argument("--agent-id", type=int, default=1000002)
    parser.add_argument("--secret", default="sandbox-secret")
    parser.add_argument("--token", default="sandboxtoken")
    parser.add_argument("--aes-key", default=DEFAULT_AES_KEY)
    parser.add_argument("--callback-url", default="http://127.0.0.1:5000/wecom/callback")
    args = parser.parse_args(argv)
    config = SandboxConfig(
        corp_id=args.corp_id,
        agent_id=args.agent_id,
        secret=args.secret,
        token=args.token,
        aes_key=args.aes_key,
        callback_url=args.callback_url,
    )
    print(f"企业微信沙箱: http://{args.host}:{args.port}/ (API: /cgi-bin/)", flush=True)
    try:
        serve(config, args.host, args.port)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
