"""The WeCom callback URL: verify, store in the inbox, signal the workers, answer at once."""

import logging

import redis
from flask import Blueprint, Response, current_app, request

from integrations.wecom.callback import CallbackRefused
from tasks import inbox
from workers import signals
from workers.runtime import Runtime

blueprint = Blueprint("wecom", __name__)
log = logging.getLogger(__name__)
SEEN_SIGNATURE = "mashangban:wecom:sig:"


@blueprint.get("/wecom/callback")
def verify_url() -> Response:
    """WeCom's URL check when an admin saves the callback settings: echo the plaintext."""
    rt = _runtime()
    try:
        echo = rt.verifier.verify_url(request.args, rt.clock())
    except CallbackRefused as refused:
        return _refuse(refused)
    return Response(echo, mimetype="text/plain")


@blueprint.post("/wecom/callback")
def receive() -> Response:
    """Store a genuine message once and answer an empty 200 well inside WeCom's 5 seconds.

    The hot path is one AES decryption, one Redis round trip before the insert (the
    replay check, which also records the signature), one Core insert, and one pipelined
    round trip after the commit to wake a worker.
    """
    rt = _runtime()
    now = rt.clock()
    try:
        message = rt.verifier.decode(request.args, request.get_data(cache=False), now)
        signature = request.args["msg_signature"]
        _claim_signature(rt, signature)
    except CallbackRefused as refused:
        return _refuse(refused)
    if message is not None:
        try:
            with rt.engine.begin() as connection:
                inbox.store(connection, "wecom", message, now=now)
        except Exception:  # storage down: WeCom retries on anything but 200
            log.exception("could not store a callback")
            _forget_signature(rt, signature)  # let WeCom's retry of this request through
            return Response("storage unavailable", status=503)
        _wake_workers(rt)
    return Response("", status=200)


def _claim_signature(rt: Runtime, signature: str) -> None:
    """Refuse a signature seen before (a replay); the inbox key stops duplicates anyway,
    so without Redis the request is still safe to accept."""
    try:
        first = rt.redis.set(SEEN_SIGNATURE + signature, "1", nx=True,
                             ex=rt.settings.callback_max_age * 2)
    except redis.RedisError:
        log.warning("Redis unavailable: replay check skipped")
        return
    if not first:
        raise CallbackRefused(403, "replayed signature")


def _forget_signature(rt: Runtime, signature: str) -> None:
    try:
        rt.redis.delete(SEEN_SIGNATURE + signature)
    except redis.RedisError:
        log.warning("Redis unavailable: could not forget signature")


def _wake_workers(rt: Runtime) -> None:
    """Signal the workers after the commit; if Redis is down the sweep finds the row."""
    try:
        signals.request_processing(rt.redis, rt.queue)
    except redis.RedisError:
        log.warning("Redis unavailable: message stored, processing left to the sweep")


def _refuse(refused: CallbackRefused) -> Response:
    log.info("callback refused: %s", refused.reason)
    return Response(refused.reason, status=refused.status, mimetype="text/plain")


def _runtime() -> Runtime:
    return current_app.extensions["mashangban"]
