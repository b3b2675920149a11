"""The sandbox's Stream gateway: DingTalk's `POST /v1.0/gateway/connections/open` and a
WebSocket server (its own thread and asyncio loop) that pushes frames as DingTalk does, so
the official SDK connects to it unchanged.

Frames are `{"specVersion":"1.0","type":"CALLBACK"|"EVENT"|"SYSTEM","headers":{appId,
connectionId, contentType, messageId, time, topic, (events) eventType, eventId, eventCorpId,
eventBornTime},"data":"<JSON string>"}`; the client ACKs `{"code","headers":{"messageId"},
"message","data"}`. A frame not acknowledged 200 is delivered again: every `retry_every`
seconds while a connection is open, and at once on a new connection (DingTalk's "retried
unless acknowledged"); a 4xx ACK is final (the client refused it for good). The gateway
pings every `ping_every` seconds (SYSTEM `ping`, answered with the same data).

Error injection (`/sandbox/control/...`): `drop-socket` aborts the connection without a
close frame (a network failure); `redeliver {"messageId"}` or `{"last": n}` pushes frames
again although they were acknowledged (DingTalk's at-least-once), and waits for the ACKs.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState
from websockets.asyncio.server import ServerConnection, serve

from .config import SandboxConfig
from .state import SandboxState

log = logging.getLogger(__name__)
bp = Blueprint("dingtalk_gateway", __name__)
ACK_WAIT = 10.0  # seconds the chat API waits for the product's ACK
RETRIES = 50  # deliveries of one frame at most


@dataclass
class Frame:
    """One pushed frame and what the client answered."""

    message_id: str
    body: dict[str, Any]
    codes: list[int] = field(default_factory=list)  # every ACK code received, in order
    sends: int = 0
    last_sent: float = 0.0
    acked: threading.Event = field(default_factory=threading.Event)

    @property
    def settled(self) -> bool:
        """Acknowledged 200, or refused for good (4xx): not delivered again by itself."""
        return bool(self.codes) and self.codes[-1] < 500


class StreamGateway:
    """The WebSocket side of the Stream gateway; thread-safe entry points for Flask."""

    def __init__(self, config: SandboxConfig, host: str = "127.0.0.1", *,
                 retry_every: float = 1.0, ping_every: float = 10.0) -> None:
        self.config, self.retry_every, self.ping_every = config, retry_every, ping_every
        self._lock = threading.Lock()
        self._ever_connected = False
        self._frames: dict[str, Frame] = {}
        self._order: list[str] = []
        self._tickets: set[str] = set()
        self._connections: list[ServerConnection] = []
        self._serial = itertools.count(1)
        self.connects = 0  # connections accepted so far (tests)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stopped: asyncio.Future[None] | None = None
        self.port = 0
        self._thread = threading.Thread(target=self._serve, args=(host,), daemon=True,
                                        name="dingtalk-sandbox-gateway")
        self._thread.start()
        self._ready.wait(10)

    # -- Flask side ---------------------------------------------------------------------

    def ticket(self) -> str:
        ticket = secrets.token_urlsafe(16)
        with self._lock:
            # A product has started to connect: from now on a pushed frame waits for its
            # ACK (the WebSocket handshake may still be under way), see `ever_connected`.
            self._ever_connected = True
            self._tickets.add(ticket)
        return ticket

    def push(self, frame_type: str, topic: str, data: dict[str, Any],
             headers: dict[str, Any] | None = None) -> Frame:
        """Queue a frame and send it on the newest connection (if any is open)."""
        message_id = f"{uuid.uuid4().hex[:8]}_{next(self._serial)}"
        body = {"specVersion": "1.0", "type": frame_type,
                "headers": {"appId": self.config.app_key, "connectionId": "",
                            "contentType": "application/json", "messageId": message_id,
                            "time": str(int(self.config.clock() * 1000)), "topic": topic,
                            **(headers or {})},
                "data": json.dumps(data, ensure_ascii=False)}
        frame = Frame(message_id, body)
        with self._lock:
            self._frames[message_id] = frame
            self._order.append(message_id)
        self._call(self._send(frame))
        return frame

    def redeliver(self, message_ids: list[str]) -> list[Frame]:
        """Push these frames again, acknowledged or not (DingTalk's at-least-once)."""
        with self._lock:
            frames = [self._frames[m] for m in message_ids if m in self._frames]
        for frame in frames:
            frame.acked.clear()
            self._call(self._send(frame))
        return frames

    def ever_connected(self) -> bool:
        """Whether a product's Stream client has asked to connect since the sandbox started
        (a ticket was issued): it is connected, connecting, or will reconnect."""
        with self._lock:
            return self._ever_connected

    def live(self) -> int:
        """How many Stream clients are connected now (frames go to the newest)."""
        with self._lock:
            return len(self._connections)

    def last(self, count: int) -> list[str]:
        with self._lock:
            return list(self._order[-count:]) if count > 0 else []

    def drop(self) -> int:
        """Abort every open connection without a close frame; how many there were."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            self._loop.call_soon_threadsafe(connection.transport.abort)
        return len(connections)

    def frames(self) -> list[Frame]:
        with self._lock:
            return [self._frames[m] for m in self._order]

    def reset(self) -> None:
        with self._lock:
            self._frames.clear()
            self._order.clear()

    def close(self) -> None:
        if self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set_result, None)
        self._thread.join(timeout=5)

    # -- the asyncio side ---------------------------------------------------------------

    def _call(self, coroutine: Any) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def _serve(self, host: str) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main(host))

    async def _main(self, host: str) -> None:
        self._stopped = self._loop.create_future()
        async with serve(self._connection, host, 0, ping_interval=None) as server:
            self.port = next(iter(server.sockets)).getsockname()[1]
            self._ready.set()
            timers = [asyncio.create_task(self._retry()), asyncio.create_task(self._ping())]
            await self._stopped
            for timer in timers:
                timer.cancel()

    async def _connection(self, connection: ServerConnection) -> None:
        path = connection.request.path if connection.request else ""
        ticket = parse_qs(urlsplit(path).query).get("ticket", [""])[0]
        with self._lock:
            known = ticket in self._tickets
            self._tickets.discard(ticket)
        if not known:
            await connection.close(4001, "invalid ticket")
            return
        with self._lock:
            self._connections.append(connection)
            self.connects += 1
            pending = [f for f in (self._frames[m] for m in self._order) if not f.settled]
        try:
            for frame in pending:
                await self._send(frame)
            async for raw in connection:
                self._on_ack(raw)
        except Exception:  # noqa: BLE001 - a dropped client: its frames stay pending
            pass
        finally:
            with self._lock:
                if connection in self._connections:
                    self._connections.remove(connection)

    def _on_ack(self, raw: str | bytes) -> None:
        try:
            ack = json.loads(raw)
            message_id = ack["headers"]["messageId"]
            code = int(ack["code"])
        except (ValueError, KeyError, TypeError):
            return
        with self._lock:
            frame = self._frames.get(message_id)
        if frame is not None:
            frame.codes.append(code)
            frame.acked.set()

    async def _send(self, frame: Frame) -> None:
        with self._lock:
            connection = self._connections[-1] if self._connections else None
        if connection is None or frame.sends >= RETRIES:
            return
        frame.sends += 1
        frame.last_sent = time.monotonic()
        try:
            await connection.send(json.dumps(frame.body, ensure_ascii=False))
        except Exception:  # noqa: BLE001 - the connection went away: sent again later
            pass

    async def _retry(self) -> None:
        while True:
            await asyncio.sleep(self.retry_every / 4)
            now = time.monotonic()
            for frame in self.frames():
                if not frame.settled and now - frame.last_sent >= self.retry_every:
                    await self._send(frame)

    async def _ping(self) -> None:
        while True:
            await asyncio.sleep(self.ping_every)
            with self._lock:
                connections = list(self._connections)
            for connection in connections:
                body = {"specVersion": "1.0", "type": "SYSTEM",
                        "headers": {"contentType": "application/json", "topic": "ping",
                                    "messageId": f"ping_{next(self._serial)}",
                                    "time": str(int(self.config.clock() * 1000))},
                        "data": json.dumps({"opaque": uuid.uuid4().hex})}
                try:
                    await connection.send(json.dumps(body))
                except Exception:  # noqa: BLE001
                    pass


def gateway() -> StreamGateway:
    """The running app's gateway."""
    return current_app.extensions["dingtalk_gateway"]


def _start(setup: BlueprintSetupState) -> None:
    state: SandboxState = setup.app.extensions["sandbox"]
    started = StreamGateway(state.config)
    setup.app.extensions["dingtalk_gateway"] = started
    state.on_close(started.close)


bp.record_once(_start)


@bp.post("/v1.0/gateway/connections/open")
def open_connection() -> Any:
    """DingTalk's gateway: credentials in, a WebSocket endpoint and a one-time ticket out."""
    state: SandboxState = current_app.extensions["sandbox"]
    body = request.get_json(silent=True) or {}
    config = state.config
    if body.get("clientId") != config.app_key or body.get("clientSecret") != config.app_secret:
        state.log_call({"method": "POST", "path": request.path, "status": 401,
                        "code": "InvalidAuthentication"})
        return jsonify({"code": "InvalidAuthentication", "message": "clientId or clientSecret "
                        "is invalid", "requestid": uuid.uuid4().hex}), 401
    state.log_call({"method": "POST", "path": request.path, "status": 200})
    return jsonify({"endpoint": f"ws://127.0.0.1:{gateway().port}/connect",
                    "ticket": gateway().ticket()})


@bp.post("/sandbox/control/drop-socket")
def drop_socket() -> Any:
    return jsonify({"status": 1, "dropped": gateway().drop()})


@bp.post("/sandbox/control/redeliver")
def redeliver() -> Any:
    """Push frames again: `{"messageId": …}` or `{"last": n}`; answers their ACK codes."""
    body = request.get_json(silent=True) or {}
    if isinstance(body.get("messageId"), str):
        ids = [body["messageId"]]
    elif isinstance(body.get("last"), int):
        ids = gateway().last(body["last"])
    else:
        return jsonify({"status": 0, "error": "give messageId or last"}), 400
    frames = gateway().redeliver(ids)
    codes = []
    for frame in frames:
        frame.acked.wait(ACK_WAIT)
        codes.append(frame.codes[-1] if frame.acked.is_set() and frame.codes else None)
    return jsonify({"status": 1, "redelivered": [f.message_id for f in frames],
                    "codes": codes})


@bp.get("/sandbox/control/frames")
def frames() -> Any:
    """Every frame pushed, with its deliveries and the ACK codes received (tests)."""
    return jsonify({"frames": [{"messageId": f.message_id, "topic": f.body["headers"]["topic"],
                                "type": f.body["type"], "sends": f.sends, "codes": f.codes}
                               for f in gateway().frames()],
                    "connects": gateway().connects, "live": gateway().live()})
