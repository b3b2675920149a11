"""汇总 in chat: a supervisor's or leader's figures on demand, for today, this week or this
month, with a link to the dashboard (docs/reports.md, "On demand").

The figures are the daily and weekly summaries' (`summaries.figures_on_demand`), for every
department the sender supervises: the ones they lead, the ones granted to them, the whole
office for a leader of the top department or an admin. Anyone else is refused with the
people who may, their own supervisors.
"""

from datetime import datetime, time, timedelta

from sqlalchemy import select

from tasks.calendar.workdays import SHANGHAI
from tasks.core.context import Context
from tasks.errors import Refusal
from tasks.markup import markdown_text, plain_text
from tasks.models import Department, Membership, SupervisorGrant
from tasks.presentation import links, replies
from tasks.reports.figures import Period, at
from tasks.reports.summaries import brief_lines, figures_on_demand

TODAY, WEEK, MONTH = "今天", "本周", "本月"
SPANS = (TODAY, WEEK, MONTH)
ON_DEMAND = "on-demand"
MOST_DEPARTMENTS = 5  # a chat answer stays short; the dashboard shows every department


def period_of(span: str, now: datetime) -> Period:
    """From the start of today, of this week (Monday) or of this month, Asia/Shanghai, to now."""
    day = now.astimezone(SHANGHAI).date()
    first = {TODAY: day, WEEK: day - timedelta(days=day.weekday()),
             MONTH: day.replace(day=1)}[span]
    return Period(ON_DEMAND, span, at(first, time(0)), now, day)


def supervised(ctx: Context) -> set[int]:
    """The departments whose figures the sender may see: led, granted, or all for a leader
    of the office or an admin."""
    person = ctx.sender
    if ctx.authority.is_leader(person) or person.known_as(ctx.rules.admins):
        return set(ctx.session.scalars(select(Department.id).where(Department.active)))
    led = ctx.session.scalars(select(Membership.department_id).where(
        Membership.person_id == person.id, Membership.is_leader))
    granted = ctx.session.scalars(select(SupervisorGrant.department_id).where(
        SupervisorGrant.person_id == person.id))
    return {*led, *granted}


def summarize(ctx: Context, span: str) -> None:
    """Reply with the figures of `span` for each department the sender supervises."""
    departments = supervised(ctx)
    if not departments:
        raise Refusal(_refusal(ctx))
    period = period_of(span, ctx.now)
    found = figures_on_demand(ctx.session, period, ctx.now, departments)
    dashboard = links.page(ctx.rules, "/dashboard", ctx.sender.address()[0])
    lines = [f"**汇总·{span}**（{replies.stamp(period.start)} 至 {replies.stamp(period.end)}）"]
    for department, figures in found[:MOST_DEPARTMENTS]:
        lines.append(f"【{markdown_text(department.name)}】")
        lines += [f"> {line}" for line in brief_lines(figures)]
    if len(found) > MOST_DEPARTMENTS:
        lines.append(f"…另有 {len(found) - MOST_DEPARTMENTS} 个科室，见驾驶舱")
    lines.append(f"[在驾驶舱查看明细和图表]({dashboard})")
    ctx.reply("\n".join(lines), markdown=True)


def _refusal(ctx: Context) -> str:
    """Who may: the roles, and the sender's own supervisors by name."""
    mine = "、".join(plain_text(p.name) for p in ctx.authority.supervisors_of(ctx.sender)[:3])
    ask = f"如需了解本科室情况，请联系{mine}。" if mine else ""
    return f"无法汇总：只有科室负责人、领导或管理员可以查看汇总。{ask}"
