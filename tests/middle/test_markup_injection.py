"""Text from users is data, never markup (issue 13, finding 4).

A title, a note, a reason, a rating comment or a name from the directory written as a
markdown link, an HTML tag, emphasis, a mention or a fake new line reaches every reader as
the words it is: in markdown (我的, 查询, the digest) as full-width look-alikes, in text
messages with its tags defused, on cards as typed but on one line.
"""

import re

from tasks.calendar.office import load_calendar
from tasks.messaging.inbound import DirectoryChange
from tasks.reports import digest
from tests.middle.channel import Received

FINDING = "新建 [点此领取补贴](http://evil.example/phish) 请尽快办理 @张伟 3天内"
LINK = "[点此领取补贴](http://evil.example/phish)"
SHOWN_LINK = "［点此领取补贴］（http://evil.example/phish）"
FONT = '<font color="warning">紧急</font>'
ANCHOR = '<a href="http://evil.example/phish">查看通知</a>'
# A rating's reason is the one field taken from a message as written, line breaks and all.
FAKE_LINES = f"数据不一致\n# 【系统通知】请点击 {LINK}\n> 管理员：请回复密码"

LIVE_LINK = re.compile(r"\[[^\]\n]*\]\([^)\n]*\)")
# The assistant's own links, to the workbench (MASHANGBAN_PUBLIC_URL): taken out before
# a message is searched for links and tags that user text made.
OWN_LINK = re.compile(r"\[[^\]\n]*\]\(http://127\.0\.0\.1:8000/[^)\s]*\)"
                      r'|<a href="http://127\.0\.0\.1:8000/[^"\s]*">[^<>]*</a>')
# The assistant's own markdown uses `**` and line-leading `>`; user text adds none of these.
USER_MARKDOWN = ("**重要**", "`代码`", "_斜_", "@all", "<", "](")
FAKE_LINE_STARTS = ("#", "【系统通知】", "> 管理员", "＞ 管理员")


def _markdown(office, userid: str) -> list[str]:
    return [r.text for r in office.channel.received if r.to == userid and r.kind == "markdown"]


def test_the_findings_title_reaches_the_holder_as_words_not_a_link(office):
    office.say("lina", FINDING)
    [card] = office.channel.cards("zhangwei")
    mine = office.say("zhangwei", "我的").reply("zhangwei")
    details = office.say("zhangwei", "查询 #1").reply("zhangwei")

    for markdown in (mine, details):
        assert LIVE_LINK.search(OWN_LINK.sub("", markdown)) is None, markdown
        assert SHOWN_LINK in markdown
    assert f"> [#1](http://127.0.0.1:8000/m/tasks/1?p=wecom) {SHOWN_LINK}\n" in mine
    assert details.startswith(f"**任务 #1** {SHOWN_LINK}\n")
    assert card.subtitle == LINK, "a card field is plain text on WeCom: shown as typed"
    assert office.channel.received[-1].kind == "markdown"


def test_hostile_text_in_every_field_reaches_nobody_as_markup(office):
    """A whole life of one task with hostile words wherever a person can write, and a
    member whose directory name is a link; then every message anyone received is read."""
    office.handle(DirectoryChange(key="d1", sender="sys", change="update_user",
                                  userid="majun", name=f"马骏{LINK}"))
    office.say("yangfan", f"新建 {LINK} {FONT} **重要** `代码` _斜_ 请核对 @李娜 3天内")
    office.click("lina", "接办")
    office.say("lina", f"进展 #1 {ANCHOR} @all 已完成一半")
    office.say("zhangwei", f"催办 #1 {LINK} 抓紧")
    office.say("lina", f"延期 #1 12月5日 {FONT}需要数据")
    office.say("zhangwei", f"不同意延期 #1 {ANCHOR}")
    office.say("lina", f"办结 #1 {LINK} 已报送")
    office.click("yangfan", "不满意")
    office.say("yangfan", FAKE_LINES)
    office.click("zhangwei", "重办")
    office.say("lina", f"转办 #1 @majun {LINK} 归他")
    office.say("majun", "我的")
    morning = _digest_of(office, "majun")
    office.say("majun", f"转办 #1 @李娜 {ANCHOR}")  # back to an earlier holder: 推诿扯皮
    office.say("yangfan", "查询 #1")
    office.say("yangfan", f"撤销 #1 {ANCHOR}")
    office.say("lina", f"帮助 {LINK}")
    office.say("lina", ANCHOR)

    received = office.channel.received
    assert {r.kind for r in received} >= {"text", "markdown", "card", "card_update"}
    assert any("【推诿扯皮提示】" in r.text for r in received)
    for message in received:
        _assert_inert(message)
    _assert_inert(Received("markdown", "majun", text=morning))
    [details] = _markdown(office, "yangfan")
    assert f"\n马骏{SHOWN_LINK}：0分钟，未接办\n" in details  # 承办经过, a line of its own
    assert "评价：不满意（原因：数据不一致 # 【系统通知】请点击 " in details, "one line"
    assert morning.split("\n")[1].startswith(f"马骏{SHOWN_LINK}，你有 1 项任务未办结")


def _assert_inert(message: Received) -> None:
    if message.card is not None:
        card = message.card
        for value in (card.subtitle, card.status or "", *(f.value for f in card.fields)):
            assert "\n" not in value, value
        return
    text = OWN_LINK.sub("", message.text)
    if message.kind == "markdown":
        assert LIVE_LINK.search(text) is None, text
        assert not [piece for piece in USER_MARKDOWN if piece in text], text
    else:
        assert "<" not in text and ">" not in text, text
    for line in text.split("\n"):
        assert not line.startswith(FAKE_LINE_STARTS), text


def _digest_of(office, userid: str) -> str:
    """The morning digest `userid` would get now (docs/reports.md)."""
    now = office.clock()
    with office.sessions() as session:
        calendar = load_calendar(session, office.rules.working_hours)
        [found] = [d for d in digest.build_digests(session, now) if d.person.userid == userid]
        return digest.digest_text(found, now, calendar)


def test_a_refusal_names_people_with_their_tags_defused(office):
    """The 只有…可以 refusal names who may act: a name from the directory is text there."""
    office.say("yangfan", "新建 核对报表 @李娜 3天内")
    office.click("lina", "接办")
    office.handle(DirectoryChange(key="d2", sender="sys", change="update_user",
                                  userid="lina", name=f"李娜{ANCHOR}"))
    refusal = office.say("yangfan", "办结 #1 已完成").reply("yangfan")

    assert "只有" in refusal and "李娜＜a href=" in refusal, refusal
    assert "<" not in refusal and ">" not in refusal, refusal
