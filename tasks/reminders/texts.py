"""The Chinese wording of reminders and escalations, one line each, merged per person.

A text is fixed when it is queued, so a resend of the same row is the same request and the
platform's duplicate check can drop it (every send is keyed: tasks/messaging/delivery.py).
"""

from datetime import datetime

from tasks.calendar.workdays import SHANGHAI, WorkCalendar
from tasks.language import format_deadline
from tasks.markup import plain_text
from tasks.models import Reminder


def reminder_text(row: Reminder, calendar: WorkCalendar, now: datetime, holder: str) -> str:
    """One reminder's line, ending with the instant it is for.

    The instant says which reminder it is: the next progress reminder would otherwise read
    the same. (The platform's duplicate check tells rows apart by the row, not the text:
    `delivery` keys every send with its row's id.)
    """
    return f"{_wording(row, calendar, now, holder)}〔{_stamp(row.due_at)}〕"


def _wording(row: Reminder, calendar: WorkCalendar, now: datetime, holder: str) -> str:
    """`holder`: who holds the task, or the names it is offered to while unclaimed.

    Reminders go out as text messages: the title and the names are escaped for them."""
    task = row.task
    holder = plain_text(holder)
    ref = f"任务 #{task.id}「{plain_text(task.title)}」"
    match (row.timer, row.level):
        case ("first_response", 0):
            return f"【待接办】{ref}请尽快接办：接办 #{task.id}（或转办并说明原因）。"
        case ("first_response", level) if task.kind == "emergency":
            rung = _rung(row)
            who = {"standby": "候班", "supervisors": "督办"}.get(rung) or \
                ("候班" if level == 1 else "督办")
            return (f"【突发事件·{who}】{ref}值班人员 {holder} 未及时接办，请立即处置："
                    f"接办 #{task.id}，或转办 #{task.id} @承办人 原因，或联系 {holder}。")
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


def reporter_text(row: Reminder, holder: str, asked: str) -> str:
    """The reporter's line when their emergency climbs a rung: who did not accept it in
    time and who has been asked now; never the 督办 order meant for supervisors."""
    task = row.task
    who = {"standby": "候班", "supervisors": "督办"}.get(_rung(row), "")
    now_asked = f"，已提请{who} {plain_text(asked)} 处置" if asked else ""
    return (f"【突发事件·未及时接办】你报告的任务 #{task.id}「{plain_text(task.title)}」"
            f"值班人员 {plain_text(holder)} 未及时接办{now_asked}。"
            f"〔{_stamp(row.due_at)}〕")


def _rung(row: Reminder) -> str:
    """`standby` or `supervisors`: the ladder role a row's audience names, if any."""
    for part in row.audience.split("+"):
        if part.startswith("ladder:"):
            return part.removeprefix("ladder:")
    return ""


HEADER_ROOM = 148  # bytes kept free for the header of a merged message


def merged(texts: list[str], text_bytes: int | None = None) -> list[str]:
    """As few messages as hold everything one person is due to hear now.

    A merge that would pass the platform's text limit (`ChannelLimits.text_bytes`) is split
    rather than cut, so the fifteenth 催办 is read like the first; without a limit nothing
    is split.
    """
    if len(texts) == 1:
        return texts
    budget = text_bytes - HEADER_ROOM if text_bytes else None
    lines = [f"{n}. {text}" for n, text in enumerate(texts, start=1)]
    chunks: list[list[str]] = [[]]
    for line in lines:
        size = sum(len(x.encode()) + 1 for x in chunks[-1]) + len(line.encode())
        if chunks[-1] and budget is not None and size > budget:
            chunks.append([])
        chunks[-1].append(line)
    header = f"你有 {len(texts)} 条提醒"
    if len(chunks) == 1:
        return [f"{header}：\n" + "\n".join(chunks[0])]
    return [f"{header}（{n}/{len(chunks)}）：\n" + "\n".join(chunk)
            for n, chunk in enumerate(chunks, start=1)]


def _stamp(when: datetime | None) -> str:
    if when is None:
        return "（未设定）"
    local = when.astimezone(SHANGHAI)
    return f"{local.month}月{local.day}日 {local:%H:%M}"
