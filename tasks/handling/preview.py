"""The new-task form's language preview (docs/workbench.md, "Task pages"): what chat would
make of a message, shown before anything is created.

The reading is chat's own (`tasks.verbs.interpret`); this module only adds what a form can
show that a chat reply does not: each holder as the directory resolves them, the deadline
as an instant on the office calendar (or the kind's default), and the kind. Creating then
dispatches the very `CreateTask` read here, through the 新建 verb.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tasks.calendar.workdays import CalendarDataMissing, WorkCalendar
from tasks.core import sla
from tasks.core.policies import policy_for
from tasks.directory.lookup import find_department, find_person
from tasks.directory.view import SessionDirectory
from tasks.errors import Refusal
from tasks.language import DeadlineError, parse_deadline
from tasks.language.grammar import Command, Misread
from tasks.language.kinds import KIND_LABELS, infer_kind
from tasks.language.text import normalize
from tasks.presentation import replies
from tasks.verbs.create import CreateTask
from tasks.verbs.interpret import Span, interpret
from tasks.verbs.registry import REGISTRY

CREATE, OTHER_COMMAND, REFUSED = "create", "command", "refusal"


@dataclass(frozen=True)
class Holder:
    """One name the request gives the task to, as the directory reads it."""

    written: str
    label: str  # `李娜（秘书科）`, `秘书科（部门，先接办者承办）`, or empty when not found
    problem: str  # why it cannot be used (not found, several people), else empty


@dataclass(frozen=True)
class Preview:
    """What the form shows: the reading, and for a new task its parts.

    `outcome` is `create` (a 新建 or a natural request: the create button may be pressed),
    `command` (another verb: this form only creates) or `refusal` (chat's answer in
    `reply`). `problems` lists what would stop the create (a name, a deadline)."""

    text: str
    outcome: str
    reply: str
    request: CreateTask | None = None
    title: str = ""
    holders: tuple[Holder, ...] = ()
    holders_note: str = ""  # who gets it when no holder is named
    deadline: datetime | None = None
    deadline_shown: str = ""
    kind_label: str = ""
    kind_inferred: bool = False
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    spans: tuple[Span, ...] = ()

    @property
    def can_create(self) -> bool:
        return self.outcome == CREATE and not self.problems


def of_text(session: Session, text: str, *, now: datetime, calendar: WorkCalendar
            ) -> Preview:
    """The preview of a message typed as chat would receive it."""
    reading = interpret(text, directory=SessionDirectory(session), now=now, calendar=calendar)
    request = reading.request or (reading.command if isinstance(reading.command, CreateTask)
                                  else None)
    if request is not None:
        return of_request(session, request, now=now, calendar=calendar, text=reading.text,
                          reply=reading.reply, spans=reading.spans)
    if reading.command is not None:
        return Preview(reading.text, OTHER_COMMAND, _not_a_create(reading.command),
                       spans=reading.spans)
    return Preview(reading.text, REFUSED, reading.reply, spans=reading.spans)


def from_fields(title: str, holders: list[str], deadline_text: str, kind: str) -> CreateTask:
    """The `新建` the form's separate fields stand for; a missing title is refused as chat's
    新建 refuses it (Misread)."""
    title = normalize(title)
    if not title:
        raise Misread("缺少任务内容")
    named = tuple(dict.fromkeys(h.strip() for h in holders if h.strip()))
    if kind and kind not in KIND_LABELS:
        raise Misread("没有这个任务类型，请从列表中选择")
    chosen = kind or infer_kind(title)
    return CreateTask(title, named, normalize(deadline_text) or None, "新建", chosen,
                      bool(kind))


def of_request(session: Session, request: CreateTask, *, now: datetime,
               calendar: WorkCalendar, text: str = "", reply: str = "",
               spans: tuple[Span, ...] = ()) -> Preview:
    """The parts of one request: holders resolved, deadline placed, kind named."""
    holders = tuple(_holder(session, written) for written in request.assignees)
    problems = [h.problem for h in holders if h.problem]
    kind = request.kind or "general"
    deadline, shown, problem = _deadline(session, request, kind, now, calendar)
    if problem:
        problems.append(problem)
    return Preview(
        text=text, outcome=CREATE, reply=reply, request=request, title=request.title,
        holders=holders, holders_note="" if holders else _nobody_named(request, kind),
        deadline=deadline, deadline_shown=shown, kind_label=KIND_LABELS.get(kind, kind),
        kind_inferred=request.kind is not None and not request.kind_explicit,
        notes=tuple(note.replace("{task}", "新任务") for note in request.notes),
        problems=tuple(problems), spans=spans,
    )


def _holder(session: Session, written: str) -> Holder:
    """A name as `转办`/`新建` resolve it: a person first, else a department."""
    lookup = find_person(session, written)
    if lookup.person is not None:
        person = lookup.person
        where = "、".join(person.department_names) or "未分配部门"
        return Holder(written, f"{person.name}（{where}）", "")
    department = find_department(session, written)
    if department is not None:
        return Holder(written, f"{department.name}（部门，先接办者承办）", "")
    return Holder(written, "", replies.name_problem(written, lookup.candidates))


def _nobody_named(request: CreateTask, kind: str) -> str:
    if kind == "emergency":
        return "未写承办人：交今天的值班人员处置"
    if request.verb in ("请示", "急件"):
        return "未写承办人：按归口办理规则分派"
    return "未写承办人：任务归你自己"


def _deadline(session: Session, request: CreateTask, kind: str, now: datetime,
              calendar: WorkCalendar) -> tuple[datetime | None, str, str]:
    """(instant, how it reads, problem): the written deadline on the calendar, else the
    kind's default, exactly as creating would compute it."""
    written = None
    if request.deadline_text:
        try:
            written = parse_deadline(request.deadline_text, now, calendar)
        except DeadlineError as error:
            reason = str(error)
            return None, "", reason if reason.startswith("期限") else f"期限无法使用：{reason}"
    try:
        deadlines = sla.deadline_for(policy_for(session, kind), now, calendar, written=written)
    except (Refusal, CalendarDataMissing) as error:
        return written, "", str(error)
    if deadlines.deadline is None:
        return None, "未设定期限", ""
    shown = replies.stamp(deadlines.deadline)
    return deadlines.deadline, shown if written else f"{shown}（按类型的默认期限）", ""


def _not_a_create(command: Command) -> str:
    verb = next((v.verb for v in REGISTRY.verbs if v.command is type(command)), "")
    return (f"这是「{verb}」指令，不是新建任务。这里只用于新建；"
            "办理已有任务请打开任务页面，或在聊天中发送。")
