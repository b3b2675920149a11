"""No log line of any process carries a credential or what people wrote.

The real processes (`mashangban sandbox`, `sync-directory`, `web`, `worker`) run at their
default log level through a scenario that fetches and refetches access tokens, sends
texts and cards, posts to a group robot, and fails on one message (the database refuses
its task, as a constraint would). Every process's whole output is then scanned for the
app Secret, the callback Token and EncodingAESKey, the access tokens issued, the robot's
webhook key and the texts people sent.

WeCom only: it runs the WeCom sandbox as a process and checks WeCom's credentials
never reach a log.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import Engine, text

from tasks.messaging.outbox import queue_group_markdown
from tests.conftest import TEST_WECOM
from tests.e2e.processes import eventually, free_port, free_ports, healthy, start, stop_all
from workers import signals
from workers.db import make_sessions
from workers.runtime import Runtime
from workers.settings import load_settings

SECRET = "LogScanSecret7f3a9c"
TOKEN = "LogScanTok42"
AES_KEY = "LogScanAesKey0123456789abcdefghijklmnopqrst"  # 43 letters and digits
ROBOT_KEY = "logscan-robot-5d1e9b"
SAID = "核对机密来文甲乙丙"  # a task people talk about
POISON = "毒丸来文子丑寅"  # a task the database refuses (the trigger below)


@pytest.fixture
def refused_title(db: Engine) -> Iterator[None]:
    """The database refuses any task whose title contains POISON, as a constraint would."""
    if db.dialect.name == "postgresql":
        create = [
            "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF position('{POISON}' in NEW.title) > 0 THEN "
            "RAISE EXCEPTION 'refused by a test trigger'; END IF; RETURN NEW; END $$",
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON tasks FOR EACH ROW "
            "EXECUTE FUNCTION refuse_poison()",
        ]
        drop = ["DROP TRIGGER IF EXISTS refuse_poison ON tasks",
                "DROP FUNCTION IF EXISTS refuse_poison()"]
    else:
        create = [f"CREATE TRIGGER refuse_poison BEFORE INSERT ON tasks "
                  f"WHEN instr(NEW.title, '{POISON}') > 0 "
                  "BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"]
        drop = ["DROP TRIGGER IF EXISTS refuse_poison"]
    with db.begin() as connection:
        for statement in create:
            connection.execute(text(statement))
    try:
        yield
    finally:
        with db.begin() as connection:
            for statement in drop:
                connection.execute(text(statement))


def test_no_process_logs_a_credential_or_a_message_text(
        tmp_path: Path, database_url: str, redis_url: str, db: Engine,
        redis_conn: redis.Redis, refused_title: None) -> None:
    sandbox_port, web_port = free_ports(2)
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MASHANGBAN_")}
    environment.update({
        "MASHANGBAN_VAR_DIR": str(tmp_path / "var"),
        "MASHANGBAN_DATABASE_URL": database_url,
        "MASHANGBAN_REDIS_URL": redis_url,
        "MASHANGBAN_WECOM_CORP_ID": TEST_WECOM["MASHANGBAN_WECOM_CORP_ID"],
        "MASHANGBAN_WECOM_AGENT_ID": TEST_WECOM["MASHANGBAN_WECOM_AGENT_ID"],
        "MASHANGBAN_WECOM_SECRET": SECRET,
        "MASHANGBAN_WECOM_TOKEN": TOKEN,
        "MASHANGBAN_WECOM_AES_KEY": AES_KEY,
        "MASHANGBAN_WECOM_API_BASE": sandbox,
        "MASHANGBAN_ROBOTS": f"3={ROBOT_KEY}",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    })
    children: list = []
    try:
        start(children, environment, tmp_path, "sandbox", "--port", str(sandbox_port),
              "--callback", f"http://127.0.0.1:{web_port}/wecom/callback")
        eventually(lambda: _answers(f"{sandbox}/sandbox/robots"), "the sandbox serving")
        sync = start(children, environment, tmp_path, "sync-directory")
        assert sync.wait(timeout=60) == 0, (tmp_path / "sync-directory.log").read_text()
        start(children, environment, tmp_path, "web", "--port", str(web_port),
              "--workers", "2")
        start(children, environment, tmp_path, "worker")
        eventually(lambda: healthy(web_port), "the web app answering /healthz")
        requests.post(f"{sandbox}/sandbox/control/robot",
                      json={"key": ROBOT_KEY, "name": "综合科工作群"}, timeout=10)
        tokens = {_access_token(redis_conn)}  # fetched by sync-directory

        _say(sandbox, "zhangwei", f"新建 {SAID} @李娜 2小时内")
        eventually(lambda: _messages(sandbox, "lina"), "the card reaching the holder")

        requests.post(f"{sandbox}/sandbox/control/expire-tokens", timeout=10)
        _say(sandbox, "zhangwei", f"新建 {POISON} @李娜 2小时内")
        eventually(lambda: _failures_recorded(db) > 0,
                   "the worker's first failed attempt at it recorded", timeout=60)
        answered = len(_replies(sandbox, "zhangwei"))
        _say(sandbox, "zhangwei", "我的")  # its answer is the first send after the expiry
        eventually(lambda: len(_replies(sandbox, "zhangwei")) > answered,
                   "the next message answered", timeout=60)
        tokens.add(_access_token(redis_conn))  # refetched after WeCom's 42001

        _post_to_robot(database_url, redis_url, environment)
        eventually(lambda: _robot_posts(sandbox), "the group robot's post", timeout=60)
    finally:
        stop_all(children)

    logs = {path.name: path.read_text(encoding="utf-8", errors="replace")
            for path in tmp_path.glob("*.log")}
    assert "POST /wecom/callback" in logs["web.log"], "the web's access log was captured"
    assert "failed" in logs["worker.log"], "the failing message was logged"
    assert "/cgi-bin/message/send" in logs["sandbox.log"], "the sandbox's request log"
    assert len(tokens) == 2 and None not in tokens
    forbidden = {"the app Secret": SECRET, "the callback Token": TOKEN,
                 "the EncodingAESKey": AES_KEY, "the robot's webhook key": ROBOT_KEY,
                 "a message text": SAID, "the refused message's text": POISON,
                 **{f"access token {n}": token for n, token in enumerate(sorted(tokens))}}
    leaks = [f"{name} in {log}: {line.strip()[:300]}"
             for log, content in sorted(logs.items()) for line in content.splitlines()
             for name, value in forbidden.items() if value and value in line]
    assert leaks == [], "\n".join(leaks)


def _failures_recorded(db: Engine) -> int:
    """Failed attempts the worker recorded on inbox rows (it retries later, then parks)."""
    with db.connect() as connection:
        return int(connection.execute(text("SELECT COALESCE(SUM(attempts), 0) FROM inbox "
                                           "WHERE error IS NOT NULL")).scalar_one())


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def _say(sandbox: str, userid: str, said: str) -> None:
    answer = requests.post(f"{sandbox}/sandbox/chat/{userid}/send", json={"text": said},
                           timeout=10).json()
    assert answer.get("status") == 200, answer


def _messages(sandbox: str, userid: str) -> list[dict]:
    return list(requests.get(f"{sandbox}/sandbox/chat/{userid}/messages",
                             timeout=10).json()["messages"])


def _replies(sandbox: str, userid: str) -> list[str]:
    return [m["content"] for m in _messages(sandbox, userid)
            if m["from"] == "app" and m["msgtype"] in ("text", "markdown")]


def _access_token(connection: redis.Redis) -> str | None:
    """The access token the product keeps in Redis (`WeComApi`, shared by all processes)."""
    for key in connection.keys("mashangban:wecom:*access_token"):
        value = connection.get(key)
        if value:
            return str(json.loads(value))
    return None


def _post_to_robot(database_url: str, redis_url: str, environment: dict[str, str]) -> None:
    """Queue a post to the department's group robot, as the daily summary does, and wake
    a worker to send it."""
    settings = load_settings(environment, env_file=os.devnull)
    rt = Runtime(settings)
    with make_sessions(rt.engine).begin() as session:
        queue_group_markdown(session, ROBOT_KEY, "**今日汇总**", now=rt.clock())
    signals.request_processing(rt.redis, rt.queue)
    rt.engine.dispose()


def _robot_posts(sandbox: str) -> list[dict]:
    calls = requests.get(f"{sandbox}/sandbox/control/calls", timeout=10).json()["calls"]
    return [c for c in calls if c["path"] == "webhook/send" and c.get("errcode") == 0]


def test_a_directory_sync_that_cannot_reach_wecom_says_so_in_one_line_without_the_secret(
        tmp_path: Path, redis_url: str, redis_conn: redis.Redis) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MASHANGBAN_")}
    environment.update({
        **TEST_WECOM, "MASHANGBAN_WECOM_SECRET": SECRET, "MASHANGBAN_REDIS_URL": redis_url,
        "MASHANGBAN_VAR_DIR": str(tmp_path / "var"),
        "MASHANGBAN_WECOM_API_BASE": f"http://127.0.0.1:{free_port()}",  # nobody listens
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    })
    done = subprocess.run([sys.executable, "-m", "webapp.cli", "sync-directory"],
                          cwd=tmp_path, env=environment, capture_output=True, text=True,
                          timeout=120)

    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "sync-directory: 正在读取企业微信通讯录…",
        "mashangban: 无法读取企业微信通讯录：network: ConnectionError"]
    assert SECRET not in done.stdout + done.stderr
