"""职责公开 (`/duties`, `/api/v1/duties`): each department's duties, who takes its new work
today, the day's duty roster, and "谁负责…" answered with the rules chat routing uses.

WeCom's sign-in (the foundation's); the page is the same for every platform. The office's
day is Tuesday 24 November 2026 from 09:00: office-wide 带班 周建国, 值班 李娜, 候班 马骏
(08:30-17:30), and 综合科's own 值班 赵磊.
"""

from datetime import date, time

import pytest
import requests

from tasks.routing.roster import RosterRow, import_rows
from tasks.routing.rules import import_yaml
from tests.e2e.browsers import DESKTOP, PHONE, overflowing, screenshot
from tests.e2e.workbench import assert_fits, client_for, sign_in, workbench_url
from tests.seeded_office import ROUTING_RULES

DAY = date(2026, 11, 24)


def _published(office) -> None:
    """The rules and the day's roster an admin imported."""
    with office.rt.sessions.begin() as session:
        import_yaml(session, ROUTING_RULES)
        import_rows(session, [
            RosterRow(DAY, time(8, 30), time(17, 30), None, ("周建国",), ("李娜",), ("马骏",)),
            RosterRow(DAY, time(8, 30), time(17, 30), "综合科", (), ("赵磊",), ()),
        ], replace=False, now=office.rt.clock())


def _api(client: requests.Session, office, query: str = "") -> requests.Response:
    return client.get(workbench_url(office, "/api/v1/duties"), params={"q": query} if query
                      else None, timeout=10)


def test_every_member_reads_each_departments_duties_intake_and_todays_roster(office):
    _published(office)
    answer = _api(client_for(office, "wangfang"), office)

    assert answer.status_code == 200
    found = answer.json()
    assert found["date"] == "2026-11-24"
    by_name = {d["name"]: d for d in found["departments"]}
    assert [d["name"] for d in found["departments"]][0] == "某市人民政府办公室"
    general = by_name["综合科"]
    assert general["keywords"] == ["会议室", "公务用车", "后勤"]
    assert general["path"] == ["某市人民政府办公室", "综合科"]
    assert [p["name"] for p in general["leaders"]] == ["陈静"]
    assert general["intake"] == {"by": "duty", "people": [{"name": "赵磊", "userid": "zhaolei"}]}
    secretariat = by_name["秘书科"]
    assert secretariat["default"] is True and secretariat["keywords"] == []
    assert secretariat["intake"]["by"] == "members"
    assert {p["userid"] for p in secretariat["intake"]["people"]} >= {"lina", "wangfang", "majun"}
    assert by_name["信息科"]["categories"] == ["信息化"]
    office_wide = next(s for s in found["roster"] if s["department"] == "全办")
    assert office_wide["hours"] == "08:30—17:30"
    assert [p["name"] for p in office_wide["lead"]] == ["周建国"]
    assert [p["name"] for p in office_wide["duty"]] == ["李娜"]
    assert [p["name"] for p in office_wide["standby"]] == ["马骏"]
    assert found["search"] is None


@pytest.mark.parametrize(("question", "department", "because", "intake"), [
    ("周五下午借用三楼会议室", "综合科", "关键词「会议室」", ["赵磊"]),
    ("【信息化】打印机无法连接", "信息科", "类别「信息化」", None),
    ("办公室电脑无法开机", "信息科", "关键词「电脑」", None),
    ("起草年度工作总结", "秘书科", "默认受理部门", None),
])
def test_who_handles_answers_with_the_rules_chat_routing_uses(office, question, department,
                                                              because, intake):
    _published(office)
    client = client_for(office, "yangfan")

    search = _api(client, office, question).json()["search"]

    assert (search["q"], search["department"], search["because"]) == (
        question, department, because)
    if intake:
        assert [p["name"] for p in search["intake"]["people"]] == intake
    office.say("yangfan", f"请示 {question}")
    assert f"承办：{department}" in office.last_reply("yangfan"), "chat routes it the same way"


def test_a_question_too_long_is_refused_in_chinese_and_strangers_are_signed_out(office):
    client = client_for(office, "lina")
    long = _api(client, office, "会议室" * 40)
    assert long.status_code == 400
    assert long.json() == {"error": "搜索内容太长，请在100字以内描述要办的事。"}
    page = client.get(workbench_url(office, "/duties"), params={"q": "会议室" * 40}, timeout=10)
    assert page.status_code == 400 and "搜索内容太长" in page.text
    stranger = requests.get(workbench_url(office, "/api/v1/duties"), timeout=10)
    assert stranger.status_code == 401 and stranger.json() == {"error": "未登录或登录已过期"}



@pytest.mark.browser
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_duties_page_and_its_search_in_the_browser(office, browser, size):
    _published(office)
    window = PHONE if size == "phone" else DESKTOP
    page = browser.new_page(viewport=window, locale="zh-CN")
    sign_in(page, office, "wangfang", next_path="/duties")

    assert page.locator("h1").inner_text() == "职责公开"
    general = page.locator("li", has=page.locator("h3", has_text="综合科"))
    assert "会议室" in general.inner_text() and "赵磊" in general.inner_text()
    assert "今日值班表（11月24日）" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="职责公开").get_attribute("aria-current") == "page"
    screenshot(page, f"duties-{size}", "workbench")
    assert overflowing(page) == []

    page.get_by_label("要办的事").fill("周五下午借用三楼会议室")
    page.get_by_role("button", name="查找承办科室").click()
    answer = page.get_by_role("status").inner_text()
    assert "由 综合科 负责" in answer and "关键词「会议室」" in answer and "赵磊（值班）" in answer
    screenshot(page, f"duties-search-{size}", "workbench")
    assert_fits(page)
    page.close()
