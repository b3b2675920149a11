"""Changing SLA policies, from the command line or the admin page, with an audit entry."""

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from tasks.admin.audit import Actor, record
from tasks.core import policies
from tasks.core.sla import Policy

FIELD_LABELS = {
    "label": "名称",
    "first_response": "首次响应",
    "progress": "进展报告",
    "completion": "办结时限",
    "quiet_hours": "夜间免打扰",
}


def summary(policy: Policy) -> str:
    """A policy as one line an admin reads in the audit log."""
    data = {**policy.to_dict(), "quiet_hours": "是" if policy.quiet_hours else "否"}
    return "；".join(f"{FIELD_LABELS[name]} {data[name]}" for name in policies.FIELDS)


def edit(session: Session, kind: str, values: Mapping[str, str | bool], *, by: Actor,
         now: datetime) -> Policy:
    """Change fields of one kind's policy (the same checks as `mashangban policy set`);
    applies to tasks created afterwards. ValueError names what was wrong; nothing changes."""
    before = policies.policy_for(session, kind) if kind in policies.DEFAULTS_BY_KIND else None
    policy = policies.set_fields(session, kind, values, now=now)
    if policy != before:
        record(session, by, "policy", "edit", f"{policy.label}（{kind}）",
               before=summary(before) if before else "", after=summary(policy), now=now)
    return policy


def import_document(session: Session, text: str, *, by: Actor, now: datetime) -> list[str]:
    """`mashangban policy import`: replace the kinds the YAML names; returns those changed."""
    before = {p.kind: p for p in policies.all_policies(session)}
    changed = policies.import_yaml(session, text, now=now)
    for kind in changed:
        policy = policies.policy_for(session, kind)
        record(session, by, "policy", "import", f"{policy.label}（{kind}）",
               before=summary(before[kind]), after=summary(policy), now=now)
    return changed
