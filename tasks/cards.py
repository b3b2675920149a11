"""The neutral cards the domain shows about a task, in each of its states."""

from datetime import datetime

from tasks.channel import Card, CardButton, CardField
from tasks.language import format_deadline
from tasks.models import KIND_LABELS, STATE_LABELS, Task

ACCEPT = "accept"
TRANSFER = "transfer"


def button_key(action: str, task: Task) -> str:
    return f"{action}:{task.id}"


def parse_button_key(key: str) -> tuple[str, int] | None:
    """Split `accept:12` into its action and task number; None for anything else."""
    action, _, number = key.partition(":")
    return (action, int(number)) if number.isdigit() else None


def offer_card(task: Task, card_id: str, now: datetime) -> Card:
    """The card a new holder receives: what, from whom, by when, with 接办 and 转办."""
    return Card(
        card_id=card_id,
        title=f"新任务 #{task.id}",
        subtitle=task.title,
        fields=_fields(task, now),
        buttons=(
            CardButton("接办", button_key(ACCEPT, task), primary=True),
            CardButton("转办", button_key(TRANSFER, task)),
        ),
    )


def current_card(task: Task, card_id: str, now: datetime) -> Card:
    """The same card redrawn for the task's present state, buttons greyed once acted on."""
    card = offer_card(task, card_id, now)
    status = {
        "accepted": f"已由{task.holder.name}接办",
        "closed": "已办结",
        "cancelled": "已撤销",
    }.get(task.state)
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


def _fields(task: Task, now: datetime) -> tuple[CardField, ...]:
    deadline = format_deadline(task.deadline, now) if task.deadline else "未设定"
    return (
        CardField("提请人", task.requester.name),
        CardField("期限", deadline),
        CardField("类型", KIND_LABELS.get(task.kind, task.kind)),
        CardField("状态", STATE_LABELS[task.state]),
    )
