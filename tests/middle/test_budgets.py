"""Every reply and card fits WeCom's budgets, with the longest inputs people can give.

The channel here declares WeCom's limits (`integrations.wecom.limits.LIMITS`) and refuses
anything sent longer than them (`tests.middle.channel.over_budget`), the way WeCom would cut
it: so each test below fails if one message anywhere on its path is too long. Inputs are at
their maximum: member names of 64 characters (WeCom's longest), titles written with 5,000
characters, 25 open tasks in 我的, a task with 100 events in its history.
"""

from dataclasses import replace

import pytest
from sqlalchemy import Engine, func, select

from integrations.wecom.limits import LIMITS
from tasks.core.lengths import NOTE_LONGEST, TITLE_LONGEST
from tasks.core.office_rules import OfficeRules
from tasks.directory.sync import apply_snapshot
from tasks.messaging.budget import byte_size
from tasks.messaging.inbound import MESSAGE_LONGEST, TextMessage
from tasks.models import Task, TaskEvent
from tasks.verbs.registry import REGISTRY
from tests.clocks import FrozenClock
from tests.middle.channel import MemoryChannel, over_budget
from tests.middle.office import Office
from tests.seeded_office import ADMINS, OFFICE_START, seeded_directory
from workers.db import make_sessions

NAME = "李娜" + "名" * 62  # 64 characters: WeCom's longest member name
BOSS = "杨帆" + "长" * 62
WORDS = "请核对 2026 年度 budget-report 数据并报送 "  # words of both scripts
LONG_TITLE = (WORDS * 300)[:5000]
LONG = WORDS


@pytest.fixture
def office(db: Engine) -> Office:
    """The seeded office on a channel with WeCom's limits; 李娜 and 杨帆 have the longest
    names WeCom allows."""
    directory = seeded_directory()
    renamed = {"lina": NAME, "yangfan": BOSS}
    members = tuple(replace(m, name=renamed.get(m.userid, m.name))
                    for m in directory.members)
    # WeCom's budgets; its pace (30 a minute) is tested elsewhere and would only slow this
    channel = MemoryChannel(directory=replace(directory, members=members),
                            limits=replace(LIMITS, per_member_per_minute=10_000))
    clock = FrozenClock(OFFICE_START)
    sessions = make_sessions(db)
    with sessions.begin() as session:
        apply_snapshot(session, channel.fetch_directory(), now=clock())
    return Office(sessions, clock, OfficeRules(admins=frozenset(ADMINS)), channel)


def everything_fits(office: Office) -> None:
    """Nothing anyone received passes a budget (the channel also checked on each send)."""
    assert [r for r in office.channel.received if over_budget(r, LIMITS)] == []
    assert office.channel.received, "nothing was sent"


def new_replies(office: Office, userid: str, before: int) -> list[str]:
    return office.replies(userid)[before:]


def joined(parts: list[str]) -> str:
    """The parts of a split message read together, without their （i/n） headers."""
    return "\n".join(part.split("）", 1)[1] if part.startswith("（") else part for part in parts)


# ---- 帮助

def test_the_help_overview_is_one_message_within_the_budget(office):
    office.say("lina", "帮助")
    [overview] = office.replies("lina")
    assert byte_size(overview) <= LIMITS.markdown_bytes
    assert all(f"**{verb.verb}**" in overview for verb in REGISTRY.verbs if verb.available)
    assert overview.endswith("发送「帮助 指令」查看格式和例子，如「帮助 新建」「帮助 转办」。")


@pytest.mark.parametrize("verb", [v.verb for v in REGISTRY.verbs if v.available])
def test_each_verbs_help_is_one_message_within_the_budget(office, verb):
    office.say("lina", f"帮助 {verb}")
    [detail] = office.replies("lina")
    assert detail.startswith(f"格式：{verb}") and byte_size(detail) <= LIMITS.markdown_bytes


# ---- titles

def test_a_5000_character_title_keeps_60_and_the_rest_as_its_description(office):
    sent = office.say("yangfan", f"交办 {LONG_TITLE} @{NAME} 明天下午5点前")
    task = office.task(1)
    assert task.holder == "lina" and task.deadline is not None
    with office.sessions() as session:
        title = session.get(Task, 1).title
    assert len(title) <= TITLE_LONGEST and LONG_TITLE.startswith(title)
    assert LONG_TITLE[len(title)] == " " or not LONG_TITLE[len(title)].isascii()  # whole words
    [confirmation] = office.replies("yangfan")
    assert confirmation == sent.reply("yangfan")  # one message, sent whole
    assert f"承办：{NAME}" in confirmation and "期限 11月25日 17:00" in confirmation
    assert "标题最多 60 字，已取前面部分作标题" in confirmation and "查询 #1" in confirmation
    everything_fits(office)


def test_the_query_of_such_a_task_shows_state_history_and_whole_description(office):
    office.say("yangfan", f"交办 {LONG_TITLE} @{NAME} 明天下午5点前")
    office.say("yangfan", "查询 #1")
    parts = office.replies("yangfan")[1:]
    assert len(parts) > 1 and [p[:p.index("）") + 1] for p in parts] == [
        f"（{n}/{len(parts)}）" for n in range(1, len(parts) + 1)]
    first = parts[0]
    assert "> 状态：待接办" in first and f"> 承办人：{NAME}" in first and "> 期限：" in first
    assert "**办理经过**" in first
    text = joined(parts)
    with office.sessions() as session:
        title = session.get(Task, 1).title
    description = text.split("**说明**\n", 1)[1]
    # whole: a long line continues in the next part, so only the line breaks differ
    assert "".join((title + description).split()) == "".join(LONG_TITLE.split())
    everything_fits(office)


