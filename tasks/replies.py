"""The Chinese texts the assistant replies with, kept apart from the rules that pick them."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tasks.authority import who_may
from tasks.flags import FLAG_LABELS
from tasks.language import KIND_LABELS, VERB_DETAILS, VERBS, format_deadline
from tasks.ledger import Stretch
from tasks.models import STATE_LABELS, Extension, Person, Task, TaskEvent, TaskFlag
from tasks.sla import WORKING_UNITS
from tasks.workcalendar import SHANGHAI, WorkCalendar

PAGE_SIZE = 10

ACTION_LABELS = {
    "created": "创建",
    "accepted": "接办",
    "progress": "报告进展",
    "transferred": "转办",
    "extension_requested": "申请延期",
    "extension_approved": "同意延期",
    "extension_refused": "不同意延期",
    "chased": "催办",
    "closed": "办结",
    "reopened": "重办",
    "cancelled": "撤销",
    "kind_changed": "修改类型",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def deadline_text(task: Task, now: datetime, calendar: WorkCalendar | None) -> str:
    """`12月3日 17:30 周四（剩余2个工作日）`, in working days for working-day policies."""
    if task.deadline is None:
        return "未设定期限"
    working = (task.policy or {}).get("completion", "").split(" ")[-1] in WORKING_UNITS
    return format_deadline(task.deadline, now, calendar, working=working)


def stamp(when: datetime) -> str:
    local = when.astimezone(SHANGHAI)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def contact(person: Person) -> str:
    """How to reach someone: their name, department and account (主动告知)."""
    departments = "、".join(person.department_names)
    return f"{person.name}（{departments}，@{person.userid}）" if departments else \
        f"{person.name}（@{person.userid}）"


def task_line(task: Task, now: datetime, calendar: WorkCalendar | None) -> str:
    return (f"#{task.id} {task.title}｜{STATE_LABELS[task.state]}｜"
            f"{deadline_text(task, now, calendar)}")


def created(task: Task, now: datetime, calendar: WorkCalendar, inferred: bool,
            offered: Sequence[Person] = (), note: str = "",
            next_levels: Sequence[Person] = ()) -> str:
    """The requester's confirmation: who has it now and why, by when, what kind."""
    details = [note] if note else []
    if task.stand_in_for is not None:
        details.append(f"{task.stand_in_for.name}请假，由补位人办理")
    if task.holder is not None:
        holder = task.holder.name
    else:
        unit = task.department.name if task.department else "值班人员"
        holder = f"{unit} {'、'.join(p.name for p in offered)}".strip()
        details.append("先接办者承办")
    lines = [
        f"已创建任务 #{task.id}「{task.title}」（{kind_label(task.kind)}），"
        f"承办：{holder}{'（' + '；'.join(details) + '）' if details else ''}，"
        f"期限 {deadline_text(task, now, calendar)}。",
    ]
    if task.first_response_due is not None:
        lines.append(f"应在 {stamp(task.first_response_due)} 前接办。")
    if task.kind == "emergency" and next_levels:
        lines.append(f"未及时接办将依次提请：{_names(next_levels)}。")
    if inferred:
        lines.append(f"根据内容识别为「{kind_label(task.kind)}」；如不对，请发送"
                     f"「类型 #{task.id} 一般件」修改。")
    return "\n".join(lines)


def emergency_reported(task: Task, offered: Sequence[Person],
                       next_levels: Sequence[Person]) -> str:
    """即接即报: the leader on duty hears of an emergency the moment it is received."""
    text = (f"【即接即报】突发事件 #{task.id}「{task.title}」已由 {task.requester.name} 报告，"
            f"已交 {_names(offered) or '受理人员'} 处置。")
    return text + (f"未及时接办将依次提请：{_names(next_levels)}。" if next_levels else "")


def _names(people: Sequence[Person]) -> str:
    return "、".join(p.name for p in people)


def accepted_notice(task: Task) -> str:
    assert task.holder is not None
    return f"{contact(task.holder)} 已接办任务 #{task.id}「{task.title}」。"


def progress_notice(task: Task, actor: Person, text: str) -> str:
    return f"任务 #{task.id}「{task.title}」进展（{actor.name}）：{text}"


def transferred_notice(task: Task, actor: Person, reason: str) -> str:
    """Tells requester and first responder who holds the task now and how to reach them."""
    holder = contact(task.holder) if task.holder else task.holder_label
    return (f"任务 #{task.id}「{task.title}」已由 {actor.name} 转办给 {holder}。\n"
            f"原因：{reason}\n如有疑问可直接联系新的承办人。")


