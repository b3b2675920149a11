"""Pictures: temporary media upload (media/upload), image messages, and group robots.

WeCom's rules as the sandbox applies them: an upload is multipart/form-data with the file
in the field `media` and `type` in the query; an image must be a JPG or PNG of 5 B to
10 MB and is usable for 3 days. A group robot (webhook/send?key=) needs no access_token,
takes text, markdown (≤ 4096 bytes) and image (base64 of a JPG/PNG ≤ 2 MB, with the md5 of
the bytes), and refuses more than 20 messages a minute.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from flask import request

from .cards import InvalidPayload
from .state import SandboxState
from .web import read_json_object, wecom_error

MEDIA_TYPES = ("image", "voice", "video", "file")
MEDIA_MAX_BYTES = {"image": 10 * 1024 * 1024, "voice": 2 * 1024 * 1024,
                   "video": 10 * 1024 * 1024, "file": 20 * 1024 * 1024}
MEDIA_MIN_BYTES = 5
ROBOT_IMAGE_MAX_BYTES = 2 * 1024 * 1024
ROBOT_TEXT_MAX_BYTES = {"text": 2048, "markdown": 4096}


def image_format(data: bytes) -> str | None:
    """'png' or 'jpg' from the file's magic bytes; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    return None


def media_upload(state: SandboxState) -> dict[str, Any]:
    """POST /cgi-bin/media/upload?type=image (multipart, file field `media`)."""
    media_type = request.args.get("type", "")
    if media_type not in MEDIA_TYPES:
        return wecom_error(40004, "type must be image, voice, video or file")
    upload = request.files.get("media")
    if upload is None:
        return wecom_error(41005, "multipart field 'media' required")
    data = upload.read()
    if not data:
        return wecom_error(44001)
    if len(data) < MEDIA_MIN_BYTES or len(data) > MEDIA_MAX_BYTES[media_type]:
        return wecom_error(40006)
    if media_type == "image" and image_format(data) is None:
        return wecom_error(40005, "an image must be JPG or PNG")
    media_id, created_at = state.store_media(media_type, data)
    return {"errcode": 0, "errmsg": "ok", "type": media_type, "media_id": media_id,
            "created_at": str(created_at)}


def image_entry(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    """The transcript entry of a message/send with msgtype image; raises InvalidPayload."""
    part = body.get("image")
    media_id = part.get("media_id") if isinstance(part, dict) else None
    if not isinstance(media_id, str) or not media_id:
        raise InvalidPayload("image.media_id required", 41006)
    media = state.media(media_id, for_sending=True)
    if media is None or media.media_type != "image":
        raise InvalidPayload("unknown or expired media_id", 40007)
    return {"from": "app", "msgtype": "image", "media_id": media_id}


def webhook_send(state: SandboxState) -> dict[str, Any]:
    """POST /cgi-bin/webhook/send?key=KEY: a group robot posts to its group chat."""
    key = request.args.get("key", "")
    if not key:
        return wecom_error(93000, "key missing")
    body = read_json_object()
    if body is None:
        return wecom_error(47001)
    try:
        entry = _robot_entry(state, body)
    except InvalidPayload as exc:
        return wecom_error(exc.errcode, exc.detail)
    errcode = state.robot_post(key, entry)
    return wecom_error(errcode) if errcode else {"errcode": 0, "errmsg": "ok"}


def _robot_entry(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    msgtype = body.get("msgtype")
    if msgtype in ROBOT_TEXT_MAX_BYTES:
        part = body.get(msgtype)
        content = part.get("content") if isinstance(part, dict) else None
        if not isinstance(content, str) or not content.strip():
            raise InvalidPayload("content is empty", 44004)
        if len(content.encode("utf-8")) > ROBOT_TEXT_MAX_BYTES[msgtype]:
            raise InvalidPayload("content too long", 45002)
        return {"msgtype": msgtype, "content": content}
    if msgtype == "image":
        data = _robot_image(body.get("image"))
        media_id, _ = state.store_media("image", data)
        return {"msgtype": "image", "media_id": media_id}
    raise InvalidPayload(f"msgtype {msgtype!r} not supported by the sandbox robot", 40008)


def _robot_image(part: Any) -> bytes:
    """The picture of a robot image message, checked against its md5 and WeCom's limits.

    WeCom does not document the code for a wrong md5 or a bad picture; the sandbox answers
    40058 (invalid parameter).
    """
    if not isinstance(part, dict) or not isinstance(part.get("base64"), str) \
            or not isinstance(part.get("md5"), str):
        raise InvalidPayload("image.base64 and image.md5 required", 40058)
    try:
        data = base64.b64decode(part["base64"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidPayload("image.base64 is not base64", 40058) from exc
    if hashlib.md5(data).hexdigest() != part["md5"].lower():
        raise InvalidPayload("image.md5 does not match the picture", 40058)
    if not data or len(data) > ROBOT_IMAGE_MAX_BYTES or image_format(data) is None:
        raise InvalidPayload("image must be a JPG or PNG of at most 2 MB", 40058)
    return data
