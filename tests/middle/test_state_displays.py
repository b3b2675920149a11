"""Displays follow state: every card kind of a task and its 查询 answer, in every state.

张伟 asks 李娜 for work with three days to go; before the state under test is reached 李娜
has the offer card (新任务), the card her 收到 drew (接办？) and a 催办 card from 周建国. Each
is read as 李娜 sees it now, after the redraws the state change queued. A finished task
shows what finished it and when, and never a countdown; a task sent back says 重办.
"""

from dataclasses import dataclass

import pytest

from tasks.messaging.channel import Card

CREATE = "新建 起草年度工作总结 @李娜 3天内"
FINISHED_AT = "11月25日 09:00"  # the day after the office's Tuesday morning
COUNTDOWN = ("剩余", "已超期", "已到期")
SHOWN = ("offer", "prompt", "chase")
KIND_OF = {"mt": "offer", "ma": "prompt", "mc": "chase"}  # by platform card id prefix


@dataclass(frozen=True)
class Expected:
    """How each display shows one state."""

    state: str  # the 状态 field of every card and the 状态 line of 查询
    titles: dict[str, str]  # card kind → title
    status: dict[str, str | None]  # card kind → greyed-out text (None: still live)
    countdown: bool  # whether the deadline still counts down


def _live(state: str, offer: str, prompt: str = "接办 #1？") -> Expected:
    return Expected(state, {"offer": offer, "prompt": prompt, "chase": "催办 #1"},
                    dict.fromkeys(SHOWN), countdown=True)


def _accepted(state: str) -> Expected:
    title = "任务 #1（办理中）"
    return Expected(state, {"offer": title, "prompt": title, "chase": "催办 #1"},
                    {"offer": "已由李娜接办", "prompt": "已由李娜接办", "chase": None},
                    countdown=True)


def _finished(label: str) -> Expected:
    state = f"{label}（{FINISHED_AT}）"
    title = f"任务 #1（{label}）"
    return Expected(state, {"offer": title, "prompt": title, "chase": "催办 #1"},
                    dict.fromkeys(SHOWN, state), countdown=False)


def _chase_and_prompt(office) -> None:
    office.say("lina", "收到")
    office.say("zhoujianguo", "催办 #1 请尽快")


def _pending(office) -> None:
    office.say("zhangwei", CREATE)
    _chase_and_prompt(office)


def _accepted_state(office) -> None:
    office.say("zhangwei", CREATE)
    office.say("lina", "收到")
    office.say("lina", "接办 #1")
    office.say("zhoujianguo", "催办 #1 请尽快")


def _closed(office) -> None:
    _pending(office)
    office.clock.advance(days=1)
    office.say("lina", "办结 #1 已报送办公室")


def _cancelled(office) -> None:
    _pending(office)
    office.clock.advance(days=1)
    office.say("zhangwei", "撤销 #1 会议取消")


def _reopened(office) -> None:
    office.say("zhangwei", CREATE)
    office.say("lina", "办结 #1 已报送办公室")
    office.clock.advance(hours=2)
    office.say("zhangwei", "重办 #1 5天内 数据有误需重新核对")
    _chase_and_prompt(office)


def _reopened_accepted(office) -> None:
    office.say("zhangwei", CREATE)
    office.say("lina", "办结 #1 已报送办公室")
    office.clock.advance(hours=2)
    office.say("zhangwei", "重办 #1 5天内 数据有误需重新核对")
    office.say("lina", "收到")
    office.say("lina", "接办 #1")
    office.say("zhoujianguo", "催办 #1 请尽快")


STATES = {
    "pending": (_pending, _live("待接办", "新任务 #1")),
    "accepted": (_accepted_state, _accepted("办理中")),
    "closed": (_closed, _finished("已办结")),
    "cancelled": (_cancelled, _finished("已撤销")),
    "reopened": (_reopened, _live("待接办（重办）", "重办 #1")),
    "reopened_accepted": (_reopened_accepted, _accepted("办理中（重办）")),
}


def _current_round(office) -> dict[str, Card]:
    """李娜's task cards as they look now, by kind; for a reopened task only those sent
    since the 重办 (the first round's cards were greyed out by its close)."""
    shown: dict[str, Card] = {}
    for card in office.channel.cards("lina"):
        kind = KIND_OF.get(card.card_id[:2])
        if kind is not None:
            shown[kind] = card  # a later card of the same kind belongs to a later round
    assert set(shown) == set(SHOWN), shown
    return shown


def _words(card: Card) -> str:
    return "\n".join([card.title, card.subtitle or "", card.status or ""]
                     + [f"{f.label}：{f.value}" for f in card.fields])


@pytest.mark.parametrize("name", list(STATES))
@pytest.mark.parametrize("kind", SHOWN)
def test_every_card_shows_the_tasks_state(office, name, kind):
    reach, expected = STATES[name]
    reach(office)

    card = _current_round(office)[kind]

    fields = {f.label: f.value for f in card.fields}
    assert fields["状态"] == expected.state
    assert card.title == expected.titles[kind]
    assert card.status == expected.status[kind]
    words = _words(card)
    assert any(w in fields["期限"] for w in COUNTDOWN) == expected.countdown, words
    if not expected.countdown:
        assert not any(w in words for w in COUNTDOWN), words


@pytest.mark.parametrize("name", list(STATES))
def test_the_query_shows_the_tasks_state(office, name):
    reach, expected = STATES[name]
    reach(office)

    details = office.say("zhangwei", "查询 #1").reply("zhangwei")

    head = details.split("**办理经过**", 1)[0]
    lines = head.split("\n")
    assert f"> 状态：{expected.state}" in lines, head
    [deadline] = [line for line in lines if line.startswith("> 期限：")]
    assert any(w in deadline for w in COUNTDOWN) == expected.countdown, head
    if not expected.countdown:
        assert not any(w in head for w in COUNTDOWN), head
        assert "应接办时间" not in head, head


def test_a_reopened_tasks_new_card_is_titled_as_a_redo(office):
    office.say("zhangwei", CREATE)
    office.say("lina", "办结 #1 已报送办公室")

    sent = office.say("zhangwei", "重办 #1 5天内 数据有误需重新核对")

    [card] = sent.cards("lina")
    assert card.title == "重办 #1"
    assert [b.label for b in card.buttons] == ["接办", "转办"]
    assert {f.label: f.value for f in card.fields}["状态"] == "待接办（重办）"
