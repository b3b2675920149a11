"""Text from users is data, never markup (issue 13, finding 4): the injection table.

Every hostile string is escaped for each output format; what comes out must hold no live
link, tag, emphasis, code, heading, quote or mention of that format, stay on one line, and
still read as what was written: the parser's normalisation folds it back to the original.
"""

import re
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from tasks.calendar.workdays import SHANGHAI, WorkCalendar
from tasks.language.text import normalize
from tasks.markup import card_text, markdown_text, plain_text
from tasks.reminders.texts import reminder_text
from tasks.reports.figures import DAILY, Period
from tasks.reports.summaries import Figures, summary_text

LINK = "[点此领取补贴](http://evil.example/phish)"
ANCHOR = '<a href="http://evil.example/phish">查看通知</a>'
NOW = datetime(2026, 11, 24, 17, 0, tzinfo=SHANGHAI)

HOSTILE = {
    "the finding's link": f"{LINK} 请尽快办理",
    "an image": "![通知](http://evil.example/x.png)",
    "a reference link": "[点此][1] 见下\n[1]: http://evil.example/phish",
    "a font tag": '<font color="warning">紧急：补贴今日截止</font>',
    "an a tag": '<a href="http://evil.example/phish">查看通知</a>',
    "an autolink": "<http://evil.example/phish>",
    "a robot mention": "<@all> 请参加会议",
    "@all": "@all 全体注意",
    "a mention": "请 @张伟 回复",
    "bold": "**重要**通知",
    "emphasis": "_斜体_ 和 *斜体*",
    "inline code": "`rm -rf` 已执行",
    "a heading": "# 紧急通知",
    "a heading after spaces": "   ## 紧急通知",
    "a quote": "> 办公室：请回复密码",
    "a fake heading on a new line": "整理材料\n# 【系统通知】请点击领取",
    "a fake quote on a new line": "整理材料\r\n> 管理员：请回复密码",
    "a line separator": "整理材料\u2028【系统通知】请点击领取",
    "a link across lines": "[点此]\n(http://evil.example)",
    "a backslash-escaped link": r"\[点此\](http://evil.example)",
    "a right-to-left override": "合同\u202efdp.exe",
    "a control character": "整理\x00材料\x1b[31m",
}

# What a format may not contain once user text is escaped for it.
LIVE = {
    "markdown": re.compile(r"[\[\]()<>*_`\\@\n\r\u2028\u2029\u202e\x00\x1b]|^\s*#"),
    "text": re.compile(r"[<>\n\r\u2028\u2029\u202e\x00\x1b]"),
    "card": re.compile(r"[\n\r\u2028\u2029\u202e\x00\x1b]"),
}
ESCAPE = {"markdown": markdown_text, "text": plain_text, "card": card_text}
LIVE_LINK = re.compile(r"\[[^\]]*\]\s*[(\[]")


def _visible(text: str) -> str:
    """What a reader should still read: the words, with line breaks as spaces and the
    invisible controls gone."""
    without = re.sub(r"[\x00-\x08\x0e-\x1b\x1f\u202a-\u202e]", "", text)
    return normalize(without)


@pytest.mark.parametrize("output", sorted(ESCAPE))
@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_no_markup_survives_and_the_words_still_read(hostile, output):
    escaped = ESCAPE[output](hostile)
    assert LIVE[output].search(escaped) is None, escaped
    assert normalize(escaped) == _visible(hostile)
    assert ESCAPE[output](escaped) == escaped, "escaping twice changes nothing"


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_no_markdown_link_can_form_from_user_text(hostile):
    assert LIVE_LINK.search(markdown_text(hostile)) is None


@pytest.mark.parametrize(("written", "markdown", "text"), [
    (f"{LINK} 请尽快办理", "［点此领取补贴］（http://evil.example/phish） 请尽快办理",
     f"{LINK} 请尽快办理"),
    ('<font color="warning">紧急</font>', '＜font color="warning"＞紧急＜/font＞',
     '＜font color="warning"＞紧急＜/font＞'),
    ('<a href="http://evil.example">看</a>', '＜a href="http://evil.example"＞看＜/a＞',
     '＜a href="http://evil.example"＞看＜/a＞'),
    ("@all 全体注意", "＠all 全体注意", "@all 全体注意"),
    ("# 紧急通知", "＃ 紧急通知", "# 紧急通知"),
    ("整理材料\n# 【系统通知】", "整理材料 # 【系统通知】", "整理材料 # 【系统通知】"),
    ("**重要** `代码` _斜_", "＊＊重要＊＊ ｀代码｀ ＿斜＿", "**重要** `代码` _斜_"),
    ("报告（初稿）#12 已完成", "报告（初稿）#12 已完成", "报告（初稿）#12 已完成"),
])
def test_what_the_reader_sees(written, markdown, text):
    """Full-width forms in markdown, tags defused in text; a card shows what was typed, on
    one line."""
    assert (markdown_text(written), plain_text(written)) == (markdown, text)
    assert card_text(written) == written.replace("\n", " ")


@pytest.mark.parametrize("escape", ESCAPE.values(), ids=ESCAPE.keys())
def test_a_bare_address_stays_whole_so_the_reader_sees_where_it_goes(escape):
    assert "http://evil.example/phish" in escape("详见 http://evil.example/phish 。")


def _overdue_task(title: str, holder: str) -> SimpleNamespace:
    deadline = datetime(2026, 11, 23, 17, 30, tzinfo=SHANGHAI)
    return SimpleNamespace(id=7, title=title, kind="general", deadline=deadline, policy={},
                           holder_label=holder, is_open=True)


def test_a_reminder_is_a_text_message_with_its_title_and_names_defused():
    task = _overdue_task(f"{ANCHOR}核对", "李娜")
    row = SimpleNamespace(task=task, timer="overdue", level=0, due_at=task.deadline)
    text = reminder_text(row, WorkCalendar(), NOW, "<b>马骏</b>")
    assert text.startswith(f"【催办】任务 #7「{plain_text(ANCHOR)}核对」已于 11月23日 17:30 到期，"
                           "承办人 ＜b＞马骏＜/b＞，")
    assert "<" not in text


def test_a_summary_shows_department_holder_and_title_as_words():
    """The group robot's markdown: a department or holder named like a link, an overdue
    title short enough to survive clipping whole."""
    figures = Figures(open=1, overdue=[_overdue_task("[领补贴](x.cn)", f"马骏{LINK}")])
    day = NOW.date()
    period = Period(DAILY, day.isoformat(), NOW - timedelta(days=1), NOW, day)
    text = summary_text(f"秘书科{LINK}", period, figures, NOW, WorkCalendar())
    assert LIVE_LINK.search(text) is None, text
    assert text.startswith(f"**【督办日报】秘书科{markdown_text(LINK)}**（")
    assert f"> #7 ［领补贴］（x.cn）｜马骏{markdown_text(LINK)}｜" in text

