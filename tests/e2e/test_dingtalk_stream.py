"""DingTalk's Stream mode with the official SDK connected to the sandbox's gateway (in a
thread): every frame is in the inbox before its ACK, a redelivered frame is stored and
handled once, a dropped socket reconnects and loses nothing, and storage down gives a
non-OK ACK, so the frame comes again and is stored once.

The sending side (the DingTalk channel) is built elsewhere, so these tests assert on the
inbox and on what handling did: tasks created and replies queued for platform dingtalk."""

import asyncio
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dingtalk_stream
import pytest
import requests
from sqlalchemy import func, select

from integrations.dingtalk.sandbox import SandboxConfig, SandboxThread
from integrations.dingtalk.stream import StreamReceiver
from tasks.directory.sync import apply_snapshot
from tasks.models import InboxMessage, OutboxMessage, Task
from tests.clocks import ShiftedClock
from tests.dingtalk_helpers import AES_KEY, APP_KEY, APP_SECRET, TOKEN, dingtalk_settings
from tests.e2e.processes import Workers, eventually
from tests.seeded_office import seeded_directory
from workers import receiver
from workers.jobs.messages import process_inbox
from workers.runtime import Runtime


@pytest.fixture
def sandbox() -> Iterator[SandboxThread]:
    config = SandboxConfig(app_key=APP_KEY, app_secret=APP_SECRET, robot_code="",
                           token=TOKEN, aes_key=AES_KEY, mode="stream",
                           callback_url="http://127.0.0.1:9/dingtalk/callback")
    thread = SandboxThread(config)
    yield thread
    thread.shutdown()


@pytest.fixture
def rt(sandbox, var_dir, database_url, redis_url, db, redis_conn) -> Runtime:
    settings = dingtalk_settings(var_dir, database_url, redis_url,
                                 dingtalk_api_base=sandbox.url)
    runtime = Runtime(settings, clock=ShiftedClock(), _engine=db)
    with runtime.sessions.begin() as session:
        apply_snapshot(session, seeded_directory(), platform="dingtalk")
    return runtime


@contextmanager
def running(stream: StreamReceiver) -> Iterator[StreamReceiver]:
    thread = threading.Thread(target=stream.run, daemon=True)
    thread.start()
    assert stream.connected.wait(10), "the SDK connecting to the sandbox's gateway"
    yield stream
    stream.stop()
    thread.join(10)


@pytest.fixture
def stream(rt: Runtime, sandbox: SandboxThread) -> Iterator[StreamReceiver]:
    built = receiver.build(rt, "dingtalk")
    assert isinstance(built, StreamReceiver)
    with running(built):
        # the client's handshake can finish before the gateway has recorded the connection
        eventually(sandbox.app.extensions["dingtalk_gateway"].ever_connected,
                   "the gateway seeing the connection", timeout=10)
        yield built


def say(sandbox: SandboxThread, userid: str, text: str) -> dict[str, Any]:
    return requests.post(f"{sandbox.url}/sandbox/chat/{userid}/send", json={"text": text},
                         timeout=15).json()


def inbox_keys(rt: Runtime) -> list[str]:
    with rt.sessions() as session:
        return list(session.scalars(select(InboxMessage.platform_key).order_by(InboxMessage.id)))


def count(rt: Runtime, model: Any, *where: Any) -> int:
    with rt.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@contextmanager
def plain_sdk_client(client: dingtalk_stream.DingTalkStreamClient) -> Iterator[None]:
    """The SDK's own `start()` on an event loop in a thread; cancelled at the end (its loop
    swallows one cancellation into a retry wait, so it is cancelled until it ends)."""
    loop = asyncio.new_event_loop()
    main = loop.create_task(client.start())

    def run() -> None:
        try:
            loop.run_until_complete(main)
        except (asyncio.CancelledError, Exception):  # noqa: BLE001 - stopping is the point
            pass
        finally:
            rest = asyncio.all_tasks(loop)
            for task in rest:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*rest, return_exceptions=True))
            loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        for _ in range(50):
            loop.call_soon_threadsafe(main.cancel)
            thread.join(0.2)
            if not thread.is_alive():
                break
        assert not thread.is_alive(), "the SDK's client stopped"


