"""Addresses of workbench pages, for cards and chat replies that point to them.

The workbench is the product's own web pages, opened inside WeCom or DingTalk (or a desktop
browser); `OfficeRules.public_url` (MASHANGBAN_PUBLIC_URL) is where people reach it. A page
that needs a signed-in person sends them through the platform's sign-in first, so a link
is the plain page address on every platform.
"""

from tasks.core.office_rules import OfficeRules


def page(rules: OfficeRules, path: str, platform: str | None = None) -> str:
    """The address of a workbench page: `path` begins with a slash (`/m/requested`).

    `platform` is the chat platform the link is sent on (`?p=wecom`): a browser that does
    not say which app it is in (a desktop client's, the sandbox's) then still signs in
    through that platform's OAuth, without a chooser (docs/workbench.md, "Links from
    chat")."""
    address = rules.public_url.rstrip("/") + path
    return f"{address}{'&' if '?' in path else '?'}p={platform}" if platform else address


def task_page(rules: OfficeRules, task_id: int, platform: str | None = None) -> str:
    """The task's own page: details, history and every action the reader may take."""
    return page(rules, f"/m/tasks/{task_id}", platform)
