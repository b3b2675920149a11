"""Chat and the workbench as one: a card in the sandbox's chat page opens the task page in a
new tab, signed in as the member chosen there; an action on the page redraws the card in
chat, and a card pressed in chat changes what the page shows.

At phone (375x812) and desktop (1280x800) size, with screenshots of the chat page and the
task page in var/screenshots/workbench/. WeCom: its sandbox plays the in-app OAuth.
"""

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from tasks.models import STATE_LABELS, InboxMessage, TaskEvent
from tests.e2e.browsers import DESKTOP, PHONE, screenshot
from tests.e2e.office import Office
from tests.e2e.workbench import assert_fits, sandbox_url
from tests.e2e.workbench import workbench_url as workbench

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")
SIZES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture(params=sorted(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def context(browser: Any, size: str) -> Iterator[Any]:
    """One browser (its cookies shared by its tabs), at the test's window size."""
    opened = browser.new_context(viewport=SIZES[size], locale="zh-CN")
    yield opened
    opened.close()


def inbox_count(office: Office) -> int:
    with office.rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(InboxMessage)) or 0


def after_click(office: Office, before: int) -> None:
    """Wait (with a deadline) for the chat page's press to reach the product, then work."""
    deadline = time.monotonic() + 10
    while inbox_count(office) <= before:
        assert time.monotonic() < deadline, "the card's press never reached the product"
        time.sleep(0.05)
    office.work()


def chat_page(context: Any, office: Office, userid: str) -> Any:
    """The sandbox's chat page with `userid` chosen (which also signs the app in as them)."""
    page = context.new_page()
    page.goto(f"{sandbox_url(office)}/?user={userid}")
    return page


def card_titled(page: Any, title: str) -> Any:
    card = page.locator(".card", has=page.locator(".card-title", has_text=title)).last
    sync_api.expect(card).to_be_visible()
    return card


def open_in_new_tab(page: Any, link: Any) -> Any:
    """Click a link of the chat page; the tab it opens, loaded."""
    with page.context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.wait_for_load_state()
    return tab


def test_a_card_opens_the_task_page_and_an_action_there_redraws_the_card(context, office,
                                                                          size):
    expect = sync_api.expect
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    chat = chat_page(context, office, "lina")
    card = card_titled(chat, "新任务 #1")
    expect(card.locator("a.card-link")).to_have_text("在工作台查看")
    screenshot(chat, f"cards-chat-offer-{size}", "workbench")

    task = open_in_new_tab(chat, card.locator("a.card-link"))
    assert urlsplit(task.url).path == "/m/tasks/1", task.url
    expect(task.locator("h1")).to_contain_text("起草年度工作总结")
    assert_fits(task)
    screenshot(task, f"cards-task-page-{size}", "workbench")

    task.locator("#accept button[type=submit]").click()
    task.wait_for_load_state()
    office.work()  # what the page's action queued: the card's redraw, 张伟's notice
    expect(card_titled(chat, "任务 #1").locator(".card-status")).to_have_text("已由李娜接办")
    expect(card_titled(chat, "任务 #1").locator("a.link-button")).to_have_count(0)
    assert "已接办任务 #1" in office.last_reply("zhangwei")
    assert_fits(chat)
    screenshot(chat, f"cards-chat-accepted-on-page-{size}", "workbench")


def test_a_link_button_opens_its_form_and_a_card_press_shows_on_the_page(context, office,
                                                                         size):
    expect = sync_api.expect
    office.say("zhangwei", "新建 整理会议纪要 @李娜 明天下午5点前")
    chat = chat_page(context, office, "lina")
    card = card_titled(chat, "新任务 #1")
    transfer = card.locator("a.link-button", has_text="转办")

    form = open_in_new_tab(chat, transfer)
    # the form is named in the query: the sign-in's OAuth redirect replaces the fragment
    assert urlsplit(form.url).path == "/m/tasks/1" and "form=transfer" in urlsplit(form.url).query
    expect(form.locator("#transfer")).to_have_attribute("open", "")  # opened, not folded
    expect(form.locator("#transfer-reason")).to_be_visible()
    screenshot(form, f"cards-transfer-form-{size}", "workbench")

    before = inbox_count(office)
    card.locator("button", has_text="接办").click()  # pressed in chat, as WeCom calls back
    after_click(office, before)
    form.reload()
    expect(form.locator("main")).to_contain_text(STATE_LABELS["accepted"])  # 办理中
    expect(form.locator("#accept")).to_have_count(0)  # nothing left to accept on the page
    with office.rt.sessions() as session:
        channels = list(session.scalars(select(TaskEvent.channel).where(
            TaskEvent.action == "accepted")))
    assert channels == ["card"]
    screenshot(form, f"cards-task-accepted-in-chat-{size}", "workbench")


@pytest.mark.platforms("dingtalk")
def test_dingtalk_cards_and_replies_open_the_product_in_a_new_tab(context, office, size):
    """DingTalk's chat page: the card's link block and its openLink 转办 button, and the
    link written out in a text reply, open the product's task page in a new tab (signing
    in there is DingTalk's own, docs/workbench.md)."""
    expect = sync_api.expect
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    chat = context.new_page()
    chat.goto(f"{sandbox_url(office)}/")
    chat.locator(".person[data-userid=lina]").click()
    card = chat.locator(".card").last
    expect(card).to_contain_text("新任务 #1")
    transfer = card.locator("a.card-btn", has_text="转办")
    assert transfer.get_attribute("href") == workbench(
        office, "/m/tasks/1?p=dingtalk&form=transfer#transfer")
    assert_fits(chat)
    screenshot(chat, f"cards-dingtalk-chat-offer-{size}", "workbench")

    tab = open_in_new_tab(chat, card.locator("a.md-link", has_text="在工作台查看"))
    assert tab.url.startswith(workbench(office, "/")), tab.url
    tab.close()
    chat.locator(".person[data-userid=zhangwei]").click()
    reply = chat.locator(".message", has_text="已创建任务 #1").last
    link = reply.locator("a.md-link")
    assert link.get_attribute("href") == workbench(office, "/m/tasks/1?p=dingtalk")
