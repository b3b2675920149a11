"""The mobile task pages in headless Chromium, at phone (375x812) and desktop (1280x800)
size, signed in through the sandbox's OAuth: every page and every action of a task's life
(接办, 进展, 延期 and its 同意/不同意, 催办, 转办 with the picker, 办结, 评价, 撤销, and a new task
with the language preview), the refusals the matrix gives, a double submit, and what chat
shows the others. A screenshot of each page at both sizes goes to
var/screenshots/workbench/; nothing on any page is wider than the window (`assert_fits`).
"""

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from tasks.models import Task, TaskEvent
from tests.e2e.browsers import DESKTOP, PHONE, overflowing, screenshot
from tests.e2e.office import Office
from tests.e2e.workbench import assert_fits, sign_in

pytestmark = pytest.mark.browser

SIZES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class People:
    """A browser window per person, all at one size, each signed in through OAuth."""

    def __init__(self, browser: Any, office: Office, size: str):
        self.browser, self.office, self.size = browser, office, size
        self.contexts: list[Any] = []

    def page(self, userid: str, path: str = "/m/") -> Any:
        context = self.browser.new_context(viewport=SIZES[self.size], locale="zh-CN")
        self.contexts.append(context)
        page = context.new_page()
        sign_in(page, self.office, userid, next_path=path)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def people(browser: Any, office: Office, size: str) -> Iterator[People]:
    opened = People(browser, office, size)
    yield opened
    opened.close()


def shot(page: Any, name: str, size: str) -> None:
    """Everything fits the window, and the page is kept as a screenshot."""
    screenshot(page, f"tasks-{name}-{size}", "workbench")
    assert overflowing(page) == [], overflowing(page)
    assert_fits(page)
    screenshot(page, f"tasks-{name}-{size}", "workbench")


def submit(page: Any, office: Office, form: str, **fields: str) -> str:
    """Open the form's panel if it folds, fill it, send it; the worker then sends what it
    queued. Returns the page's flash (the verb's answer or refusal)."""
    summary = page.locator(f"details#{form} > summary")
    if summary.count() and not page.locator(f"details#{form}[open]").count():
        summary.click()
    for name, value in fields.items():
        target = page.locator(f"#{form} [name={name}]")
        if target.first.get_attribute("type") == "radio":
            page.check(f"#{form} [name={name}][value='{value}']")
        else:
            target.first.fill(value)
    with page.expect_navigation():
        page.locator(f"#{form} button[type=submit]").last.click()
    office.work()
    return str(page.locator(".flash").first.inner_text())


def events(office: Office, number: int) -> list[tuple[str, str, str]]:
    with office.rt.sessions() as session:
        return [(e.action, e.actor.userid if e.actor else "", e.channel)
                for e in session.scalars(select(TaskEvent).where(TaskEvent.task_id == number)
                                         .order_by(TaskEvent.id))]


def state(office: Office, number: int) -> tuple[str, str | None]:
    with office.rt.sessions() as session:
        task = session.get(Task, number)
        assert task is not None
        return task.state, task.holder.userid if task.holder else None


