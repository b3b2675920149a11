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
