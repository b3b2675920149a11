"""A verb that is not shipped (tests/fixtures/verbs/note.py) is one file: registered, it
parses, obeys its authority rule, answers, and appears in 帮助, through flows.handle on a
real database."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.core.authority import MATRIX
from tasks.directory.sync import apply_snapshot
from tasks.handling import flows
from tasks.language import Unknown
from tasks.messaging.channel import DirectoryDepartment, DirectoryMember, DirectorySnapshot
from tasks.messaging.inbound import TextMessage
from tasks.models import OutboxMessage, Person, Task, TaskEvent
from tasks.verbs.registry import REGISTRY, discover, parse_command
from tests.fixtures.verbs.note import VERBS as NOTE_VERBS
from tests.fixtures.verbs.note import NoteTask

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


@pytest.fixture
def note_verb() -> Iterator[None]:
    """Discover the fixture package exactly as the product's is discovered, and register it."""
    extra = discover("tests.fixtures.verbs")
    for verb in extra:
        REGISTRY.add(verb)
    yield
    for verb in extra:
        REGISTRY.remove(verb)


@pytest.fixture
def office(session: Session) -> Session:
    """An office with a section; 张伟 asked 李娜 for a task, 周建国 leads the office above
    them, 杨帆 has no part in it."""
    apply_snapshot(session, DirectorySnapshot(
        departments=(DirectoryDepartment("1", "办公室", None),
                     DirectoryDepartment("2", "秘书科", "1")),
        members=(DirectoryMember("head", "张伟", ("2",), ("2",)),
                 DirectoryMember("lina", "李娜", ("2",)),
                 DirectoryMember("yang", "杨帆", ("1",)),
                 DirectoryMember("chief", "周建国", ("1",), ("1",))),
    ), now=NOW)
    head, lina = (session.scalar(select(Person).where(Person.userid == u))
                  for u in ("head", "lina"))
    session.add(Task(title="起草总结", state="accepted", requester=head, holder=lina,
                     first_responder=lina, created_at=NOW, updated_at=NOW))
    session.flush()
    return session


def say(session: Session, userid: str, text: str) -> str:
    """Handle one message as the product does; the sender's last reply."""
    flows.handle(session, TextMessage(f"k-{userid}-{text}", userid, text), now=NOW)
    body = session.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == userid)
                           .order_by(OutboxMessage.id.desc()).limit(1)).first()
    assert body is not None
    return str(body["text"])


def notes(session: Session) -> list[str]:
    return list(session.scalars(select(TaskEvent.text).where(TaskEvent.action == "noted")))


def test_the_holder_notes_a_task_by_an_alias(office, note_verb):
    assert say(office, "lina", "批注 #1 已电话确认") == "已为任务 #1 添加备注：已电话确认"
    assert notes(office) == ["已电话确认"]


def test_a_participant_without_the_role_is_refused_by_the_verbs_own_rule(office, note_verb):
    answer = say(office, "chief", "备注 #1 我来看看")  # a leader, but not a role it allows
    assert answer == "无法备注：任务 #1 只有提请人（张伟）或承办人（李娜）可以备注。"
    assert notes(office) == []


def test_someone_without_a_part_is_told_only_that_no_task_of_theirs_has_the_number(
        office, note_verb):
    answer = say(office, "yang", "备注 #1 我来看看")
    assert answer == "没有找到与你有关的任务 #1，请发送「我的」查看你的任务编号。"
    assert answer == say(office, "yang", "备注 #2 我来看看").replace("#2", "#1")
    assert notes(office) == []


def test_its_grammar_refuses_with_its_example(office, note_verb):
    assert parse_command("备注 #1") == Unknown("备注 #1", "备注须写明内容", "备注 #12 已电话确认")
    assert "可以这样写：备注 #12 已电话确认" in say(office, "head", "备注")


def test_it_appears_in_help_with_the_roles_it_declares(office, note_verb):
    assert "· **备注**：为任务添加备注" in say(office, "head", "帮助")
    detail = say(office, "head", "帮助 批注")
    assert detail.split("\n")[:2] == ["格式：备注 #编号 内容", "谁可以用：提请人、承办人。"]


def test_unregistered_it_is_gone_again(office, note_verb):
    assert isinstance(parse_command("备注 #1 内容"), NoteTask)
    [verb] = NOTE_VERBS
    REGISTRY.remove(verb)  # what the fixture does after the test
    try:
        assert isinstance(parse_command("备注 #1 内容"), Unknown)
        assert "note" not in MATRIX
        assert "备注" not in say(office, "head", "帮助")
    finally:
        REGISTRY.add(verb)
