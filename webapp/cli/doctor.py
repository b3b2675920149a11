"""`mashangban doctor`: is this installation able to work, checked part by part.

    mashangban doctor    one line per check: OK, WARN or FAIL, and what it found

Settings, the database (reachable, migrated to the newest schema), Redis (a write read
back), each served platform (reachable, and its credentials give an access token), the
public URL (the app answers through it from outside) and the clock (against the Date of
the platform's answers). Exit 1 if any check fails, else 0. Every check gives up after
`CHECK_TIMEOUT` seconds, so doctor answers even when a server hangs. What each line means
and what to do about it: docs/operations.md, "mashangban doctor".
"""

import argparse
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import partial
from pathlib import Path
from typing import cast

from webapp.cli import common
from workers.settings import Settings, SettingsError, load_settings

CHECK_TIMEOUT = 10.0  # seconds: the longest any one check may take
NETWORK_TIMEOUT = (3.0, 5.0)  # connect, read: inside CHECK_TIMEOUT
SKEW_WARN = 5.0  # seconds of clock difference worth a warning
SKEW_FAIL = 60.0  # seconds: beyond this, signed callbacks and reminder times go wrong


@dataclass
class Check:
    """One line of the report."""

    status: str  # OK, WARN or FAIL
    name: str
    detail: str

    def line(self) -> str:
        return f"{self.status:<4} {self.name}：{self.detail}"


@dataclass
class _Clock:
    """The clock being checked, and the Date headers seen while checking with when each
    answer arrived by that clock."""

    now: Callable[[], datetime]
    readings: list[tuple[str, datetime, datetime]]  # (source, their time, our midpoint)


def add_commands(commands: argparse._SubParsersAction, command: common.Register) -> None:
    """Register `doctor` on the `mashangban` parser."""
    command(commands, "doctor", "check settings, database, Redis, platforms, public URL "
            "and clock, one line each", _doctor)


def _doctor(_args: argparse.Namespace) -> int:
    checks = run_checks()
    for check in checks:
        print(check.line(), flush=True)
    return 1 if any(check.status == "FAIL" for check in checks) else 0


def run_checks(environ: dict[str, str] | None = None,
               now: Callable[[], datetime] | None = None) -> list[Check]:
    """Every check, in order; stops after the settings if they cannot be read. `now` is
    the clock compared with the servers' (this host's, unless a test says otherwise)."""
    try:
        settings = load_settings(environ)
        settings.check_platforms()
    except SettingsError as error:
        return [Check("FAIL", "设置", str(error))]
    checks = [Check("OK", "设置", f"已读取，服务平台：{', '.join(settings.platforms)}")]
    clock = _Clock(now or common.now, [])
    checks.append(_bounded("数据库", lambda: _database(settings)))
    checks.append(_bounded("Redis", lambda: _redis(settings)))
    for name in settings.platforms:
        checks.append(_bounded(_title(name), partial(_platform, settings, name, clock)))
    checks.append(_bounded("公网地址", lambda: _public_url(settings, clock)))
    checks.append(_skew(clock))
    return checks


def _bounded(name: str, check: Callable[[], Check]) -> Check:
    """Run `check` in a daemon thread and give up on it after CHECK_TIMEOUT."""
    outcome: list[Check] = []

    def run() -> None:
        try:
            outcome.append(check())
        except Exception as error:  # a check reports, it never crashes the report
            outcome.append(Check("FAIL", name, f"{type(error).__name__}: {_first_line(error)}"))

    thread = threading.Thread(target=run, name=f"doctor-{name}", daemon=True)
    thread.start()
    thread.join(CHECK_TIMEOUT)
    return outcome[0] if outcome else Check("FAIL", name, f"{CHECK_TIMEOUT:.0f} 秒内无应答")


