"""The requester's rating of a close (好差评, docs/reports.md): asked once per close, given on
the card or in chat, followed up by a supervisor when it is bad, recorded as not rated when
the window passes. docs/reports.md, section "Ratings", tells the whole story.

A rating's life: `asked` → `rated` (a level; a bad level may first wait for a reason) or
→ `not_rated` (the window passed, or the task was sent back before the requester rated).
A bad rating is then followed up by a supervisor: `reopened` (重办) or `rectification`
(整改, a task of its own); lifecycle.py performs both, this module keeps the rating's side.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from tasks.calendar.workdays import WorkCalendar
from tasks.core import sla
from tasks.core.authority import Authority
from tasks.core.context import Context
from tasks.core.office_rules import OfficeRules
from tasks.core.policies import policy_for
from tasks.errors import Refusal
from tasks.feedback import rollup
from tasks.markup import plain_text
from tasks.messaging.outbox import queue_card, queue_card_update, queue_text
from tasks.models import STATE_LABELS, Card, Closure, Person, Rating, Task, TaskEvent
from tasks.models.base import rows_updated
from tasks.presentation import cards, replies
from tasks.routing import flags
from tasks.vocabulary import BAD_LEVELS

Clicked = tuple[Card, str | None]
REASON_LIMIT = 500  # characters of a reason kept; a rating is no place for an essay
DEFAULT_FOLLOWUP_DAYS = 3  # working days, when the task's kind sets no completion limit


def ask(ctx: Context, task: Task, closure: Closure) -> Rating | None:
    """Send the requester one rating card for this close.

    Nobody rates their own work: a task the requester held or closed themselves is not
    rated, and neither is one whose requester has left the office.
    """
    requester = task.requester
    if requester.id in (ctx.sender.id, task.holder_id) or not requester.active:
        return None
    rating = Rating(task_id=task.id, closure_id=closure.id, requester_id=requester.id,
                    holder_id=closure.holder_id, state="asked", awaiting_reason=False,
                    asked_at=ctx.now, expires_at=window_end(ctx.calendar, ctx.now,
                                                            ctx.rules.rating_window_days))
    ctx.session.add(rating)
    rollup.rating_changed(ctx.session, closure, rollup.NOT_ASKED, rollup.WAITING)
    stamp = int(ctx.now.timestamp() * 1000)
    record = Card(platform_card_id=f"mr{task.id}-{closure.round}-{stamp}", task=task,
                  recipient=requester, purpose="rating", created_at=ctx.now)
    ctx.session.add(record)
    ctx.session.flush()
    rating.card_id = record.id
    card = cards.linked(cards.rating_card(task, rating, record.platform_card_id,
                                          closure.result, task.holder_label), task, ctx.rules,
                        requester)
    queue_card(ctx.session, record, card, now=ctx.now)
    return rating


def window_end(calendar: WorkCalendar, start: datetime, days: int) -> datetime:
    """下班 of the `days`-th working day after `start`'s date; natural days if the calendar
    has no data for that year, so a rating is never left waiting for ever."""
    try:
        return calendar.add_working_days(start, max(1, days))
    except ValueError:  # CalendarDataMissing among them
        return start + timedelta(days=max(1, days))


def rate(ctx: Context, task: Task, level: str, reason: str,
         clicked: Clicked | None = None) -> None:
    """The requester's vote, from the card (`clicked`) or `评价 #n 等级 [原因]`."""
    rating = _card_rating(ctx, clicked) if clicked else latest(ctx.session, task, lock=True)
    if rating is not None and _gives_missing_reason(ctx, rating, level, reason):
        _record_reason(ctx, task, rating, reason)
        return
    rating = _ratable(ctx, task, rating)
    _vote(ctx, task, rating, level, reason, clicked)
    if rating.awaiting_reason:
        ctx.reply(replies.rating_reason_wanted(task, level), task=task)
        return
    told = announce(ctx.session, ctx.authority, task, rating, ctx.now, ctx.calendar,
                    sender=ctx.sender)
    ctx.reply(replies.rating_reason_recorded(task, level, told, ctx.sender) if rating.is_bad
              else replies.rating_thanks(task, level), task=task)


