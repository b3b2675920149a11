"""The Chinese texts the assistant replies with, kept apart from the rules that pick them."""

from collections.abc import Sequence
from datetime import datetime

from tasks.language import VERBS, format_deadline
from tasks.models import STATE_LABELS, Person, Task

PAGE_SIZE = 10


def task_line(task: Task, now: datetime) -> str:
    deadline = format_deadline(task.deadline, now) if task.deadline else "未设定期限"
    return f"#{task.id} {task.title}｜{STATE_LABELS[task.state]}｜{deadline}"


def created(task: Task, now: datetime) -> str:
    return (
        f"已创建任务 #{task.id}「{task.title}」，承办人 {task.holder.name}，"
        f"期限 {format_deadline(task.deadline, now) if task.deadline else '未设定'}。"
        f"已通知 {task.holder.name} 接办。"
    )


def accepted_notice(task: Task) -> str:
    return f"{task.holder.name} 已接办任务 #{task.id}「{task.title}」。"


def closed_notice(task: Task) -> str:
    return f"任务 #{task.id}「{task.title}」已由 {task.holder.name} 办结。\n办理结果：{task.result}"


def my_tasks(tasks: Sequence[Task], total: int, now: datetime) -> str:
    if not tasks:
        return "你目前没有待办任务。"
    lines = [f"你有 {total} 项未办结任务（按紧急程度排列）："]
    lines += [task_line(task, now) for task in tasks]
    if total > len(tasks):
        lines.append(f"……另有 {total - len(tasks)} 项未显示。")
    lines.append("接办：接办 #编号；办结：办结 #编号 结果")
    return "\n".join(lines)


def help_text(topic: str | None) -> str:
    if topic and topic in VERBS:
        return f"【{topic}】{VERBS[topic]}"
    lines = ["马上办 · 指令一览："]
    lines += [f"· {verb}：{text}" for verb, text in VERBS.items()]
    lines.append("任务可写作 #12 或 12号；人员写作 @姓名。")
    return "\n".join(lines)


def unknown_command(reason: str, example: str) -> str:
    return f"没有看懂：{reason}\n可以这样写：{example}\n发送「帮助」查看全部指令。"


def name_problem(written: str, candidates: Sequence[Person]) -> str:
    if not candidates:
        return f"通讯录中没有找到「{written}」，请检查姓名。"
    options = "；".join(f"{p.name}（{'、'.join(p.department_names) or '未分配部门'}，@{p.userid}）"
                       for p in candidates)
    return f"「{written}」对应多位人员：{options}。请用 @账号 指定其中一位。"


def not_in_directory() -> str:
    return "通讯录中还没有你的信息，请联系管理员同步通讯录后再试。"


def task_not_found(number: int) -> str:
    return f"没有找到任务 #{number}，请发送「我的」查看你的任务编号。"


def transfer_hint(task: Task) -> str:
    return (
        f"转办功能即将开放。如任务 #{task.id} 不属于你的职责，"
        f"请先联系提请人 {task.requester.name} 说明情况。"
    )


def processing_failed() -> str:
    return "抱歉，系统暂时无法处理你刚才的消息，已记录问题，请稍后再试。"
