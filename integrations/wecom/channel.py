"""The domain's `Channel` port implemented on the WeCom API."""

import base64
import hashlib
from typing import Any

import requests
from wechatpy.exceptions import WeChatClientException

from integrations.wecom.api import WeComApi
from integrations.wecom.cards import template_card
from integrations.wecom.directory import NOT_FOUND, department_from, member_from, snapshot_from
from integrations.wecom.limits import (
    API_TIMEOUT,
    CONTENT_BYTES,
    DUPLICATE_CHECK_INTERVAL,
    LIMITS,
)
from integrations.wecom.marks import DIGITS, MARK_BYTES, row_mark
from tasks.messaging.channel import (
    Card,
    ChannelLimits,
    Delivery,
    DeliveryError,
    DirectoryDepartment,
    DirectoryMember,
    DirectorySnapshot,
)

ROBOT_MARKDOWN_LIMIT = 4096  # bytes of a group robot's markdown
ROBOT_TIMEOUT = API_TIMEOUT  # for one webhook call
RETRYABLE = {-1: None, 45009: 60.0, 45033: 5.0}  # errcode → minimum wait before retrying
# "taskid has existed or empty or exceed max len": our card ids are never empty or long,
# so for us it means a card with this task_id was accepted before.
TASK_ID_TAKEN = 42014


class WeComChannel:
    """Sends texts and cards to members of one WeCom app, and reads its directory.

    A keyed send (`key`, the outbox row's id) carries WeCom's duplicate check for 4 hours;
    its request is built from the arguments alone (no timestamp, no nonce; the token travels
    in the query), so a resend of the same row is the same request and WeCom drops it. A
    text sent as a `repeat` ends with the row's invisible mark (`marks.py`), so two rows
    with the same text are two requests; a card is told apart by its task_id, an image by
    its media_id. Group posts go through group robots (群机器人): the group key is a robot's
    webhook key, and robots have no duplicate check. A card's update handle is WeCom's
    single-use ResponseCode.
    """

    limits: ChannelLimits = LIMITS

    def __init__(self, api: WeComApi, agent_id: int):
        self.api = api
        self.agent_id = agent_id

    def send_text(self, to: str, text: str, *, markdown: bool = False,
                  key: int | None = None, repeat: bool = False) -> Delivery:
        """Send a text; keyed, WeCom drops a resend; a repeat ends with the key's mark."""
        msgtype = "markdown" if markdown else "text"
        content = marked(text, key) if key is not None and repeat else fit_bytes(
            unmarked(text), CONTENT_BYTES)
        message = {"msgtype": msgtype, msgtype: {"content": content}}
        result = self._send(to, _keyed(message, key))
        return Delivery(message_id=result.get("msgid"))

    def send_card(self, to: str, card: Card, *, key: int | None = None) -> Delivery:
        """Send a card. If WeCom answers that its task_id is taken, a card with that id was
        accepted before: on a resend, the earlier attempt (`delivered_before`)."""
        message = {"msgtype": "template_card", "template_card": template_card(card)}
        try:
            result = self._send(to, _keyed(message, key))
        except WeComError as error:
            if error.code != TASK_ID_TAKEN:
                raise
            raise DeliveryError(error.reason, retryable=False, delivered_before=True) from error
        return Delivery(message_id=result.get("msgid"), update_handle=result.get("response_code"))

    def upload_image(self, png: bytes) -> str:
        """Upload the picture as temporary media, valid 3 days (media/upload)."""
        upload = self._request("post", "media/upload", params={"type": "image"},
                               files={"media": ("chart.png", png, "image/png")})
        media_id = upload.get("media_id")
        if not media_id:
            raise DeliveryError("WeCom media/upload returned no media_id", retryable=True)
        return str(media_id)

    def send_image(self, to: str, media_id: str, *, key: int | None = None) -> Delivery:
        """Send an uploaded picture; each row uploads its own, so its media_id tells it apart."""
        message = {"msgtype": "image", "image": {"media_id": media_id}}
        result = self._send(to, _keyed(message, key))
        return Delivery(message_id=result.get("msgid"))

    def post_to_group(self, group_key: str, markdown: str) -> Delivery:
        """Post through the group's robot, whose webhook key is `group_key`.

        At-least-once: a robot has no duplicate check, so a post whose answer was lost (a
        timeout) or whose sender died before recording it is posted again.
        """
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

    def fetch_member(self, userid: str) -> DirectoryMember | None:
        """user/get; a userid WeCom does not know (60111) or a member who cannot be reached
        (disabled, left: as in a full sync) is None."""
        try:
            user = self._get("user/get", {"userid": userid})
        except WeComError as error:
            if error.code in NOT_FOUND:
                return None
            raise
        return member_from(user)

    def fetch_department(self, platform_id: str) -> DirectoryDepartment | None:
        """department/list?id= (the department and its subtree); an id WeCom does not know
        (60123) is None."""
        try:
            listing = self._get("department/list", {"id": platform_id})
        except WeComError as error:
            if error.code in NOT_FOUND:
                return None
            raise
        return department_from(listing.get("department", []), platform_id)

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


class WeComError(DeliveryError):
    """A DeliveryError that keeps WeCom's errcode (None for HTTP and network failures)."""

    def __init__(self, reason: str, code: int | None, **kwargs: Any):
        super().__init__(reason, **kwargs)
        self.code = code


def _delivery_error(error: WeChatClientException) -> WeComError:
    code = error.errcode
    reason = f"WeCom errcode {code}: {error.errmsg}" if code is not None else "WeCom HTTP error"
    if code is None or code in RETRYABLE:
        return WeComError(reason, code, retryable=True, retry_after=RETRYABLE.get(code))
    return WeComError(reason, code, retryable=False)


def marked(text: str, key: int) -> str:
    """The content of a repeat: the text, fitted so that WeCom's 2048 bytes keep room for
    the key's invisible mark (`LIMITS.text_bytes` is what is left), then the mark."""
    return fit_bytes(unmarked(text), CONTENT_BYTES - MARK_BYTES) + row_mark(key)


def unmarked(text: str) -> str:
    """The text without trailing mark characters (invisible anyway), so no text can end
    like another text with a mark."""
    return text.rstrip(DIGITS)


def fit_bytes(text: str, limit: int) -> str:
    """Cut text to WeCom's byte limit on a character boundary, marking the cut."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "…"


def _keyed(message: dict[str, Any], key: int | None) -> dict[str, Any]:
    """With a key, ask WeCom to drop the same request JSON for the next 4 hours."""
    if key is None:
        return message
    return message | {"enable_duplicate_check": 1,
                      "duplicate_check_interval": DUPLICATE_CHECK_INTERVAL}