def _vote(ctx: Context, task: Task, rating: Rating, level: str, reason: str,
          clicked: Clicked | None) -> None:
    """Record the level, redraw the card; a bad level counts as 办而不力 at once, before
    any reason, so the figures never wait for the requester's words."""
    before = rollup.rating_key(rating.state, rating.level)
    rating.level, rating.state, rating.rated_at = level, "rated", ctx.now
    rollup.rating_changed(ctx.session, rating.closure, before,
                          rollup.rating_key(rating.state, rating.level))
    rating.reason = reason[:REASON_LIMIT] or None
    rating.awaiting_reason = rating.is_bad and not reason
    if rating.awaiting_reason:  # the reason gets a window of its own, counted from the vote
        rating.expires_at = window_end(ctx.calendar, ctx.now, ctx.rules.rating_window_days)
    ctx.record(task, "rated", level + (f"：{reason}" if reason else ""), level=level)
    _redraw(ctx.session, rating, cards.rating_status(rating), ctx.now, clicked, ctx.rules)
    if rating.is_bad:
        flags.poor_work(ctx.session, task, rating.closure.round, now=ctx.now, notify=[],
                        text="", why=f"rated {level}")


def take_reason(ctx: Context, text: str, *, is_command: Callable[[str], bool]) -> bool:
    """Read a plain reply as the reason for the sender's bad rating that waits for one.

    Anything shaped like a command (`is_command`: the verb registry's judgement) is left to
    the command language, so a requester who moves on to other work is not misread; True
    when the text was taken as the reason.
    """
    reason = text.strip()
    if not reason or is_command(text):  # most messages: no query at all
        return False
    rating = ctx.session.scalar(select(Rating).where(
        Rating.requester_id == ctx.sender.id, Rating.state == "rated",
        Rating.awaiting_reason.is_(True), Rating.expires_at > ctx.now)
        .order_by(Rating.rated_at.desc(), Rating.id.desc()).limit(1))
    if rating is None:
        return False
    task = ctx.session.get(Task, rating.task_id, with_for_update=True)
    assert task is not None
    ctx.session.refresh(rating, with_for_update=True)
    if not rating.awaiting_reason:  # another message gave it a moment ago
        return False
    _record_reason(ctx, task, rating, reason)
    return True


def latest(session: Session, task: Task, *, lock: bool = False) -> Rating | None:
    """The rating of the task's latest close that asked for one."""
    query = select(Rating).where(Rating.task_id == task.id).order_by(Rating.id.desc()).limit(1)
    return session.scalar(query.with_for_update() if lock else query)


def ratings_of(session: Session, task: Task) -> list[Rating]:
    return list(session.scalars(select(Rating).where(Rating.task_id == task.id)
                                .order_by(Rating.id)))


def announce(session: Session, authority: Authority, task: Task, rating: Rating,
             now: datetime, calendar: WorkCalendar, *, sender: Person | None) -> list[Person]:
    """Tell the holder and the first responder the verdict; a bad one also goes to the
    holder's nearest supervisors, with a card to choose 重办 or 整改. Returns them."""
    told = {p.id for p in (sender, rating.requester) if p is not None}
    holder = rating.closure.holder
    for person, first in ((holder, False), (task.first_responder, True)):
        if person is not None and person.id not in told:
            told.add(person.id)
            text = replies.rating_outcome(task, rating.level or "", rating.reason,
                                          rating.requester, first_responder=first)
            queue_text(session, person, text, now=now, task=task)
    if not rating.is_bad:
        return []
    supervisors = deciders(authority, task)
    holder_name = holder.name if holder else task.holder_label
    text = replies.poor_rating_notice(task, rating.level or "", rating.reason, rating.requester,
                                      holder_name, default_deadline(session, task, now, calendar))
    stamp = int(now.timestamp() * 1000)
    for person in supervisors:
        queue_text(session, person, text, now=now, task=task)
        record = Card(platform_card_id=f"mf{task.id}-{rating.id}-{stamp}-{person.id}",
                      task=task, recipient=person, purpose="followup", created_at=now)
        session.add(record)
        session.flush()
        card = cards.followup_card(task, rating, record.platform_card_id)
        queue_card(session, record, cards.linked(card, task, authority.rules, person), now=now)
    return supervisors


def deciders(authority: Authority, task: Task) -> list[Person]:
    """Who decides on a bad rating: the holder's nearest supervisors (as for 延期)."""
    return authority.approvers(task)


def pending_followup(ctx: Context, task: Task, rating_id: int | None = None) -> Rating:
    """The bad rating a supervisor is about to follow up; refused if there is none or it
    was followed up already (one decision per bad rating)."""
    if rating_id is not None:
        rating = ctx.session.get(Rating, rating_id, with_for_update=True)
    else:
        rating = ctx.session.scalar(select(Rating).where(
            Rating.task_id == task.id, Rating.level.in_(BAD_LEVELS))
            .order_by(Rating.id.desc()).limit(1).with_for_update())
    if rating is None or rating.task_id != task.id or not rating.is_bad:
        raise Refusal(f"任务 #{task.id} 没有待处理的差评。整改用于提请人评价为不满意或非常不满意"
                      f"之后；要退回重办请发送「重办 #{task.id} 期限 说明」。")
    if rating.followup is not None:
        by = ctx.session.get(Person, rating.followup_by_id) if rating.followup_by_id else None
        done = (f"整改（任务 #{rating.followup_task_id}）" if rating.followup == "rectification"
                else "重办")
        raise Refusal(f"任务 #{task.id} 的差评已由 {plain_text(by.name) if by else '他人'} 于 "
                      f"{replies.stamp(rating.followup_at or ctx.now)} 安排{done}，无需重复处理。")
    return rating


