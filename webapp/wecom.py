"""The WeCom callback URL: verify, store in the inbox, signal the workers, answer at once.

The web side of the `wecom` platform (`integrations.wecom.platform.PLATFORM.blueprint`),
registered by the app factory when WeCom is served.
"""

import logging

import redis
from flask import Blueprint, Response, current_app, request

from integrations.wecom.callback import CallbackRefused
from integrations.wecom.platform import CALLBACK_PATH
from tasks.messaging.inbox import Unstorable
from webapp.errors import unexpected
from webapp.metrics import mark_duplicate
from workers import signals
from workers.runtime import Runtime

PLATFORM = "wecom"
blueprint = Blueprint("wecom", __name__)
blueprint.register_error_handler(Exception, unexpected)  # a logged 400, never a 500
log = logging.getLogger(__name__)
SEEN_SIGNATURE = "mashangban:wecom:sig:"


@blueprint.get(CALLBACK_PATH)
def verify_url() -> Response:
    """WeCom's URL check when an admin saves the callback settings: echo the plaintext."""
    rt = _runtime()
    try:
        echo = rt.verifiers[PLATFORM].verify_url(request.args, rt.clock())
    except CallbackRefused as refused:
        return _refuse(refused)
    if not _claim_signature(rt, request.args["msg_signature"]):
        # The signature of a message we received: someone is replaying a captured POST's
        # query to make us decrypt for them.
        return _refuse(CallbackRefused(403, "signature already used"))
    return Response(echo, mimetype="text/plain")


@blueprint.post(CALLBACK_PATH)
def receive() -> Response:
    """Store a genuine message once and answer an empty 200 well inside WeCom's 5 seconds.

    The hot path is one AES decryption, one insert in its own transaction, and one
    pipelined Redis round trip after the commit that both records the signature and
    wakes a worker.
    """
    rt = _runtime()
    now = rt.clock()
    try:
        message = rt.verifiers[PLATFORM].decode(request.args, request.get_data(cache=False),
                                                now)
    except CallbackRefused as refused:
        return _refuse(refused)
    stored = False
    if message is not None:
        try:
            stored = rt.inboxes[PLATFORM].store(message, now=now)
        except Unstorable as error:  # no retry could store it: say so, once and for all
            return _refuse(CallbackRefused(400, str(error)))
        except Exception:  # storage down: WeCom retries on anything but 200
            log.exception("could not store a callback")
            return Response("storage unavailable", status=503)
    if message is not None and not stored:
        mark_duplicate()
    # A byte-identical retry of a stored message is answered 200 like the first delivery:
    # the inbox's unique key has made it a no-op, and WeCom must not see a failure for a
    # message we hold. Its signature is still claimed, so a URL check cannot reuse it.
    _after_commit(rt, request.args["msg_signature"], wake=stored)
    return Response("", status=200)


def _after_commit(rt: Runtime, signature: str, *, wake: bool) -> None:
    """Claim the signature and, for a new message, wake a worker: one round trip.

    Without Redis (down, or frozen: `rt.web_redis` gives up within 0.2 s) the message is
    safe in the inbox, the answer is still 200, and the sweep wakes a worker within
    seconds.
    """
    try:
        pipeline = rt.web_redis.pipeline(transaction=False)
        pipeline.set(SEEN_SIGNATURE + signature, "1", nx=True,
                     ex=rt.settings.callback_max_age * 2)
        if wake:
            signals.raise_flag(pipeline)
        _claimed, *flagged = pipeline.execute()
        if flagged and flagged[0]:
            signals.enqueue_processing(rt.web_queue)
    except redis.RedisError:
        log.warning("Redis unavailable: message stored, processing left to the sweep")


def _claim_signature(rt: Runtime, signature: str) -> bool:
    """True unless a request (a message, or an earlier URL check) already used it.

    Fails open: without Redis (down or frozen) the URL check is answered without its
    replay check, because it only ever echoes a short plaintext shaped like WeCom's
    (`CallbackVerifier.verify_url`), never a message.
    """
    try:
        return bool(rt.web_redis.set(SEEN_SIGNATURE + signature, "1", nx=True,
                                 ex=rt.settings.callback_max_age * 2))
    except redis.RedisError:
        log.warning("Redis unavailable: URL check answered without its replay check")
        return True


def _refuse(refused: CallbackRefused) -> Response:
    log.info("callback refused: %s", refused.reason)
    return Response(refused.reason, status=refused.status, mimetype="text/plain")


def _runtime() -> Runtime:
    return current_app.extensions["mashangban"]
