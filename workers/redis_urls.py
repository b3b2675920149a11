"""Redis URLs: a plain server (`redis://`, `rediss://`, `unix://`) or a master found through
Redis Sentinel (`redis+sentinel://`), and the clients built from them.

The Sentinel form, one line in `MASHANGBAN_REDIS_URL`:

    redis+sentinel://[[USERNAME]:PASSWORD@]HOST[:PORT][,HOST[:PORT]...]/SERVICE[/DB][?sentinel_password=P]

- HOST:PORT are the sentinels (port 26379 when left out), comma-separated;
- SERVICE is the name the sentinels monitor (`sentinel monitor SERVICE ...`);
- DB is the database number on the master (0 when left out);
- USERNAME and PASSWORD are the master's (and its replicas'), as in `redis://`;
- `sentinel_password` is the sentinels' own password when they require one
  (`requirepass` in sentinel.conf); percent-encode reserved characters in any password.

Every client asks the sentinels for the master's address when it connects, and again
after a connection fails, so a failover costs the commands in flight, never the setting.
The domain's durability does not rest on Redis (docs/deployment.md, "What Redis holds").
"""

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import redis
from redis.sentinel import Sentinel

SENTINEL_SCHEME = "redis+sentinel"
SENTINEL_PORT = 26379
PLAIN_SCHEMES = ("redis://", "rediss://", "unix://")
EXAMPLE = "redis+sentinel://:PASSWORD@sentinel1:26379,sentinel2:26379/mymaster/0"


class RedisURLError(ValueError):
    """A Redis URL that cannot be used; its text says what to write instead."""


@dataclass(frozen=True)
class SentinelURL:
    """Where the sentinels are, which master they watch, and how to sign in."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    username: str | None = None
    password: str | None = None
    sentinel_password: str | None = None


def check(url: str) -> None:
    """Raise `RedisURLError` unless `url` is a Redis URL this installation can use."""
    if url.startswith(f"{SENTINEL_SCHEME}://"):
        parse_sentinel(url)
    elif not url.startswith(PLAIN_SCHEMES):
        raise RedisURLError("must start with redis://, rediss://, unix:// or "
                            f"{SENTINEL_SCHEME}:// (e.g. {EXAMPLE})")


def parse_sentinel(url: str) -> SentinelURL:
    """Read a `redis+sentinel://` URL; every malformed part gets its own answer."""
    parts = urlsplit(url)
    if parts.scheme != SENTINEL_SCHEME:
        raise RedisURLError(f"not a {SENTINEL_SCHEME}:// URL")
    userinfo, _, hostlist = parts.netloc.rpartition("@")
    sentinels = tuple(_sentinel_address(item) for item in hostlist.split(","))
    path = [segment for segment in parts.path.split("/") if segment]
    if not path or len(path) > 2:
        raise RedisURLError(f"name the monitored service after the hosts, then optionally "
                            f"the database number (e.g. {EXAMPLE})")
    service = unquote(path[0])
    if not re.fullmatch(r"[A-Za-z0-9._\-]{1,128}", service):
        raise RedisURLError(f"service name {service!r} is malformed: letters, digits, "
                            "'.', '_' and '-' only")
    if len(path) == 2 and not path[1].isdigit():
        raise RedisURLError(f"database {path[1]!r} is not a number (e.g. {EXAMPLE})")
    db = int(path[1]) if len(path) == 2 else 0
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"sentinel_password"})
    if unknown:
        raise RedisURLError(f"unknown option {unknown[0]!r}; the only option is "
                            "sentinel_password")
    username, _, password = userinfo.partition(":") if userinfo else ("", "", "")
    return SentinelURL(sentinels=sentinels, service=service, db=db,
                       username=unquote(username) or None,
                       password=unquote(password) or None,
                       sentinel_password=(query.get("sentinel_password") or [""])[-1] or None)


def _sentinel_address(item: str) -> tuple[str, int]:
    """`host`, `host:port` or `[v6addr]:port`: one sentinel."""
    match = re.fullmatch(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-_]+)(?::(\d{1,5}))?", item.strip())
    if not match:
        raise RedisURLError(f"sentinel address {item!r} is malformed: write host:port, "
                            f"comma-separated (e.g. {EXAMPLE})")
    port = int(match.group(2)) if match.group(2) else SENTINEL_PORT
    if not 0 < port < 65536:
        raise RedisURLError(f"sentinel port {port} is out of range")
    return match.group(1).strip("[]"), port


def client(url: str, **options: Any) -> redis.Redis:
    """A client for `url` with redis-py's connection `options` (timeouts, retry, ...).

    For a Sentinel URL the options apply to the master's connections and, for the
    timeouts, to the questions put to the sentinels too, so a fast client stays fast
    whichever of them hangs."""
    if not url.startswith(f"{SENTINEL_SCHEME}://"):
        return redis.Redis.from_url(url, **options)
    where = parse_sentinel(url)
    timeouts = {key: options[key] for key in ("socket_timeout", "socket_connect_timeout")
                if key in options}
    sentinel = Sentinel(list(where.sentinels),
                        sentinel_kwargs={**timeouts, "password": where.sentinel_password})
    return sentinel.master_for(where.service, db=where.db, username=where.username,
                               password=where.password, **options)


def passwords(url: str) -> tuple[str, ...]:
    """The credentials in `url`, for the processes to keep out of their logs."""
    if url.startswith(f"{SENTINEL_SCHEME}://"):
        try:
            where = parse_sentinel(url)
        except RedisURLError:
            return ()
        return tuple(p for p in (where.password, where.sentinel_password) if p)
    try:
        return tuple(p for p in (urlsplit(url).password,) if p)
    except ValueError:
        return ()