def require_decider(ctx: Context, task: Task) -> None:
    """整改 is a supervisor's decision: the holder's supervisors, leaders, admins."""
    ctx.authority.require("rectify", ctx.sender, task)


def default_deadline(session: Session, task: Task, now: datetime,
                     calendar: WorkCalendar) -> datetime:
    """The deadline a button's 重办 or 整改 gives: the kind's completion limit counted from
    now, or 3 working days where the kind leaves the deadline to the assigner.

    Nobody wrote it, so it never lands on a day off: a count of natural days ending on a
    weekend or holiday ends on the next working day instead (docs/sla.md).
    """
    policy = (sla.Policy.from_dict(task.kind, task.policy) if task.policy
              else policy_for(session, task.kind))
    try:
        due = sla.due_after(policy.completion, now, calendar)
    except ValueError:  # CalendarDataMissing among them
        due = None
    if due is not None and policy.completion is not None \
            and policy.completion.unit == "natural_days":
        due = sla.on_working_day(due, calendar)
    return due if due is not None and due > now else window_end(calendar, now,
                                                                DEFAULT_FOLLOWUP_DAYS)


def followup_reason(rating: Rating) -> str:
    """The reason a 重办 by button carries: the requester's verdict and why."""
    return f"提请人{rating.requester.name}评价「{rating.level}」" + (
        f"：{rating.reason}" if rating.reason else "")


def mark_followup(ctx: Context, rating: Rating, kind: str, followup: Task | None,
                  clicked: Clicked | None) -> None:
    """Record the supervisor's decision on the rating and grey out every 差评 card."""
    rating.followup, rating.followup_by_id, rating.followup_at = kind, ctx.sender.id, ctx.now
    rating.followup_task_id = followup.id if followup is not None else None
    records = ctx.session.scalars(select(Card).where(
        Card.task_id == rating.task_id, Card.purpose == "followup",
        Card.platform_card_id.startswith(f"mf{rating.task_id}-{rating.id}-"))).all()
    status = cards.followup_status(rating, ctx.sender.name)
    for record in records:
        code = clicked[1] if clicked and clicked[0].id == record.id else None
        if code is None and record.update_handle is None:
            continue
        card = cards.with_status(cards.linked(cards.followup_card(
            rating.task, rating, record.platform_card_id), rating.task, ctx.rules,
            record.recipient), status)
        queue_card_update(ctx.session, record, card, now=ctx.now, update_handle=code)


def after_reopen(ctx: Context, task: Task, clicked: Clicked | None) -> None:
    """A 重办 answers the latest close's rating: an unanswered card is withdrawn (the close
    was judged by sending it back, so it was not rated), a bad rating is followed up."""
    rating = latest(ctx.session, task, lock=True)
    if rating is None:
        return
    if rating.state == "asked":
        rating.state = "not_rated"
        rollup.rating_changed(ctx.session, rating.closure, rollup.WAITING, rollup.NOT_RATED)
        ctx.record(task, "rating_withdrawn", "任务已重办，本次办结未评价")
        _redraw(ctx.session, rating, "未评价（已重办）", ctx.now, None, ctx.rules)
    elif rating.is_bad and rating.followup is None:
        mark_followup(ctx, rating, "reopened", None, clicked)


def expire_due(session: Session, rules: OfficeRules, calendar: WorkCalendar,
               now: datetime) -> int:
    """Close the windows that have passed; returns how many ratings changed.

    An unanswered card becomes `not_rated` (never counted as satisfied) and says so; a bad
    rating still waiting for its reason goes to the supervisors without one. Each row is
    claimed with a conditional UPDATE, so several workers sweeping at once act once; the
    task row is locked first, in the order a vote takes them, so a vote arriving at the
    same moment waits instead of deadlocking.
    """
    authority, changed = Authority(session, rules), 0
    unanswered = session.execute(select(Rating.id, Rating.task_id).where(
        Rating.state == "asked", Rating.expires_at <= now).order_by(Rating.id)).all()
    for rating_id, task_id in unanswered:
        session.get(Task, task_id, with_for_update=True)
        if _claim(session, rating_id, now, Rating.state == "asked", state="not_rated"):
            rating = _load(session, rating_id)
            rollup.rating_changed(session, rating.closure, rollup.WAITING, rollup.NOT_RATED)
            _system_event(session, rating.task, now, "rating_expired",
                          f"{rules.rating_window_days}个工作日内未评价，记为未评价")
            _redraw(session, rating, cards.rating_status(rating), now, None, rules)
            changed += 1
    unexplained = session.execute(select(Rating.id, Rating.task_id).where(
        Rating.state == "rated", Rating.awaiting_reason.is_(True),
        Rating.expires_at <= now).order_by(Rating.id)).all()
    for rating_id, task_id in unexplained:
        session.get(Task, task_id, with_for_update=True)
        if _claim(session, rating_id, now, Rating.awaiting_reason.is_(True),
                  awaiting_reason=False):
            rating = _load(session, rating_id)
            _system_event(session, rating.task, now, "rating_reason_missing",
                          "提请人未说明不满意的原因")
            announce(session, authority, rating.task, rating, now, calendar, sender=None)
            changed += 1
    return changed


