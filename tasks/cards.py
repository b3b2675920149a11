"""The neutral cards the domain shows about a task, in each of its states."""

from datetime import datetime

from tasks.channel import Card, CardButton, CardField
from tasks.language import KIND_LABELS
from tasks.models import STATE_LABELS, Task
from tasks.models import Card as CardRecord
from tasks.replies import deadline_text
from tasks.workcalendar import WorkCalendar

ACCEPT = "accept"
TRANSFER = "transfer"
PROGRESS = "progress"
CLOSE = "close"
EXTEND = "extend"


def button_key(action: str, task: Task) -> str:
    return f"{action}:{task.id}"


def parse_button_key(key: str) -> tuple[str, int] | None:
    """Split `accept:12` into its action and task number; None for anything else."""
    action, _, number = key.partition(":")
    return (action, int(number)) if number.isdigit() else None


def offer_card(task: Task, card_id: str, now: datetime, calendar: WorkCalendar | None) -> Card:
    """The card a new holder receives: what, from whom, by when, with 接办 and 转办."""
    return Card(
        card_id=card_id,
        title=f"新任务 #{task.id}",
        subtitle=task.title,
        fields=_fields(task, now, calendar),
        buttons=(
            CardButton("接办", button_key(ACCEPT, task), primary=True),
            CardButton("转办", button_key(TRANSFER, task)),
        ),
    )


def chase_card(task: Task, card_id: str, chaser: str, note: str, now: datetime,
               calendar: WorkCalendar | None) -> Card:
    """催办: what is chased and by whom, with the three ways to answer it."""
    return Card(
        card_id=card_id,
        title=f"催办 #{task.id}",
        subtitle=f"{task.title}｜{chaser}催办" + (f"：{note}" if note else ""),
        fields=_fields(task, now, calendar),
        buttons=(
            CardButton("进展", button_key(PROGRESS, task), primary=True),
            CardButton("办结", button_key(CLOSE, task)),
            CardButton("延期", button_key(EXTEND, task)),
        ),
    )


def current_card(task: Task, record: CardRecord, now: datetime,
                 calendar: WorkCalendar | None, *, awaited: bool) -> Card:
    """The card redrawn for the task's present state as its recipient should see it.

    `awaited` says whether the task still waits for this recipient to press 接办.
    """
    card = offer_card(task, record.platform_card_id, now, calendar)
    status = _status(task, awaited)
    if status is None:
        return card
    return Card(
        card_id=card.card_id,
        title=f"任务 #{task.id}（{STATE_LABELS[task.state]}）",
        subtitle=card.subtitle,
        fields=card.fields,
        buttons=card.buttons,
        status=status,
    )


def _status(task: Task, awaited: bool) -> str | None:
    """None while the recipient is still expected to press 接办; otherwise what happened."""
    if task.state == "closed":
        return "已办结"
    if task.state == "cancelled":
        return "已撤销"
    if task.state == "accepted" and task.holder is not None:
        return f"已由{task.holder.name}接办"
    return None if awaited else f"已转办给{task.holder_label}"


def _fields(task: Task, now: datetime, calendar: WorkCalendar | None) -> tuple[CardField, ...]:
    return (
        CardField("提请人", task.requester.name),
        CardField("期限", deadline_text(task, now, calendar)),
        CardField("类型", KIND_LABELS.get(task.kind, task.kind)),
        CardField("状态", STATE_LABELS[task.state]),
    )
