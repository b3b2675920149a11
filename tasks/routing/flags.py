"""Warnings raised to supervisors, each exactly once: 推诿扯皮 (passed around or bounced back),
领而不办 (accepted, then no progress within the progress limit), 办而不力 (closed, then rated
不满意 or worse, or sent back with 重办), a holder who left."""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.calendar.workdays import CalendarDataMissing, WorkCalendar
from tasks.core import sla
from tasks.core.authority import Authority
from tasks.core.office_rules import OfficeRules
from tasks.markup import plain_text
from tasks.messaging.outbox import queue_text
from tasks.models import Person, Task, TaskFlag


def raise_flag(session: Session, task: Task, flag: str, key: str, *, now: datetime,
               notify: list[Person], text: str, detail: dict[str, Any] | None = None) -> bool:
    """Record the flag and tell `notify`, unless this very flag was raised before."""
    exists = session.scalar(select(TaskFlag.id).where(
        TaskFlag.task_id == task.id, TaskFlag.flag == flag, TaskFlag.key == key))
    if exists is not None:
        return False
    session.add(TaskFlag(task_id=task.id, flag=flag, key=key, raised_at=now,
                         detail=detail or {}))
    for person in {p.id: p for p in notify}.values():
        queue_text(session, person, text, now=now, task=task)
    return True


def after_transfer(session: Session, authority: Authority, task: Task, *, bounced: bool,
                   limit: int, now: datetime, previous: Person | None) -> None:
    """推诿扯皮: a bounce back to an earlier holder, or more transfers than the limit."""
    if not bounced and task.transfer_count <= limit:
        return
    holder = plain_text(task.holder_label)
    why = (f"被退回给曾经的承办人 {holder}" if bounced
           else f"已转办 {task.transfer_count} 次（超过 {limit} 次）")
    supervisors = authority.supervisors(task)
    if previous is not None:
        supervisors += authority.supervisors_of(previous)
    text = (f"【推诿扯皮提示】任务 #{task.id}「{plain_text(task.title)}」{why}，"
            f"现由 {holder} 承办。"
            f"请督促落实，发送「查询 #{task.id}」查看经过。")
    raise_flag(session, task, "buck_passing", f"transfer-{task.transfer_count}", now=now,
               notify=supervisors, text=text,
               detail={"transfers": task.transfer_count, "bounced": bounced})


def poor_work(session: Session, task: Task, closed_round: int, *, now: datetime,
              notify: list[Person], text: str, why: str) -> bool:
    """办而不力: one close (`closed_round`, the task's reopen count when it closed) judged
    not good enough, by a bad rating or a 重办. Both may happen to one close; it counts once.
    """
    return raise_flag(session, task, "poor_work", f"round-{closed_round}", now=now,
                      notify=notify, text=text, detail={"round": closed_round, "why": why})


def raise_idle_flags(session: Session, rules: OfficeRules, calendar: WorkCalendar,
                     now: datetime) -> int:
    """领而不办: accepted tasks whose holder let a whole progress interval pass in silence.

    Each silent interval is flagged once (keyed by when it started), to the supervisors.
    """
    authority, raised = Authority(session, rules), 0
    tasks = session.scalars(select(Task).where(Task.state == "accepted",
                                               Task.progress_every.is_not(None))).all()
    # Once a minute, in every worker: what is flagged already costs one query, not a
    # holder, supervisors and a message text each time.
    flagged = {(task_id, key) for task_id, key in session.execute(
        select(TaskFlag.task_id, TaskFlag.key).where(
            TaskFlag.flag == "idle", TaskFlag.task_id.in_([t.id for t in tasks])))}
    for task in tasks:
        since = task.last_progress_at or task.accepted_at
        if since is None or (task.id, since.isoformat()) in flagged:
            continue
        due = _progress_due(task, since, calendar)
        if due is None or due > now or task.holder is None:
            continue
        text = (f"【领而不办提示】任务 #{task.id}「{plain_text(task.title)}」由 "
                f"{plain_text(task.holder.name)} 接办后，"
                f"超过进展报告时限仍未报告进展。请督促办理。")
        raised += raise_flag(session, task, "idle", since.isoformat(), now=now,
                             notify=authority.supervisors(task), text=text)
    return raised


def flags_of(session: Session, task: Task) -> list[TaskFlag]:
    return list(session.scalars(select(TaskFlag).where(TaskFlag.task_id == task.id)
                                .order_by(TaskFlag.id)))


def _progress_due(task: Task, since: datetime | None, calendar: WorkCalendar
                  ) -> datetime | None:
    every = task.progress_every or {}
    if since is None or not every.get("unit"):
        return None
    try:
        return sla.due_after(sla.Limit(every.get("amount"), every["unit"]), since, calendar)
    except (CalendarDataMissing, ValueError):
        return None
