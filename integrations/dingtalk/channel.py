"""The domain's `Channel` port implemented on DingTalk's OpenAPI (the app's robot)."""

from __future__ import annotations

import json
import re
from collections import deque
from typing import Any

from integrations.dingtalk.api import DingTalkApi, DingTalkError
from integrations.dingtalk.cards import TEMPLATE, card_data
from integrations.dingtalk.directory import (
    ROOT_DEPARTMENT_ID,
    department_from,
    member_from,
    snapshot_from,
)
from integrations.dingtalk.limits import CONTENT_BYTES, LIMITS
from tasks.markup import unlinked
from tasks.messaging.channel import (
    Card,
    ChannelLimits,
    Delivery,
    DeliveryError,
    DirectoryDepartment,
    DirectoryMember,
    DirectorySnapshot,
)

BATCH_SEND = "/v1.0/robot/oToMessages/batchSend"
GROUP_SEND = "/v1.0/robot/groupMessages/send"
CARD_SEND = "/v1.0/im/v1.0/robot/interactiveCards/send"
CARD_UPDATE = "/v1.0/im/robots/interactiveCards"
# 注册互动卡片回调地址: tells DingTalk the URL card clicks may be POSTed to, with the
# api_secret it authenticates them with (the robot card itself names the URL: callbackUrl)
CARD_CALLBACK_REGISTER = "/topapi/im/chat/scencegroup/interactivecard/callback/register"
USER_PAGE = 100  # topapi/v2/user/list: size at most 100
NO_SUCH_DEPARTMENT = 60003
NO_SUCH_USER = 60121
# A person DingTalk held back (flowControlledStaffIdList) is tried again after a minute.
FLOW_CONTROL_WAIT = 60.0
# A rate-limited group post is tried again after a minute. DingTalk's 调用频次与限流 makes
# its QPS limits last a second; the wait is for a per-group pace ("20 a minute", from the
# custom-robot page, not verified for an app's robot) and costs a summary little.
GROUP_MINUTE = 60.0
TITLE_CHARS = 20  # a markdown message's title: what the conversation list and alerts show
_MARKUP = re.compile(r"[#>*_`\[\]()!]|<[^>]*>")


