"""A person at the sandbox chat page in headless Chromium: create, accept by button, close.

Skipped with a clear message when Chromium is not installed, unless
MASHANGBAN_REQUIRE_BROWSER is set (CI sets it), in which case a missing browser fails.
"""

import os
import shutil
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from tasks.models import InboxMessage

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def page() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        if os.environ.get("MASHANGBAN_REQUIRE_BROWSER"):
            pytest.fail("MASHANGBAN_REQUIRE_BROWSER is set but Debian's chromium is missing")
        pytest.skip("Chromium is not installed (apt-get install chromium) - browser test skipped")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser.new_page()
        browser.close()


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
    page.goto(office.sandbox.url + "/")
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