# ---- pieces -------------------------------------------------------------------------------


def _card_rating(ctx: Context, clicked: Clicked) -> Rating | None:
    return ctx.session.scalar(select(Rating).where(Rating.card_id == clicked[0].id)
                              .with_for_update())


def _gives_missing_reason(ctx: Context, rating: Rating, level: str, reason: str) -> bool:
    """`评价 #n 不满意 原因` after a card vote of 不满意: the reason that was asked for."""
    return (rating.awaiting_reason and bool(reason) and rating.level == level
            and rating.requester_id == ctx.sender.id)


def _ratable(ctx: Context, task: Task, rating: Rating | None) -> Rating:
    """The rating the sender may vote on now, or a Refusal saying why not."""
    if task.state == "cancelled":
        raise Refusal(f"任务 #{task.id} 已撤销，无需评价。")
    if rating is None and task.state != "closed":
        raise Refusal(f"任务 #{task.id} 当前为「{STATE_LABELS[task.state]}」，办结后才能评价。")
    if rating is None:
        raise Refusal(f"任务 #{task.id} 是提请人本人承办或办结的，无需评价。")
    ctx.authority.require("rate", ctx.sender, task)
    if rating.state == "rated":
        raise Refusal(replies.already_rated(task, rating.level))
    if rating.state == "not_rated" and task.state != "closed":
        raise Refusal(f"任务 #{task.id} 已重办，当前为「{STATE_LABELS[task.state]}」，"
                      f"再次办结后可以评价。")
    if rating.state == "not_rated":
        raise Refusal(f"任务 #{task.id} 的评价期限已于 {replies.stamp(rating.expires_at)} 截止，"
                      f"已记为未评价。")
    return rating


def _record_reason(ctx: Context, task: Task, rating: Rating, reason: str) -> None:
    rating.reason, rating.awaiting_reason = reason[:REASON_LIMIT], False
    ctx.record(task, "rating_reason", rating.reason)
    told = announce(ctx.session, ctx.authority, task, rating, ctx.now, ctx.calendar,
                    sender=ctx.sender)
    ctx.reply(replies.rating_reason_recorded(task, rating.level or "", told, ctx.sender),
              task=task)


def _redraw(session: Session, rating: Rating, status: str, now: datetime,
            clicked: Clicked | None, rules: OfficeRules) -> None:
    """Update the rating card in place: the click's code, else the one kept from sending."""
    record = session.get(Card, rating.card_id) if rating.card_id else None
    if record is None:
        return
    code = clicked[1] if clicked and clicked[0].id == record.id else None
    if code is None and record.update_handle is None:
        return  # nothing left to update it with; the chat reply says it all
    closure = rating.closure
    holder = closure.holder.name if closure.holder else rating.task.holder_label
    card = cards.linked(cards.rating_card(rating.task, rating, record.platform_card_id,
                                          closure.result, holder), rating.task, rules,
                        record.recipient)
    queue_card_update(session, record, cards.with_status(card, status), now=now,
                      update_handle=code)


def _claim(session: Session, rating_id: int, now: datetime,
           *condition: ColumnElement[bool], **values: object) -> bool:
    """Change a rating whose window passed, unless someone else changed it first."""
    claimed = rows_updated(session, update(Rating).where(
        Rating.id == rating_id, Rating.expires_at <= now, *condition)
        .values(**values).execution_options(synchronize_session=False))
    return claimed == 1


def _load(session: Session, rating_id: int) -> Rating:
    rating = session.get(Rating, rating_id, populate_existing=True)
    assert rating is not None
    return rating


def _system_event(session: Session, task: Task, now: datetime, action: str, text: str) -> None:
    session.add(TaskEvent(task=task, at=now, actor=None, action=action, channel="system",
                          text=text, detail={}))

