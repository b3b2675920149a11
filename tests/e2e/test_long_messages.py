"""Long messages through the platform's protocol: every signed message the platform can
deliver gets a reply, and every reply arrives whole (the sandbox refuses content over the
platform's limit, e.g. WeCom's 2048 bytes, as the platform cuts it)."""

import pytest
from sqlalchemy import func, select

from tasks.models import InboxMessage, Task
from tests.e2e.platforms import EVERY_PLATFORM

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)

LONG = "请核对 2026 年度 budget-report 数据并报送 "


def test_a_25000_character_message_is_answered_too_long_and_not_stored(office):
    text = "长" * 25_000  # ~100 KB once encrypted and base64-encoded
    office.say("lina", text)  # asserts the callback was answered 200
    assert office.last_reply("lina") == ("消息过长：这条有 25000 字，马上办只读 10000 字以内的"
                                         "消息，未作处理。请精简，或分几条发送。")
    with office.rt.sessions() as session:
        [payload] = session.scalars(select(InboxMessage.payload)).all()
        assert payload["text"] == "" and payload["overlong"] == 25_000
        assert session.scalar(select(func.count()).select_from(Task)) == 0


def test_a_5000_character_title_is_confirmed_whole_and_queried_in_numbered_parts(office):
    office.say("zhangwei", f"交办 {(LONG * 300)[:5000]} @李娜 3天内")
    confirmation = office.last_reply("zhangwei")
    assert "承办：李娜" in confirmation and "期限" in confirmation
    assert "标题最多 60 字" in confirmation

    office.say("zhangwei", "查询 #1")
    parts = office.replies("zhangwei")[1:]
    assert len(parts) > 1 and parts[0].startswith(f"（1/{len(parts)}）")
    assert "> 状态：待接办" in parts[0] and "**办理经过**" in parts[0]
    assert all(len(p.encode()) <= office.max_content_bytes for p in parts)