def transferred_to_you(task: Task, actor: Person, reason: str) -> str:
    return f"{actor.name} 将任务 #{task.id}「{task.title}」转给你办理，原因：{reason}。请尽快接办。"


def extension_request(extension: Extension, task: Task) -> str:
    old = stamp(extension.previous_deadline) if extension.previous_deadline else "未设定"
    return (f"{extension.requested_by.name} 申请将任务 #{task.id}「{task.title}」的期限"
            f"由 {old} 延至 {stamp(extension.requested_deadline)}。\n原因：{extension.reason}\n"
            f"同意请回复「同意延期 #{task.id}」，不同意请回复「不同意延期 #{task.id} 原因」。")


def extension_decided(extension: Extension, task: Task) -> str:
    assert extension.decided_by is not None
    if extension.state == "approved":
        return (f"{extension.decided_by.name} 同意了任务 #{task.id} 的延期申请，"
                f"新期限 {stamp(extension.requested_deadline)}（原期限保留在记录中）。")
    return (f"{extension.decided_by.name} 不同意任务 #{task.id} 的延期申请，"
            f"原因：{extension.decision_reason}。期限仍为 "
            f"{stamp(task.deadline) if task.deadline else '未设定'}。")


def closed_notice(task: Task) -> str:
    return (f"任务 #{task.id}「{task.title}」已由 {task.holder_label} 办结。\n"
            f"办理结果：{task.result}")


def reopened_notice(task: Task, actor: Person, reason: str, now: datetime,
                    calendar: WorkCalendar) -> str:
    return (f"{actor.name} 要求重办任务 #{task.id}「{task.title}」，原因：{reason}。\n"
            f"期限 {deadline_text(task, now, calendar)}，请重新接办。")


def cancelled_notice(task: Task, actor: Person, reason: str) -> str:
    return f"任务 #{task.id}「{task.title}」已由 {actor.name} 撤销，原因：{reason}。无需再办理。"


def kind_changed(task: Task, now: datetime, calendar: WorkCalendar) -> str:
    return (f"任务 #{task.id} 的类型已改为「{kind_label(task.kind)}」，"
            f"期限 {deadline_text(task, now, calendar)}。")


def my_tasks(tasks: Sequence[Task], total: int, page: int, now: datetime,
             calendar: WorkCalendar) -> str:
    """Markdown list of open tasks; the page footer says how to see the next one."""
    if not total:
        return "你目前没有待办任务。"
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    if not tasks:
        return f"没有第{page}页，你的待办共 {pages} 页。"
    lines = [f"**我的待办**（共 {total} 项，第{page}/{pages}页，按紧急程度排列）"]
    for task in tasks:
        lines.append(f"> #{task.id} {task.title}\n"
                     f"> {STATE_LABELS[task.state]}｜{kind_label(task.kind)}｜"
                     f"{deadline_text(task, now, calendar)}")
    if page < pages:
        lines.append(f"发送「我的 {page + 1}」查看下一页。")
    lines.append("接办：接办 #编号；进展：进展 #编号 说明；办结：办结 #编号 结果")
    return "\n".join(lines)


@dataclass(frozen=True)
class TaskRecord:
    """What 查询 shows beyond the task itself: extensions, the holder ledger, the flags."""

    extensions: Sequence[Extension]
    stretches: Sequence[Stretch]
    flags: Sequence[TaskFlag]


