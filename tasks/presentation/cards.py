"""The neutral cards the domain shows about a task, in each of its states."""

from dataclasses import replace
from datetime import datetime

from tasks.calendar.workdays import SHANGHAI, WorkCalendar
from tasks.core.office_rules import OfficeRules
from tasks.core.sla import OffHours
from tasks.language import KIND_LABELS
from tasks.markup import card_text
from tasks.messaging.channel import Card, CardButton, CardField
from tasks.models import STATE_LABELS, Person, Rating, Task
from tasks.models import Card as CardRecord
from tasks.presentation import links
from tasks.presentation.replies import (
    day_and_weekday,
    deadline_text,
    earlier_label,
    form_page,
    off_hours_reason,
    stamp,
    state_text,
)
from tasks.vocabulary import RATING_LEVELS

ACCEPT = "accept"
TRANSFER = "transfer"
PROGRESS = "progress"
CLOSE = "close"
EXTEND = "extend"
RATE = "rate"  # rate.1 … rate.5: a level of the 好差评 scale, best first
REDO = "redo"  # redo.<rating id>: a supervisor sends a badly rated task back (重办)
RECTIFY = "rectify"  # rectify.<rating id>: … or opens a follow-up task (整改)
# A natural request's confirmation card: `confirm.<request id>:0` and so on (no task yet).
CONFIRM = "confirm"  # 创建: create exactly what the card shows
REPHRASE = "rephrase"  # 修改说明: answer with the request written as a command
DISMISS = "dismiss"  # 取消: grey the card, create nothing
REQUEST_ACTIONS = (CONFIRM, REPHRASE, DISMISS)
# earlier.<YYYYmmddHHMM>:12: move a deadline outside working time to the working time before it
EARLIER = "earlier"
# Buttons whose action needs words (a reason, a result, a date): they open the task page's
# form for it (`/m/tasks/12?p=wecom&form=transfer#transfer`) instead of asking for a command
# to type. The form is named twice: the fragment scrolls to it at once for someone signed in,
# the query survives the sign-in (whose OAuth redirect brings its own `#wechat_redirect`). A
# card sent before still sends the key, answered with the command and the link (flows.py).
FORMS = {TRANSFER: "transfer", PROGRESS: "progress", CLOSE: "close", EXTEND: "extend"}


def linked(card: Card, task: Task, rules: OfficeRules, reader: Person) -> Card:
    """The card with its task page as its link, and its buttons that need words turned
    into link buttons to that page's form; the links name the platform `reader` gets the
    card on."""
    page = links.task_page(rules, task.id, reader.address()[0])
    return replace(card, link=page, buttons=tuple(_form_button(b, page) for b in card.buttons))


def _form_button(button: CardButton, page: str) -> CardButton:
    parsed = parse_button_key(button.key)
    form = FORMS.get(parsed[0]) if parsed else None
    return replace(button, url=form_page(page, form)) if form else button



def button_key(action: str, task: Task) -> str:
    return f"{action}:{task.id}"


def rating_key(action: str, detail: int, task: Task) -> str:
    """`rate.2:12`: the action, what it is about (a level, a rating) and the task number."""
    return f"{action}.{detail}:{task.id}"


def split_action(action: str) -> tuple[str, int | None]:
    """`rate.2` → ("rate", 2); a plain `accept` → ("accept", None)."""
    name, _, detail = action.partition(".")
    return name, int(detail) if _is_number(detail) else None


def parse_button_key(key: str) -> tuple[str, int] | None:
    """Split `accept:12` into its action and task number; None for anything else."""
    action, _, number = key.partition(":")
    return (action, int(number)) if _is_number(number) else None


def _is_number(text: str) -> bool:
    """ASCII digits only: `str.isdigit` also takes "²", which `int` then refuses."""
    return text.isascii() and text.isdigit()


def offer_card(task: Task, card_id: str, now: datetime, calendar: WorkCalendar | None) -> Card:
    """The card a new holder receives: what, from whom, by when, with 接办 and 转办.

    A task sent back after its close (重办) is titled so: it is not new to anyone."""
    return Card(
        card_id=card_id,
        title=f"重办 #{task.id}" if task.reopen_count else f"新任务 #{task.id}",
        subtitle=card_text(task.title),
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
        subtitle=f"{card_text(task.title)}｜{card_text(chaser)}催办"
                 + (f"：{card_text(note)}" if note else ""),
        fields=_fields(task, now, calendar),
        buttons=(
            CardButton("进展", button_key(PROGRESS, task), primary=True),
            CardButton("办结", button_key(CLOSE, task)),
            CardButton("延期", button_key(EXTEND, task)),
        ),
    )


def accept_prompt_card(task: Task, card_id: str, now: datetime,
                       calendar: WorkCalendar | None, *, single: bool) -> Card:
    """An acknowledgement's answer (`收到`): the task still waiting, with its one 接办 button."""
    return Card(
        card_id=card_id,
        title=f"接办 #{task.id}？" if single else f"待接办 #{task.id}",
        subtitle=card_text(task.title),
        fields=_fields(task, now, calendar),
        buttons=(CardButton("接办", button_key(ACCEPT, task), primary=True),),
    )


def request_key(action: str, request_id: int) -> str:
    """`confirm.7:0`: the action, the pending request and no task (there is none yet)."""
    return f"{action}.{request_id}:0"