class DingTalkChannel:
    """Sends to members of one DingTalk organisation through the app's robot, and reads its
    directory.

    At-least-once: DingTalk has no duplicate check for robot messages, so a send whose
    answer was lost (a timeout) or whose sender died before recording it arrives twice when
    it is sent again; `limits.duplicate_window` is zero and `key`/`repeat` change nothing.
    A card is the exception: it is sent with its card id as `cardBizId`, and a card id
    already shown to that person is not shown again (DingTalk keys the card by it), and its
    update handle is that same cardBizId, valid for every later update. Group posts go to
    the group's openConversationId (the group key), with the same robot.
    """

    limits: ChannelLimits = LIMITS

    def __init__(self, api: DingTalkApi, robot_code: str, *, card_url: str | None = None):
        """`card_url`: the `callbackUrl` cards carry (http mode: DingTalk POSTs their clicks
        there, once it is registered with `register_card_callback`); None in stream mode,
        where clicks arrive over the Stream connection."""
        self.api = api
        self.robot_code = robot_code
        self.card_url = card_url

    # -- to one person -------------------------------------------------------------------
    def send_text(self, to: str, text: str, *, markdown: bool = False,
                  key: int | None = None, repeat: bool = False) -> Delivery:
        """A text (sampleText) or markdown (sampleMarkdown, titled by its first line).

        A text's links (WeCom's `<a href>`, which the domain writes) become `label：url`:
        sampleText shows no markup, and DingTalk makes a bare address clickable."""
        content = fit_bytes(text if markdown else unlinked(text), CONTENT_BYTES)
        if markdown:
            return self._one_to_one(to, "sampleMarkdown",
                                    {"title": markdown_title(content), "text": content})
        return self._one_to_one(to, "sampleText", {"content": content})

    def send_card(self, to: str, card: Card, *, key: int | None = None) -> Delivery:
        """Send a StandardCard to one person; the card id is its cardBizId, which every
        later update names (the update handle)."""
        body = {
            "cardTemplateId": TEMPLATE,
            "cardBizId": card.card_id,
            "robotCode": self.robot_code,
            "cardData": json.dumps(card_data(card), ensure_ascii=False),
            "singleChatReceiver": json.dumps({"userId": to}),
        }
        if self.card_url:
            body["callbackUrl"] = self.card_url
        answer = self._call("POST", CARD_SEND, body)
        return Delivery(message_id=_text(answer.get("processQueryKey")),
                        update_handle=card.card_id)

    def register_card_callback(self, url: str) -> None:
        """Register `url` as where DingTalk POSTs card clicks (http mode; `mashangban
        dingtalk-card-callback`), with the AppSecret as the `api_secret` ("加密密钥用于校验
        来源"), which is what `/dingtalk/card` checks. `forceUpdate` replaces an earlier
        registration; no callbackRouteKey: the robot card names its URL itself."""
        self.api.oapi(CARD_CALLBACK_REGISTER, {
            "callback_url": url, "api_secret": self.api.app_secret, "forceUpdate": True})

    def update_card(self, to: str, card: Card, handle: str) -> None:
        """Redraw the card whose cardBizId is `handle` for everyone who has it."""
        self._call("PUT", CARD_UPDATE, {
            "cardBizId": handle,
            "cardData": json.dumps(card_data(card), ensure_ascii=False),
        })

    def upload_image(self, png: bytes) -> str:
        """Upload the picture as temporary media (older API media/upload). `type` is a
        form field beside the file, as DingTalk's SDKs send it."""
        answer = self._oapi("/media/upload", form={"type": "image"},
                            files={"media": ("chart.png", png, "image/png")})
        media_id = answer.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise DeliveryError("DingTalk media/upload returned no media_id", retryable=True)
        return media_id

    def send_image(self, to: str, media_id: str, *, key: int | None = None) -> Delivery:
        """sampleImageMsg takes the media id as its photoURL."""
        return self._one_to_one(to, "sampleImageMsg", {"photoURL": media_id})

    # -- to a group ----------------------------------------------------------------------
    def post_to_group(self, group_key: str, markdown: str) -> Delivery:
        """Post markdown to the group whose openConversationId is `group_key` (the robot
        must be in that group). At-least-once, like every robot message."""
        content = fit_bytes(markdown, CONTENT_BYTES)
        return self._group(group_key, "sampleMarkdown",
                           {"title": markdown_title(content), "text": content})

    def post_image_to_group(self, group_key: str, png: bytes) -> Delivery:
        """Upload the picture, then post it to the group."""
        return self._group(group_key, "sampleImageMsg", {"photoURL": self.upload_image(png)})

    # -- the directory -------------------------------------------------------------------
    def fetch_directory(self) -> DirectorySnapshot:
        """Every department (walked from the root with listsub, each read with
        department/get for its managers) and every person in them (user/list, paged; its
        `leader` flags a manager of the department listed)."""
        departments = []
        queue = deque([ROOT_DEPARTMENT_ID])
        seen: set[int] = set()
        while queue:
            dept_id = queue.popleft()
            if dept_id in seen:
                continue
            seen.add(dept_id)
            departments.append(self._oapi("/topapi/v2/department/get",
                                          {"dept_id": dept_id})["result"])
            children = self._oapi("/topapi/v2/department/listsub",
                                  {"dept_id": dept_id}).get("result") or []
            queue.extend(int(child["dept_id"]) for child in children)
        users: dict[str, dict[str, Any]] = {}
        for dept_id in sorted(seen):
            for user in self._users_of(dept_id):
                kept = users.setdefault(str(user["userid"]), user)
                if user.get("leader") is True:  # user/list: a manager of `dept_id`
                    kept["leader_in_dept"] = [*(kept.get("leader_in_dept") or []),
                                              {"dept_id": dept_id, "leader": True}]
        return snapshot_from(departments, list(users.values()))

    def fetch_member(self, userid: str) -> DirectoryMember | None:
        """One person (user/get), None if DingTalk knows no such person (left or never
        was)."""
        try:
            answer = self._oapi("/topapi/v2/user/get", {"userid": userid})
        except DingTalkError as error:
            if error.code == NO_SUCH_USER:
                return None
            raise
        return member_from(answer["result"])

    def fetch_department(self, platform_id: str) -> DirectoryDepartment | None:
        """One department (department/get) with its managers; None if it does not exist."""
        if not platform_id.isdigit():
            return None
        try:
            answer = self._oapi("/topapi/v2/department/get", {"dept_id": int(platform_id)})
        except DingTalkError as error:
            if error.code == NO_SUCH_DEPARTMENT:
                return None
            raise
        return department_from(answer["result"])

    def _users_of(self, dept_id: int) -> list[dict[str, Any]]:
        users: list[dict[str, Any]] = []
        cursor = 0
        while True:
            result = self._oapi("/topapi/v2/user/list", {
                "dept_id": dept_id, "cursor": cursor, "size": USER_PAGE})["result"]
            users.extend(result.get("list") or [])
            if not result.get("has_more"):
                return users
            cursor = int(result["next_cursor"])

    # -- plumbing ------------------------------------------------------------------------
    def _one_to_one(self, to: str, msg_key: str, param: dict[str, Any]) -> Delivery:
        """batchSend to one person; DingTalk answers 200 even when it did not deliver, and
        names who it refused (invalid: not in the organisation or outside the robot's
        range) and who it held back (flow control)."""
        result = self.api.batch_send(self.robot_code, [to], msg_key, param)
        if to in result.invalid:
            raise DeliveryError(f"收件人 {to} 无效 (invalidStaffIdList)", retryable=False)
        if to in result.flow_controlled:
            raise DeliveryError(f"收件人 {to} 被钉钉限流 (flowControlledStaffIdList)",
                                retryable=True, retry_after=FLOW_CONTROL_WAIT)
        keys = result.process_query_keys
        return Delivery(message_id=keys[0] if keys else None)

    def _group(self, open_conversation_id: str, msg_key: str,
               param: dict[str, Any]) -> Delivery:
        """A group robot's limit is per minute (20 posts): a post refused as rate limited
        waits for the minute to pass, not the API's QPS second (tried again within the
        minute, it would be refused again until its attempts ran out)."""
        try:
            answer = self._call("POST", GROUP_SEND, {
                "robotCode": self.robot_code, "openConversationId": open_conversation_id,
                "msgKey": msg_key, "msgParam": json.dumps(param, ensure_ascii=False)})
        except DeliveryError as error:
            if error.retryable and error.retry_after is not None:  # a rate limit's answer
                error.retry_after = max(error.retry_after, GROUP_MINUTE)
            raise
        return Delivery(message_id=_text(answer.get("processQueryKey")))

    def _call(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.api.call(method, path, body)

    def _oapi(self, path: str, body: dict[str, Any] | None = None, **kwargs: Any
              ) -> dict[str, Any]:
        answer = self.api.oapi(path, body, **kwargs)
        if path.startswith("/topapi/") and not isinstance(answer.get("result"), dict | list):
            raise DeliveryError(f"DingTalk {path} answered no result", retryable=True)
        return answer


def markdown_title(markdown: str) -> str:
    """The title DingTalk shows for a markdown message in the conversation list and its
    notification: the first non-empty line without markup, cut short."""
    for line in markdown.splitlines():
        plain = _MARKUP.sub("", line).strip()
        if plain:
            return plain[:TITLE_CHARS]
    return "马上办"


def fit_bytes(text: str, limit: int) -> str:
    """Cut text to `limit` UTF-8 bytes on a character boundary, marking the cut."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "…"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
