"""The domain's `Channel` port implemented on the WeCom API."""

import base64
import hashlib
from typing import Any

import requests
from wechatpy.exceptions import WeChatClientException

from integrations.wecom.api import WeComApi
from integrations.wecom.cards import template_card
from integrations.wecom.directory import snapshot_from
from integrations.wecom.limits import LIMITS
from tasks.messaging.channel import (
    Card,
    ChannelLimits,
    Delivery,
    DeliveryError,
    DirectorySnapshot,
)

TEXT_LIMIT = LIMITS.text_bytes  # bytes; WeCom truncates longer text silently
ROBOT_MARKDOWN_LIMIT = 4096  # bytes of a group robot's markdown
ROBOT_TIMEOUT = 10.0  # seconds for one webhook call
RETRYABLE = {-1: None, 45009: 60.0, 45033: 5.0}  # errcode → minimum wait before retrying
# seconds WeCom remembers a request sent with enable_duplicate_check: its maximum, 4 h
DUPLICATE_CHECK_INTERVAL = 14400


class WeComChannel:
    """Sends texts and cards to members of one WeCom app, and reads its directory.

    Group posts go through group robots (群机器人): the group key is a robot's webhook key.
    A card's update handle is WeCom's single-use ResponseCode.
    """

    limits: ChannelLimits = LIMITS

    def __init__(self, api: WeComApi, agent_id: int):
        self.api = api
        self.agent_id = agent_id

    def send_text(self, to: str, text: str, *, markdown: bool = False,
                  dedupe: bool = False) -> Delivery:
        """Send a text; with `dedupe`, WeCom drops an identical request for 4 hours.

        WeCom compares the request JSON, which is built here from the arguments alone (no
        timestamp, no nonce; the token travels in the query), so a resend of the same
        outbox row is the same request.
        """
        msgtype = "markdown" if markdown else "text"
        message = {"msgtype": msgtype, msgtype: {"content": fit_bytes(text)}}
        result = self._send(to, _keyed(message, dedupe))
        return Delivery(message_id=result.get("msgid"))

    def send_card(self, to: str, card: Card) -> Delivery:
        result = self._send(to, {"msgtype": "template_card", "template_card": template_card(card)})
        return Delivery(message_id=result.get("msgid"), update_handle=result.get("response_code"))

    def upload_image(self, png: bytes) -> str:
        """Upload the picture as temporary media, valid 3 days (media/upload)."""
        upload = self._request("post", "media/upload", params={"type": "image"},
                               files={"media": ("chart.png", png, "image/png")})
        media_id = upload.get("media_id")
        if not media_id:
            raise DeliveryError("WeCom media/upload returned no media_id", retryable=True)
        return str(media_id)

    def send_image(self, to: str, media_id: str, *, dedupe: bool = False) -> Delivery:
        message = {"msgtype": "image", "image": {"media_id": media_id}}
        result = self._send(to, _keyed(message, dedupe))
        return Delivery(message_id=result.get("msgid"))

    def post_to_group(self, group_key: str, markdown: str) -> Delivery:
        """Post through the group's robot, whose webhook key is `group_key`."""
        content = fit_bytes(markdown, ROBOT_MARKDOWN_LIMIT)
        self._webhook(group_key, {"msgtype": "markdown", "markdown": {"content": content}})
        return Delivery()

    def post_image_to_group(self, group_key: str, png: bytes) -> Delivery:
        """A robot takes the picture inline: base64 of the bytes and their md5 (hex)."""
        image = {"base64": base64.b64encode(png).decode("ascii"),
                 "md5": hashlib.md5(png).hexdigest()}  # WeCom's checksum, not security
        self._webhook(group_key, {"msgtype": "image", "image": image})
        return Delivery()

    def update_card(self, to: str, card: Card, handle: str) -> None:
        """`handle` is the ResponseCode WeCom gave with the card or with a click on it."""
        self._call("message/update_template_card", {
            "userids": [to],
            "agentid": self.agent_id,
            "response_code": handle,
            "template_card": template_card(card),
        })

    def fetch_directory(self) -> DirectorySnapshot:
        departments = self._get("department/list", {}).get("department", [])
        roots = [d for d in departments
                 if d.get("parentid") not in {x["id"] for x in departments}]
        users: dict[str, dict[str, Any]] = {}
        for root in roots:
            listing = self._get("user/list", {"department_id": root["id"], "fetch_child": 1})
            for user in listing.get("userlist", []):
                users.setdefault(user["userid"], user)
        return snapshot_from(departments, list(users.values()))

    def _send(self, to: str, message: dict[str, Any]) -> dict[str, Any]:
        result = self._call("message/send", {"touser": to, "agentid": self.agent_id, **message})
        if to in (result.get("invaliduser") or "").split("|"):
            raise DeliveryError(f"收件人 {to} 不在应用可见范围内 (invaliduser)", retryable=False)
        return result

    def _call(self, endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
        return self._request("post", endpoint, data=data)

    def _get(self, endpoint: str, params: dict[str, Any]) -> dict[str, Any]:
        return self._request("get", endpoint, params=params)

    def _webhook(self, robot_key: str, message: dict[str, Any]) -> None:
        """POST to the group robot's webhook: no access_token, the key is the credential."""
        url = self.api.API_BASE_URL + "webhook/send"
        try:
            response = requests.post(url, params={"key": robot_key}, json=message,
                                     timeout=ROBOT_TIMEOUT)
            response.raise_for_status()
            result = response.json()
        except requests.RequestException as error:
            raise DeliveryError(f"robot network: {type(error).__name__}",
                                retryable=True) from error
        except ValueError as error:
            raise DeliveryError("robot webhook answered no JSON", retryable=True) from error
        if not isinstance(result, dict):
            raise DeliveryError("robot webhook answered no JSON object", retryable=True)
        code = result.get("errcode")
        if code != 0:
            reason = f"WeCom robot errcode {code}: {result.get('errmsg', '')}"[:500]
            known = code if isinstance(code, int) else None
            raise DeliveryError(reason, retryable=known in RETRYABLE,
                                retry_after=RETRYABLE.get(known) if known is not None else None)

    def _request(self, method: str, endpoint: str, **kwargs: Any) -> dict[str, Any]:
        """One API call, with WeCom's and the network's failures told apart as retryable."""
        try:
            return getattr(self.api, method)(endpoint, **kwargs)
        except WeChatClientException as error:
            raise _delivery_error(error) from error
        except requests.RequestException as error:
            raise DeliveryError(f"network: {type(error).__name__}", retryable=True) from error


def _delivery_error(error: WeChatClientException) -> DeliveryError:
    code = error.errcode
    reason = f"WeCom errcode {code}: {error.errmsg}" if code is not None else "WeCom HTTP error"
    if code is None or code in RETRYABLE:
        return DeliveryError(reason, retryable=True, retry_after=RETRYABLE.get(code))
    return DeliveryError(reason, retryable=False)


def fit_bytes(text: str, limit: int = TEXT_LIMIT) -> str:
    """Cut text to WeCom's byte limit on a character boundary, marking the cut."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "…"


def _keyed(message: dict[str, Any], dedupe: bool) -> dict[str, Any]:
    """With `dedupe`, ask WeCom to drop the same request JSON for the next 4 hours."""
    if not dedupe:
        return message
    return message | {"enable_duplicate_check": 1,
                      "duplicate_check_interval": DUPLICATE_CHECK_INTERVAL}
