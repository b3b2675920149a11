"""Headless Chromium for the browser tests: where it is, how it is started, the window
sizes we test at, and where screenshots go.

A browser test is skipped with a clear message when Chromium is not installed, unless
MASHANGBAN_REQUIRE_BROWSER is set (CI sets it), in which case a missing browser fails.
Screenshots go to var/screenshots/ (MASHANGBAN_SCREENSHOTS names another folder).
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
EXPECT_WAIT_MS = 20_000
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
SCREENSHOTS = Path(os.environ.get("MASHANGBAN_SCREENSHOTS")
                   or Path(__file__).resolve().parents[2] / "var" / "screenshots")


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched headless Chromium (Playwright's Browser), closed afterwards."""
    sync_api = pytest.importorskip("playwright.sync_api")
    # How long an expectation waits for the page to show something (a deadline, not a
    # timing claim): Playwright's 5 s is short for a shared 2-CPU machine under a full run.
    sync_api.expect.set_options(timeout=EXPECT_WAIT_MS)
    executable = chromium_path()
    if executable is None:
        if os.environ.get("MASHANGBAN_REQUIRE_BROWSER"):
            pytest.fail("MASHANGBAN_REQUIRE_BROWSER is set but Debian's chromium is missing")
        pytest.skip("Chromium is not installed (apt-get install chromium) - browser test skipped")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, name: str, folder: str = "") -> Path:
    """Save the whole page as `name`.png (in a subfolder if given); returns the path."""
    target = SCREENSHOTS / folder if folder else SCREENSHOTS
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# Everything drawn must lie within the window: a wider element means sideways scrolling or
# something clipped. Lists what sticks out (elements inside a scrollable wrapper such as a
# wide table's `.table-wrap` are allowed to, since the wrapper scrolls them).
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  if (document.documentElement.scrollWidth > width) out.push('page ' +
      document.documentElement.scrollWidth);
  document.querySelectorAll('body *').forEach(function (e) {
    if (e.closest('.table-wrap, .menu, .skip')) return;
    const r = e.getBoundingClientRect();
    if (r.width && (r.left < -0.5 || r.right > width + 0.5)) {
      out.push(e.tagName + '.' + e.className + ' ' + Math.round(r.left) + '..' +
               Math.round(r.right));
    }
  });
  return out;
}"""


def overflowing(page: Any) -> list[str]:
    """What on the page is wider than the window (empty when everything fits)."""
    return list(page.evaluate(OVERFLOW_JS))
