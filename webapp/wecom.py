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
    """Store a genuine message once and answer an empty 200 well inside WeCom's 5 seconds."""
    rt = _runtime()
    now = rt.clock()
    try:
        message = rt.verifier.decode(request.args, request.get_data(cache=False), now)
        _refuse_replay(rt, request.args.get("msg_signature", ""))
    except CallbackRefused as refused:
        return _refuse(refused)
    if message is not None:
        with rt.engine.begin() as connection:
            inbox.store(connection, "wecom", message, now=now)
        _after_commit(rt, request.args["msg_signature"])
    return Response("", status=200)


def _refuse_replay(rt: Runtime, signature: str) -> None:
    """A signature we already acted on is a replay; duplicates by message id are handled
    by the inbox. Without Redis the inbox alone still keeps a replay from acting twice."""
    try:
        seen = rt.redis.exists(SEEN_SIGNATURE + signature)
    except redis.RedisError:
        log.warning("Redis unavailable: replay check skipped")
        return
    if seen:
        raise CallbackRefused(403, "replayed signature")


def _after_commit(rt: Runtime, signature: str) -> None:
    """Remember the signature and wake a worker; if Redis is down the sweep does it later."""
    try:
        rt.redis.set(SEEN_SIGNATURE + signature, "1", ex=rt.settings.callback_max_age * 2)
        signals.request_processing(rt.redis, rt.queue)
    except redis.RedisError:
        log.warning("Redis unavailable: message stored, processing left to the sweep")


def _refuse(refused: CallbackRefused) -> Response:
    log.info("callback refused: %s", refused.reason)
    return Response(refused.reason, status=refused.status, mimetype="text/plain")


def _runtime() -> Runtime:
    return current_app.extensions["mashangban"]
