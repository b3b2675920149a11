"""What the workbench's task pages show (docs/workbench.md, "Task pages"): the three lists
(我的待办, 我交办的, 待我评价) and one task with its closure record, history and the actions
its viewer may take.

Read models only: nothing here changes a task. Who may see a task is need to know
(`Authority.takes_part`, as chat's `load_task`), and which action forms a viewer gets is
the authorization matrix (`Authority.roles` against `MATRIX`), narrowed to the actions
the task's present state admits, so a page never offers a button that could only be
refused for the state. The action itself still runs the chat verb, which checks again.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tasks.calendar.workdays import WorkCalendar
from tasks.core import ledger
from tasks.core.authority import MATRIX, ROLE_LABELS, Authority
from tasks.core.sla import WORKING_UNITS
from tasks.feedback import closure, ratings
from tasks.language.deadlines import format_time_left
from tasks.lifecycle.views import open_for, urgency
from tasks.models import (
    OPEN_STATES,
    Closure,
    Extension,
    Person,
    Rating,
    Task,
    TaskEvent,
    TaskOffer,
)
from tasks.presentation import replies
from tasks.routing import flags
from tasks.vocabulary import FLAG_LABELS, RATING_LEVELS

FINISHED_SHOWN = 30  # 我交办的: the latest finished requests shown below the open ones
CHANNEL_LABELS = {"chat": "聊天", "card": "卡片", "web": "网页", "system": "系统"}

# The actions a task page offers, in the order its forms appear: the matrix row each asks
# for (tasks.verbs declare them) and the states in which the verb can succeed.
PAGE_ACTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("accept", ("pending",)),
    ("progress", ("accepted",)),
    ("close", OPEN_STATES),
    ("transfer", OPEN_STATES),
    ("request_extension", OPEN_STATES),
    ("decide_extension", OPEN_STATES),
    ("chase", OPEN_STATES),
    ("rate", ("closed",)),
    ("cancel", OPEN_STATES),
)


@dataclass(frozen=True)
class TaskLine:
    """One row of a list: enough to recognise the task and see how urgent it is."""

    number: int
    title: str
    state: str
    state_label: str
    kind_label: str
    requester: str
    holder: str
    deadline: datetime | None
    deadline_shown: str  # `12月4日 17:00`, or 未设定期限
    time_left: str  # `剩余3天2小时` / `已超期1天`; a finished task's is empty
    overdue: bool


@dataclass(frozen=True)
class RatingLine:
    """A close waiting for the viewer's 好差评 (待我评价)."""

    task: TaskLine
    closed_at: datetime | None
    closed_shown: str
    result: str
    expires_shown: str
    level: str | None  # set when a bad level waits for its reason
    awaiting_reason: bool


@dataclass(frozen=True)
class HistoryLine:
    """One audit event as the page lists it: when, who, what, through which channel."""

    at: datetime
    at_shown: str
    actor: str
    action: str
    channel: str
    text: str
    note: str  # what the detail adds: whom it went to, the deadline asked for


@dataclass(frozen=True)
class ClosureView:
    """One close (办结记录) as the page shows it, with the rating it got."""

    heading: str
    result: str
    lines: tuple[str, ...]
    rating: str


@dataclass(frozen=True)
class PendingExtension:
    requested_by: str
    requested_by_id: int
    deadline_shown: str
    reason: str


@dataclass(frozen=True)
class TaskPage:
    """Everything the task page shows for one viewer."""

    line: TaskLine
    kind: str
    first_responder: str
    stand_in_for: str
    original_deadline: str
    accept_by: str
    counts: str
    flags: tuple[str, ...]
    description: str
    result: str
    extension: PendingExtension | None
    closures: tuple[ClosureView, ...]
    stretches: tuple[str, ...]
    history: tuple[HistoryLine, ...]
    roles: tuple[str, ...]  # the viewer's roles, in words
    actions: tuple[str, ...]  # matrix keys the viewer's forms are for
    rating_wanted: RatingLine | None = None
    levels: tuple[str, ...] = field(default=RATING_LEVELS)


