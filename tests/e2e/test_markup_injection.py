"""Text from users is data, never markup (issue 13, finding 4), through the WeCom sandbox.

The finding: `新建 [点此领取补贴](http://evil.example/phish) 请尽快办理 @张伟 3天内` came back
verbatim in the holder's 我的 and 查询 as a live link. Here the holder's views, the card and
the evening's digest and summary are read as WeCom received them.

WeCom only: what is markup depends on the platform's markdown and card rendering
(WeCom shows card fields as plain text).
"""

import re

from tests.clocks import ShiftedClock
from tests.e2e.office import Office
from workers.jobs.reports import send_scheduled_reports

FINDING = "新建 [点此领取补贴](http://evil.example/phish) 请尽快办理 @张伟 3天内"
SHOWN = "［点此领取补贴］（http://evil.example/phish）"
# Short enough to survive the digest's and summary's clipping of titles whole.
SHORT = "[领补贴](x.cn)"
SHORT_SHOWN = "［领补贴］（x.cn）"
LIVE_LINK = re.compile(r"\[[^\]\n]*\]\([^)\n]*\)")
# The assistant's own links to the workbench (MASHANGBAN_PUBLIC_URL, the test product's
# address), the only live ones.
OWN_LINK = re.compile(r"\[[^\]\n]*\]\(http://127\.0\.0\.1:\d+/m/[^)\s]*\)")


def _markdown(office: Office, userid: str) -> list[str]:
    return [m.text for m in office.received(userid) if m.kind == "markdown"]


def _starting(office: Office, userid: str, head: str) -> list[str]:
    return [text for text in _markdown(office, userid) if text.startswith(head)]


def test_the_findings_title_reaches_the_holder_and_the_reports_as_words(office, clock):
    office.say("lina", FINDING)
    office.say("lina", f"新建 {SHORT} @张伟 今天下午5点前")
    office.say("zhangwei", "我的")
    office.say("zhangwei", "查询 #1")
    mine, details = _markdown(office, "zhangwei")
    page = office.rt.settings.rules.public_url + "/m/tasks/1?p=wecom"
    assert f"> [#1]({page}) {SHOWN}\n" in mine
    assert details.startswith(f"**任务 #1** {SHOWN}\n")
    card = office.cards("zhangwei")[0]
    assert card.subtitle == "[点此领取补贴](http://evil.example/phish)", \
        "a card field is plain text on WeCom: shown as typed"

    _evening(clock, office)
    [digest] = _starting(office, "zhangwei", "**今日待办提醒**")
    [summary] = _starting(office, "zhangwei", "**【督办日报】秘书科**")
    [office_wide] = _starting(office, "zhoujianguo", "**【督办日报】")
    assert f"> #2 {SHORT_SHOWN}｜" in digest
    assert f"> #2 {SHORT_SHOWN}｜张伟｜" in summary and f"> #2 {SHORT_SHOWN}｜张伟｜" in office_wide
    for userid in ("zhangwei", "zhoujianguo"):
        for markdown in _markdown(office, userid):
            assert LIVE_LINK.search(OWN_LINK.sub("", markdown)) is None, markdown


def _evening(clock: ShiftedClock, office: Office) -> None:
    """Tuesday 17:30: #2 is overdue, the digest and the daily summary go out."""
    clock.advance(hours=8, minutes=30)
    assert send_scheduled_reports(office.rt) > 0
    office.work()
