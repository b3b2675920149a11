"""The DingTalk channel against the sandbox: what members see in their conversation with
the robot, and how DingTalk's refusals, rate limits, token expiry and a hung call come
back to delivery."""

from __future__ import annotations

import json

import pytest
import requests
from wechatpy.session.redisstorage import RedisStorage

from integrations.dingtalk.api import DingTalkApi
from integrations.dingtalk.channel import DingTalkChannel
from integrations.dingtalk.sandbox.state import seeded_group_id
from tasks.messaging.channel import Card, CardButton, CardField, DeliveryError
from tests.sandbox.dingtalk_fixtures import (
    APP_KEY,
    APP_SECRET,
    ROBOT_CODE,
    chat,
    control,
)
from workers.runtime import _token_lock

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BATCH_SEND = "/v1.0/robot/oToMessages/batchSend"


def offer(status: str | None = None) -> Card:
    return Card(card_id="card-41", title="#12 报送周报材料", subtitle="张伟 交办 [急]",
                fields=(CardField("期限", "周五 17:00"), CardField("交办人", "*张伟*")),
                buttons=(CardButton("接办", "accept:12", primary=True),
                         CardButton("转办", "transfer:12")),
                status=status)


def test_texts_markdown_and_pictures_arrive_in_the_members_conversation(dt_sandbox, dt_channel):
    dt_channel.send_text("lina", "请于周五前报送材料")
    dt_channel.send_text("lina", "### 今日待办\n- **#12** 报送周报", markdown=True)
    media_id = dt_channel.upload_image(PNG)
    dt_channel.send_image("lina", media_id)
    text, markdown, image = chat(dt_sandbox, "lina")
    assert (text["from"], text["msgtype"], text["content"]) == ("app", "text", "请于周五前报送材料")
    assert markdown["msgtype"] == "markdown" and markdown["title"] == "今日待办"
    assert "<strong>#12</strong>" in markdown["html"]
    assert image["msgtype"] == "image" and image["media_id"] == media_id
    shown = requests.get(f"{dt_sandbox.url}/sandbox/media/{media_id}", timeout=5)
    assert shown.content == PNG and shown.headers["Content-Type"] == "image/png"


def test_a_card_shows_its_buttons_and_an_update_redraws_it_in_place(dt_sandbox, dt_channel):
    delivery = dt_channel.send_card("zhangwei", offer())
    assert delivery.update_handle == "card-41"
    [shown] = chat(dt_sandbox, "zhangwei")
    buttons = shown["card"]["contents"][-1]["actions"]
    assert [(b["label"]["text"], b["id"]) for b in buttons] == [
        ("接办", "accept:12"), ("转办", "transfer:12")]
    assert "＊张伟＊" in shown["card"]["contents"][0]["text"], "people's words stay text"

    dt_channel.update_card("zhangwei", offer(status="已接办"), delivery.update_handle)
    dt_channel.update_card("zhangwei", offer(status="已接办"), delivery.update_handle)
    [redrawn] = chat(dt_sandbox, "zhangwei")
    assert redrawn["id"] == shown["id"], "the same message, redrawn"
    assert all(block["type"] != "action" for block in redrawn["card"]["contents"])
    assert "已接办" in redrawn["card"]["contents"][0]["text"]


def test_a_card_sent_again_is_not_shown_twice(dt_sandbox, dt_channel):
    dt_channel.send_card("zhangwei", offer())
    dt_channel.send_card("zhangwei", offer())
    assert len(chat(dt_sandbox, "zhangwei")) == 1


def test_group_posts_reach_the_departments_group(dt_sandbox, dt_channel):
    group = seeded_group_id(3)
    dt_channel.post_to_group(group, "## 综合科今日汇总\n新建 2 件")
    dt_channel.post_image_to_group(group, PNG)
    answer = requests.get(f"{dt_sandbox.url}/sandbox/groups/{group}/messages", timeout=5)
    markdown, image = answer.json()["messages"]
    assert markdown["title"] == "综合科今日汇总" and image["msgtype"] == "image"
    with pytest.raises(DeliveryError) as refused:
        dt_channel.post_to_group("cidNoSuchGroup", "汇总")
    assert not refused.value.retryable


def test_someone_outside_the_organisation_is_refused_for_good(dt_channel):
    with pytest.raises(DeliveryError) as refused:
        dt_channel.send_text("nobody", "你好")
    assert not refused.value.retryable and "invalidStaffIdList" in refused.value.reason


