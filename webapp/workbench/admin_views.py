"""What the admin pages and the admin API show and read: the office's settings as plain
values (one shape for a template and for JSON), and form fields read into the arguments
of the change functions in `tasks.admin`. Bad input raises `BadInput` with a Chinese
message; the change functions' own checks raise ValueError, as for the command line."""

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.admin import deliveries, grants, routing
from tasks.admin.audit import AREA_LABELS, CHANNEL_LABELS, recent
from tasks.admin.policies import FIELD_LABELS
from tasks.calendar.office import load_calendar, overrides
from tasks.calendar.workdays import SHANGHAI
from tasks.core import api_tokens
from tasks.core.office_rules import OfficeRules
from tasks.core.policies import all_policies
from tasks.core.sla import UNITS
from tasks.models import CalendarYear
from tasks.routing.roster import ROLE_LABELS, shifts_starting_on

LIMIT_FIELDS = ("first_response", "progress", "completion")
NEEDS_AMOUNT = ("minutes", "hours", "working_hours", "natural_days", "working_days")
_WORDS = re.compile(r"[、,，;；\s\u3000]+")


class BadInput(ValueError):
    """A form field that cannot be read; the message is Chinese and names the field."""


def shown(instant: datetime | None) -> str:
    """An instant as the office reads it: `12月4日 17:00` (Asia/Shanghai)."""
    if instant is None:
        return ""
    local = instant.astimezone(SHANGHAI)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


# ---------------------------------------------------------------------------- policies


def policy_rows(session: Session) -> list[dict[str, Any]]:
    rows = []
    for policy in all_policies(session):
        limits = {name: getattr(policy, name) for name in LIMIT_FIELDS}
        rows.append({
            "kind": policy.kind, "label": policy.label, "quiet_hours": policy.quiet_hours,
            **{name: str(limit) if limit else "none" for name, limit in limits.items()},
            "chinese": {name: limit.chinese if limit else "不计时"
                        for name, limit in limits.items()},
        })
    return rows


def policy_values(form: Mapping[str, Any]) -> dict[str, str | bool]:
    """The policy form (label; per timer a unit and an amount; quiet hours) as the values
    `tasks.admin.policies.edit` takes; the JSON API may send the limits as text instead."""
    values: dict[str, str | bool] = {}
    label = str(form.get("label") or "").strip()
    if not label:
        raise BadInput("名称不能为空")
    if len(label) > 64:
        raise BadInput("名称太长（最多 64 个字）")
    values["label"] = label
    for name in LIMIT_FIELDS:
        if f"{name}_unit" in form:
            values[name] = _limit_text(name, str(form.get(f"{name}_unit") or "none"),
                                       str(form.get(f"{name}_amount") or "").strip())
        elif name in form:
            values[name] = str(form[name])
    quiet = form.get("quiet_hours", False)
    values["quiet_hours"] = quiet if isinstance(quiet, bool) else str(quiet) in ("on", "true",
                                                                                 "1", "yes")
    return values


def _limit_text(name: str, unit: str, amount: str) -> str:
    field = FIELD_LABELS[name]
    if unit == "none":
        return "none"
    if unit not in UNITS:
        raise BadInput(f"{field}：没有「{unit}」这种单位")
    if unit not in NEEDS_AMOUNT:
        return unit
    if not amount.isdigit() or not 0 < int(amount) <= 10_000:
        raise BadInput(f"{field}：数量请写 1 到 10000 的整数（现在是「{amount}」）")
    return f"{int(amount)} {unit}"


# ---------------------------------------------------------------------------- calendar


def calendar_overview(session: Session, rules: OfficeRules, today: date) -> dict[str, Any]:
    calendar = load_calendar(session, rules.working_hours)
    imported = {row.year: row for row in session.scalars(select(CalendarYear))}
    years = sorted({*range(today.year - 1, today.year + 3), *imported})
    return {
        "years": [{"year": year, "covered": calendar.covers(year),
                   "imported": year in imported,
                   "source": imported[year].source if year in imported else "",
                   "imported_at": shown(imported[year].imported_at) if year in imported
                   else ""} for year in years],
        "corrections": [{"day": row.day.isoformat(), "working": row.working,
                         "reason": row.reason,
                         "weekday": "一二三四五六日"[row.day.weekday()]}
                        for row in overrides(session)],
    }


def read_day(text: object, field: str = "日期") -> date:
    try:
        return date.fromisoformat(str(text or "").strip())
    except ValueError:
        raise BadInput(f"{field}：请按 2026-12-04 的格式填写") from None


