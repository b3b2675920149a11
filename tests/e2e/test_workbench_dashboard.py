"""The supervisor's dashboard (驾驶舱, docs/workbench.md "Dashboard") in the seeded office,
signed in through the sandbox's OAuth: 张伟 (head of 秘书科) sees his department's tree,
counts, overdue list, figures (the same as his summary's), charts drawn by the vendored
ECharts, the drill-down to the tasks and the assessment workbook; 马骏, a plain member,
gets 无权查看. In Chromium at phone and desktop size, with screenshots of each page."""

from io import BytesIO
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from tasks.calendar.workdays import SHANGHAI
from tasks.models import Department
from tasks.reports import summaries
from tasks.reports.dashboard import Span
from tasks.reports.figures import Period
from tests.e2e.browsers import DESKTOP, PHONE, screenshot
from tests.e2e.office import Office
from tests.e2e.workbench import assert_fits, client_for, sign_in, workbench_url

SIZES = {"phone": PHONE, "desktop": DESKTOP}
CANVAS_INK = """() => Array.from(document.querySelectorAll('.dash-canvas canvas')).map(c => {
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let ink = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) ink += 1; }
  return ink;
})"""


@pytest.fixture
def busy(office: Office) -> Office:
    """A week's work of 秘书科: one task closed on time and rated 满意, one overdue with
    its holder (马骏), one due today (李娜), all within the week of the office's Tuesday."""
    office.say("yangfan", "新建 核对全年经费报表 @李娜 3天内")
    office.click("lina", "接办")
    office.say("lina", "办结 #1 已报送办公室")
    office.click("yangfan", "满意")
    office.say("chenjing", "新建 整理档案材料 @马骏 1小时内")
    office.say("zhangwei", "新建 更新网站栏目 @李娜 今天")
    office.click("lina", "接办")
    office.rt.clock.advance(hours=2)
    return office


def _week(office: Office) -> Span:
    today = office.rt.clock().astimezone(SHANGHAI).date()
    from datetime import timedelta
    monday = today - timedelta(days=today.weekday())
    return Span("本周", monday, monday + timedelta(days=6))


def _summary_of(office: Office, name: str) -> summaries.Figures:
    """The summaries' own figures of department `name` for this week, as its weekly
    summary would compute them now."""
    span, now = _week(office), office.rt.clock()
    with office.rt.sessions() as session:
        departments = list(session.scalars(select(Department).where(Department.active)))
        [department] = [d for d in departments if d.name == name]
        subtree = summaries._subtrees(departments)[department.id]
        facts = summaries._load_facts(session, span.start, span.end, now)
        period = Period("summary-weekly", "w", span.start, span.end, span.first)
        return summaries._figures(facts, subtree, False, period, now)


def test_a_supervisor_sees_the_same_figures_as_the_summary(busy: Office):
    client = client_for(busy, "zhangwei")
    data = client.get(workbench_url(busy, "/api/v1/dashboard/figures"), timeout=10).json()
    want = _summary_of(busy, "秘书科")
    mine = data["department"]
    assert mine["name"] == "秘书科"
    assert (mine["open"], mine["overdue"], mine["due_today"]) == (
        want.open, len(want.overdue), 1) == (2, 1, 1)
    figures = mine["figures"]
    assert (figures["new"], figures["closed"], figures["on_time"], figures["with_deadline"]) == (
        want.new, want.closed, want.on_time, want.with_deadline) == (3, 1, 1, 1)
    assert figures["first_response"]["count"] == len(want.first_response) == 1
    assert figures["first_response"]["p90_minutes"] == want.first_response[0]
    assert figures["ratings"]["满意"] == want.ratings["满意"] == 1
    people = {p["name"]: p for p in data["people"]}
    assert people["李娜"]["figures"]["closed"] == 1 and people["马骏"]["overdue"] == 1

    tree = client.get(workbench_url(busy, "/api/v1/dashboard/tree"), timeout=10).json()
    assert [d["name"] for d in tree["departments"]] == ["秘书科"], "only what he supervises"
    overdue = client.get(workbench_url(busy, "/api/v1/dashboard/overdue"), timeout=10).json()
    assert overdue["total"] == 1
    [late] = overdue["tasks"]
    assert (late["id"], late["holder"], late["url"]) == (2, "马骏", "/m/tasks/2")

    page = client.get(workbench_url(busy, "/dashboard/"), timeout=10).text
    assert "超期未办结 1 项" in page and "#2 整理档案材料" in page
    assert "100%（1/1）" in page, "the on-time rate in the figures table"


def test_the_workbook_of_the_period_downloads_with_the_assessment_figures(busy: Office):
    client = client_for(busy, "zhangwei")
    answer = client.get(workbench_url(busy, "/dashboard/assessment.xlsx"), timeout=30)
    assert answer.status_code == 200
    assert "attachment" in answer.headers["Content-Disposition"]
    book = openpyxl.load_workbook(BytesIO(answer.content))
    people = book["个人"]
    headers = [c.value for c in people[2]]
    rows = {row[0]: row for row in people.iter_rows(min_row=3, values_only=True)}
    assert rows["李娜"][headers.index("办结")] == 1
    assert rows["李娜"][headers.index("满意")] == 1
    assert "秘书科" in str(people["A1"].value), "scoped to the department he supervises"


