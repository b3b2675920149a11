"""Receiving over DingTalk's Stream mode with the official SDK (`dingtalk_stream`).

The product opens an outbound WebSocket (no public URL: government intranets) and DingTalk
pushes frames on it: robot messages (`/v1.0/im/bot/messages/get`), card clicks
(`/v1.0/card/instances/callback`) and events (contacts). Each frame is decoded by the same
functions as the http callbacks (`integrations.dingtalk.events`) and stored through the
`store(message) -> bool` the composition root gives (`workers.receiver`: the inbox, then a
worker woken) BEFORE its ACK:

- stored, or already stored (a redelivery: the inbox's unique key makes it a no-op): ACK 200;
- storage failed: ACK 500, so DingTalk delivers the frame again later;
- a frame DingTalk cannot have sent (`ImpossibleField`) or the inbox refuses (`Unstorable`):
  ACK 400, a definite refusal, logged by its reason, never its content.

`StreamReceiver` keeps the connection: the SDK's frame parsing, handlers, routing and ACKs,
with our own connect loop (the SDK's `start` loops forever with fixed pauses and reads its
endpoint from a module constant): the gateway is `{api_base}/v1.0/gateway/connections/open`,
a dropped connection is reopened with exponential backoff (1 s doubling to 60 s) and the gap
is logged ("stream reconnected after N s"), and `stop()` ends `run()` from any thread.
"""

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

import dingtalk_stream
import requests
import websockets
from dingtalk_stream import AckMessage, CallbackMessage, ChatbotMessage, EventMessage

from integrations.dingtalk.events import ImpossibleField, decode, stream_event_key
from integrations.dingtalk.limits import API_TIMEOUT
from tasks.messaging.inbound import Inbound
from tasks.messaging.inbox import Unstorable

log = logging.getLogger(__name__)

Store = Callable[[Inbound], bool]
ROBOT_TOPIC = ChatbotMessage.TOPIC  # /v1.0/im/bot/messages/get
CARD_TOPIC = dingtalk_stream.CallbackHandler.TOPIC_CARD_CALLBACK  # /v1.0/card/instances/callback
OPEN_PATH = "/v1.0/gateway/connections/open"
BACKOFF_FIRST, BACKOFF_LONGEST = 1.0, 60.0


async def _store_all(store: Store, messages: list[Inbound], what: str) -> tuple[int, str]:
    """Store each message (in a thread: the event loop keeps answering pings) and say
    which ACK to send."""
    try:
        for message in messages:
            await asyncio.to_thread(store, message)
    except Unstorable as error:
        log.warning("stream %s refused: %s", what, error)
        return AckMessage.STATUS_BAD_REQUEST, "unstorable"
    except Exception as error:  # noqa: BLE001 - storage down: DingTalk must deliver it again
        log.warning("stream %s not stored (%s); asking DingTalk to deliver it again", what,
                    type(error).__name__)
        return AckMessage.STATUS_SYSTEM_EXCEPTION, "storage unavailable"
    return AckMessage.STATUS_OK, "OK"


def _decode(kind: str, data: Any, delivery: str) -> list[Inbound] | str:
    try:
        return decode(kind, data, delivery)
    except ImpossibleField as error:
        return str(error)


class CallbackTopicHandler(dingtalk_stream.CallbackHandler):
    """One CALLBACK topic: robot messages (`kind` "robot": a text becomes a `TextMessage`
    keyed by its msgId) or card clicks ("card": a `CardAction`; the frame's messageId,
    kept by a redelivery, tells two presses of one button apart)."""

    def __init__(self, store: Store, kind: str, what: str) -> None:
        super().__init__()
        self.store, self.kind, self.what = store, kind, what

    async def process(self, message: CallbackMessage) -> tuple[int, str]:
        decoded = _decode(self.kind, message.data, message.headers.message_id or "")
        if isinstance(decoded, str):
            log.warning("stream %s refused: %s", self.what, decoded)
            return AckMessage.STATUS_BAD_REQUEST, decoded
        return await _store_all(self.store, decoded, self.what)


