"""Any message, from anyone, in an office with tasks in every state: it gets a reply and never
an exception, and a message that is refused (not understood, or understood and refused)
changes nothing.

Each message is handled as the worker does (`flows.handle`) in a transaction that is rolled
back afterwards, so every example meets the same office. The messages are every verb's
examples about each task; commands built from every verb name and alias, task numbers (of
tasks in each state, and of none), names, deadlines and words; these pieces mixed in any
order; and arbitrary text. The budget is a quarter of the hypothesis profile's
(tests/conftest.py), since each message goes through the database: 250 messages, ~3 s on
SQLite and ~6 s on PostgreSQL here.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tasks.core.office_rules import OfficeRules
from tasks.directory.sync import apply_snapshot
from tasks.errors import Refusal
from tasks.handling import confirmations, flows
from tasks.language import Unknown
from tasks.messaging.inbound import TextMessage
from tasks.models import Base, OutboxMessage
from tasks.verbs import registry
from tests.clocks import FrozenClock
from tests.middle.channel import MemoryChannel
from tests.middle.office import NOT_STATE, Office
from tests.seeded_office import ADMINS, OFFICE_START, seeded_directory
from workers.db import make_sessions

VERB_NAMES = sorted({name for verb in registry.REGISTRY.verbs for name in verb.names})
REFS = ("#1", "#2", "#3", "#4", "#5", "#6", "#7", "#0", "＃２", "12号", "第三号", "任务4",
        "#99999999999999999999", "#-1", "# 2", "")
NAMES = ("@李娜", "@秘书科", "@王芳", "@wangfang", "@nobody", "李娜", "@", "@张伟 @陈静", "")
DEADLINES = ("明天下午5点", "3天内", "12月10日", "昨天", "2月30日", "25点", "本周五前", "推迟两天",
             "下周一", "今晚", "")
WORDS = ("已完成", "数据有误", "满意", "不满意", "非常满意", "急件", "请尽快", "会议已取消", "谢谢",
         "第2页", "？", "🙏", "原因：", "，", " ")
SENDERS = ("lina", "zhangwei", "yangfan", "zhaolei", "huangtao", "xuming", "zhoujianguo",
           "stranger")



def _maybe(words: tuple[str, ...]) -> st.SearchStrategy[str]:
    """One of the words, or (as often) nothing."""
    return st.one_of(st.just(""), st.sampled_from(words))


commands = st.builds(
    lambda *parts: " ".join(part for part in parts if part),
    st.sampled_from(VERB_NAMES), st.sampled_from(REFS), _maybe(NAMES), _maybe(DEADLINES),
    _maybe(WORDS), _maybe(WORDS))
pieces = st.one_of(st.sampled_from(VERB_NAMES), st.sampled_from(REFS), st.sampled_from(NAMES),
                   st.sampled_from(DEADLINES), st.sampled_from(WORDS), st.text(max_size=4))
mixtures = st.lists(pieces, max_size=6).flatmap(
    lambda parts: st.sampled_from(["".join(parts), " ".join(parts)]))
# Every verb's own examples (as 帮助 shows them), about each task: well-formed commands that
# meet tasks in every state and senders in every role.
EXAMPLES = sorted({example for verb in registry.REGISTRY.verbs for example in verb.examples})
examples = st.builds(lambda example, ref: example.replace("#12", ref).replace("12号", ref),
                     st.sampled_from(EXAMPLES), st.sampled_from(REFS[:7]))
messages = st.one_of(examples, examples, commands, st.one_of(mixtures, st.text(max_size=40)))


def _in_every_state(office: Office) -> None:
    """#1 待接办, #2 办理中, #3 已办结 awaiting its rating, #4 办理中 with an extension asked,
    #5 offered to 综合科, #6 已撤销; #7 and above do not exist."""
    office.say("yangfan", "新建 起草年度工作总结 @李娜 3天内")
    office.say("zhangwei", "新建 核对全年经费报表 @李娜 5天内")
    office.say("lina", "接办 #2")
    office.say("yangfan", "新建 整理会议纪要 @李娜 3天内")
    office.say("lina", "接办 #3")
    office.say("lina", "办结 #3 已报送")
    office.say("zhangwei", "新建 汇总简报 @李娜 2天内")
    office.say("lina", "接办 #4")
    office.say("lina", "延期 #4 12月10日 需等待财务数据")
    office.say("zhengxue", "新建 核对公务用车台账 @综合科 3天内")
    office.say("zhangwei", "新建 印发通知 @王芳 1天内")
    office.say("zhangwei", "撤销 #6 会议已取消")


