"""Addresses of the workbench's pages, as chat messages and cards link to them."""

from tasks.core.office_rules import OfficeRules


def page(rules: OfficeRules, path: str) -> str:
    """`path` on the product's external base URL (MASHANGBAN_PUBLIC_URL)."""
    return rules.public_url.rstrip("/") + "/" + path.lstrip("/")


def task_page(rules: OfficeRules, task_id: int) -> str:
    """The task page, `/m/tasks/<id>`."""
    return page(rules, f"/m/tasks/{task_id}")