def read_working(text: object) -> bool:
    value = str(text or "").strip()
    if value in ("on", "work", "working", "true", "1"):
        return True
    if value in ("off", "rest", "false", "0"):
        return False
    raise BadInput("请选择「上班」或「休息」")


def read_reason(text: object) -> str:
    reason = str(text or "").strip()
    if not reason:
        raise BadInput("请写明原因，例如：本地停电检修")
    return reason


# ---------------------------------------------------------------------------- routing


def routing_rows(session: Session) -> dict[str, Any]:
    rules = routing.ordered(session)
    return {
        "rules": [{"id": r.id, "department": r.department.name, "keywords": list(r.keywords),
                   "category": r.category or ""} for r in rules if not r.is_default],
        "default": next((r.department.name for r in rules if r.is_default), ""),
    }


def read_keywords(value: object) -> list[str]:
    """Keywords from a form field (`会议室、公务用车`) or a JSON list."""
    if isinstance(value, list):
        return [str(word) for word in value]
    return [word for word in _WORDS.split(str(value or "")) if word]


def read_rule(form: Mapping[str, Any]) -> tuple[str, list[str], str | None]:
    department = str(form.get("department") or "").strip()
    if not department:
        raise BadInput("请选择部门")
    category = str(form.get("category") or "").strip() or None
    keywords = read_keywords(form.get("keywords"))
    if not keywords and not category:
        raise BadInput("请写关键词或类别（至少一项）")
    return department, keywords, category


# ---------------------------------------------------------------------------- roster


def roster_days(session: Session, first: date, days: int = 7) -> list[dict[str, Any]]:
    """The shifts of `days` dates from `first`, as the roster page lists them."""
    result = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        shifts = [{"department": s.department_name, "hours": s.hours(),
                   "roles": [{"role": ROLE_LABELS[role],
                              "people": [f"{p.name}（{p.userid}）" for p in getattr(s, role)]}
                             for role in ROLE_LABELS if getattr(s, role)]}
                  for s in shifts_starting_on(session, day)]
        result.append({"day": day.isoformat(), "label": f"{day.month}月{day.day}日 周"
                       f"{'一二三四五六日'[day.weekday()]}", "shifts": shifts})
    return result


def read_year(text: object) -> int | None:
    value = str(text or "").strip()
    if not value:
        return None
    if not value.isdigit() or not 2000 <= int(value) <= 2100:
        raise BadInput("年份请写四位数字，例如 2026")
    return int(value)


# ---------------------------------------------------------------------------- grants


def grant_rows(session: Session) -> list[dict[str, Any]]:
    return [{"id": grant.id, "person": person.name, "userid": person.userid,
             "department": department.name, "department_id": department.platform_id,
             "active": person.active and department.active,
             "granted_at": shown(grant.granted_at)}
            for grant, person, department in grants.grants(session)]


# ---------------------------------------------------------------------------- deliveries


def delivery_rows(session: Session) -> dict[str, Any]:
    return {
        "failed": [{"id": row.id, "platform": row.platform, "recipient": row.recipient,
                    "kind": deliveries.KIND_LABELS.get(row.kind, row.kind),
                    "task": row.task_id, "created_at": shown(row.created_at),
                    "attempts": row.attempts, "error": row.error}
                   for row in deliveries.failed_sends(session)],
        "parked": [{"id": row.id, "platform": row.platform, "sender": row.sender,
                    "received_at": shown(row.received_at), "attempts": row.attempts,
                    "error": row.error_type}
                   for row in deliveries.parked_messages(session)],
    }


# ---------------------------------------------------------------------------- tokens


def token_rows(session: Session) -> list[dict[str, Any]]:
    """Every API token, newest first; never the token or its hash."""
    return [{"id": token.id, "name": token.name, "person": person.name,
             "userid": person.userid, "issued_at": shown(token.issued_at),
             "issued_by": token.issued_by, "last_used_at": shown(token.last_used_at),
             "revoked": token.revoked_at is not None,
             "revoked_at": shown(token.revoked_at)}
            for token, person in api_tokens.listed(session)]


# ---------------------------------------------------------------------------- audit


def audit_rows(session: Session, area: str | None = None) -> list[dict[str, Any]]:
    return [{"id": e.id, "at": shown(e.at), "who": e.actor_name,
             "channel": CHANNEL_LABELS.get(e.channel, e.channel), "area": e.area,
             "area_label": AREA_LABELS.get(e.area, e.area), "action": e.action,
             "subject": e.subject, "before": e.before, "after": e.after}
            for e in recent(session, area=area)]