def visible_task(session: Session, authority: Authority, person: Person, number: int,
                 now: datetime) -> Task | None:
    """The task if it exists and `person` takes part in it: else None, one answer for both
    (need to know), as chat's `known_task` gives."""
    task = session.get(Task, number)
    if task is None or not authority.takes_part(person, task, now):
        return None
    return task


def my_open(session: Session, person: Person, now: datetime,
            calendar: WorkCalendar) -> list[TaskLine]:
    """我的待办: what chat's 我的 lists, most urgent first."""
    tasks = open_for(session, person)
    offered = _offered_names(session, tasks)
    return [task_line(task, now, calendar, offered.get(task.id, ())) for task in tasks]


def requested(session: Session, person: Person, now: datetime,
              calendar: WorkCalendar) -> tuple[list[TaskLine], list[TaskLine]]:
    """我交办的: the open tasks `person` requested (most urgent first) and the latest
    finished ones (newest first)."""
    mine = Task.requester_id == person.id
    running = sorted(session.scalars(select(Task).where(mine, Task.state.in_(OPEN_STATES))),
                     key=urgency)
    finished = session.scalars(
        select(Task).where(mine, Task.state.not_in(OPEN_STATES))
        .order_by(Task.updated_at.desc(), Task.id.desc()).limit(FINISHED_SHOWN)).all()
    offered = _offered_names(session, [*running, *finished])
    return ([task_line(t, now, calendar, offered.get(t.id, ())) for t in running],
            [task_line(t, now, calendar, offered.get(t.id, ())) for t in finished])


def to_rate(session: Session, person: Person, now: datetime,
            calendar: WorkCalendar) -> list[RatingLine]:
    """待我评价: closes asking `person` for a rating, and bad ratings still wanting the
    reason, oldest first (the nearest window end first)."""
    rows = session.scalars(select(Rating).where(
        Rating.requester_id == person.id,
        or_(Rating.state == "asked", (Rating.state == "rated") & Rating.awaiting_reason))
        .order_by(Rating.expires_at, Rating.id)).all()
    return [rating_line(rating, now, calendar) for rating in rows
            if rating.task.state == "closed"]


def rating_line(rating: Rating, now: datetime, calendar: WorkCalendar) -> RatingLine:
    closure_row = rating.closure
    return RatingLine(
        task=task_line(rating.task, now, calendar),
        closed_at=closure_row.closed_at,
        closed_shown=replies.stamp(closure_row.closed_at),
        result=closure_row.result,
        expires_shown=replies.stamp(rating.expires_at),
        level=rating.level if rating.awaiting_reason else None,
        awaiting_reason=rating.awaiting_reason,
    )


def task_line(task: Task, now: datetime, calendar: WorkCalendar,
              offered: Sequence[str] = ()) -> TaskLine:
    """A task as a list row; an unclaimed one names whom it waits on."""
    overdue = task.is_open and task.deadline is not None and task.deadline < now
    time_left = ""
    if task.is_open and task.deadline is not None:
        working = (task.policy or {}).get("completion", "").split(" ")[-1] in WORKING_UNITS
        time_left = format_time_left(task.deadline, now, calendar, working)
    return TaskLine(
        number=task.id, title=task.title, state=task.state,
        state_label=replies.state_text(task), kind_label=replies.kind_label(task.kind),
        requester=task.requester.name, holder=_holder(task, offered),
        deadline=task.deadline,
        deadline_shown=replies.stamp(task.deadline) if task.deadline else "未设定期限",
        time_left=time_left, overdue=overdue,
    )