def _database(settings: Settings) -> Check:
    """Reachable, and its schema at the newest migration (alembic current == head)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from workers.db import alembic_config

    url = make_url(settings.database_url)
    name = "数据库"
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:" and not Path(url.database).exists():
            return Check("FAIL", name, f"SQLite 文件不存在：{url.database}；"
                         "运行 mashangban db upgrade 建库")
        connect_args: dict[str, object] = {"timeout": 5}
    else:
        connect_args = {"connect_timeout": 5}
    engine = create_engine(settings.database_url, connect_args=connect_args,
                           hide_parameters=True)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as error:
        return Check("FAIL", name, f"无法连接 {_where(settings.database_url)}："
                     f"{type(error).__name__}: {_first_line(error)}")
    finally:
        engine.dispose()
    heads = set(ScriptDirectory.from_config(alembic_config(settings.database_url)).get_heads())
    if current != heads:
        return Check("FAIL", name, f"结构版本 {', '.join(sorted(current)) or '空'}，最新为 "
                     f"{', '.join(sorted(heads))}；运行 mashangban db upgrade")
    return Check("OK", name, f"{_where(settings.database_url)} 可连接，已迁移到最新 "
                 f"({', '.join(sorted(heads))})")


def _redis(settings: Settings) -> Check:
    """A key written, read back and deleted: the round trip every signal and lock makes."""
    import time

    import redis

    from workers import embedded_redis, redis_urls

    embedded = not settings.redis_url
    url = settings.redis_url or embedded_redis.ensure_running(settings.var_dir)
    client = redis_urls.client(url, socket_connect_timeout=NETWORK_TIMEOUT[0],
                               socket_timeout=NETWORK_TIMEOUT[1])
    key, value = f"mashangban:doctor:{uuid.uuid4().hex}", uuid.uuid4().hex
    where = "内置 Redis" if embedded else _where(url)
    try:
        start = time.perf_counter()
        client.set(key, value, ex=60)
        read = cast(bytes | None, client.get(key))  # the sync client
        client.delete(key)
        elapsed = (time.perf_counter() - start) * 1000
    except redis.RedisError as error:
        return Check("FAIL", "Redis", f"无法连接 {where}：{type(error).__name__}: "
                     f"{_first_line(error)}")
    finally:
        client.close()
    if read is None or read.decode() != value:
        return Check("FAIL", "Redis", f"{where} 写入后读不回（只读副本？）")
    return Check("OK", "Redis", f"{where} 可读写，往返 {elapsed:.1f} ms")


def _platform(settings: Settings, name: str, clock: _Clock) -> Check:
    """The platform's API answers, and gives our credentials an access token."""
    from workers.runtime import Runtime

    channel = Runtime(settings).channels[name]
    api = getattr(channel, "api", None)
    probe = getattr(api, "probe_token", None)
    if probe is None:
        return Check("WARN", _title(name), "此平台无法检查凭据")
    sent = clock.now()
    try:
        date = probe(NETWORK_TIMEOUT)
    except Exception as error:
        return Check("FAIL", _title(name), f"取 access token 失败：{_platform_error(error)}")
    _note_date(clock, _title(name), date, sent)
    return Check("OK", _title(name), "接口可达，凭据有效（已取得 access token）")


def _platform_error(error: Exception) -> str:
    """What the platform said (errcode and message), or the network failure's type."""
    reason = getattr(error, "reason", None)
    if reason:
        return str(reason)
    errcode = getattr(error, "errcode", None)
    if errcode is not None:
        return f"errcode {errcode}: {getattr(error, 'errmsg', '')}"
    return f"{type(error).__name__}（检查 API 地址、防火墙和代理）"


def _public_url(settings: Settings, clock: _Clock) -> Check:
    """MASHANGBAN_PUBLIC_URL reaches this app: /healthz answers through it as ours does."""
    import requests

    name = "公网地址"
    if not settings.raw.get("PUBLIC_URL", "").strip():
        return Check("WARN", name, "未设置 MASHANGBAN_PUBLIC_URL：卡片链接和回调地址无从对外，"
                     "平台回调不到本机")
    base = settings.rules.public_url
    callbacks = ", ".join(base + _callback_path(n) for n in settings.platforms)
    sent = clock.now()
    try:
        response = requests.get(base + "/healthz", timeout=NETWORK_TIMEOUT)
    except requests.RequestException as error:
        return Check("FAIL", name, f"{base} 无法访问：{type(error).__name__}；"
                     f"平台回调不到 {callbacks}")
    _note_date(clock, name, response.headers.get("Date"), sent)
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or "database" not in answer or "redis" not in answer:
        return Check("FAIL", name, f"{base}/healthz 应答的不是本应用（HTTP "
                     f"{response.status_code}）：检查反向代理的转发")
    if response.status_code != 200:
        return Check("WARN", name, f"{base} 可达，但应用报告异常：数据库 {answer['database']}，"
                     f"Redis {answer['redis']}")
    return Check("OK", name, f"{base} 可达，应用应答正常；回调地址 {callbacks}")


def _skew(clock: _Clock) -> Check:
    """How far our clock is from the platform's (else the public URL's) Date header."""
    name = "时钟"
    if not clock.readings:
        return Check("WARN", name, "无可比对的时间（平台和公网地址都未应答）")
    source, theirs, ours = clock.readings[0]
    skew = (ours - theirs).total_seconds()
    detail = f"本机比{source}{'快' if skew > 0 else '慢'} {abs(skew):.0f} 秒"
    if abs(skew) > SKEW_FAIL:
        return Check("FAIL", name, f"{detail}：回调签名的时间戳会被拒收，提醒时间会错；"
                     "请校准系统时间（NTP）")
    if abs(skew) > SKEW_WARN:
        return Check("WARN", name, f"{detail}；请检查 NTP 同步")
    return Check("OK", name, f"与{source}相差不到 {SKEW_WARN:.0f} 秒")


def _note_date(clock: _Clock, source: str, header: str | None, sent: datetime) -> None:
    """Keep an answer's Date with the middle of our request: HTTP dates have whole
    seconds, so the comparison is good to about a second plus half the round trip."""
    if not header:
        return
    try:
        theirs = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return
    ours = sent + (clock.now() - sent) / 2
    clock.readings.append((source, theirs.astimezone(UTC), ours))


def _title(name: str) -> str:
    from integrations import registry

    return registry.platform(name).title


def _callback_path(name: str) -> str:
    from integrations import registry

    return registry.platform(name).callback_path


def _where(url: str) -> str:
    """A server's URL without its password, for a report line."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else ""
