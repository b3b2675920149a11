"""DingTalk's http-mode URLs: verify, store in the inbox, signal the workers, answer at once.

The web side of the `dingtalk` platform (`integrations.dingtalk.platform.PLATFORM.blueprint`),
registered by the app factory when DingTalk is served. In stream mode (the default) these
URLs stay registered but DingTalk does not call them; `mashangban dingtalk-stream` receives.

- `POST /dingtalk/callback`: robot messages, signed in headers `timestamp` + `sign`;
- `POST /dingtalk/card`: card clicks (the card callback URL registered in http mode), signed
  the same way;
- `POST /dingtalk/events`: the encrypted event subscription (contacts, `check_url`),
  answered with the encrypted `success` well inside DingTalk's 1,500 ms.

The same discipline as `webapp/wecom.py`: nothing refused is stored; store, one Redis round
trip, answer; 503 when storage is down (DingTalk delivers again); 400 for what no retry could
store. DingTalk's `sign` covers the timestamp, not the body, so a captured signed request
could carry another body within the freshness window: the first body a sign carried is
recorded in Redis, and the same sign with another body is refused 403 (the same body again
is a no-op, the inbox's unique key).
"""

import hashlib
import logging
from collections.abc import Callable

import redis
from flask import Blueprint, Response, current_app, jsonify, request

from integrations.dingtalk.callback import CallbackRefused
from integrations.dingtalk.platform import CALLBACK_PATH, CARD_PATH, EVENTS_PATH
from tasks.messaging.inbound import Inbound
from tasks.messaging.inbox import Unstorable
from webapp.errors import unexpected
from webapp.metrics import mark_duplicate
from workers.receiver import wake
from workers.runtime import Runtime

PLATFORM = "dingtalk"
blueprint = Blueprint("dingtalk", __name__)
blueprint.register_error_handler(Exception, unexpected)  # a logged 400, never a 500
log = logging.getLogger(__name__)
SEEN_SIGN = "mashangban:dingtalk:sign:"


@blueprint.post(CALLBACK_PATH)
def robot_message() -> Response:
    """A robot message: stored once, answered an empty JSON 200."""
    return _signed(lambda rt, body: rt.verifiers[PLATFORM].robot_message(
        request.headers, body, rt.clock()))


@blueprint.post(CARD_PATH)
def card_click() -> Response:
    """A card click in http mode: stored once, answered an empty JSON 200."""
    return _signed(lambda rt, body: rt.verifiers[PLATFORM].card_action(
        request.headers, body, rt.clock()))


@blueprint.post(EVENTS_PATH)
def events() -> Response:
    """An event push: verified and decrypted, each change stored, `success` answered."""
    rt = _runtime()
    now = rt.clock()
    verifier = rt.verifiers[PLATFORM]
    try:
        _event_type, messages = verifier.events(request.args, request.get_data(cache=False), now)
    except CallbackRefused as refused:
        return _refuse(refused)
    failure = _store(rt, messages)
    if failure is not None:
        return failure
    response = jsonify(verifier.success(now))
    return response


def _signed(decode: Callable[[Runtime, bytes], Inbound | None]) -> Response:
    rt = _runtime()
    body = request.get_data(cache=False)
    try:
        message = decode(rt, body)
    except CallbackRefused as refused:
        return _refuse(refused)
    if not _claim_sign(rt, request.headers["sign"], body):
        return _refuse(CallbackRefused(403, "signature already used for another body"))
    failure = _store(rt, [message] if message is not None else [])
    return failure if failure is not None else jsonify({})


def _store(rt: Runtime, messages: list[Inbound]) -> Response | None:
    """Store each message, then wake a worker in one round trip; an error answer or None."""
    now = rt.clock()
    stored = False
    for message in messages:
        try:
            stored = rt.inboxes[PLATFORM].store(message, now=now) or stored
        except Unstorable as error:  # no retry could store it: say so, once and for all
            return _refuse(CallbackRefused(400, str(error)))
        except Exception:  # storage down: DingTalk delivers again on anything but 200
            log.exception("could not store a DingTalk callback")
            return Response("storage unavailable", status=503)
    if stored:
        wake(rt)  # without Redis the message is safe and the sweep wakes a worker
    elif messages:
        mark_duplicate()
    return None


def _claim_sign(rt: Runtime, sign: str, body: bytes) -> bool:
    """True unless this sign already carried another body (one round trip).

    Fails open without Redis (down or frozen): the request is still verified and fresh,
    and a replay of the same body stores nothing twice."""
    digest = hashlib.sha256(body).hexdigest()
    try:
        pipeline = rt.web_redis.pipeline(transaction=False)
        pipeline.set(SEEN_SIGN + sign, digest, nx=True, ex=rt.settings.callback_max_age * 2)
        pipeline.get(SEEN_SIGN + sign)
        _claimed, first = pipeline.execute()
    except redis.RedisError:
        log.warning("Redis unavailable: DingTalk callback answered without its replay check")
        return True
    return first is None or first.decode() == digest


def _refuse(refused: CallbackRefused) -> Response:
    log.info("DingTalk callback refused: %s", refused.reason)
    return Response(refused.reason, status=refused.status, mimetype="text/plain")


def _runtime() -> Runtime:
    return current_app.extensions["mashangban"]
