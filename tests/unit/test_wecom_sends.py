"""What WeCom receives for a keyed send: the same request for a row's every attempt, a
different one for every other row, a mark no one sees, and a timeout far inside the window."""

from datetime import timedelta
from typing import Any

import pytest
from wechatpy.exceptions import WeChatClientException

from integrations.wecom import limits
from integrations.wecom.channel import WeComChannel
from integrations.wecom.marks import MARK_BYTES, row_mark
from integrations.wecom.sandbox.state import visible
from tasks.language.text import normalize
from tasks.messaging.channel import Card, CardButton, DeliveryError


class RecordingApi:
    """Stands in for WeComApi: keeps each call's body and answers from `answers`."""

    def __init__(self, *answers: dict[str, Any]):
        self.bodies: list[dict[str, Any]] = []
        self.answers = list(answers)

    def post(self, endpoint: str, data: dict[str, Any] | None = None, **_: Any) -> dict:
        self.bodies.append(data or {})
        answer = self.answers.pop(0) if self.answers else {"errcode": 0, "msgid": "m"}
        if answer["errcode"]:
            raise WeChatClientException(answer["errcode"], answer.get("errmsg", ""))
        return answer


def sent(*calls: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    api = RecordingApi()
    channel = WeComChannel(api, agent_id=1000002)  # type: ignore[arg-type]
    for text, options in calls:
        channel.send_text("lina", text, **options)
    return api.bodies


@pytest.mark.parametrize("repeat", [False, True])
def test_a_row_sent_again_is_the_same_request_with_the_duplicate_check(repeat):
    first, again = sent(*[("请报送周报", {"key": 41, "repeat": repeat})] * 2)
    assert first == again
    assert (first["enable_duplicate_check"], first["duplicate_check_interval"]) == (1, 14400)


def test_a_text_that_is_no_repeat_is_sent_as_written_with_all_2048_bytes():
    text = "字" * 682  # 2046 bytes
    [body] = sent((text, {"key": 41}))
    assert body["text"]["content"] == text


@pytest.mark.parametrize("markdown", [False, True])
def test_two_rows_with_the_same_text_are_two_requests_reading_the_same(markdown):
    first_sent = {"key": 41, "markdown": markdown}
    bodies = sent(("请报送周报", first_sent),
                  *[("请报送周报", {"key": key, "markdown": markdown, "repeat": True})
                    for key in (42, 43)])
    msgtype = "markdown" if markdown else "text"
    contents = [body[msgtype]["content"] for body in bodies]
    assert len(set(contents)) == 3
    for content in contents:
        assert visible(content) == "请报送周报", "a WeCom client shows the text alone"
        assert normalize(content) == "请报送周报", "pasted back, it reads the same"


def test_no_text_can_end_like_another_with_a_mark():
    """A text ending in mark characters (invisible) loses them, so it cannot be taken for
    a shorter text sent as a repeat."""
    plain, repeat = sent(("好" + row_mark(42), {"key": 41}), ("好", {"key": 42, "repeat": True}))
    assert plain["text"]["content"] == "好" != repeat["text"]["content"]


def test_marks_are_distinct_fixed_length_and_invisible():
    marks = {row_mark(key) for key in (*range(5000), 4**16 - 1, 10**9)}
    assert len(marks) == 5002
    assert {len(mark.encode()) for mark in marks} == {MARK_BYTES}
    assert all(visible(mark) == "" and normalize(mark) == "" for mark in marks)


def test_a_repeat_as_long_as_the_declared_limit_arrives_whole_with_its_mark():
    text = "字" * (limits.LIMITS.text_bytes // 3) + "a" * (limits.LIMITS.text_bytes % 3)
    [body] = sent((text, {"key": 7, "repeat": True}))
    content = body["text"]["content"]
    assert visible(content) == text and content != text
    assert len(content.encode()) <= limits.CONTENT_BYTES
    [longer] = sent((text + "字" * 40, {"key": 7, "repeat": True}))
    assert len(longer["text"]["content"].encode()) <= limits.CONTENT_BYTES
    assert visible(longer["text"]["content"]).endswith("…"), "cut, and marked as cut"


def test_an_unkeyed_text_has_no_mark_and_no_check():
    [body] = sent(("请报送周报", {"repeat": True}))
    assert body["text"]["content"] == "请报送周报"
    assert "enable_duplicate_check" not in body


def card() -> Card:
    return Card(card_id="mr7-1-20261201", title="请评价", buttons=(CardButton("好", "k"),))


def test_a_card_is_keyed_by_its_own_task_id():
    api = RecordingApi()
    channel = WeComChannel(api, agent_id=1000002)  # type: ignore[arg-type]
    channel.send_card("lina", card(), key=3)
    channel.send_card("lina", card(), key=3)
    assert api.bodies[0] == api.bodies[1]
    assert api.bodies[0]["enable_duplicate_check"] == 1
    assert api.bodies[0]["template_card"]["task_id"] == "mr7-1-20261201"


def test_a_card_whose_task_id_is_taken_was_delivered_before():
    taken = {"errcode": 42014, "errmsg": "taskid has existed or empty or exceed max len"}
    channel = WeComChannel(RecordingApi(taken), agent_id=1000002)  # type: ignore[arg-type]
    with pytest.raises(DeliveryError) as refused:
        channel.send_card("lina", card(), key=3)
    assert refused.value.delivered_before is True and refused.value.retryable is False

    other = WeComChannel(RecordingApi({"errcode": 40058}), agent_id=1000002)  # type: ignore[arg-type]
    with pytest.raises(DeliveryError) as invalid:
        other.send_card("lina", card(), key=3)
    assert invalid.value.delivered_before is False


def test_the_client_gives_up_long_before_wecom_forgets_a_request():
    """A timed-out send is retried; WeCom must still remember the first request then."""
    one_request = timedelta(seconds=sum(limits.API_TIMEOUT))
    assert one_request < limits.LIMITS.longest_send < limits.LIMITS.duplicate_window
    assert limits.LIMITS.duplicate_window == timedelta(hours=4)  # WeCom's maximum