def test_a_member_over_dingtalks_flow_control_is_tried_again_after_a_minute(
        dt_sandbox, dt_channel, dt_clock):
    for number in range(20):
        dt_channel.send_text("wangfang", f"第 {number} 条")
    with pytest.raises(DeliveryError) as held:
        dt_channel.send_text("wangfang", "第 21 条")
    assert held.value.retryable and held.value.retry_after == 60
    assert len(chat(dt_sandbox, "wangfang")) == 20, "held back, not shown"
    dt_clock.now += 61
    dt_channel.send_text("wangfang", "第 21 条")
    assert chat(dt_sandbox, "wangfang")[-1]["content"] == "第 21 条"


def test_an_injected_flow_control_is_retryable(dt_sandbox, dt_channel):
    control(dt_sandbox, "inject", path=BATCH_SEND, error="flow_controlled")
    with pytest.raises(DeliveryError) as held:
        dt_channel.send_text("lina", "你好")
    assert held.value.retryable and held.value.retry_after == 60


@pytest.mark.parametrize("error", ["rate_limited", "429"])
def test_rate_limiting_is_retryable_with_a_wait(dt_sandbox, dt_channel, error):
    control(dt_sandbox, "inject", path=BATCH_SEND, error=error)
    with pytest.raises(DeliveryError) as limited:
        dt_channel.send_text("lina", "你好")
    assert limited.value.retryable and limited.value.retry_after
    assert chat(dt_sandbox, "lina") == []
    dt_channel.send_text("lina", "你好")
    assert len(chat(dt_sandbox, "lina")) == 1


@pytest.mark.parametrize("errcode", ["90002", "90018"])
def test_an_older_api_rate_limit_is_retryable_within_seconds(dt_sandbox, dt_channel, errcode):
    """90002 (every app over the API's limit) and 90018 (this app over its 20 a second)
    are both per-second limits (调用频次与限流: "sleep 1秒"), not a minute's wait."""
    control(dt_sandbox, "inject", path="/media/upload", error=errcode)
    with pytest.raises(DeliveryError) as limited:
        dt_channel.upload_image(PNG)
    assert limited.value.retryable and limited.value.retry_after == 2.0


def test_a_picture_is_uploaded_as_dingtalks_sdks_do(dt_sandbox, dt_channel, monkeypatch):
    """media/upload: `type` a form field beside the file `media`, the token in the query
    (DingTalk's Stream SDK, `upload_to_dingtalk`, and its older SDK send it so)."""
    sent: list[dict] = []

    class Recording(requests.Session):
        def request(self, method, url, **kwargs):  # type: ignore[override]
            if url.endswith("/media/upload"):
                sent.append(kwargs)
            return super().request(method, url, **kwargs)

    monkeypatch.setattr(dt_channel.api, "_http", Recording())
    assert dt_channel.upload_image(PNG)
    [upload] = sent
    assert upload["data"] == {"type": "image"} and list(upload["files"]) == ["media"]
    assert set(upload["params"]) == {"access_token"}


def test_two_processes_share_one_token(dt_sandbox, make_dt_channel):
    first, second = make_dt_channel(), make_dt_channel()
    first.send_text("lina", "一")
    second.send_text("lina", "二")
    second.fetch_member("lina")
    assert dt_sandbox.state.token_fetches() == 1


@pytest.mark.parametrize("path", [BATCH_SEND, "/topapi/v2/user/get"])
def test_an_expired_token_is_fetched_again_once(dt_sandbox, dt_channel, path):
    dt_channel.send_text("lina", "一")
    control(dt_sandbox, "expire-tokens")
    dt_channel.send_text("lina", "二")
    assert dt_channel.fetch_member("lina") is not None
    assert dt_sandbox.state.token_fetches() == 2
    control(dt_sandbox, "inject", path=path, error="expired_token", times=2)
    with pytest.raises(DeliveryError) as rejected:
        if path == BATCH_SEND:
            dt_channel.send_text("lina", "三")
        else:
            dt_channel.fetch_member("lina")
    assert rejected.value.retryable, "refetched once, then given up, never a loop"
    assert dt_sandbox.state.token_fetches() == 3, "one refetch for the rejected call"


def test_a_wrong_secret_is_not_retried(make_dt_channel):
    with pytest.raises(DeliveryError) as refused:
        make_dt_channel(secret="wrong-secret-0000").send_text("lina", "你好")
    assert not refused.value.retryable and "invalidClientIdOrSecret" in refused.value.reason