def test_a_long_list_of_tasks_in_mine_fits(office):
    for n in range(25):
        office.say("yangfan", f"交办 {n:02d}{LONG_TITLE[:TITLE_LONGEST - 2]} @{NAME} 3天内")
    before = len(office.replies("lina"))
    office.say("lina", "我的")
    office.say("lina", "我的 2")
    office.say("lina", "我的 3")
    text = joined(new_replies(office, "lina", before))
    assert "共 25 项" in text and all(f"[#{n}](" in text for n in range(1, 26))
    everything_fits(office)


def test_a_history_of_100_events_is_condensed_and_fits(office):
    office.say("yangfan", f"交办 {LONG_TITLE[:TITLE_LONGEST]} @{NAME} 3天内")
    office.click("lina", "接办")
    note = ("今天完成了 section-4 的核对 " * 40)[:NOTE_LONGEST]
    for _ in range(98):
        office.say("lina", f"进展 #1 {note}")
    assert len(office.history()) == 100
    before = len(office.replies("yangfan"))
    office.say("yangfan", "查询 #1")
    parts = new_replies(office, "yangfan", before)
    assert len(parts) <= 4
    assert "> 状态：办理中" in parts[0]
    text = joined(parts)
    assert "……（中间 80 条从略）" in text and "创建" in text
    everything_fits(office)


# ---- input limits

@pytest.mark.parametrize(("verb", "what"), [("进展", "进展说明"), ("办结", "办理结果")])
def test_a_note_over_500_characters_is_refused_saying_the_limit_and_its_length(
        office, verb, what):
    office.say("yangfan", f"交办 核对年度报表 @{NAME} 3天内")
    office.click("lina", "接办")
    before = office.state()
    sent = office.say("lina", f"{verb} #1 {'数' * (NOTE_LONGEST + 1)}")
    assert sent.reply("lina") == (f"{what}最多 500 字，这条有 501 字，"
                                  "请精简后再发（可分几次报告进展）。")
    assert office.state() == before
    assert office.say("lina", f"{verb} #1 {'数' * NOTE_LONGEST}").recipients() >= {"lina"}
    assert office.task(1).progressed or office.task(1).state == "closed"


def test_a_message_longer_than_we_read_is_answered_and_not_kept(office):
    before = office.state()
    text = "长" * 25_000
    sent = office.handle(TextMessage.received("m-long", "lina", text))
    assert sent.reply("lina") == (f"消息过长：这条有 25000 字，马上办只读 {MESSAGE_LONGEST} 字以内"
                                  "的消息，未作处理。请精简，或分几条发送。")
    assert office.state() == before
    assert TextMessage.received("k", "lina", text).text == ""  # what the inbox stores


# ---- cards

def test_every_card_fits_with_the_longest_names_and_titles(office):
    """The request card (a natural request), the offer card, the chase card, the rating
    card and its follow-up, each with 64-character names and a 60-character title."""
    office.say("yangfan", f"@{NAME} 请{LONG_TITLE[:200]} 明天下午5点前")  # a request card
    office.click("yangfan", "创建")
    office.say("yangfan", f"交办 {LONG_TITLE} @{NAME} 明天下午5点前")  # offer card
    office.say("zhoujianguo", f"催办 #2 {'请今天报送 ' * 30}")  # chase card
    office.click("lina", "接办", title="新任务 #2")
    office.say("lina", f"办结 #2 {'已报送 ' * 80}")  # rating card to 杨帆
    office.click("yangfan", "不满意")
    office.say("yangfan", "数据不全 " * 50)  # the reason: a follow-up to supervisors
    kinds = {r.kind for r in office.channel.received}
    assert {"card", "card_update"} <= kinds
    titles = [c.title for who in ("lina", "yangfan", "zhangwei") for c in office.channel.cards(who)]
    assert any(t.startswith("请评价任务") for t in titles) and any("#2" in t for t in titles)
    with office.sessions() as session:
        assert session.scalar(select(func.count()).select_from(TaskEvent)) > 5
    everything_fits(office)


def test_a_whole_life_with_the_longest_reasons_reaches_everyone_whole(office):
    """Reasons have no limit of their own (转办, 延期, 不同意延期, 重办, 撤销): each notice
    quoting one arrives whole, in numbered parts when it is longer than a message."""
    reason = LONG * 60  # ~2,600 characters
    office.say("yangfan", f"交办 核对年度报表 @{NAME} 3天内")
    office.click("lina", "接办")
    office.say("lina", f"延期 #1 12月10日 {reason}")
    office.say("zhangwei", f"不同意延期 #1 {reason}")
    office.say("lina", f"办结 #1 {'已报送 ' * 80}")
    office.say("yangfan", f"重办 #1 3天内 {reason}")
    office.say("yangfan", f"撤销 #1 {reason}")
    office.say("yangfan", "查询 #1")
    for who in ("lina", "zhangwei"):
        split = [t for t in office.replies(who) if t.startswith("（1/")]
        assert split, f"{who} got no long notice in parts"
    assert office.task(1).state == "cancelled"
    everything_fits(office)