def test_a_member_and_a_stranger_department_and_bad_input_are_refused(busy: Office):
    member = client_for(busy, "majun")
    page = member.get(workbench_url(busy, "/dashboard/"), timeout=10)
    assert page.status_code == 403 and "无权查看" in page.text
    api = member.get(workbench_url(busy, "/api/v1/dashboard/figures"), timeout=10)
    assert api.status_code == 403 and api.json()["error"].startswith("无权查看")

    head = client_for(busy, "zhangwei")
    with busy.rt.sessions() as session:
        other = session.scalar(select(Department.id).where(Department.name == "综合科"))
    outside = head.get(workbench_url(busy, f"/dashboard/?department={other}"), timeout=10)
    assert outside.status_code == 403 and "你不督办这个部门" in outside.text
    for query, message in [("period=custom&from=2026-12-02&to=2026-12-01", "晚于"),
                           ("period=custom&from=2026-13-01&to=2026-12-01", "无法识别"),
                           ("period=year", "本周、本月或自定义"),
                           ("department=abc", "部门编号无法识别")]:
        bad = head.get(workbench_url(busy, f"/dashboard/?{query}"), timeout=10)
        assert bad.status_code == 400 and message in bad.text, query
        api_bad = head.get(workbench_url(busy, f"/api/v1/dashboard/figures?{query}"),
                           timeout=10)
        assert api_bad.status_code == 400 and message in api_bad.json()["error"]
    unknown = head.get(workbench_url(busy, "/dashboard/tasks?show=everything"), timeout=10)
    assert unknown.status_code == 400


def test_a_leader_sees_the_whole_office_and_any_period(busy: Office):
    leader = client_for(busy, "zhoujianguo")
    tree = leader.get(workbench_url(busy, "/api/v1/dashboard/tree"), timeout=10).json()
    names = [d["name"] for d in tree["departments"]]
    assert "秘书科" in names and "综合科" in names and tree["departments"][0]["depth"] == 0
    assert tree["departments"][0]["overdue"] == 1
    month = leader.get(workbench_url(
        busy, "/api/v1/dashboard/figures?period=custom&from=2026-11-01&to=2026-11-30"),
        timeout=10).json()
    assert month["period"]["from"] == "2026-11-01"
    assert month["department"]["figures"]["closed"] == 1


# -- in the browser ----------------------------------------------------------------------


def _page(browser: Any, size: str) -> Any:
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN")
    return context.new_page()


@pytest.mark.browser
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_dashboard_in_the_browser(busy: Office, browser: Any, size: str):
    page = _page(browser, size)
    sign_in(page, busy, "zhangwei", next_path="/dashboard/")
    assert page.locator("h1").inner_text() == "驾驶舱 · 秘书科"
    tree = page.locator(".dash-tree")
    assert "秘书科" in tree.inner_text() and "超期 1" in tree.inner_text()
    overdue = page.locator(".dash-overdue li")
    assert overdue.count() == 1
    assert "承办：马骏" in overdue.inner_text() and "已持有" in overdue.inner_text()
    assert overdue.locator("a").get_attribute("href") == "/m/tasks/2"
    page.wait_for_selector("#dash-charts[data-drawn=yes]", timeout=10_000)
    inks = page.evaluate(CANVAS_INK)
    assert len(inks) == 3 and all(ink > 500 for ink in inks), inks
    table = page.locator("table.dash-table").first
    assert "100%（1/1）" in table.inner_text()
    assert_fits(page)
    screenshot(page, f"dashboard-{size}", "workbench")

    page.locator(".dash-counts a", has_text="超期").click()
    page.wait_for_url("**/dashboard/tasks?**")
    assert page.locator("h1").inner_text() == "秘书科 · 超期 1 项"
    assert page.locator(".dash-tasks a").get_attribute("href") == "/m/tasks/2"
    assert_fits(page)
    screenshot(page, f"dashboard-tasks-{size}", "workbench")

    if size == "desktop":
        page.go_back()
        with page.expect_download() as download:
            page.locator("a", has_text="下载平时考核记载").click()
        assert download.value.suggested_filename.endswith(".xlsx")
        with open(download.value.path(), "rb") as saved:
            book = openpyxl.load_workbook(saved)
        assert book.sheetnames == ["个人", "部门"]
        headers = [c.value for c in book["个人"][2]]
        rows = {r[0]: r for r in book["个人"].iter_rows(min_row=3, values_only=True)}
        assert rows["李娜"][headers.index("按原期限按时办结")] == 1
    page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_plain_member_is_shown_no_right_to_look(busy: Office, browser: Any, size: str):
    page = _page(browser, size)
    sign_in(page, busy, "majun", next_path="/m/")
    answer = page.goto(workbench_url(busy, "/dashboard/"))
    assert answer is not None and answer.status == 403
    assert page.locator("h1").inner_text() == "无权查看"
    assert page.locator("nav").get_by_text("驾驶舱").count() == 0
    assert_fits(page)
    screenshot(page, f"dashboard-refused-{size}", "workbench")
    page.context.close()