def task_details(task: Task, record: TaskRecord, now: datetime, calendar: WorkCalendar) -> str:
    """Markdown view of one task with its full history (查询)."""
    holder = task.holder_label
    if task.stand_in_for is not None:
        holder += f"（补位，原定 {task.stand_in_for.name}）"
    lines = [
        f"**任务 #{task.id}** {task.title}",
        f"> 类型：{kind_label(task.kind)}",
        f"> 状态：{STATE_LABELS[task.state]}",
        f"> 提请人：{task.requester.name}",
        f"> 承办人：{holder}",
        f"> 首问责任人：{task.first_responder.name if task.first_responder else '（待认领）'}",
        f"> 期限：{deadline_text(task, now, calendar)}",
    ]
    if task.original_deadline is not None and task.original_deadline != task.deadline:
        lines.append(f"> 原期限：{stamp(task.original_deadline)}")
    if task.first_response_due is not None and task.accepted_at is None:
        lines.append(f"> 应接办时间：{stamp(task.first_response_due)} 前")
    if task.result:
        lines.append(f"> 办理结果：{task.result}")
    pending = [e for e in record.extensions if e.state == "requested"]
    if pending:
        lines.append(f"> 延期申请待审批：延至 {stamp(pending[-1].requested_deadline)}")
    lines.append(f"> 转办 {task.transfer_count} 次，退回 {task.bounce_count} 次，"
                 f"重办 {task.reopen_count} 次")
    if record.flags:
        named = "、".join(dict.fromkeys(FLAG_LABELS.get(f.flag, f.flag) for f in record.flags))
        lines.append(f"> 提示：{named}")
    if record.stretches:
        lines.append("**承办经过**")
        lines += [_stretch_line(stretch) for stretch in record.stretches]
    lines.append("**办理经过**")
    lines += [history_line(event) for event in task.events]
    return "\n".join(lines)


def _stretch_line(stretch: Stretch) -> str:
    minutes = int(stretch.held.total_seconds() // 60)
    held = f"{minutes // 1440}天{minutes % 1440 // 60}小时" if minutes >= 1440 else \
        f"{minutes // 60}小时{minutes % 60}分钟" if minutes >= 60 else f"{minutes}分钟"
    extra = "" if stretch.accepted else "，未接办"
    stood_in = f"（代{stretch.stand_in_for}）" if stretch.stand_in_for else ""
    return f"{stretch.holder}{stood_in}：{held}{extra}"


def history_line(event: TaskEvent) -> str:
    actor = event.actor.name if event.actor else "系统"
    text = f"：{event.text}" if event.text else ""
    via = "（卡片）" if event.channel == "card" else ""
    return f"{stamp(event.at)} {actor} {ACTION_LABELS.get(event.action, event.action)}{via}{text}"


def help_text(topic: str | None) -> str:
    if topic and topic in VERB_DETAILS:
        return _with_who_may(topic, VERB_DETAILS[topic])
    lines = ["**马上办 · 指令一览**"]
    lines += [f"· **{verb}**：{text}" for verb, text in VERBS.items()]
    lines.append("任务写作 #12 或 12号；人员写作 @姓名，部门写作 @部门名。")
    lines.append("发送「帮助 转办」等查看某个指令的详细说明。")
    if topic:
        lines.insert(0, f"没有「{topic}」这个指令。")
    return "\n".join(lines)


def _with_who_may(verb: str, detail: str) -> str:
    """Replace the help's 谁可以用 line with the authorization matrix's own answer."""
    roles = who_may(verb)
    if roles is None:
        return detail
    lines = [line for line in detail.split("\n") if not line.startswith("谁可以用：")]
    lines.insert(1, f"谁可以用：{roles}。")
    return "\n".join(lines)


def unknown_command(reason: str, example: str) -> str:
    return f"没有看懂：{reason}\n可以这样写：{example}\n发送「帮助」查看全部指令。"


def name_problem(written: str, candidates: Sequence[Person]) -> str:
    if not candidates:
        return f"通讯录中没有找到「{written}」，请检查姓名，部门请写全称。"
    options = "；".join(f"{p.name}（{'、'.join(p.department_names) or '未分配部门'}，@{p.userid}）"
                       for p in candidates)
    return f"「{written}」对应多位人员：{options}。请用 @账号 指定其中一位。"


def not_in_directory() -> str:
    return "通讯录中还没有你的信息，请联系管理员同步通讯录后再试。"


def task_not_found(number: int) -> str:
    return f"没有找到任务 #{number}，请发送「我的」查看你的任务编号。"


# A chase card's buttons cannot carry text, so each asks for the command to type.
ANSWER_HINTS = {
    "progress": "请发送：进展 #{n} 目前进展（例如：进展 #{n} 初稿已完成，明天报送）",
    "close": "请发送：办结 #{n} 办理结果（例如：办结 #{n} 已报送办公室）",
    "extend": "请发送：延期 #{n} 新期限 原因（例如：延期 #{n} 12月5日 需等待财务数据）",
}


def transfer_hint(task: Task) -> str:
    return (f"转办须写明原因，请发送：转办 #{task.id} @姓名 原因\n"
            f"也可转给部门：转办 #{task.id} @部门名 原因")


def processing_failed() -> str:
    return "抱歉，系统暂时无法处理你刚才的消息，已记录问题，请稍后再试。"
