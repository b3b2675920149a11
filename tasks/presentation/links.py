"""Addresses of workbench pages, for cards and chat replies that point to them.

The workbench is the product's own web pages, opened inside WeCom or DingTalk (or a desktop
browser); `OfficeRules.public_url` (MASHANGBAN_PUBLIC_URL) is where people reach it. A page
that needs a signed-in person sends them through the platform's sign-in first, so a link
is the plain page address on every platform.
"""

from tasks.core.office_rules import OfficeRules


def page(rules: OfficeRules, path: str) -> str:
    """The address of a workbench page: `path` begins with a slash (`/m/requested`)."""
    return rules.public_url.rstrip("/") + path


def task_page(rules: OfficeRules, task_id: int) -> str:
    """The task's own page: details, history and every action the reader may take."""
    return page(rules, f"/m/tasks/{task_id}")
