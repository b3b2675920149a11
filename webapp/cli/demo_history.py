"""Two weeks of office history for a fresh demo, so the workbench's lists, task pages and
the supervisor's dashboard have something to show on first start.

The history is made the way the office makes it: each step is a chat message handled by
the product's own flow (`tasks.handling.flows.handle`) at its moment in the past, so every
task, audit event, closure record and rating is exactly what chat would have left behind.
Only the chat side is skipped: the messages those steps queued are marked sent (the demo's
chat page starts empty, not with a flood of old notices), and reminders that fell due in
the past are cancelled. All of it is one transaction, so a worker running meanwhile never
sees half of it. A demo that already has tasks keeps its own.
"""

from datetime import datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tasks.calendar.workdays import SHANGHAI
from tasks.core.office_rules import OfficeRules
from tasks.handling import flows
from tasks.messaging.inbound import TextMessage
from tasks.models import OutboxMessage, Reminder, Task

# (days ago, Shanghai time, who writes, what): task numbers follow creation order.
STEPS: tuple[tuple[int, str, str, str], ...] = (
    (13, "09:10", "zhangwei", "新建 起草上半年工作总结 @李娜 3天内"),
    (13, "09:25", "lina", "接办 #1"),
    (12, "16:40", "lina", "办结 #1 初稿已报送办公室"),
    (12, "17:05", "zhangwei", "评价 #1 满意"),
    (12, "10:00", "zhoujianguo", "新建 整理全年督查台账 @孙丽 5天内"),
    (12, "10:30", "sunli", "接办 #2"),
    (9, "15:00", "sunli", "办结 #2 台账已整理归档"),
    (9, "15:20", "zhoujianguo", "评价 #2 非常满意"),
    (11, "08:50", "zhangwei", "新建 核对会议室预订记录 @马骏 明天下午5点前"),
    (11, "11:30", "majun", "接办 #3"),
    (10, "17:50", "majun", "办结 #3 已核对，两处冲突已协调"),
    (10, "18:10", "zhangwei", "评价 #3 基本满意"),
    (10, "09:40", "chenjing", "新建 采购一批办公用品 @赵磊 3天内"),
    (10, "14:00", "zhaolei", "转办 #4 @杨帆 采购由杨帆负责"),
    (10, "14:30", "yangfan", "接办 #4"),
    (6, "16:00", "yangfan", "办结 #4 已采购入库"),
    (6, "16:30", "chenjing", "评价 #4 不满意 晚于约定时间，且缺两项"),
    (8, "09:05", "liuyang", "新建 更新信息公开栏目 @吴强 2天内"),
    (8, "09:15", "wuqiang", "接办 #5"),
    (7, "11:00", "wuqiang", "办结 #5 已更新并复核"),
    (7, "11:30", "liuyang", "评价 #5 满意"),
    (6, "10:20", "zhangwei", "新建 汇总各科室月度报表 @wangfang 3天内"),
    (6, "10:50", "wangfang", "接办 #6"),
    (5, "15:30", "wangfang", "进展 #6 已收到三个科室的报表"),
    (4, "09:30", "zhoujianguo", "新建 准备季度考核材料 @张伟 3天内"),
    (4, "10:10", "zhangwei", "接办 #7"),
    (3, "09:00", "sunli", "新建 复核整改落实情况 @黄涛 明天下午5点前"),
    (2, "14:00", "liuyang", "新建 排查机房空调故障 @徐明 今天下午5点前"),
    (2, "14:20", "xuming", "接办 #9"),
    (2, "16:30", "xuming", "办结 #9 已更换滤网，运行正常"),
    (1, "10:00", "zhangwei", "新建 校对年度预算说明 @李娜 3天内"),
    (1, "10:05", "lina", "接办 #10"),
    (0, "09:00", "chenjing", "新建 安排下周值班表 @赵磊 2天内"),
)


def seed(session: Session, *, now: datetime, rules: OfficeRules, platform: str) -> int:
    """Replay the history if the office has no task yet; returns how many steps ran."""
    if session.scalar(select(Task.id).limit(1)) is not None:
        return 0
    started = now
    ran = 0
    for index, (days_ago, clock, sender, text) in enumerate(_in_order(now)):
        moment = _moment(now, days_ago, clock)
        if moment >= now:
            continue
        message = TextMessage(f"demo-history-{index}", sender, text, platform)
        flows.handle(session, message, now=moment, rules=rules)
        ran += 1
    session.execute(update(OutboxMessage).where(OutboxMessage.state == "pending")
                    .values(state="sent", sent_at=started))
    session.execute(update(Reminder).where(Reminder.state == "pending",
                                           Reminder.due_at < now)
                    .values(state="cancelled"))
    return ran


def _in_order(now: datetime) -> list[tuple[int, str, str, str]]:
    """The steps in the order they happened (the table groups them by task)."""
    return sorted(STEPS, key=lambda step: _moment(now, step[0], step[1]))


def _moment(now: datetime, days_ago: int, clock: str) -> datetime:
    day = now.astimezone(SHANGHAI).date() - timedelta(days=days_ago)
    return datetime.combine(day, time.fromisoformat(clock), SHANGHAI)