def test_a_task_from_request_to_rating_on_the_pages(office: Office, people: People,
                                                    size: str):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    office.say("zhangwei", "新建 核对全年经费报表 @秘书科 今天下午5点前")  # stays open

    lina = people.page("lina")
    assert "#1" in lina.locator(".task-list").inner_text()
    assert "起草年度工作总结" in lina.locator(".task-list").inner_text()
    shot(lina, "mine", size)
    assert lina.locator("a.task-link").first.inner_text() == "#2 核对全年经费报表"  # sooner
    lina.click("a.task-link:has-text('起草年度工作总结')")
    assert lina.locator("h1").inner_text() == "起草年度工作总结"
    shot(lina, "task-offered", size)

    assert submit(lina, office, "accept").startswith("已接办任务 #1")
    assert "李娜" in office.last_reply("zhangwei") and "已接办任务 #1" in office.last_reply(
        "zhangwei")
    assert submit(lina, office, "progress", text="初稿已完成一半").startswith(
        "已记录任务 #1 的进展")
    assert office.last_reply("zhangwei").endswith("初稿已完成一半")
    flash = submit(lina, office, "extend", date="2026-12-04", time="17:00",
                   reason="需等待财务数据")
    assert flash.startswith("已提交任务 #1 的延期申请，等待 张伟 审批")

    zhangwei = people.page("zhangwei", "/m/tasks/1")
    assert "延期申请待审批" in zhangwei.locator(".task-head").inner_text()
    shot(zhangwei, "task-supervisor", size)
    assert submit(zhangwei, office, "approve", reason="").startswith("已同意任务 #1 的延期申请")
    assert "同意了任务 #1 的延期申请，新期限 12月4日 17:00" in office.last_reply("lina")
    assert submit(zhangwei, office, "chase", note="请本周内报送").startswith(
        "已向 李娜 催办任务 #1")
    assert office.cards("lina")[-1].card_id.startswith("mc1-")

    lina.goto(lina.url.split("?")[0])
    lina.locator("details#transfer > summary").click()
    lina.fill("#transfer-who", "王芳")  # the picker searches the directory as one types
    lina.wait_for_selector("#transfer-choices input[value='wecom:wangfang2']")
    shot(lina, "task-transfer-picker", size)
    flash = submit(lina, office, "transfer", to="wecom:wangfang2", reason="该事项归督查科办理")
    assert flash.startswith("已将任务 #1 转办给 王芳")
    assert "转给你办理" in office.replies("wangfang2")[-1]

    wangfang = people.page("wangfang2", "/m/tasks/1")
    assert submit(wangfang, office, "accept").startswith("已接办任务 #1")
    assert submit(wangfang, office, "close", result="初稿已报送办公室").startswith(
        "任务 #1 已办结")
    assert "初稿已报送办公室" in office.last_reply("zhangwei")

    zhangwei.goto(zhangwei.url.split("/m/")[0] + "/m/to-rate")
    assert "#1" in zhangwei.locator(".task-list").inner_text()
    shot(zhangwei, "to-rate", size)
    zhangwei.click("a.task-link")
    assert submit(zhangwei, office, "rate", level="满意").startswith("感谢评价！任务 #1")
    assert "评价为「满意」" in office.last_reply("wangfang2")
    shot(zhangwei, "task-closed", size)
    record = zhangwei.locator("section[aria-labelledby=closures-title]").inner_text()
    assert "初稿已报送办公室" in record and "评价：满意" in record
    history = zhangwei.locator("ol.history").inner_text()
    assert "网页" in history and "聊天" in history

    zhangwei.goto(zhangwei.url.split("/m/")[0] + "/m/requested")
    running, finished = zhangwei.locator(".task-list").all()
    assert "#2" in running.inner_text() and "剩余" in running.inner_text()
    assert "#1" in finished.inner_text() and "已办结" in finished.inner_text()
    shot(zhangwei, "requested", size)
    assert [a for a, _, _ in events(office, 1)] == [
        "created", "accepted", "progress", "extension_requested", "extension_approved",
        "chased", "transferred", "accepted", "closed", "rated"]


