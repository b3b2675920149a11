"""A person at the sandbox chat page in headless Chromium: create, accept by button, close;
and the page as it looks on a desktop and on a phone (375 px), with screenshots.

Skipped with a clear message when Chromium is not installed, unless
MASHANGBAN_REQUIRE_BROWSER is set (CI sets it), in which case a missing browser fails.
Screenshots go to var/screenshots/ (MASHANGBAN_SCREENSHOTS names another folder:
`make screenshots` refreshes the ones in docs/screenshots/ that the README shows).

WeCom only: the page is the WeCom sandbox's chat page.
"""

import re
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from tasks.models import InboxMessage
from tests.e2e.browsers import DESKTOP, PHONE, SCREENSHOTS, overflowing

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def page(browser) -> Any:
    return browser.new_page()


def received(office) -> int:
    with office.rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(InboxMessage)) or 0


def after_callback(office, before: int) -> None:
    """Wait (with a deadline) for the page's message to reach the product, then work."""
    deadline = time.monotonic() + 10
    while received(office) <= before:
        assert time.monotonic() < deadline, "the callback never reached the product"
        time.sleep(0.05)
    office.work()


def send(page: Any, office, text: str) -> None:
    before = received(office)
    page.fill("#message-input", text)
    page.click("#send-button")
    after_callback(office, before)


def test_create_accept_by_button_and_close_in_the_browser(page, office):
    expect = sync_api.expect
    page.goto(office.wecom.sandbox.url + "/")
    page.select_option("#member-select", "zhangwei")
    send(page, office, "新建 起草年度工作总结 @李娜 3天内")
    expect(page.locator(".message").last).to_contain_text("已创建任务 #1")

    page.select_option("#member-select", "lina")
    card = page.locator(".card").last
    expect(card.locator(".card-title")).to_contain_text("新任务 #1")
    before = received(office)
    card.locator('button[data-key="accept:1"]').click()
    after_callback(office, before)
    expect(card.locator(".card-status")).to_have_text("已由李娜接办")
    expect(card.locator("button").first).to_be_disabled()
    expect(page.locator(".card")).to_have_count(1)

    send(page, office, "办结 #1 已报送初稿")
    expect(page.locator(".message").last).to_contain_text("已办结")

    page.select_option("#member-select", "zhangwei")
    expect(page.locator(".message").last).to_contain_text("已报送初稿")


# Inside the message list, a card wider than the list would be clipped.
LIST_OVERFLOW_JS = """() => {
  const list = document.getElementById('messages');
  return list.scrollWidth > list.clientWidth ? ['#messages ' + list.scrollWidth] : [];
}"""


def sticking_out(page: Any) -> list[str]:
    """What is wider than the window, or than the message list (empty when all fits)."""
    return overflowing(page) + list(page.evaluate(LIST_OVERFLOW_JS))


# How many lines each element's text takes: a Range over the text gives one rectangle per
# line box, so a label broken as "非常满 / 意" counts 2.
LINES_JS = """(elements) => elements.map(function (e) {
  const range = document.createRange();
  range.selectNodeContents(e);
  const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
  return [e.textContent, tops.size];
})"""


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def show(element: Any) -> None:
    """Scroll the message list so that `element` is at its top (for the screenshot)."""
    element.evaluate("e => e.closest('.message').scrollIntoView({block: 'start'})")


def rated_and_queried(office) -> None:
    """张伟 asks 李娜 for a report, she takes it by the card and closes it; 张伟 gets the
    rating card and looks the task up (查询: a markdown reply with a quote block)."""
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    office.click("lina", "接办")
    office.say("lina", "办结 #1 已报送初稿")
    office.say("zhangwei", "查询 #1")


def open_chat(browser, office, userid: str, size: dict[str, int]) -> Any:
    page = browser.new_page(viewport=size)
    page.goto(f"{office.wecom.sandbox.url}/?user={userid}")
    sync_api.expect(page.locator(".message, .empty").first).to_be_visible()
    return page


def test_the_page_fits_a_phone_375_px_wide(browser, office):
    expect = sync_api.expect
    rated_and_queried(office)
    page = open_chat(browser, office, "zhangwei", PHONE)
    rating = page.locator(".card", has_text="请评价任务 #1")
    expect(rating.locator("button")).to_have_count(5)
    expect(page.locator(".bubble.markdown").last).to_contain_text("任务 #1")
    show(rating)
    screenshot(page, "phone-requester")

    assert sticking_out(page) == []
    title, picker = page.locator("header h1"), page.locator("#member-select")
    assert page.evaluate(LINES_JS, [title.element_handle()]) == [["企业微信沙箱 · 马上办", 1]]
    box = picker.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] and box["width"] > 150
    labels = page.evaluate(LINES_JS, rating.locator("button").element_handles())
    levels = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
    assert labels == [[level, 1] for level in levels]
    quote = page.locator(".bubble.markdown").last.locator("blockquote")
    expect(quote).to_contain_text("承办人：李娜")
    assert "> " not in page.locator(".bubble.markdown").last.inner_text()

    page.select_option("#member-select", "lina")
    closed = re.compile(r"^已办结（11月\d+日 \d\d:\d\d）$")  # the state and when
    expect(page.locator(".card .card-status").first).to_have_text(closed)
    assert sticking_out(page) == []
    screenshot(page, "phone-holder")

    page.select_option("#member-select", "wangfang2")
    expect(page.locator(".empty")).to_contain_text("发送「帮助」开始")
    assert sticking_out(page) == []
    screenshot(page, "phone-empty")


def test_the_page_on_a_desktop(browser, office):
    rated_and_queried(office)
    page = open_chat(browser, office, "zhangwei", DESKTOP)
    rating = page.locator(".card", has_text="请评价任务 #1")
    sync_api.expect(rating.locator("button")).to_have_count(5)
    labels = page.evaluate(LINES_JS, rating.locator("button").element_handles())
    assert all(lines == 1 for _, lines in labels)
    assert sticking_out(page) == []
    show(rating)
    screenshot(page, "desktop-requester")
