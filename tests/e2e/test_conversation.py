"""A natural request confirmed on its card in the sandbox (issue 12 §5): the message
creates nothing, the card shows what would be created, 创建 creates it once.

The office's day is Tuesday 24 November 2026, 09:00 (see conftest); 张伟 heads 秘书科.
"""

import pytest
from sqlalchemy import func, select

from tasks.models import Task
from tests.e2e.platforms import EVERY_PLATFORM

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)


def _count(office) -> int:
    with office.rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(Task)) or 0


def test_a_natural_request_is_created_once_from_its_card(office):
    office.say("zhangwei", "李娜，麻烦把会议纪要整理一下 明天下班前")

    assert _count(office) == 0
    card = office.card_with_button("zhangwei", "创建")
    assert card.title == "要创建这个任务吗？"
    shown = card.shown
    assert shown["承办人"] == "李娜" and shown["期限"].startswith("11月25日 17:30")
    assert card.labels == ["创建", "修改说明", "取消"]

    office.click("zhangwei", "创建")

    assert _count(office) == 1
    with office.rt.sessions() as session:
        task = session.get(Task, 1)
        assert (task.title, task.holder.userid, task.requester.userid) == (
            "会议纪要整理", "lina", "zhangwei")
    assert office.card_with_button("lina", "接办").title == "新任务 #1"
    assert office.cards("zhangwei")[-1].status == "已创建 #1"

    answer = office.press("zhangwei", card.card_id, card.key("创建"))
    assert answer.ignored, "the platform ignores a press on a card already decided"
    assert _count(office) == 1, "pressed twice, created once"
