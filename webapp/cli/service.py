"""Commands that run an installation: migrate, sync the directory, serve, work, sandbox.

    mashangban db upgrade            migrate the database to the newest schema
    mashangban sync-directory        load departments and people from the platform
    mashangban web [--host --port --workers]   the web app under gunicorn
    mashangban worker [--burst] [--with-stream]   a background worker with its scheduler
    mashangban dingtalk-stream       receive DingTalk's Stream frames (stream mode)
    mashangban dingtalk-card-callback [URL] register the card click URL (http mode)
    mashangban sandbox [--platform --host --port --callback --history]   a platform's sandbox

web, worker and sandbox take `--log-level` (info by default: a line per request or job).
"""

import argparse
import logging
import sys
from pathlib import Path

from webapp.cli import common
from workers import logs
from workers.settings import load_settings


def add_commands(commands: argparse._SubParsersAction,
                 command: common.Register) -> None:
    """Register this module's commands on the `mashangban` parser."""
    db = commands.add_parser("db", help="database schema").add_subparsers(title="db commands")
    command(db, "upgrade", "migrate the database to the newest schema", db_upgrade)

    command(commands, "sync-directory", "load departments and people from the platform",
             sync_directory)

    web = command(commands, "web", "serve the web app with gunicorn", _web)
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, default=8000)
    web.add_argument("--workers", type=int, default=4)
    common.add_log_level(web)

    worker = command(commands, "worker", "run a background worker with its scheduler", _worker)
    worker.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    worker.add_argument("--with-stream", action="store_true",
                        help="also keep the Stream connection of each platform served in "
                             "stream mode (DingTalk), instead of a dingtalk-stream process")
    common.add_log_level(worker)

    stream = command(commands, "dingtalk-stream",
                     "receive DingTalk's robot messages, card clicks and contact events "
                     "over its Stream mode", _dingtalk_stream)
    common.add_log_level(stream)

    card_callback = command(commands, "dingtalk-card-callback",
                            "register where DingTalk POSTs card clicks (http mode)",
                            _dingtalk_card_callback)
    card_callback.add_argument("url", nargs="?", default=None,
                               help="https://YOUR-HOST/dingtalk/card "
                                    "(default: MASHANGBAN_DINGTALK_CARD_URL)")

    sandbox = command(commands, "sandbox", "serve a platform's sandbox (fake WeCom)", _sandbox)
    sandbox.add_argument("--platform", default=None,
                         help="which served platform to fake (default: the first)")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8090)
    sandbox.add_argument("--callback", default=None,
                         help="the product's callback URL (default: on 127.0.0.1:8000)")
    sandbox.add_argument("--history", type=Path, default=None,
                         help="keep the chat page's history in this file across restarts "
                              "(default: in memory only)")
    common.add_log_level(sandbox)


def db_upgrade(_args: argparse.Namespace | None = None) -> int:
    from workers.db import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    print("数据库已升级到最新结构 (database schema is up to date)")
    return 0


def sync_directory(_args: argparse.Namespace | None = None) -> int:
    """Reconcile the stored directory with each served platform's; progress goes to stderr."""
    from tasks.directory.sync import apply_snapshot
    from tasks.messaging.channel import DeliveryError
    from workers.runtime import Runtime

    def progress(line: str) -> None:
        print(f"sync-directory: {line}", file=sys.stderr, flush=True)

    rt = Runtime(load_settings())
    rt.settings.check_platforms()  # validate before any network call
    flagged = 0
    for name, platform in rt.platforms.items():
        progress(f"正在读取{platform.title}通讯录…")
        try:
            snapshot = rt.channels[name].fetch_directory()
        except DeliveryError as error:  # its reason names no URL, so no token or secret
            return common.fail(f"无法读取{platform.title}通讯录：{error.reason}")
        progress(f"已读取 {len(snapshot.departments)} 个部门、{len(snapshot.members)} 人，"
                 "正在写入…")
        with rt.sessions.begin() as session:
            report = apply_snapshot(session, snapshot, now=rt.clock(), rules=rt.settings.rules,
                                    progress=progress, platform=name)
        flagged += report.flagged
        told = f"，{report.flagged} 项在办任务已提醒负责人转办" if report.flagged else ""
        print(f"通讯录已同步：{report.departments} 个部门，{report.people} 人，"
              f"{report.deactivated} 人已停用{told}")
    if flagged:  # the reminders are in the outbox: wake a worker (else the sweep will)
        from redis import RedisError

        from workers.signals import request_processing
        try:
            request_processing(rt.redis, rt.queue)
        except RedisError:
            progress("Redis 不可用：提醒消息已保存，由 worker 稍后发出")
    return 0