class ContactHandler(dingtalk_stream.EventHandler):
    """Every event (`EVENT` topic `*`): contact changes become `DirectoryChange`s keyed by
    the eventId; others are acknowledged and ignored."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    async def process(self, event: EventMessage) -> tuple[int, str]:
        try:
            key = stream_event_key(event.headers.event_id)
        except ImpossibleField as error:
            log.warning("stream event refused: %s", error)
            return AckMessage.STATUS_BAD_REQUEST, str(error)
        decoded = _decode(event.headers.event_type or "", event.data, key)
        if isinstance(decoded, str):
            log.warning("stream event refused: %s", decoded)
            return AckMessage.STATUS_BAD_REQUEST, decoded
        return await _store_all(self.store, decoded, "event")


class StreamReceiver(dingtalk_stream.DingTalkStreamClient):
    """The Stream connection of one app; `run()` until `stop()`.

    `clock` (monotonic seconds) measures the reconnect gap; `sleep_scale` shortens the
    backoff in tests."""

    def __init__(self, app_key: str, app_secret: str, store: Store, *, api_base: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(dingtalk_stream.Credential(app_key, app_secret), logger=log)
        self.open_url = api_base.rstrip("/") + OPEN_PATH
        self.clock = clock
        self.register_callback_handler(ROBOT_TOPIC,
                                       CallbackTopicHandler(store, "robot", "robot message"))
        self.register_callback_handler(CARD_TOPIC,
                                       CallbackTopicHandler(store, "card", "card click"))
        self.register_all_event_handler(ContactHandler(store))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task[None] | None = None
        self._stopping = threading.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.connected = threading.Event()  # set while a connection is open (tests, health)

    def open_connection(self) -> dict[str, Any] | None:
        """Ask the gateway for an endpoint and ticket (the SDK's request, with timeouts)."""
        topics = [{"type": "EVENT", "topic": "*"}] + [
            {"type": "CALLBACK", "topic": topic} for topic in self.callback_handler_map]
        body = {"clientId": self.credential.client_id,
                "clientSecret": self.credential.client_secret, "subscriptions": topics,
                "ua": "mashangban/dingtalk-stream", "localIp": ""}
        try:
            response = requests.post(self.open_url, json=body, timeout=API_TIMEOUT,
                                     headers={"Accept": "application/json"})
            response.raise_for_status()
            answer = response.json()
        except (requests.RequestException, ValueError) as error:
            log.warning("stream gateway refused or unreachable: %s", type(error).__name__)
            return None
        if not isinstance(answer, dict) or "endpoint" not in answer or "ticket" not in answer:
            log.warning("stream gateway answered without endpoint and ticket")
            return None
        return answer

    def run(self) -> None:
        """Receive until `stop()`."""
        try:
            asyncio.run(self._run())
        except asyncio.CancelledError:
            pass

    def stop(self) -> None:
        """End `run()` (from any thread, e.g. a SIGTERM handler). Frames being stored are
        abandoned unacknowledged: DingTalk delivers them again, and the inbox keeps one."""
        self._stopping.set()
        loop, main = self._loop, self._main
        if loop is not None and main is not None:
            try:
                loop.call_soon_threadsafe(main.cancel)
            except RuntimeError:  # the loop already ended
                pass

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._main = asyncio.current_task()
        if self._stopping.is_set():
            return
        self.pre_start()
        backoff, lost_at = BACKOFF_FIRST, None
        while not self._stopping.is_set():
            connection = await asyncio.to_thread(self.open_connection)
            if connection:
                uri = f'{connection["endpoint"]}?ticket={quote_plus(str(connection["ticket"]))}'
                try:
                    async with websockets.connect(uri, open_timeout=API_TIMEOUT[0]) as socket:
                        if lost_at is not None:
                            log.warning("stream reconnected after %.1f s", self.clock() - lost_at)
                        else:
                            log.info("stream connected")
                        lost_at, backoff = None, BACKOFF_FIRST
                        await self._receive(socket)
                except (TimeoutError, OSError, websockets.exceptions.WebSocketException) as error:
                    log.warning("stream connection lost: %s", type(error).__name__)
                finally:
                    self.connected.clear()
            if self._stopping.is_set():
                break
            if lost_at is None:
                lost_at = self.clock()
                log.warning("stream disconnected; reconnecting")
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_LONGEST)

    async def _receive(self, socket: Any) -> None:
        self.websocket = socket
        self.connected.set()
        keepalive = asyncio.create_task(self.keepalive(socket))
        try:
            async for raw in socket:
                try:
                    frame = json.loads(raw)
                except ValueError:
                    log.warning("stream frame is not JSON; ignored")
                    continue
                task = asyncio.create_task(self.background_task(frame))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        finally:
            keepalive.cancel()