def test_a_hung_call_times_out_as_a_retryable_failure(dt_sandbox, redis_conn):
    api = DingTalkApi(APP_KEY, APP_SECRET, api_base=dt_sandbox.url, oapi_base=dt_sandbox.url,
                      storage=RedisStorage(redis_conn, prefix="test:dingtalk"),
                      lock=lambda name: _token_lock(redis_conn, name), timeout=(2.0, 0.5))
    channel = DingTalkChannel(api, ROBOT_CODE)
    control(dt_sandbox, "stall", path=BATCH_SEND)
    with pytest.raises(DeliveryError) as hung:
        channel.send_text("lina", "你好")
    assert hung.value.retryable and "network" in hung.value.reason
    control(dt_sandbox, "release")
    assert len(chat(dt_sandbox, "lina")) == 1, "the call still took effect: at-least-once"


def test_a_network_failure_is_retryable(dt_sandbox, dt_channel):
    control(dt_sandbox, "inject", path=BATCH_SEND, error="network")
    with pytest.raises(DeliveryError) as failed:
        dt_channel.send_text("lina", "你好")
    assert failed.value.retryable


def test_the_directory_is_the_seeded_office_with_its_leaders(dt_channel):
    snapshot = dt_channel.fetch_directory()
    departments = {d.platform_id: d for d in snapshot.departments}
    assert departments["1"].name == "某市人民政府办公室"
    assert departments["1"].parent_platform_id is None
    assert departments["3"].parent_platform_id == "1"
    assert set(departments["1"].leader_userids) == {"zhoujianguo", "liuyang"}
    assert departments["2"].leader_userids == ("zhangwei",)
    members = {m.userid: m for m in snapshot.members}
    assert len(members) == 15
    assert members["liuyang"].department_ids == ("1", "4")
    assert members["liuyang"].leads_department_ids == ("1",)
    assert members["zhangwei"].position == "秘书科科长" and members["zhangwei"].mobile


def test_one_member_or_department_is_fetched_and_people_who_left_are_gone(dt_sandbox,
                                                                            dt_channel):
    assert dt_channel.fetch_member("chenjing").leads_department_ids == ("3",)
    assert dt_channel.fetch_department("4").leader_userids == ("sunli",)
    assert dt_channel.fetch_department("99") is None
    control(dt_sandbox, "contact", event="user_leave_org", userid="zhaolei")
    assert dt_channel.fetch_member("zhaolei") is None
    assert "zhaolei" not in {m.userid for m in dt_channel.fetch_directory().members}


def test_a_contact_change_reaches_the_listeners(dt_sandbox):
    heard = []
    dt_sandbox.state.on_contact_change(lambda event, ids: heard.append((event, ids)) or "ok")
    answer = control(dt_sandbox, "contact", event="user_add_org", userid="newbie",
                     name="新人", dept_id_list=[3])
    # First the sandbox's own event push to the product (status 0: nothing is connected),
    # then the listener added here.
    assert answer["pushed"] == [0, "ok"]
    assert heard == [("user_add_org", {"UserId": ["newbie"]})]


def test_the_calls_are_logged_like_dingtalk_answered_them(dt_sandbox, dt_channel):
    control(dt_sandbox, "inject", path=BATCH_SEND, error="rate_limited")
    with pytest.raises(DeliveryError):
        dt_channel.send_text("lina", "你好")
    calls = requests.get(f"{dt_sandbox.url}/sandbox/control/calls", timeout=5).json()["calls"]
    assert [(c["path"], c["status"]) for c in calls] == [
        ("v1.0/oauth2/accessToken", 200), ("v1.0/robot/oToMessages/batchSend", 403)]
    assert calls[-1]["code"] == "Forbidden.AccessDenied.QpsLimitForApi"


def test_the_message_param_sent_is_dingtalks_json_string(dt_sandbox, dt_channel):
    """What the robot sends is what DingTalk documents: msgParam is a JSON string."""
    answer = dt_channel.api.call("POST", BATCH_SEND, {
        "robotCode": ROBOT_CODE, "userIds": ["lina"], "msgKey": "sampleText",
        "msgParam": json.dumps({"content": "原样"})})
    assert answer["invalidStaffIdList"] == [] and chat(dt_sandbox, "lina")[0]["content"] == "原样"
