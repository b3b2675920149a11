"""归口办理: the rules that send a request nobody was named for to the right department.

A rule names a department and either keywords found in the request's wording or a
category the requester wrote as a tag (`请示【信息化】…`). Rules are tried in order; the
default rule catches what nothing else matched, and without one the request goes to the
top department of the directory (the office itself).
"""

import re
from dataclasses import dataclass

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tasks.directory.lookup import find_department
from tasks.models import Department, RoutingRule

_CATEGORY = re.compile(r"^\s*[【\[]([^】\]]{1,32})[】\]]")


@dataclass(frozen=True)
class Match:
    """The department a request goes to and why, so the requester can be told."""

    department: Department
    because: str  # 关键词「会议室」 / 类别「信息化」 / 默认受理部门


def route(session: Session, title: str, category: str | None) -> Match | None:
    """The department for a request; None only when the directory has no department at all."""
    rules = session.scalars(select(RoutingRule).order_by(RoutingRule.position)).all()
    for rule in rules:
        if category and rule.category and rule.category == category:
            return Match(rule.department, f"类别「{category}」")
    for rule in rules:
        hit = next((word for word in rule.keywords if word and word in title), None)
        if hit is not None:
            return Match(rule.department, f"关键词「{hit}」")
    default = next((rule for rule in rules if rule.is_default), None)
    if default is not None:
        return Match(default.department, "默认受理部门")
    top = session.scalar(select(Department).where(Department.active).order_by(Department.id))
    return Match(top, "默认受理部门") if top is not None else None


def category_of(title: str) -> str | None:
    """A category the requester wrote as a leading tag: `【信息化】电脑无法开机` → 信息化."""
    found = _CATEGORY.match(title)
    return found.group(1).strip() if found else None


def export_yaml(session: Session) -> str:
    rules = session.scalars(select(RoutingRule).order_by(RoutingRule.position)).all()
    default = next((r.department.name for r in rules if r.is_default), None)
    document = {
        "default": default,
        "rules": [
            {"department": r.department.name, "keywords": list(r.keywords),
             **({"category": r.category} if r.category else {})}
            for r in rules if not r.is_default
        ],
    }
    header = "# 归口办理 rules: tried in order; 'default' takes what no rule matched.\n"
    return header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def import_yaml(session: Session, text: str) -> int:
    """Replace all rules with the document's; everything is checked before anything changes."""
    default, rules = _parse(session, text)
    session.execute(delete(RoutingRule))
    for position, (department, keywords, category) in enumerate(rules, start=1):
        session.add(RoutingRule(position=position, department=department, keywords=keywords,
                                category=category, is_default=False))
    if default is not None:
        session.add(RoutingRule(position=len(rules) + 1, department=default, keywords=[],
                                category=None, is_default=True))
    session.flush()
    return len(rules)


def _parse(session: Session, text: str
           ) -> tuple[Department | None, list[tuple[Department, list[str], str | None]]]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"not valid YAML: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("rules", []), list):
        raise ValueError("expected 'default: <department>' and a 'rules:' list")
    default = department_named(session, document["default"], "default") \
        if document.get("default") else None
    rules = []
    for number, item in enumerate(document.get("rules") or [], start=1):
        if not isinstance(item, dict) or "department" not in item:
            raise ValueError(f"rule {number}: needs a 'department'")
        rules.append(check_rule(session, item["department"], item.get("keywords") or [],
                                item.get("category"), f"rule {number}"))
    return default, rules


def check_rule(session: Session, department: object, keywords: object, category: object,
               where: str = "rule") -> tuple[Department, list[str], str | None]:
    """One rule as `routing import` reads it: a department of the directory, keywords
    that are words, and keywords or a category (or both). ValueError names the problem."""
    if not isinstance(keywords, list) or not all(isinstance(k, str) and k.strip()
                                                 for k in keywords):
        raise ValueError(f"{where}: 'keywords' must be a list of words")
    category_text = str(category).strip() if category else None
    if not keywords and not category_text:
        raise ValueError(f"{where}: give keywords, a category, or both")
    return (department_named(session, department, where), [k.strip() for k in keywords],
            category_text)


def department_named(session: Session, name: object, where: str) -> Department:
    department = find_department(session, str(name))
    if department is None:
        raise ValueError(f"{where}: no department named {name!r} in the directory")
    return department
