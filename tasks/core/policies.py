"""SLA policies as stored rows: reading them, editing them, and moving them through YAML."""

from collections.abc import Mapping
from datetime import datetime

import yaml
from sqlalchemy.orm import Session

from tasks.core.sla import DEFAULTS_BY_KIND, Policy, parse_limit
from tasks.models import SlaPolicy

FIELDS = ("label", "first_response", "progress", "completion", "quiet_hours")


def policy_for(session: Session, kind: str) -> Policy:
    """The kind's policy as the admin left it; a kind without a row uses the built-in default."""
    row = session.get(SlaPolicy, kind)
    if row is None:
        return DEFAULTS_BY_KIND[kind]
    return _from_row(row)


def all_policies(session: Session) -> list[Policy]:
    """Every kind's policy in the order docs/sla.md lists them."""
    return [policy_for(session, kind) for kind in DEFAULTS_BY_KIND]


def set_field(session: Session, kind: str, field: str, value: str, *, now: datetime) -> Policy:
    """Change one field of one kind's policy; ValueError names what was wrong."""
    return set_fields(session, kind, {field: value}, now=now)


def set_fields(session: Session, kind: str, values: Mapping[str, str | bool], *,
               now: datetime) -> Policy:
    """Change some fields of one kind's policy at once (the admin page's form); every
    value is checked before anything is saved. ValueError names what was wrong."""
    if kind not in DEFAULTS_BY_KIND:
        raise ValueError(f"unknown kind {kind!r}; kinds: {', '.join(DEFAULTS_BY_KIND)}")
    data = policy_for(session, kind).to_dict()
    for field, value in values.items():
        if field not in FIELDS:
            raise ValueError(f"unknown field {field!r}; fields: {', '.join(FIELDS)}")
        data[field] = _read_bool(value) if field == "quiet_hours" and isinstance(value, str) \
            else value
    policy = Policy.from_dict(kind, data)
    save(session, policy, now=now)
    return policy


def save(session: Session, policy: Policy, *, now: datetime) -> None:
    row = session.get(SlaPolicy, policy.kind) or SlaPolicy(kind=policy.kind)
    row.label = policy.label
    for name in ("first_response", "progress", "completion"):
        limit = getattr(policy, name)
        setattr(row, f"{name}_amount", limit.amount if limit else None)
        setattr(row, f"{name}_unit", limit.unit if limit else None)
    row.quiet_hours = policy.quiet_hours
    row.updated_at = now
    session.add(row)
    session.flush()


def export_yaml(session: Session) -> str:
    """All policies as a YAML document an admin can edit and import again."""
    document = {policy.kind: policy.to_dict() for policy in all_policies(session)}
    header = ("# SLA policies of Mashangban; units: minutes, hours, working_hours, natural_days,\n"
              "# working_days (with a number), same_working_day, assigner, instructed, none.\n")
    return header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def import_yaml(session: Session, text: str, *, now: datetime) -> list[str]:
    """Replace the policies named in the document; all are checked before any is saved.

    Returns the kinds that changed. Running tasks keep the copy they were created with.
    """
    policies = parse_yaml(text)
    changed = [p.kind for p in policies if p != policy_for(session, p.kind)]
    for policy in policies:
        save(session, policy, now=now)
    return changed


def parse_yaml(text: str) -> list[Policy]:
    """Read a policy document; ValueError lists the first problem with its kind and field."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"not valid YAML: {error}") from error
    if not isinstance(document, dict) or not document:
        raise ValueError("expected a mapping of kind → policy")
    policies = []
    for kind, data in document.items():
        if kind not in DEFAULTS_BY_KIND:
            raise ValueError(f"unknown kind {kind!r}; kinds: {', '.join(DEFAULTS_BY_KIND)}")
        if not isinstance(data, dict) or set(data) - set(FIELDS):
            raise ValueError(f"{kind}: expected the fields {', '.join(FIELDS)}")
        merged = {**DEFAULTS_BY_KIND[kind].to_dict(), **data}
        try:
            policies.append(Policy.from_dict(kind, merged))
        except ValueError as error:
            raise ValueError(f"{kind}: {error}") from error
    return policies


def _from_row(row: SlaPolicy) -> Policy:
    def limit(name: str) -> str:
        unit = getattr(row, f"{name}_unit")
        amount = getattr(row, f"{name}_amount")
        return "none" if unit is None else (f"{amount} {unit}" if amount else unit)

    return Policy(row.kind, row.label, parse_limit(limit("first_response")),
                  parse_limit(limit("progress")), parse_limit(limit("completion")),
                  row.quiet_hours)


def _read_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "yes", "1", "on"):
        return True
    if lowered in ("false", "no", "0", "off"):
        return False
    raise ValueError(f"quiet_hours must be true or false, not {value!r}")