def request_card(request_id: int, card_id: str, holders: str, title: str, deadline: str,
                 kind: str) -> Card:
    """A natural request shown before anything is created, with 创建 / 修改说明 / 取消.

    `holders` is the names as written for the card; `title` is the request's own words."""
    return Card(
        card_id=card_id,
        title="要创建这个任务吗？",
        subtitle=card_text(title),
        fields=(
            CardField("承办人", card_text(holders)),
            CardField("内容", _short(card_text(title))),
            CardField("期限", deadline),
            CardField("类型", kind),
        ),
        buttons=(
            CardButton("创建", request_key(CONFIRM, request_id), primary=True),
            CardButton("修改说明", request_key(REPHRASE, request_id)),
            CardButton("取消", request_key(DISMISS, request_id)),
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
    return replace(card, title=f"任务 #{task.id}（{STATE_LABELS[task.state]}）", status=status)


def current_chase_card(task: Task, sent: Card, recipient_id: int, now: datetime,
                       calendar: WorkCalendar | None) -> Card:
    """A 催办 card redrawn: it keeps its layout (who chased, why) and its 进展/办结/延期 while
    its recipient holds the open task; otherwise it is greyed with what happened."""
    if task.is_open and task.holder_id == recipient_id:
        status = None
    elif task.is_open:
        status = f"已转由{card_text(task.holder_label)}办理"
    else:
        status = _status(task, awaited=False)
    return replace(sent, fields=_fields(task, now, calendar), status=status)


def _status(task: Task, awaited: bool) -> str | None:
    """None while the recipient is still expected to press 接办; otherwise what happened."""
    if not task.is_open:
        return state_text(task)  # 已办结（12月3日 17:30） / 已撤销（…）
    if task.state == "accepted" and task.holder is not None:
        return f"已由{card_text(task.holder.name)}接办"
    return None if awaited else f"已转办给{card_text(task.holder_label)}"


def _fields(task: Task, now: datetime, calendar: WorkCalendar | None) -> tuple[CardField, ...]:
    return (
        CardField("提请人", card_text(task.requester.name)),
        CardField("期限", deadline_text(task, now, calendar)),
        CardField("类型", KIND_LABELS.get(task.kind, task.kind)),
        CardField("状态", state_text(task)),
    )


def rating_card(task: Task, rating: Rating, card_id: str, result: str,
                holder: str) -> Card:
    """好差评: the requester rates one close on the five levels, best first."""
    return Card(
        card_id=card_id,
        title=f"请评价任务 #{task.id}",
        subtitle=f"{card_text(task.title)}｜{card_text(holder)} 已办结，请对办理结果作出评价",
        fields=(
            CardField("承办人", card_text(holder)),
            CardField("办理结果", _short(card_text(result))),
            CardField("办结时间", stamp(rating.asked_at)),
            CardField("评价期限", f"{stamp(rating.expires_at)} 前"),
        ),
        buttons=tuple(CardButton(level, rating_key(RATE, index, task), primary=index == 1)
                      for index, level in enumerate(RATING_LEVELS, 1)),
    )


def rating_status(rating: Rating) -> str:
    """What a rating card shows once it can no longer be pressed."""
    if rating.state == "rated" and rating.level:
        return f"已评价：{rating.level}"
    if rating.state == "not_rated":
        return "未评价（已过期）"
    return "已处理"


def followup_card(task: Task, rating: Rating, card_id: str) -> Card:
    """差评处理: a supervisor chooses 重办 (same task, same holder) or 整改 (a follow-up task)."""
    return Card(
        card_id=card_id,
        title=f"差评待处理 #{task.id}",
        subtitle=f"{card_text(task.title)}｜提请人{card_text(rating.requester.name)}"
                 f"评价「{rating.level}」，请选择重办或整改",
        fields=(
            CardField("承办人", card_text(rating.closure.holder.name if rating.closure.holder
                                          else task.holder_label)),
            CardField("提请人", card_text(rating.requester.name)),
            CardField("评价", rating.level or ""),
            CardField("原因", _short(card_text(rating.reason or "未说明"))),
        ),
        buttons=(
            CardButton("重办", rating_key(REDO, rating.id, task), primary=True),
            CardButton("整改", rating_key(RECTIFY, rating.id, task)),
        ),
    )


def followup_status(rating: Rating, actor: str) -> str:
    if rating.followup == "rectification" and rating.followup_task_id:
        return f"已安排整改 #{rating.followup_task_id}（{card_text(actor)}）"
    return f"已安排重办（{card_text(actor)}）"


def with_status(card: Card, status: str) -> Card:
    """The same card, greyed out with `status`."""
    return replace(card, status=status)


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def earlier_key(off: OffHours, task: Task) -> str:
    """`earlier.202612041730:12`: the instant offered, so a click moves the deadline only to
    what the card showed."""
    assert off.earlier is not None
    return f"{EARLIER}.{minute_number(off.earlier)}:{task.id}"


def minute_number(when: datetime) -> int:
    """An instant as the number 202612041730 (Shanghai wall clock), for a button key."""
    return int(when.astimezone(SHANGHAI).strftime("%Y%m%d%H%M"))


def earlier_deadline_card(task: Task, card_id: str, off: OffHours,
                          calendar: WorkCalendar) -> Card:
    """A written deadline outside working time: kept, with one button to move it to the
    working time before it (「改为12月4日」)."""
    assert off.earlier is not None
    return Card(
        card_id=card_id,
        title=f"期限不在工作时间 #{task.id}",
        subtitle=f"{card_text(task.title)}｜{off_hours_reason(off, task.kind, calendar)}",
        fields=(
            CardField("原期限", day_and_weekday(off.deadline)),
            CardField("可改为", day_and_weekday(off.earlier)),
        ),
        buttons=(CardButton(earlier_label(off), earlier_key(off, task), primary=True),),
    )
