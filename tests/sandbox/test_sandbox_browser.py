"""The chat page works in headless Chromium: render, send, click, see the greyed card."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")

AGENT_ID = 1000002


def _launch(pw: Any) -> Any:
    """Debian's Chromium if installed, else Playwright's own; skip (or fail in CI) if none."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        return pw.chromium.launch(executable_path=executable)
    except Exception as exc:
        if os.environ.get("MASHANGBAN_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium is required but cannot start: {exc}")
        pytest.skip("no Chromium available")


@pytest.fixture
def page() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        browser = _launch(pw)
        yield browser.new_page()
        browser.close()


def _wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_chat_page_round_trip(page: Any, api: Any, receiver: Any, button_card: Any) -> None:
    expect = sync_api.expect
    sent = api.post("message/send", button_card("ui_1"))
    page.goto(f"{api.base}/?user=lina")
    expect(page.locator("#member-select")).to_have_value("lina")
    expect(page.locator(".card .card-title")).to_have_text("新任务：整理会议纪要")
    page.fill("#message-input", "今天有什么任务")
    page.click("#send-button")
    _wait_for(lambda: len(receiver.received) == 1)
    assert receiver.last()["msg"]["Content"] == "今天有什么任务"
    expect(page.locator(".message.from-member")).to_have_text("李娜今天有什么任务")
    page.click('.card button[data-key="accept:ui_1"]')
    _wait_for(lambda: len(receiver.received) == 2)
    assert receiver.last()["msg"]["EventKey"] == "accept:ui_1"
    update = {
        "atall": 1,
        "agentid": AGENT_ID,
        "response_code": sent["response_code"],
        "button": {"replace_name": "已接受"},
    }
    assert api.post("message/update_template_card", update)["errcode"] == 0
    expect(page.locator(".card .card-status")).to_have_text("已接受")
    expect(page.locator(".card button").first).to_be_disabled()
    page.select_option("#member-select", "wangfang2")
    expect(page.locator(".message")).to_have_count(0)


def test_markdown_shows_as_in_wecom_and_its_html_never_runs(page: Any, api: Any) -> None:
    expect = sync_api.expect
    content = ("**本周督办**\n> #3 核对来文\n> <font color=\"warning\">已超期 2 天</font>\n"
               "<script>window.hacked = 1</script><img src=x onerror=\"window.hacked = 2\">\n"
               "\u200b> 另起一段")
    sent = api.post("message/send", {"touser": "lina", "agentid": AGENT_ID,
                                      "msgtype": "markdown", "markdown": {"content": content}})
    assert sent["errcode"] == 0
    page.goto(f"{api.base}/?user=lina")
    bubble = page.locator(".bubble.markdown")
    quotes = bubble.locator("blockquote")
    expect(quotes).to_have_count(2)
    expect(quotes.first).to_have_text("#3 核对来文已超期 2 天")
    expect(quotes.last).to_have_text("另起一段")
    expect(bubble.locator("strong")).to_have_text("本周督办")
    warning = bubble.locator(".md-warning")
    expect(warning).to_have_text("已超期 2 天")
    colour = "e => getComputedStyle(e).color"
    assert warning.evaluate(colour) not in (quotes.first.evaluate(colour), bubble.evaluate(colour))
    expect(bubble).to_contain_text('<script>window.hacked = 1</script><img src=x onerror=')
    assert bubble.locator("script, img").count() == 0
    assert page.evaluate("window.hacked") is None


def test_an_empty_chat_says_how_to_begin(page: Any, api: Any) -> None:
    expect = sync_api.expect
    page.goto(f"{api.base}/?user=lina")
    expect(page.locator(".empty")).to_contain_text("发送「帮助」开始")
    page.locator(".suggestion", has_text="帮助").click()
    expect(page.locator("#message-input")).to_have_value("帮助")
