"""Merged reminders are split by the text limit the recipient's channel declares."""

from tasks.reminders.texts import HEADER_ROOM, merged

TEXTS = [f"【催办】任务 #{n}「季度报表第{n}部分」已到期，请尽快办结。" for n in range(1, 16)]


def test_a_smaller_text_limit_gives_more_messages_each_within_it():
    for limit in (2048, 1000, 400):
        messages = merged(TEXTS, limit)
        assert all(len(m.encode()) <= limit for m in messages)
        assert sum(m.count("【催办】") for m in messages) == len(TEXTS)
    assert len(merged(TEXTS, 400)) > len(merged(TEXTS, 1000)) > len(merged(TEXTS, 2048))


def test_the_lines_fill_the_limit_less_the_room_for_the_header():
    two_lines = sum(len(f"{n}. {t}".encode()) + 1 for n, t in enumerate(TEXTS[:2], start=1))
    [single] = merged(TEXTS[:2], two_lines + HEADER_ROOM)
    assert single.startswith("你有 2 条提醒：")
    assert len(merged(TEXTS[:2], two_lines + HEADER_ROOM - 2)) == 2


def test_without_a_limit_nothing_is_split():
    assert len(merged(TEXTS)) == 1
