"""Every transition of a task (docs/commands.md), with its audit event and who is told.

Each function checks who may act (tasks.authority), applies the state change on the Task,
appends one audit event, redraws the task's cards and queues the notices, all in the
message's transaction: either everything happens, or a Refusal leaves nothing behind.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import select, update

from tasks.calendar.workdays import CalendarDataMissing
from tasks.core import ledger, lengths, sla
from tasks.core.context import Context
from tasks.core.policies import policy_for
from tasks.directory.lookup import find_department, find_person
from tasks.errors import Refusal
from tasks.feedback import closure, ratings, rollup
from tasks.language import parse_interval
from tasks.markup import plain_text
from tasks.messaging.channel import Card as ChannelCard
from tasks.messaging.outbox import queue_card, queue_card_update
from tasks.models import (
    Card,
    Department,
    Extension,
    OutboxMessage,
    Person,
    Task,
    TaskEvent,
    TaskOffer,
)
from tasks.presentation import cards, links, replies
from tasks.routing import flags, intake
from tasks.routing import rules as routing_rules

Target = Person | Department
_TASK_CARDS = ("offer", "chase")  # cards that show the task's state; rating cards do not


class TaskRequest(Protocol):
    """What a request for new tasks says (the 新建 family's command, tasks.verbs.create)."""

    @property
    def title(self) -> str: ...
    @property
    def assignees(self) -> tuple[str, ...]: ...
    @property
    def deadline_text(self) -> str | None: ...
    @property
    def verb(self) -> str: ...
    @property
    def kind(self) -> str | None: ...
    @property
    def kind_explicit(self) -> bool: ...
    @property
    def progress_text(self) -> str | None: ...
    @property
    def notes(self) -> tuple[str, ...]: ...


def create(ctx: Context, command: TaskRequest) -> None:
    """Create one task per person or department named, each offered with a card.

    Naming several holders creates one task each: every holder answers for their own part
    (首问负责制). A department named with @ goes to its intake; a request naming nobody is
    routed by rule (归口办理), an emergency to the duty officer (值班); a plain 新建 naming
    nobody is the sender's own task.
    """
    kind = command.kind or "general"
    policy = policy_for(ctx.session, kind)
    written = ctx.deadline(command.deadline_text) if command.deadline_text else None
    deadlines = _deadlines(ctx, policy, ctx.now, written, _progress_limit(command.progress_text))
    title, description = lengths.split_title(command.title)
    for assignee in _assignees(ctx, command, kind):
        task = _new_task(ctx, title, kind, policy, deadlines, assignee, written is not None)
        ctx.record(task, "created", title, kind=kind, holder=_label(assignee),
                   **({"description": description} if description else {}),
                   deadline=task.deadline.isoformat() if task.deadline else "",
                   **({"stand_in_for": assignee.stand_in_for.userid}
                      if assignee.stand_in_for else {}), **_routed_note(assignee))
        _hand_to(ctx, task, assignee)
        inferred = command.kind is not None and not command.kind_explicit
        reply = replies.created(task, ctx.now, ctx.calendar, inferred, assignee.candidates,
                                assignee.note, assignee.escalation)
        notes = [note.replace("{task}", f"#{task.id}") for note in command.notes]
        if description:
            notes.append(replies.title_shortened(task, len(description)))
        off = _off_hours(ctx, task) if written is not None else None
        warning = [replies.off_hours_warning(off, task.kind, ctx.calendar)] if off else []
        link = replies.page_line(task, links.task_page(ctx.rules, task.id, _platform(ctx)))
        ctx.reply("\n".join([reply, link, *notes, *warning]), task=task)
        _offer_earlier(ctx, task, off)


def _platform(ctx: Context) -> str:
    """The platform the sender is answered on, which links in the answer name."""
    return ctx.sender.address()[0]


def _assignees(ctx: Context, command: TaskRequest, kind: str) -> list[intake.Assignee]:
    if command.assignees:
        return [_assignee_for(ctx, _resolve(ctx, name, marked=True))
                for name in command.assignees]
    if kind == "emergency":
        return [_emergency(ctx, command.title)]
    if command.verb in ("请示", "急件"):
        return [_routed(ctx, command.title)]
    return [intake.Assignee(person=ctx.sender)]


def _assignee_for(ctx: Context, target: Target) -> intake.Assignee:
    if isinstance(target, Person):
        return intake.for_person(ctx.session, ctx.authority, target, ctx.now)
    return intake.for_department(ctx.session, ctx.authority, target, ctx.now)


def _routed(ctx: Context, title: str) -> intake.Assignee:
    """A request naming nobody goes to the department the routing rules pick (归口办理)."""
    match = routing_rules.route(ctx.session, title, routing_rules.category_of(title))
    if match is None:
        raise Refusal("还没有可以受理的部门，请联系管理员同步通讯录。")
    note = f"归口办理：{match.because}"
    return intake.for_department(ctx.session, ctx.authority, match.department, ctx.now, note)


def _emergency(ctx: Context, title: str) -> intake.Assignee:
    """突发事件: straight to the duty officer on shift, the leader on duty informed (即接即报)."""
    fallback = routing_rules.route(ctx.session, title, None)
    return intake.for_emergency(ctx.session, ctx.authority, ctx.now,
                                fallback.department if fallback else None)


def accept(ctx: Context, task: Task, clicked: tuple[Card, str | None] | None = None) -> None:
    """Accept a task (接办); the first member to accept a department's offer owns it.

    The state is checked before the role: whoever loses a race to accept is told who won,
    not that they may not accept a task that now has a holder.
    """
    if task.state == "pending":
        ctx.authority.require("accept", ctx.sender, task)
    claimed = task.holder_id is None
    before = rollup.owner_of(task)
    task.accept(ctx.sender, ctx.now)
    rollup.task_moved(ctx.session, task, before)  # an offer claimed: 新增 moves with it
    if claimed:
        _withdraw_offers(ctx, task)
    ledger.claim(ctx.session, task, ctx.sender, ctx.now)
    ctx.record(task, "accepted")
    _redraw_cards(ctx, task, clicked)
    ctx.tell_others([task.requester], replies.accepted_notice(task), task=task)
    if task.kind == "emergency":  # 即接即报: the leader on duty hears who took it on
        lead = [p for p in _ladder_people(ctx, task, "lead") if p.id != task.requester_id]
        ctx.tell_others(lead,
                        replies.emergency_accepted(task, _ladder_role(task, ctx.sender)),
                        task=task)
    ctx.reply(f"已接办任务 #{task.id}，期限 {replies.deadline_text(task, ctx.now, ctx.calendar)}。",
              task=task)


def _ladder_people(ctx: Context, task: Task, role: str) -> list[Person]:
    """The active people the emergency's ladder names in `role` (duty, standby, …)."""
    userids = (task.ladder or {}).get(role) or []
    if not userids:
        return []
    found = {p.userid: p for p in ctx.session.scalars(
        select(Person).where(Person.userid.in_(userids), Person.active))}
    return [found[u] for u in userids if u in found]


def _ladder_role(task: Task, person: Person) -> str:
    """`值班`, `候班` or `督办`: the rung of the ladder `person` stands on, if any."""
    ladder = task.ladder or {}
    for role, label in (("duty", "值班"), ("standby", "候班"), ("supervisors", "督办")):
        if person.userid in (ladder.get(role) or []):
            return label
    return ""


def report_progress(ctx: Context, task: Task, text: str) -> None:
    """A progress report (进展) goes to the requester and restarts the progress timer."""
    ctx.authority.require("progress", ctx.sender, task)
    lengths.require_note_length(text, "进展说明")
    task.report_progress(ctx.now)
    _answer_chases(ctx, task, f"进展：{plain_text(text)}", told=[task.requester])
    ctx.record(task, "progress", text)
    ctx.tell_others([task.requester], replies.progress_notice(task, ctx.sender, text), task=task)
    ctx.reply(f"已记录任务 #{task.id} 的进展，并告知提请人 {plain_text(task.requester.name)}。",
              task=task)


def transfer(ctx: Context, task: Task, written: str, reason: str, marked: bool) -> None:
    """Hand a task over (转办) with a reason; the new holder must accept it.

    The first responder stays on record and, like the requester, is told who holds the
    task now and how to reach them (主动告知或引导).
    """
    ctx.authority.require("transfer", ctx.sender, task)
    target = _resolve(ctx, written, marked=marked)
    if isinstance(target, Person) and target.id == task.holder_id:
        raise Refusal(f"任务 #{task.id} 已由 {plain_text(target.name)} 承办，无需转办。")
    assignee = _assignee_for(ctx, target)
    previous, previous_label = task.holder, task.holder_label
    bounced = assignee.person is not None and ledger.held_before(ctx.session, task,
                                                                 assignee.person)
    ledger.finish(ctx.session, task, ctx.now, "transferred")
    _withdraw_offers(ctx, task)
    before = rollup.owner_of(task)
    task.transfer(assignee.person, assignee.department, ctx.now)
    rollup.task_moved(ctx.session, task, before)
    _restart_first_response(ctx, task)
    task.bounce_count += int(bounced)
    task.stand_in_for = assignee.stand_in_for
    task.escalation = [p.userid for p in assignee.escalation]
    if task.kind == "emergency":  # the new holder's ladder; the leader on duty stays told
        task.ladder = {**intake.ladder(assignee), "lead": (task.ladder or {}).get("lead", [])}
    ctx.record(task, "transferred", reason, to=_label(assignee), previous=previous_label,
               **({"bounced": "yes"} if bounced else {}))
    _redraw_cards(ctx, task, None)
    _hand_to(ctx, task, assignee)
    for person in _holders(ctx, task):
        ctx.tell_others([person], replies.transferred_to_you(task, ctx.sender, reason), task=task)
    notice = replies.transferred_notice(task, ctx.sender, reason)
    ctx.tell_others([task.requester, task.first_responder], notice, task=task)
    flags.after_transfer(ctx.session, ctx.authority, task, bounced=bounced,
                         limit=ctx.rules.transfer_limit, now=ctx.now, previous=previous)
    ctx.reply(f"已将任务 #{task.id} 转办给 {plain_text(task.holder_label)}，"
              "并告知提请人和首问责任人。",
              task=task)


def request_extension(ctx: Context, task: Task, deadline_text: str | datetime,
                      reason: str) -> None:
    """Ask the holder's supervisor for a later deadline (延期申请); nothing moves until approved.

    The deadline is text the sender wrote, or an instant already worked out from the task's
    deadline (`推迟两天`)."""
    ctx.authority.require("request_extension", ctx.sender, task)
    if not task.is_open:
        raise Refusal(f"任务 #{task.id} {replies.STATE_LABELS[task.state]}，不能申请延期。")
    if _open_extension(ctx, task) is not None:
        raise Refusal(f"任务 #{task.id} 已有一项延期申请待审批，请等待审批结果。")
    wanted = (deadline_text if isinstance(deadline_text, datetime)
              else ctx.deadline(deadline_text))
    if task.deadline is not None and wanted <= task.deadline:
        raise Refusal(f"新期限应晚于现有期限 {replies.stamp(task.deadline)}，否则无需延期。")
    approvers = ctx.authority.approvers(task)
    if not approvers:
        raise Refusal("没有找到可以审批延期的负责人，请联系管理员。")
    extension = Extension(task=task, requested_by=ctx.sender, requested_at=ctx.now,
                          previous_deadline=task.deadline, requested_deadline=wanted,
                          reason=reason, state="requested")
    ctx.session.add(extension)
    _answer_chases(ctx, task, f"申请延期至 {replies.stamp(wanted)}，原因：{plain_text(reason)}")
    ctx.record(task, "extension_requested", reason, deadline=wanted.isoformat())
    for approver in approvers:
        page = links.task_page(ctx.rules, task.id, approver.address()[0])
        ctx.tell(approver, replies.extension_request(extension, task, page), task=task)
    names = "、".join(plain_text(p.name) for p in approvers)
    off = sla.off_hours(wanted, _policy_of(ctx, task), ctx.calendar, ctx.now)
    warning = ("\n注意：" + replies.off_hours_reason(off, task.kind, ctx.calendar)
               + "，申请已按所写提交。" if off else "")
    ctx.reply(f"已提交任务 #{task.id} 的延期申请，等待 {names} 审批。{warning}", task=task)


def decide_extension(ctx: Context, task: Task, approve: bool, reason: str) -> None:
    """A supervisor approves or refuses (同意/不同意延期); the original deadline stays on record."""
    ctx.authority.require("decide_extension", ctx.sender, task)
    extension = _open_extension(ctx, task)
    if extension is None:
        raise Refusal(f"任务 #{task.id} 没有待审批的延期申请。")
    if extension.requested_by_id == ctx.sender.id:
        raise Refusal("不能审批自己提出的延期申请，请由上一级负责人审批。")
    extension.state = "approved" if approve else "refused"
    extension.decided_by, extension.decided_at = ctx.sender, ctx.now
    extension.decision_reason = reason or None
    if approve:
        task.extend(extension.requested_deadline, ctx.now)
        _redraw_cards(ctx, task, None)
    ctx.record(task, "extension_approved" if approve else "extension_refused", reason)
    notice = replies.extension_decided(extension, task)
    ctx.tell_others([extension.requested_by, task.requester], notice, task=task)
    ctx.reply(f"已{'同意' if approve else '不同意'}任务 #{task.id} 的延期申请，已告知"
              f"{plain_text(extension.requested_by.name)}。", task=task)


def chase(ctx: Context, task: Task, note: str) -> None:
    """The requester, a supervisor or a leader chases the holder (催办), or everyone an
    unclaimed task is offered to; the chase is on the record. Nobody chases themselves."""
    ctx.authority.require("chase", ctx.sender, task)
    if not task.is_open:
        raise Refusal(f"任务 #{task.id} {replies.STATE_LABELS[task.state]}，无需催办。")
    holders = _holders(ctx, task)
    if [person.id for person in holders] == [ctx.sender.id]:
        raise Refusal(f"任务 #{task.id} 由你本人承办，无需催办。")
    ctx.record(task, "chased", note)
    stamp = int(ctx.now.timestamp() * 1000)
    for person in holders:
        record = Card(platform_card_id=f"mc{task.id}-{stamp}-{person.id}", task=task,
                      recipient=person, purpose="chase", created_at=ctx.now)
        ctx.session.add(record)
        ctx.session.flush()
        card = cards.linked(cards.chase_card(task, record.platform_card_id, ctx.sender.name,
                                             note, ctx.now, ctx.calendar), task, ctx.rules, person)
        queue_card(ctx.session, record, card, now=ctx.now)
    ctx.reply(f"已向 {plain_text(task.holder_label)} 催办任务 #{task.id}，对方回复后会告诉你。",
              task=task)


def _answer_chases(ctx: Context, task: Task, answer: str,
                   told: Sequence[Person | None] = ()) -> None:
    """The holder's reply closes the loop: whoever chased since their last answer is told,
    except the people `told` of the same answer anyway (a requester who chased hears of a
    进展 or 办结 once, from its own notice).

    `answer` is already text for a text message (its user words escaped)."""
    answered = ("progress", "closed", "extension_requested")
    chasers: list[Person] = []
    for event in reversed(ctx.session.scalars(
            select(TaskEvent).where(TaskEvent.task_id == task.id).order_by(TaskEvent.id)).all()):
        if event.action in answered and event.actor_id == ctx.sender.id:
            break
        if event.action == "chased" and event.actor is not None \
                and event.actor.id not in {p.id for p in told if p is not None}:
            chasers.append(event.actor)
    text = (f"{plain_text(ctx.sender.name)} 已回复你对任务 #{task.id}「{plain_text(task.title)}」"
            f"的催办：{answer}")
    ctx.tell_others(chasers, text, task=task)


def close(ctx: Context, task: Task, result: str) -> None:
    """Close a task (办结) with its result; requester and first responder are told.

    The close freezes its closure record (办结记录) and asks the requester for a rating
    (好差评), in the same transaction.
    """
    ctx.authority.require("close", ctx.sender, task)
    lengths.require_note_length(result, "办理结果")
    task.close(result, ctx.now)
    _answer_chases(ctx, task, f"已办结，结果：{plain_text(task.result or '')}",
                   told=[task.requester, task.first_responder])
    ledger.finish(ctx.session, task, ctx.now, "closed")
    ctx.record(task, "closed", task.result or "")
    record = closure.record(ctx.session, task, ctx.sender, ctx.now)
    _redraw_cards(ctx, task, None)
    ctx.tell_others([task.requester, task.first_responder], replies.closed_notice(task),
                    task=task)
    ratings.ask(ctx, task, record)
    ctx.reply(f"任务 #{task.id} 已办结，感谢！", task=task)


def reopen(ctx: Context, task: Task, deadline_text: str | None, reason: str, *,
           deadline: datetime | None = None, clicked: ratings.Clicked | None = None) -> None:
    """Send a closed task back to its holder (重办) with a reason and, if needed, a new deadline.

    `deadline` is one already decided (a 差评 card's 重办 button); the close sent back
    counts as 办而不力 once, and answers its rating (ratings.after_reopen).
    """
    ctx.authority.require("reopen", ctx.sender, task)
    deadline = ctx.deadline(deadline_text) if deadline_text else deadline
    if deadline is None and task.state == "closed" and (task.deadline is None
                                                         or task.deadline <= ctx.now):
        raise Refusal(f"原期限已过，重办请写明新期限，例如：重办 #{task.id} 3天内 "
                      f"{plain_text(reason)}")
    closed_round, closed_by = task.reopen_count, task.holder_label
    task.reopen(deadline, ctx.now)
    _restart_first_response(ctx, task)
    ledger.begin(ctx.session, task, ctx.now, person=task.holder)
    ctx.record(task, "reopened", reason, deadline=task.deadline.isoformat() if task.deadline
               else "")
    _offer(ctx, task, _holders(ctx, task))
    notice = replies.reopened_notice(task, ctx.sender, reason, ctx.now, ctx.calendar)
    ctx.tell_others([task.holder, task.requester, task.first_responder], notice, task=task)
    ratings.after_reopen(ctx, task, clicked)
    flags.poor_work(
        ctx.session, task, closed_round, now=ctx.now,
        notify=[p for p in ratings.deciders(ctx.authority, task) if p.id != ctx.sender.id],
        text=f"【办而不力提示】任务 #{task.id}「{plain_text(task.title)}」由 "
             f"{plain_text(closed_by)} 办结后，被 {plain_text(ctx.sender.name)} 退回重办，"
             f"原因：{plain_text(reason)}。请督促落实。",
        why="reopened")
    off = _off_hours(ctx, task) if deadline_text else None
    warning = f"\n{replies.off_hours_warning(off, task.kind, ctx.calendar)}" if off else ""
    ctx.reply(f"已将任务 #{task.id} 退回 {plain_text(task.holder_label)} 重办，期限 "
              f"{replies.deadline_text(task, ctx.now, ctx.calendar)}。{warning}", task=task)
    _offer_earlier(ctx, task, off)


def reopen_after_rating(ctx: Context, task: Task, rating_id: int | None,
                        clicked: ratings.Clicked | None) -> None:
    """A 差评 card's 重办 button: back to the same holder, by the kind's usual time from now."""
    rating = ratings.pending_followup(ctx, task, rating_id)
    deadline = ratings.default_deadline(ctx.session, task, ctx.now, ctx.calendar)
    reopen(ctx, task, None, ratings.followup_reason(rating), deadline=deadline,
           clicked=clicked)


def rectify(ctx: Context, task: Task, deadline_text: str | None, note: str, *,
            rating_id: int | None = None, clicked: ratings.Clicked | None = None) -> None:
    """整改: answer a bad rating with a follow-up task for the same holder, with its own
    deadline; the original task stays closed and its rating points at the follow-up."""
    ratings.require_decider(ctx, task)
    rating = ratings.pending_followup(ctx, task, rating_id)
    holder = rating.closure.holder or task.holder
    if holder is None or not holder.active:
        raise Refusal(f"任务 #{task.id} 的承办人已不在通讯录中，无法安排整改；"
                      f"可发送「新建 整改… @承办人 期限」交给他人。")
    deadline = (ctx.deadline(deadline_text) if deadline_text
                else ratings.default_deadline(ctx.session, task, ctx.now, ctx.calendar))
    policy = policy_for(ctx.session, "general")
    assignee = intake.for_person(ctx.session, ctx.authority, holder, ctx.now)
    title = f"整改：{task.title}（#{task.id}）"
    followup = _new_task(ctx, title, "general", policy,
                         _deadlines(ctx, policy, ctx.now, deadline), assignee, True)
    ctx.record(followup, "created", title, kind="general", holder=_label(assignee),
               deadline=deadline.isoformat(), rectification_of=str(task.id))
    _hand_to(ctx, followup, assignee)
    why = note or ratings.followup_reason(rating)
    ratings.mark_followup(ctx, rating, "rectification", followup, clicked)
    ctx.record(task, "rectification", why, followup=str(followup.id))
    notice = replies.rectification_notice(task, followup, ctx.sender, why)
    ctx.tell_others([*_holders(ctx, followup), rating.requester, task.first_responder],
                    notice, task=task)
    off = _off_hours(ctx, followup) if deadline_text else None
    warning = f"\n{replies.off_hours_warning(off, followup.kind, ctx.calendar)}" if off else ""
    ctx.reply(f"已为任务 #{task.id} 安排整改：整改任务 #{followup.id} 由 "
              f"{plain_text(followup.holder_label)} 承办，期限 "
              f"{replies.deadline_text(followup, ctx.now, ctx.calendar)}。{warning}",
              task=followup)
    _offer_earlier(ctx, followup, off)


def cancel(ctx: Context, task: Task, reason: str) -> None:
    """Withdraw a task (撤销) with a reason; its holder stops work and its cards say so."""
    ctx.authority.require("cancel", ctx.sender, task)
    task.cancel(ctx.now)
    ledger.finish(ctx.session, task, ctx.now, "cancelled")
    _withdraw_offers(ctx, task)
    ctx.record(task, "cancelled", reason)
    _redraw_cards(ctx, task, None)
    notice = replies.cancelled_notice(task, ctx.sender, reason)
    ctx.tell_others([*_holders(ctx, task), task.first_responder, task.requester], notice,
                    task=task)
    ctx.reply(f"已撤销任务 #{task.id}。", task=task)


def move_to_working_time(ctx: Context, task: Task, record: Card, offered: int,
                         response_code: str | None) -> None:
    """The 「改为12月4日」 button of a written deadline outside working time: the deadline
    moves to the working time before it, as the card offered, told to everyone the task
    concerns and kept in its history (修改期限).

    Only the person the card was sent to (who wrote the deadline) may press it, and only
    while the deadline is still the one the card was about and the instant still ahead.
    """
    if record.recipient_id != ctx.sender.id:
        raise Refusal("这张卡片不是发给你的，不能修改期限。")
    if not task.is_open:
        raise Refusal(f"任务 #{task.id} {replies.STATE_LABELS[task.state]}，不能再修改期限。")
    off = _off_hours(ctx, task) if task.deadline is not None else None
    if off is None or off.earlier is None or cards.minute_number(off.earlier) != offered:
        raise Refusal(f"任务 #{task.id} 的期限已有变化，这个按钮已失效。当前期限 "
                      f"{replies.deadline_text(task, ctx.now, ctx.calendar)}。")
    reason = replies.off_hours_reason(off, task.kind, ctx.calendar)
    task.correct_deadline(off.earlier, ctx.now)
    ctx.record(task, "deadline_moved", f"原期限{reason}，改为 {replies.stamp(off.earlier)}",
               previous=off.deadline.isoformat(), deadline=off.earlier.isoformat())
    _redraw_cards(ctx, task, None)
    notice = replies.deadline_moved_notice(task, ctx.sender, reason, ctx.now, ctx.calendar)
    ctx.tell_others([*_holders(ctx, task), task.requester, task.first_responder], notice,
                    task=task)
    done = cards.with_status(_sent_card(ctx, record), f"已改为 {replies.stamp(off.earlier)}")
    queue_card_update(ctx.session, record, done, now=ctx.now, update_handle=response_code)
    ctx.reply(f"已将任务 #{task.id} 的期限改为 "
              f"{replies.deadline_text(task, ctx.now, ctx.calendar)}，并告知 "
              f"{plain_text(task.holder_label)}。", task=task)


def _off_hours(ctx: Context, task: Task) -> sla.OffHours | None:
    """Whether the task's deadline lies outside working time, for its kind."""
    assert task.deadline is not None
    return sla.off_hours(task.deadline, _policy_of(ctx, task), ctx.calendar, ctx.now)


def _policy_of(ctx: Context, task: Task) -> sla.Policy:
    """The policy the task was created with (its copy), else its kind's present one."""
    return sla.Policy.from_dict(task.kind, task.policy) if task.policy else \
        policy_for(ctx.session, task.kind)


def _offer_earlier(ctx: Context, task: Task, off: sla.OffHours | None) -> None:
    """Send the writer of a deadline outside working time the card with the one button
    that moves it to the working time before it; nothing when no such time is left."""
    if off is None or off.earlier is None:
        return
    record = Card(platform_card_id=f"me{task.id}-{int(ctx.now.timestamp() * 1000)}",
                  task=task, recipient=ctx.sender, purpose="deadline", created_at=ctx.now)
    ctx.session.add(record)
    ctx.session.flush()
    card = cards.linked(cards.earlier_deadline_card(task, record.platform_card_id, off,
                                                    ctx.calendar), task, ctx.rules, ctx.sender)
    queue_card(ctx.session, record, card, now=ctx.now)


def change_kind(ctx: Context, task: Task, kind: str) -> None:
    """Correct a task's kind (类型); deadlines the policy set are recomputed, written ones kept."""
    ctx.authority.require("change_kind", ctx.sender, task)
    if not task.is_open:
        raise Refusal(f"任务 #{task.id} {replies.STATE_LABELS[task.state]}，不能再修改类型。")
    policy = policy_for(ctx.session, kind)
    written = task.deadline if task.deadline_explicit else None
    deadlines = _deadlines(ctx, policy, task.created_at, written)
    task.kind, task.policy = kind, policy.to_dict()
    task.deadline = task.original_deadline = deadlines.deadline
    task.first_response_due = None if task.accepted_at else deadlines.first_response_due
    task.updated_at = ctx.now
    ctx.record(task, "kind_changed", policy.label, kind=kind)
    _redraw_cards(ctx, task, None)
    text = replies.kind_changed(task, ctx.now, ctx.calendar)
    ctx.tell_others([*_holders(ctx, task), task.requester], text, task=task)
    ctx.reply(text, task=task)


def _deadlines(ctx: Context, policy: sla.Policy, start: datetime, written: datetime | None,
               progress: sla.Limit | None = None) -> sla.Deadlines:
    """The policy's deadlines from `start`; a year without calendar data is told, not guessed."""
    try:
        return sla.deadline_for(policy, start, ctx.calendar, written=written,
                                written_progress=progress)
    except CalendarDataMissing as error:
        raise Refusal(str(error)) from error


def _restart_first_response(ctx: Context, task: Task) -> None:
    """A new holder gets the kind's full time to accept, never beyond the deadline."""
    policy = _policy_of(ctx, task)
    try:
        due = sla.due_after(policy.first_response, ctx.now, ctx.calendar)
    except CalendarDataMissing:
        due = None
    if due is not None and task.deadline is not None:
        due = min(due, max(task.deadline, ctx.now))
    task.first_response_due = due


def _progress_limit(text: str | None) -> sla.Limit | None:
    found = parse_interval(text) if text else None
    return sla.Limit(found[0], found[1]) if found else None


def _new_task(ctx: Context, title: str, kind: str, policy: sla.Policy, deadlines: sla.Deadlines,
              assignee: intake.Assignee, explicit: bool) -> Task:
    progress = deadlines.progress_every
    task = Task(
        title=title, kind=kind, state="pending", requester=ctx.sender, holder=assignee.person,
        department=assignee.department, first_responder=assignee.person,
        stand_in_for=assignee.stand_in_for, escalation=[p.userid for p in assignee.escalation],
        ladder=intake.ladder(assignee) if kind == "emergency" else {},
        policy=policy.to_dict(), first_response_due=deadlines.first_response_due,
        progress_every={"amount": progress.amount, "unit": progress.unit} if progress else None,
        deadline=deadlines.deadline, original_deadline=deadlines.deadline,
        deadline_explicit=explicit, created_at=ctx.now, updated_at=ctx.now,
        transfer_count=0, reopen_count=0, bounce_count=0,
    )
    ctx.session.add(task)
    ctx.session.flush()
    rollup.task_created(ctx.session, task)
    return task


def _hand_to(ctx: Context, task: Task, assignee: intake.Assignee) -> None:
    """Open the ledger for the new holder and send the card to whoever must accept now."""
    if assignee.person is None and not assignee.candidates:
        raise Refusal(f"「{plain_text(_label(assignee))}」目前没有可以接办的人员，请联系管理员。")
    ledger.begin(ctx.session, task, ctx.now, person=assignee.person,
                 department=assignee.department, stand_in_for=assignee.stand_in_for)
    if assignee.person is None:
        for person in assignee.candidates:
            ctx.session.add(TaskOffer(task_id=task.id, person=person, offered_at=ctx.now))
    _offer(ctx, task, [assignee.person] if assignee.person else list(assignee.candidates))
    for person in assignee.inform:
        ctx.tell(person, replies.emergency_reported(task, assignee.candidates,
                                                    assignee.escalation), task=task)


def _holders(ctx: Context, task: Task) -> list[Person]:
    """Who is expected to act: the holder, or everyone the unclaimed task is offered to."""
    if task.holder is not None:
        return [task.holder]
    return list(ctx.session.scalars(
        select(Person).join(TaskOffer, TaskOffer.person_id == Person.id).where(
            TaskOffer.task_id == task.id, TaskOffer.withdrawn_at.is_(None))
        .order_by(TaskOffer.id)))


def _withdraw_offers(ctx: Context, task: Task) -> None:
    ctx.session.execute(update(TaskOffer).where(
        TaskOffer.task_id == task.id, TaskOffer.withdrawn_at.is_(None)
    ).values(withdrawn_at=ctx.now))


def _offer(ctx: Context, task: Task, people: list[Person]) -> None:
    """Send the 接办/转办 card to each person who may now accept the task."""
    stamp = int(ctx.now.timestamp() * 1000)
    for person in people:
        record = Card(platform_card_id=f"mt{task.id}-{stamp}-{person.id}", task=task,
                      recipient=person, purpose="offer", created_at=ctx.now)
        ctx.session.add(record)
        ctx.session.flush()
        card = cards.linked(cards.offer_card(task, record.platform_card_id, ctx.now,
                                             ctx.calendar), task, ctx.rules, person)
        queue_card(ctx.session, record, card, now=ctx.now)


def _redraw_cards(ctx: Context, task: Task, clicked: tuple[Card, str | None] | None) -> None:
    """Update every card of the task in place to show its present state and who acted."""
    records = ctx.session.scalars(select(Card).where(
        Card.task_id == task.id, Card.purpose.in_(_TASK_CARDS))).all()
    expected = {person.id for person in _holders(ctx, task)}
    for record in records:
        code = clicked[1] if clicked and clicked[0].id == record.id else None
        if code is None and record.update_handle is None:
            continue  # nothing left to update this card with; the chat reply says it all
        if record.purpose == "chase":
            card = cards.current_chase_card(task, _sent_card(ctx, record), record.recipient_id,
                                            ctx.now, ctx.calendar)
            if code is None and card.status is None:
                continue  # still live: its one stored update is kept for greying it out later
        else:
            card = cards.current_card(task, record, ctx.now, ctx.calendar,
                                      awaited=record.recipient_id in expected)
        card = cards.linked(card, task, ctx.rules, record.recipient)  # older cards: no links
        queue_card_update(ctx.session, record, card, now=ctx.now, update_handle=code)


def _sent_card(ctx: Context, record: Card) -> ChannelCard:
    """The card as its recipient last saw it, from the outbox (a 催办 card's own wording)."""
    body = ctx.session.scalar(select(OutboxMessage.body).where(
        OutboxMessage.card_id == record.id, OutboxMessage.kind.in_(("card", "card_update")))
        .order_by(OutboxMessage.id.desc()).limit(1))
    assert body is not None  # a card record is written with the send that carries it
    return ChannelCard.from_dict(body)


def _open_extension(ctx: Context, task: Task) -> Extension | None:
    return ctx.session.scalar(select(Extension).where(
        Extension.task_id == task.id, Extension.state == "requested"))


def _resolve(ctx: Context, written: str, *, marked: bool) -> Target:
    """A person, else a department, by the name written; ambiguity is refused with choices."""
    lookup = find_person(ctx.session, written)
    if lookup.person is not None:
        return lookup.person
    department = find_department(ctx.session, written)
    if department is not None:
        return department
    if not marked and not lookup.candidates:
        raise Refusal(f"没有找到「{plain_text(written)}」。请用 @姓名 或 @部门名 指明转给谁。")
    raise Refusal(replies.name_problem(written, lookup.candidates))


def _label(assignee: intake.Assignee) -> str:
    if assignee.person is not None:
        return assignee.person.userid
    if assignee.department is not None:
        return assignee.department.name
    return "、".join(p.userid for p in assignee.candidates)


def _routed_note(assignee: intake.Assignee) -> dict[str, str]:
    return {"routed": assignee.note} if assignee.note else {}
