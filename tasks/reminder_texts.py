"""The Chinese wording of reminders and escalations, one line each, merged per person.

A text is fixed when it is queued, so a resend of the same row is byte-identical and the
platform's duplicate check can drop it.
"""

from datetime import datetime

from tasks.language import format_deadline
from tasks.models import Reminder
from tasks.workcalendar import SHANGHAI, WorkCalendar


def reminder_text(row: Reminder, calendar: WorkCalendar, now: datetime) -> str:
    """One reminder's line, ending with the instant it is for.

    The instant makes every reminder's text its own: the platform's duplicate check drops
    a byte-identical message within 4 hours, which must only ever be a resend of the same
    row, never the next progress reminder that happens to read the same.
    """
    return f"{_wording(row, calendar, now)}〔{_stamp(row.due_at)}〕"


def _wording(row: Reminder, calendar: WorkCalendar, now: datetime) -> str:
    task = row.task
    ref = f"任务 #{task.id}「{task.title}」"
    holder = task.holder.name if task.holder else "受理人员"
    match (row.timer, row.level):
        case ("first_response", 0):
            return f"【待接办】{ref}请尽快接办：接办 #{task.id}（或转办并说明原因）。"
        case ("first_response", level) if task.kind == "emergency":
            who = "候班" if level == 1 else "督办"
            return (f"【突发事件·{who}】{ref}值班人员未及时接办，请立即处置：接办 #{task.id}"
                    f"，或联系 {holder}。")
        case ("first_response", _):
            return f"【接办超时】{ref}交 {holder} 后未在时限内接办，请督促或改派。"
        case ("progress", 0):
            return f"【进展提醒】{ref}请报告办理进展：进展 #{task.id} 说明。"
        case ("progress", _):
            return f"【进展超时】{ref}承办人 {holder} 超过进展报告时限仍未报告，请督促。"
        case ("due_soon", _):
            due = format_deadline(task.deadline, now, calendar) if task.deadline else ""
            return f"【即将到期】{ref}将于 {due} 到期，请按时办结。"
        case ("overdue", level):
            nth = f"（第{level + 1}次催办）" if level else ""
            return (f"【催办】{ref}已于 {_stamp(task.deadline)} 到期，承办人 {holder}，"
                    f"请尽快办结或申请延期{nth}。")
    return f"【提醒】{ref}"


def merged(texts: list[str]) -> str:
    """One message for everything one person is due to hear now."""
    if len(texts) == 1:
        return texts[0]
    numbered = "\n".join(f"{n}. {text}" for n, text in enumerate(texts, start=1))
    return f"你有 {len(texts)} 条提醒：\n{numbered}"


def _stamp(when: datetime | None) -> str:
    if when is None:
        return "（未设定）"
    local = when.astimezone(SHANGHAI)
    return f"{local.month}月{local.day}日 {local:%H:%M}"