def task_page(session: Session, authority: Authority, person: Person, task: Task,
              now: datetime, calendar: WorkCalendar) -> TaskPage:
    """One task for a viewer who takes part in it (`visible_task`)."""
    offered = _offered_names(session, [task]).get(task.id, ())
    extensions = session.scalars(select(Extension).where(Extension.task_id == task.id)
                                 .order_by(Extension.id)).all()
    pending = next((e for e in reversed(extensions) if e.state == "requested"), None)
    latest = ratings.latest(session, task)
    roles = authority.roles(person, task)
    actions = available_actions(roles, task, pending, latest, person)
    wanted = None
    if "rate" in actions and latest is not None:
        wanted = rating_line(latest, now, calendar)
    return TaskPage(
        line=task_line(task, now, calendar, offered),
        kind=replies.kind_label(task.kind),
        first_responder=task.first_responder.name if task.first_responder else "（待认领）",
        stand_in_for=task.stand_in_for.name if task.stand_in_for else "",
        original_deadline=(replies.stamp(task.original_deadline)
                           if task.original_deadline is not None
                           and task.original_deadline != task.deadline else ""),
        accept_by=(replies.stamp(task.first_response_due)
                   if task.first_response_due is not None and task.accepted_at is None
                   and task.is_open else ""),
        counts=(f"转办 {task.transfer_count} 次，退回 {task.bounce_count} 次，"
                f"重办 {task.reopen_count} 次"),
        flags=tuple(dict.fromkeys(FLAG_LABELS.get(f.flag, f.flag)
                                  for f in flags.flags_of(session, task))),
        description=replies.task_description(task),
        result=task.result or "",
        extension=PendingExtension(pending.requested_by.name, pending.requested_by_id,
                                   replies.stamp(pending.requested_deadline), pending.reason)
        if pending else None,
        closures=_closures(session, task),
        stretches=tuple(_stretch(s) for s in ledger.stretches(session, task, now)),
        history=history(session, task),
        roles=tuple(ROLE_LABELS[role] for role in ROLE_LABELS if role in roles),
        actions=actions,
        rating_wanted=wanted,
    )


def available_actions(roles: set[str], task: Task, pending: Extension | None,
                      latest: Rating | None, person: Person) -> tuple[str, ...]:
    """The matrix keys whose forms the page shows: the viewer holds one of the row's roles
    (the same rows chat's refusals name), and the task's state lets the verb succeed."""
    shown = []
    for key, states in PAGE_ACTIONS:
        row = MATRIX.get(key)
        if row is None or not roles & set(row.roles) or task.state not in states:
            continue
        if key == "request_extension" and pending is not None:
            continue
        if key == "decide_extension" and (pending is None
                                          or pending.requested_by_id == person.id):
            continue
        if key == "rate" and not _ratable(latest, person):
            continue
        shown.append(key)
    return tuple(shown)


def _ratable(rating: Rating | None, person: Person) -> bool:
    """A close waiting for this requester's vote, or for the reason of a bad one."""
    if rating is None or rating.requester_id != person.id:
        return False
    return rating.state == "asked" or (rating.state == "rated" and rating.awaiting_reason)


def history(session: Session, task: Task) -> tuple[HistoryLine, ...]:
    """The whole audit log of the task, oldest first, unabridged (chat's 查询 condenses it
    to fit a message; a page has room)."""
    events = session.scalars(select(TaskEvent).where(TaskEvent.task_id == task.id)
                             .order_by(TaskEvent.id)).all()
    names = _names_by_userid(session, events)
    return tuple(HistoryLine(
        at=event.at, at_shown=replies.stamp(event.at),
        actor=event.actor.name if event.actor else "系统",
        action=replies.ACTION_LABELS.get(event.action, event.action),
        channel=CHANNEL_LABELS.get(event.channel, event.channel),
        text=event.text, note=_note(event, names)) for event in events)