@dataclass(frozen=True)
class Scene:
    """The office every message meets, and every row it holds then."""

    office: Office
    state: dict[str, list[tuple[Any, ...]]]


@pytest.fixture
def scene(db: Engine) -> Scene:
    clock = FrozenClock(OFFICE_START)
    channel = MemoryChannel(directory=seeded_directory())
    sessions = make_sessions(db)
    with sessions.begin() as session:
        apply_snapshot(session, channel.fetch_directory(), now=clock())
    office = Office(sessions, clock, OfficeRules(admins=frozenset(ADMINS)), channel)
    _in_every_state(office)
    with sessions() as session:
        return Scene(office, _state(session))


@dataclass
class Outcome:
    """What handling did with the message: acted on it, or only answered (a refusal)."""

    acted: bool = False
    refused: bool = False


@pytest.fixture
def outcome() -> Iterator[Outcome]:
    """Watch the three ways a message may act: a command dispatched (an Unknown is only
    answered), a natural request put on a confirmation card, a reason for a bad rating; a
    Refusal raised from any of them undoes it."""
    seen = Outcome()
    on_text, dispatch, offer = flows._on_text, registry.dispatch, confirmations.offer
    take_reason = flows.ratings.take_reason

    def watched_text(ctx: Any, text: str) -> None:
        try:
            on_text(ctx, text)
        except Refusal:
            seen.refused = True
            raise

    def watched_dispatch(ctx: Any, command: Any) -> None:
        seen.acted = seen.acted or not isinstance(command, Unknown)
        dispatch(ctx, command)

    def watched_offer(*args: Any, **kwargs: Any) -> None:
        seen.acted = True
        offer(*args, **kwargs)

    def watched_reason(*args: Any, **kwargs: Any) -> bool:
        taken = take_reason(*args, **kwargs)
        seen.acted = seen.acted or taken
        return taken

    with mock.patch.object(flows, "_on_text", watched_text), \
            mock.patch.object(registry, "dispatch", watched_dispatch), \
            mock.patch.object(confirmations, "offer", watched_offer), \
            mock.patch.object(flows.ratings, "take_reason", watched_reason):
        yield seen


def _state(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row but the inbox's and the outbox's, as this transaction sees them."""
    return {table.name: [tuple(row) for row in session.execute(
                select(table).order_by(*table.primary_key.columns))]
            for table in Base.metadata.sorted_tables if table.name not in NOT_STATE}


@settings(max_examples=max(50, settings.default.max_examples // 4),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sender=st.sampled_from(SENDERS), text=messages)
def test_any_message_is_answered_and_a_refused_one_changes_nothing(
        scene: Scene, outcome: Outcome, sender: str, text: str) -> None:
    office = scene.office
    outcome.acted = outcome.refused = False
    with office.sessions() as session:  # rolled back: the next message meets the same office
        mark = session.scalar(select(func.max(OutboxMessage.id))) or 0

        flows.handle(session, TextMessage(key="fuzz", sender=sender, text=text),
                     now=office.clock(), rules=office.rules)
        session.flush()

        answered = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.id > mark, OutboxMessage.recipient == sender))
        assert answered, (sender, text)
        if outcome.refused or not outcome.acted:
            assert _state(session) == scene.state, (sender, text)
        event("refused" if outcome.refused else "acted" if outcome.acted else "answered")
        session.rollback()