def test_a_new_task_with_the_language_preview_then_withdrawn(office: Office, people: People,
                                                            size: str):
    zhangwei = people.page("zhangwei", "/m/new")
    shot(zhangwei, "new", size)
    zhangwei.fill("#new-text", "李娜，麻烦把会议纪要整理一下 明天下班前")
    zhangwei.wait_for_selector("#create-button")  # the preview follows the typing
    preview = zhangwei.locator("#preview").inner_text()
    assert "李娜（秘书科）" in preview and "11月25日 17:30" in preview and "会议纪要" in preview
    shot(zhangwei, "new-preview", size)
    with zhangwei.expect_navigation():
        zhangwei.click("#create-button")
    office.work()
    assert zhangwei.url.split("?")[0].endswith("/m/tasks/1")
    assert zhangwei.locator(".flash").first.inner_text().startswith("已创建任务 #1")
    assert office.cards("lina")[-1].labels[:1] == ["接办"]

    zhangwei.goto(zhangwei.url.split("/m/")[0] + "/m/new?mode=fields")
    zhangwei.fill("#new-title", "核对全年经费报表")
    zhangwei.fill("#new-to", "王")
    zhangwei.wait_for_selector("#new-to-choices button")
    zhangwei.click("#new-to-choices button:has-text('王芳（秘书科）')")
    zhangwei.fill("#new-deadline", "本周五前")
    zhangwei.wait_for_selector("#create-button")
    assert "王芳（秘书科）" in zhangwei.locator("#preview").inner_text()
    shot(zhangwei, "new-fields", size)
    with zhangwei.expect_navigation():
        zhangwei.click("#create-button")
    office.work()
    assert zhangwei.url.split("?")[0].endswith("/m/tasks/2")

    assert submit(zhangwei, office, "cancel", reason="已另行安排").startswith("已撤销任务 #2")
    assert "已由 张伟 撤销" in office.last_reply("wangfang")
    assert state(office, 2)[0] == "cancelled"


def test_refusals_on_the_pages(office: Office, people: People, size: str):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    office.say("lina", "接办 #1")
    office.say("lina", "延期 #1 12月4日 需等待财务数据")

    lina = people.page("lina", "/m/tasks/1")  # her page still offers 办结 …
    office.say("zhangwei", "转办 #1 @wangfang 该事项归她办理")  # … when it is taken from her
    flash = submit(lina, office, "close", result="已完成")
    assert flash == "无法办结：任务 #1 只有承办人（王芳）可以办结。"
    assert lina.locator(".flash-error").count() == 1
    shot(lina, "refused", size)
    assert state(office, 1) == ("pending", "wangfang")
    assert lina.locator("details#close").count() == 0  # the page now offers her no 办结

    zhangwei = people.page("zhangwei", "/m/tasks/1")
    zhangwei.evaluate("() => document.querySelector('#refuse-reason').removeAttribute('required')")
    assert submit(zhangwei, office, "refuse", reason=" ") == "不同意延期须写明原因"
    assert [e for e in events(office, 1) if e[0] == "extension_refused"] == []
    flash = submit(zhangwei, office, "refuse", reason="本周必须报送")
    assert flash == "已不同意任务 #1 的延期申请，已告知李娜。"
    assert "不同意任务 #1 的延期申请，原因：本周必须报送" in office.last_reply("lina")

    outsider = people.page("huangtao", "/m/tasks/1")
    text = outsider.locator("main").inner_text()
    shot(outsider, "not-found", size)
    outsider.goto(outsider.url.replace("/m/tasks/1", "/m/tasks/99"))
    assert outsider.locator("main").inner_text() == text.replace("#1", "#99")
    assert "没有找到与你有关的任务 #99" in text.replace("#1", "#99")


def test_a_double_submit_acts_once(office: Office, people: People, size: str):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    office.say("lina", "接办 #1")
    lina = people.page("lina", "/m/tasks/1")
    lina.locator("details#progress > summary").click()
    lina.fill("#progress-text", "初稿已完成")
    statuses = lina.evaluate("""() => {
        const form = document.querySelector('#progress form');
        const send = () => fetch(form.action, {method: 'POST', body: new FormData(form)});
        return Promise.all([send(), send()]).then(rs => rs.map(r => r.status));
    }""")
    assert statuses == [200, 200]
    office.work()
    assert [e for e in events(office, 1) if e[0] == "progress"] == [("progress", "lina", "web")]
    assert sum("初稿已完成" in text for text in office.replies("zhangwei")) == 1