def test_the_unmodified_official_sdk_client_gets_a_typed_message_and_its_ack_counts(
        sandbox, monkeypatch) -> None:
    """The gateway speaks DingTalk's Stream protocol as the official SDK expects it, not
    only as our subclass uses it: a plain `DingTalkStreamClient` (its own `start()`, only
    `OPEN_CONNECTION_API` pointed at the sandbox) with a `ChatbotHandler` receives what a
    member types, parsed by the SDK's `ChatbotMessage`, and its ACK is the status the
    sandbox answers."""
    monkeypatch.setattr(dingtalk_stream.DingTalkStreamClient, "OPEN_CONNECTION_API",
                        f"{sandbox.url}/v1.0/gateway/connections/open")
    received: queue.Queue[tuple[str, str, str]] = queue.Queue()

    class Heard(dingtalk_stream.ChatbotHandler):
        async def process(self, callback: dingtalk_stream.CallbackMessage
                          ) -> tuple[int, str]:
            message = dingtalk_stream.ChatbotMessage.from_dict(callback.data)
            received.put((message.sender_staff_id, message.text.content, message.message_id))
            return dingtalk_stream.AckMessage.STATUS_OK, "OK"

    client = dingtalk_stream.DingTalkStreamClient(
        dingtalk_stream.Credential(APP_KEY, APP_SECRET))
    client.register_callback_handler(dingtalk_stream.ChatbotMessage.TOPIC, Heard())
    gateway = sandbox.app.extensions["dingtalk_gateway"]
    with plain_sdk_client(client):
        eventually(gateway.ever_connected, "the SDK connecting to the sandbox", timeout=20)
        answer = say(sandbox, "lina", "报送周报 周五前")
        assert answer["status"] == 200, "the SDK's ACK (code 200) reached the sandbox"
        assert received.get(timeout=10) == ("lina", "报送周报 周五前", answer["msgId"])


def test_a_typed_message_is_in_the_inbox_before_its_ack_and_handled(sandbox, rt, stream) -> None:
    answer = say(sandbox, "zhangwei", "新建 核对名单 @李娜 3天内")
    assert answer["status"] == 200
    assert inbox_keys(rt) == [answer["msgId"]]  # stored before the ACK came back

    process_inbox(rt)
    assert count(rt, Task) == 1
    assert count(rt, OutboxMessage, OutboxMessage.platform == "dingtalk") >= 2  # card + reply
    assert count(rt, OutboxMessage, OutboxMessage.platform != "dingtalk") == 0


def test_a_redelivered_frame_is_stored_and_handled_once(sandbox, rt, stream) -> None:
    assert say(sandbox, "zhangwei", "新建 核对名单 @李娜 3天内")["status"] == 200
    again = requests.post(f"{sandbox.url}/sandbox/control/redeliver", json={"last": 1},
                          timeout=15).json()
    assert again["codes"] == [200]
    process_inbox(rt)
    requests.post(f"{sandbox.url}/sandbox/control/redeliver", json={"last": 1}, timeout=15)
    process_inbox(rt)
    assert len(inbox_keys(rt)) == 1
    assert count(rt, Task) == 1
    counted = rt.events.read()  # what /metrics reports (docs/operations.md)
    assert counted["callback|dingtalk|accepted"] == 1
    assert counted["callback|dingtalk|duplicate"] == 2


def test_a_dropped_socket_reconnects_and_nothing_is_lost(sandbox, rt, stream) -> None:
    assert say(sandbox, "lina", "帮助")["status"] == 200
    requests.post(f"{sandbox.url}/sandbox/control/drop-socket", timeout=5)
    answer = say(sandbox, "zhangwei", "新建 核对名单 @李娜 3天内")  # while reconnecting
    assert answer["status"] == 200
    assert len(inbox_keys(rt)) == 2
    frames = requests.get(f"{sandbox.url}/sandbox/control/frames", timeout=5).json()
    assert frames["connects"] == 2
    process_inbox(rt)
    assert count(rt, Task) == 1


