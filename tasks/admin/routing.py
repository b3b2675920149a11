"""Changing the intake rules (归口办理) one at a time or all at once, with an audit entry.

Each rule is checked as `mashangban routing import` checks the rules of its file
(`tasks.routing.rules.check_rule`).
"""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasks.admin.audit import Actor, record
from tasks.models import RoutingRule
from tasks.routing import rules


def describe(rule: RoutingRule | None) -> str:
    """A rule as one line: department, keywords, category."""
    if rule is None:
        return "无"
    if rule.is_default:
        return f"默认受理部门：{rule.department.name}"
    parts = [f"部门 {rule.department.name}"]
    if rule.keywords:
        parts.append("关键词 " + "、".join(rule.keywords))
    if rule.category:
        parts.append(f"类别 {rule.category}")
    return "；".join(parts)


def ordered(session: Session) -> list[RoutingRule]:
    """The rules in the order they are tried, the default last."""
    return list(session.scalars(select(RoutingRule).order_by(
        RoutingRule.is_default, RoutingRule.position, RoutingRule.id)))


def add_rule(session: Session, department: str, keywords: list[str], category: str | None,
             *, by: Actor, now: datetime) -> RoutingRule:
    """A new rule, tried after the existing ones (before the default)."""
    unit, words, tag = rules.check_rule(session, department, keywords, category)
    last = session.scalar(select(func.max(RoutingRule.position)).where(
        RoutingRule.is_default.is_(False))) or 0
    rule = RoutingRule(position=last + 1, department=unit, keywords=words, category=tag,
                       is_default=False)
    session.add(rule)
    _default_last(session)
    session.flush()
    record(session, by, "routing", "add_rule", f"规则 {rule.id}", before="无",
           after=describe(rule), now=now)
    return rule


def edit_rule(session: Session, rule_id: int, department: str, keywords: list[str],
              category: str | None, *, by: Actor, now: datetime) -> RoutingRule:
    """Change one rule; LookupError if there is no such rule (or it is the default)."""
    rule = _rule(session, rule_id)
    before = describe(rule)
    rule.department, rule.keywords, rule.category = rules.check_rule(
        session, department, keywords, category)
    session.flush()
    if describe(rule) != before:
        record(session, by, "routing", "edit_rule", f"规则 {rule.id}", before=before,
               after=describe(rule), now=now)
    return rule


def remove_rule(session: Session, rule_id: int, *, by: Actor, now: datetime) -> None:
    rule = _rule(session, rule_id)
    before = describe(rule)
    session.delete(rule)
    session.flush()
    record(session, by, "routing", "remove_rule", f"规则 {rule_id}", before=before,
           after="已删除", now=now)


def set_default(session: Session, department: str | None, *, by: Actor,
                now: datetime) -> None:
    """The department that takes what no rule matched; None or empty removes it (then the
    directory's top department takes it)."""
    current = session.scalar(select(RoutingRule).where(RoutingRule.is_default))
    before = describe(current)
    if department:
        unit = rules.department_named(session, department, "default")
        if current is None:
            current = RoutingRule(position=0, department=unit, keywords=[], category=None,
                                  is_default=True)
            session.add(current)
        current.department = unit
        _default_last(session)
    elif current is not None:
        session.delete(current)
        current = None
    session.flush()
    after = describe(current)
    if after != before:
        record(session, by, "routing", "set_default", "默认受理部门", before=before,
               after=after, now=now)


def replace_all(session: Session, text: str, *, by: Actor, now: datetime) -> int:
    """`mashangban routing import`: replace every rule with the YAML document's."""
    before = rules.export_yaml(session)
    count = rules.import_yaml(session, text)
    record(session, by, "routing", "import", f"{count} 条规则", before=_body(before),
           after=_body(rules.export_yaml(session)), now=now)
    return count


def _body(document: str) -> str:
    return "\n".join(line for line in document.splitlines() if not line.startswith("#"))


def _rule(session: Session, rule_id: int) -> RoutingRule:
    rule = session.get(RoutingRule, rule_id)
    if rule is None or rule.is_default:
        raise LookupError(f"没有第 {rule_id} 条规则")
    return rule


def _default_last(session: Session) -> None:
    """Keep the default rule's position after every other rule (the export reads it so)."""
    session.flush()
    default = session.scalar(select(RoutingRule).where(RoutingRule.is_default))
    if default is not None:
        last = session.scalar(select(func.max(RoutingRule.position)).where(
            RoutingRule.is_default.is_(False))) or 0
        default.position = last + 1