def _note(event: TaskEvent, names: dict[str, str]) -> str:
    detail = event.detail or {}
    if event.action == "transferred" and detail.get("to"):
        return f"转给 {names.get(detail['to'], detail['to'])}"
    if event.action in ("created", "reopened") and detail.get("holder"):
        return f"承办 {names.get(detail['holder'], detail['holder'])}"
    if event.action == "extension_requested" and detail.get("deadline"):
        return f"申请延至 {replies.stamp(datetime.fromisoformat(detail['deadline']))}"
    return ""


def _names_by_userid(session: Session, events: Sequence[TaskEvent]) -> dict[str, str]:
    """Events name holders by userid (a stable key); the page shows their names."""
    userids = {str(v) for e in events for k, v in (e.detail or {}).items()
               if k in ("to", "holder") and v}
    if not userids:
        return {}
    return {userid: name for userid, name in session.execute(
        select(Person.userid, Person.name).where(Person.userid.in_(userids)))}


def _closures(session: Session, task: Task) -> tuple[ClosureView, ...]:
    """Each close with its figures and rating, in the words chat's 查询 uses."""
    closures = closure.closures_of(session, task)
    by_closure = {r.closure_id: r for r in ratings.ratings_of(session, task)}
    return tuple(_closure_view(c, by_closure.get(c.id), len(closures)) for c in closures)


def _closure_view(row: Closure, rating: Rating | None, closes: int) -> ClosureView:
    which = f"第{row.round + 1}次办结" if closes > 1 or row.round else "办结"
    holder = row.holder.name if row.holder else "—"
    response = ("—" if row.first_response_minutes is None
                else replies.duration(row.first_response_minutes))
    lines = [
        f"首次响应 {response}，办理用时 {replies.duration(row.close_minutes)}",
        replies.on_time_line(row),
        f"转办 {row.transfers} 次，退回 {row.bounces} 次，提醒 {row.reminders_received} 次，"
        f"催办 {row.chases_received} 次",
    ]
    if row.holder_times:
        lines.append("承办用时：" + "；".join(
            f"{entry['name']} {replies.duration(int(entry['seconds']) // 60)}"
            + ("" if entry.get("accepted") else "（未接办）") for entry in row.holder_times))
    return ClosureView(heading=f"{which}：{replies.stamp(row.closed_at)}（{holder}）",
                       result=row.result, lines=tuple(lines), rating=_rating_words(rating))


def _rating_words(rating: Rating | None) -> str:
    """The rating in plain words: chat's `rating_text`, without markdown escapes."""
    return replies.rating_text(rating, escape=str)


def _stretch(stretch: ledger.Stretch) -> str:
    held = replies.duration(int(stretch.held.total_seconds() // 60))
    extra = "" if stretch.accepted else "，未接办"
    stood_in = f"（代{stretch.stand_in_for}）" if stretch.stand_in_for else ""
    return f"{stretch.holder}{stood_in}：{held}{extra}"


def _holder(task: Task, offered: Sequence[str]) -> str:
    """Who holds it; while nobody does, whom it waits on (`秘书科 李娜、王芳（待认领）`)."""
    if task.holder is not None or not offered:
        return task.holder_label
    names = "、".join(offered)
    if task.department is not None:
        return f"{task.department.name} {names}（待认领）"
    return f"{names}（待接办）"


def _offered_names(session: Session, tasks: Sequence[Task]) -> dict[int, tuple[str, ...]]:
    """For the unclaimed tasks among `tasks`, the names they are offered to now (one read)."""
    waiting = [t.id for t in tasks if t.holder_id is None]
    if not waiting:
        return {}
    found: dict[int, list[str]] = {}
    for task_id, name in session.execute(
            select(TaskOffer.task_id, Person.name).join(Person, TaskOffer.person_id == Person.id)
            .where(TaskOffer.task_id.in_(waiting), TaskOffer.withdrawn_at.is_(None))
            .order_by(TaskOffer.id)):
        found.setdefault(task_id, []).append(name)
    return {task_id: tuple(names) for task_id, names in found.items()}
