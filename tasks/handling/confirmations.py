"""A natural request's confirmation card: 创建 / 修改说明 / 取消.

The interpretation is stored (`PendingRequest`) and keyed to the card, so 创建 creates
exactly what the card showed: the same title, holders, kind, and the same deadline instant
(if the words would now mean another instant, as `明天` does the next day, the card is
stale and refused). A request is decided once: a second 创建 creates nothing.
"""

from dataclasses import asdict
from datetime import timedelta

from tasks.core.context import Context
from tasks.errors import Refusal
from tasks.language import KIND_LABELS
from tasks.language.deadlines import format_deadline
from tasks.lifecycle import transitions
from tasks.markup import plain_text
from tasks.messaging.channel import Card as ChannelCard
from tasks.messaging.inbound import CardAction
from tasks.messaging.outbox import queue_card, queue_card_update
from tasks.models import Card, PendingRequest
from tasks.presentation import cards
from tasks.verbs.create import CreateTask

STALE_AFTER = timedelta(days=1)


def offer(ctx: Context, request: CreateTask, text: str) -> None:
    """Store the request and show it on a card to its writer; nothing is created yet."""
    deadline = ctx.deadline(request.deadline_text) if request.deadline_text else None
    pending = PendingRequest(sender=ctx.sender, text=text, command=asdict(request),
                             deadline=deadline, state="pending", task_ids="",
                             created_at=ctx.now)
    ctx.session.add(pending)
    ctx.session.flush()
    record = Card(platform_card_id=f"mr{pending.id}-{int(ctx.now.timestamp() * 1000)}",
                  request_id=pending.id, recipient=ctx.sender, purpose="request",
                  created_at=ctx.now)
    ctx.session.add(record)
    ctx.session.flush()
    queue_card(ctx.session, record, _card(ctx, pending, record), now=ctx.now)


def _card(ctx: Context, pending: PendingRequest, record: Card) -> ChannelCard:
    request = CreateTask(**pending.command)
    deadline = (format_deadline(pending.deadline, ctx.now, ctx.calendar)
                if pending.deadline else "按类型的默认期限")
    kind = KIND_LABELS.get(request.kind or "general", request.kind or "一般件")
    return cards.request_card(pending.id, record.platform_card_id,
                              "、".join(request.assignees) or ctx.sender.name,
                              request.title, deadline, kind)


def on_press(ctx: Context, record: Card, action: CardAction, pressed: str) -> None:
    """创建, 修改说明 or 取消 on a confirmation card; only its writer may press them."""
    pending = ctx.session.get(PendingRequest, record.request_id)
    if pending is None or pending.sender_id != ctx.sender.id:
        raise Refusal("这张卡片已失效，请重新发送。")
    if pending.state != "pending":
        done = "已创建" if pending.state == "created" else "已取消"
        ctx.reply(f"这张卡片{done}，不会重复处理。")
        return
    if pressed == cards.REPHRASE:
        if action.response_code:
            record.update_handle = action.response_code
        ctx.reply("可以改好后按指令发送，例如：\n" + rephrased(CreateTask(**pending.command)))
        return
    if pressed == cards.DISMISS:
        _decide(ctx, pending, record, action, "cancelled", "已取消，没有创建任务")
        ctx.reply("已取消，没有创建任务。")
        return
    _create(ctx, pending, record, action)


def _create(ctx: Context, pending: PendingRequest, record: Card, action: CardAction) -> None:
    request = CreateTask(**pending.command)
    if ctx.now - pending.created_at > STALE_AFTER or (
            request.deadline_text and ctx.deadline(request.deadline_text) != pending.deadline):
        _decide(ctx, pending, record, action, "cancelled", "已过期，请重新发送")
        ctx.reply("这张确认卡片已过期（期限的含义已经变了），没有创建任务。请重新发送：\n"
                  + rephrased(request))
        return
    before = set(ctx.touched)
    transitions.create(ctx, request)
    created = [number for number in ctx.touched if number not in before]
    pending.task_ids = ",".join(str(n) for n in created)
    _decide(ctx, pending, record, action, "created",
            "已创建 " + "、".join(f"#{n}" for n in created))


def _decide(ctx: Context, pending: PendingRequest, record: Card, action: CardAction,
            state: str, status: str) -> None:
    pending.state, pending.decided_at = state, ctx.now
    card = cards.with_status(_card(ctx, pending, record), status)
    queue_card_update(ctx.session, record, card, now=ctx.now,
                      update_handle=action.response_code or None)


def rephrased(request: CreateTask) -> str:
    """The request written as the 新建 command that means the same, for a text message: the
    escaped words fold back to the same command when it is copied and sent."""
    parts = ["新建", plain_text(request.title),
             *(f"@{plain_text(name)}" for name in request.assignees)]
    if request.deadline_text:
        parts.append(plain_text(request.deadline_text))
    return " ".join(parts)