def test_storage_down_gives_a_non_ok_ack_and_the_frame_is_stored_once_later(sandbox,
                                                                             rt) -> None:
    store = receiver.store_for(rt, "dingtalk")
    failures = [2]

    def flaky(message: Any) -> bool:
        if failures[0]:
            failures[0] -= 1
            raise ConnectionError("the database is restarting")
        return store(message)

    with running(StreamReceiver(APP_KEY, APP_SECRET, flaky, api_base=sandbox.url)):
        answer = say(sandbox, "zhangwei", "新建 核对名单 @李娜 3天内")
        assert answer["status"] == 500  # DingTalk is told to deliver it again
        msg_id = answer["msgId"]
        eventually(lambda: inbox_keys(rt) == [msg_id], "the redelivered frame stored",
                   timeout=20)
        codes = eventually(lambda: [f["codes"] for f in requests.get(
            f"{sandbox.url}/sandbox/control/frames", timeout=5).json()["frames"]
            if f["codes"][-1:] == [200]], "the frame acknowledged", timeout=20)
        assert codes == [[500, 500, 200]]
    process_inbox(rt)
    assert count(rt, Task) == 1


def test_contact_events_arrive_as_lookups(sandbox, rt, stream) -> None:
    sandbox.state.directory_changed("user_modify_org", ["lina"])
    with rt.sessions() as session:
        payload = session.scalars(select(InboxMessage)).one().payload
    assert (payload["type"], payload["change"], payload["userid"], payload["lookup"]) == (
        "directory_change", "update_user", "lina", True)


def test_the_stream_process_killed_mid_burst_with_redis_flushed_loses_nothing_and_acts_once(
        sandbox, rt, redis_conn, tmp_path: Path) -> None:
    """`mashangban dingtalk-stream` as an operator runs it, SIGKILLed in the middle of a
    burst and Redis flushed; restarted, every message is stored once and handled once by a
    real worker."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MASHANGBAN_")}
    environment.update({f"MASHANGBAN_{k}": v for k, v in rt.settings.raw.items()})
    environment["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])

    def start_stream() -> subprocess.Popen:
        log = (tmp_path / "dingtalk-stream.log").open("a")
        return subprocess.Popen([sys.executable, "-m", "webapp.cli", "dingtalk-stream"],
                                cwd=tmp_path, env=environment, stdout=log,
                                stderr=subprocess.STDOUT)

    def frames() -> list[dict[str, Any]]:
        return requests.get(f"{sandbox.url}/sandbox/control/frames", timeout=5).json()["frames"]

    process = start_stream()
    pool = Workers(environment, tmp_path)
    try:
        eventually(lambda: requests.get(f"{sandbox.url}/sandbox/control/frames", timeout=5)
                   .json()["connects"] >= 1, "the stream process connecting", timeout=30)
        texts = [f"新建 核对第{n}份名单 @李娜 3天内" for n in range(12)]
        sent: list[str] = []
        burst = threading.Thread(target=lambda: sent.extend(
            say(sandbox, "zhangwei", text)["msgId"] for text in texts))
        burst.start()
        eventually(lambda: len(inbox_keys(rt)) >= 3, "part of the burst stored", timeout=30)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        redis_conn.flushdb()
        burst.join(180)
        process = start_stream()
        eventually(lambda: len(inbox_keys(rt)) == len(texts), "every message stored",
                   timeout=60)
        eventually(lambda: all(f["codes"][-1:] == [200] for f in frames()),
                   "every frame acknowledged", timeout=60)
        pool.start()
        eventually(lambda: count(rt, InboxMessage, InboxMessage.processed_at.is_(None)) == 0,
                   "every message handled", timeout=90)
        assert sorted(inbox_keys(rt)) == sorted(sent)
        assert count(rt, Task) == len(texts)
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0, "SIGTERM stops the stream process cleanly"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        pool.stop_all()
