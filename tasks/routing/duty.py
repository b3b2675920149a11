"""Chat handlers for presence: 请假 with a backup, 销假, and who is on duty now (值班)."""

from datetime import datetime

from sqlalchemy.orm import Session

from tasks.core.context import Context
from tasks.directory.lookup import find_person
from tasks.errors import Refusal
from tasks.markup import plain_text
from tasks.messaging.outbox import queue_text
from tasks.models import Leave, Person
from tasks.presentation.replies import name_problem, stamp
from tasks.routing import leave, roster


def request_leave(ctx: Context, until_text: str, backup_written: str | None) -> None:
    """请假 到12月3日 @王芳: until then, new work meant for the sender goes to the backup."""
    until = ctx.deadline(until_text)
    backup = _person(ctx, backup_written) if backup_written else None
    if backup is not None and leave.current_leave(ctx.session, backup, ctx.now) is not None:
        raise Refusal(f"{plain_text(backup.name)} 也在请假中，请另选补位人。")
    leave.start(ctx.session, ctx.sender, until, backup, "", now=ctx.now, by=ctx.sender)
    if backup is None:
        ctx.reply(f"已登记请假至 {stamp(until)}。")
        return
    ctx.tell(backup, f"{plain_text(ctx.sender.name)} 请假至 {stamp(until)}，期间由你补位："
             "新交给 TA 的任务和提醒会转给你办理。")
    name = plain_text(backup.name)
    ctx.reply(f"已登记请假至 {stamp(until)}，补位人 {name}。期间新任务和提醒会交给 "
              f"{name}；手上已有的任务仍由你负责，如需转交请用「转办」。返回后发送「销假」。")


def end_leave(ctx: Context) -> None:
    """销假: new work comes to the sender again; what the backup took on stays with them."""
    ended = leave.end(ctx.session, ctx.sender, now=ctx.now)
    if ended is None:
        raise Refusal("你当前没有请假记录，无需销假。")
    if ended.backup is not None:
        ctx.tell(ended.backup, f"{plain_text(ctx.sender.name)} 已销假，补位结束；"
                 "你已接手的任务仍由你办结。")
    ctx.reply("已销假，欢迎回来！新的任务会直接交给你。")


def tell_recorded_leave(session: Session, leave_row: Leave, now: datetime) -> None:
    """An admin recorded a leave (`mashangban leave add`): the person and their backup hear
    of it as if it had been asked for in chat."""
    until, person, backup = stamp(leave_row.ends_at), leave_row.person, leave_row.backup
    if backup is None:
        queue_text(session, person, f"管理员已为你登记请假至 {until}。", now=now)
        return
    name = plain_text(backup.name)
    queue_text(session, person, f"管理员已为你登记请假至 {until}，补位人 {name}。"
               f"期间新任务和提醒会交给 {name}。返回后发送「销假」。", now=now)
    queue_text(session, backup, f"{plain_text(person.name)} 请假至 {until}（管理员登记），"
               "期间由你补位：新交给 TA 的任务和提醒会转给你办理。", now=now)


def tell_ended_leave(session: Session, leave_row: Leave, now: datetime) -> None:
    """An admin ended a leave: the backup's stand-in is over."""
    if leave_row.backup is not None:
        queue_text(session, leave_row.backup,
                   f"{plain_text(leave_row.person.name)} 已销假（管理员登记），"
                   "补位结束；你已接手的任务仍由你办结。", now=now)


def show_duty(ctx: Context) -> None:
    ctx.reply(roster.describe_on_duty(ctx.session, ctx.now), markdown=True)


def _person(ctx: Context, written: str) -> Person:
    found = find_person(ctx.session, written)
    if found.person is None:
        raise Refusal(name_problem(written, found.candidates))
    return found.person