def _web(args: argparse.Namespace) -> int:
    from webapp.server import serve

    load_settings().check_platforms()  # refuse to start with a broken configuration
    busy = common.port_unavailable(args.host, args.port)
    if busy:  # gunicorn would retry for 5 s and then exit with a log of its own
        return common.fail(f"port {args.port} on {args.host} {busy}; choose another "
                           "with --port")
    serve(args.host, args.port, args.workers, log_level=args.log_level)
    return 0


def _worker(args: argparse.Namespace) -> int:
    from workers.runtime import Runtime
    from workers.worker import run

    rt = Runtime(load_settings())
    rt.settings.check_platforms()
    run(rt, burst=args.burst, log_level=args.log_level,  # configures its logging
        with_receivers=args.with_stream and not args.burst)
    return 0


def _dingtalk_stream(args: argparse.Namespace) -> int:
    """Keep DingTalk's Stream connection, storing every frame before its ACK; SIGTERM
    stops it cleanly."""
    from workers import receiver
    from workers.runtime import Runtime

    settings = load_settings()
    if "dingtalk" not in settings.platforms:
        return common.fail("MASHANGBAN_PLATFORMS does not include dingtalk")
    rt = Runtime(settings)
    rt.settings.check_platforms()
    stream = receiver.build(rt, "dingtalk")
    if stream is None:
        return common.fail("MASHANGBAN_DINGTALK_MODE is http: DingTalk calls /dingtalk/callback "
                           "instead; nothing to receive over the Stream")
    receiver.run(stream, secrets=settings.secrets(), log_level=args.log_level,
                 log_format=settings.log_format)
    return 0


def _dingtalk_card_callback(args: argparse.Namespace) -> int:
    """In http mode a card names the URL its clicks go to (its `callbackUrl`, the setting
    MASHANGBAN_DINGTALK_CARD_URL), and DingTalk POSTs them there once that URL is registered
    with its api_secret; register ours once (again after the URL changes)."""
    from integrations.dingtalk.api import DingTalkError
    from integrations.dingtalk.channel import DingTalkChannel
    from workers.runtime import Runtime

    settings = load_settings()
    if "dingtalk" not in settings.platforms:
        return common.fail("MASHANGBAN_PLATFORMS does not include dingtalk")
    if settings.platform_settings("dingtalk").mode != "http":
        return common.fail("MASHANGBAN_DINGTALK_MODE is stream: card clicks arrive over the "
                           "Stream connection; nothing to register")
    configured = settings.platform_settings("dingtalk").card_url
    url = args.url or configured
    if not url:
        return common.fail("no card callback URL: set MASHANGBAN_DINGTALK_CARD_URL to "
                           "https://YOUR-HOST/dingtalk/card (the URL cards name)")
    if not url.startswith(("https://", "http://")) or not url.endswith("/dingtalk/card") \
            or "?" in url:
        return common.fail(f"not the card callback URL: {url!r} "
                           "(write it like https://YOUR-HOST/dingtalk/card)")
    if url != configured:
        return common.fail(f"cards name {configured or 'no URL'} as their callback: set "
                           f"MASHANGBAN_DINGTALK_CARD_URL={url} first, then register it")
    channel = Runtime(settings).channels["dingtalk"]
    assert isinstance(channel, DingTalkChannel)
    try:
        channel.register_card_callback(url)
    except DingTalkError as error:
        return common.fail(f"DingTalk refused the registration: {error.reason}")
    print(f"卡片回调已登记：{url}")
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    """Serve the chosen platform's sandbox with the product's own credentials for it."""
    from integrations import registry

    settings = load_settings()
    name = args.platform or settings.platforms[0]
    if name not in registry.names():
        return common.fail(f"unknown platform {name!r}; known: {', '.join(registry.names())}")
    platform = registry.platform(name)
    if platform.sandbox is None:
        return common.fail(f"{platform.title} has no sandbox")
    callback = args.callback or f"http://127.0.0.1:8000{platform.callback_path}"
    platform_settings = settings.platform_settings(name)
    busy = common.port_unavailable(args.host, args.port)
    if busy:
        return common.fail(f"port {args.port} on {args.host} {busy}; choose another "
                           "with --port")
    _log_at(args.log_level, settings.secrets(), settings.log_format)  # it logs the URLs we call
    if args.log_level in ("debug", "info"):
        print(f"{platform.title} 沙箱：http://{args.host}:{args.port}/", flush=True)
    platform.sandbox(platform_settings, args.host, args.port, callback, history=args.history)
    return 0


def _log_at(level: str, secrets: tuple[str, ...], fmt: str) -> None:
    """Log at `level`, scrubbed (`workers.logs`), as text or JSON; werkzeug's per-request
    lines are info, so warning hides them."""
    logs.configure(secrets, level=logging.getLevelName(level.upper()), fmt=fmt)
    logging.getLogger("werkzeug").setLevel(level.upper())
