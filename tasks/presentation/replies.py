"""The Chinese texts the assistant replies with, kept apart from the rules that pick them."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tasks.calendar.workdays import SHANGHAI, WorkCalendar
from tasks.core.ledger import Stretch
from tasks.core.lengths import TITLE_LONGEST
from tasks.core.sla import WORKING_UNITS, OffHours
from tasks.language import KIND_LABELS, format_deadline
from tasks.markup import markdown_link, markdown_text, plain_text, text_link
from tasks.messaging.budget import shorten
from tasks.models import STATE_LABELS, Closure, Extension, Person, Rating, Task, TaskEvent, TaskFlag
from tasks.vocabulary import BAD_LEVELS, FLAG_LABELS, WEEKDAY_NAMES

PAGE_SIZE = 10
# 查询's history is condensed by rule so that a task with a long life still reads in a few
# messages: each event's text to HISTORY_TEXT_CHARS, names to NAME_SHOWN, and of more than
# HISTORY_SHOWN events the first (its creation) and the latest, the rest counted.
HISTORY_SHOWN = 20
HISTORY_TEXT_CHARS = 60
NAME_SHOWN = 16

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
    "deadline_moved": "修改期限",
    "rated": "评价",
    "rating_reason": "说明评价原因",
    "rating_reason_missing": "未说明评价原因",
    "rating_expired": "评价过期",
    "rating_withdrawn": "评价取消",
    "rectification": "安排整改",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def deadline_text(task: Task, now: datetime, calendar: WorkCalendar | None) -> str:
    """`12月3日 17:30 周四（剩余2个工作日）`, in working days for working-day policies.

    A closed or cancelled task shows its deadline without time left: nothing is left to do,
    and a countdown on a finished task reads as if it were still open."""
    if task.deadline is None:
        return "未设定期限"
    working = (task.policy or {}).get("completion", "").split(" ")[-1] in WORKING_UNITS
    return format_deadline(task.deadline, now, calendar, working=working,
                           time_left=task.is_open)


def state_text(task: Task) -> str:
    """The task's state as a card or 查询 shows it: a finished task says when it finished
    (`已办结（12月3日 17:30）`, `已撤销（…）`) and a task sent back says it is a 重办
    (`待接办（重办）`), so no display looks like a fresh or still-running task."""
    label = STATE_LABELS[task.state]
    finished = {"closed": task.closed_at, "cancelled": task.cancelled_at}.get(task.state)
    if finished is not None:
        return f"{label}（{stamp(finished)}）"
    if task.is_open and task.reopen_count:
        return f"{label}（重办）"
    return label


def stamp(when: datetime) -> str:
    local = when.astimezone(SHANGHAI)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def contact(person: Person) -> str:
    """How to reach someone, in a text message: their name, department and account (主动告知)."""
    name = plain_text(person.name)
    departments = plain_text("、".join(person.department_names))
    return f"{name}（{departments}，@{person.userid}）" if departments else \
        f"{name}（@{person.userid}）"


def created(task: Task, now: datetime, calendar: WorkCalendar, inferred: bool,
            offered: Sequence[Person] = (), note: str = "",
            next_levels: Sequence[Person] = ()) -> str:
    """The requester's confirmation: who has it now and why, by when, what kind."""
    details = [plain_text(note)] if note else []  # 归口办理 quotes an admin's keyword
    if task.stand_in_for is not None:
        details.append(f"{plain_text(task.stand_in_for.name)}请假，由补位人办理")
    if task.holder is not None:
        holder = plain_text(task.holder.name)
    else:
        unit = plain_text(task.department.name) if task.department else "值班人员"
        holder = f"{unit} {_names(offered)}".strip()
        details.append("先接办者承办")
    lines = [
        f"已创建任务 #{task.id}「{plain_text(task.title)}」（{kind_label(task.kind)}），"
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


def page_line(task: Task, page: str) -> str:
    """The last line of a text about one task: its page in the workbench, as a link."""
    return f"详情：{text_link(page, f'在工作台查看 #{task.id}')}"


def title_shortened(task: Task, rest: int) -> str:
    """Said when a title was written longer than a title may be."""
    return (f"标题最多 {TITLE_LONGEST} 字，已取前面部分作标题，其余 {rest} 字记为任务说明，"
            f"发送「查询 #{task.id}」可见。")


def emergency_reported(task: Task, offered: Sequence[Person],
                       next_levels: Sequence[Person]) -> str:
    """即接即报: the leader on duty hears of an emergency the moment it is received."""
    text = (f"【即接即报】突发事件 #{task.id}「{plain_text(task.title)}」已由 "
            f"{plain_text(task.requester.name)} 报告，"
            f"已交 {_names(offered) or '受理人员'} 处置。")
    return text + (f"未及时接办将依次提请：{_names(next_levels)}。" if next_levels else "")


def emergency_accepted(task: Task, rung: str) -> str:
    """即接即报: the leader on duty hears who took the emergency on, and on which rung."""
    assert task.holder is not None
    who = f"{rung} {contact(task.holder)}" if rung else contact(task.holder)
    return f"【即接即报】突发事件 #{task.id}「{plain_text(task.title)}」已由 {who} 接办。"


def _names(people: Sequence[Person]) -> str:
    """Names listed in a text message."""
    return "、".join(plain_text(p.name) for p in people)


def accepted_notice(task: Task) -> str:
    assert task.holder is not None
    return f"{contact(task.holder)} 已接办任务 #{task.id}「{plain_text(task.title)}」。"


def progress_notice(task: Task, actor: Person, text: str) -> str:
    return (f"任务 #{task.id}「{plain_text(task.title)}」进展（{plain_text(actor.name)}）："
            f"{plain_text(text)}")


def transferred_notice(task: Task, actor: Person, reason: str) -> str:
    """Tells requester and first responder who holds the task now and how to reach them."""
    holder = contact(task.holder) if task.holder else plain_text(task.holder_label)
    return (f"任务 #{task.id}「{plain_text(task.title)}」已由 {plain_text(actor.name)} 转办给 "
            f"{holder}。\n原因：{plain_text(reason)}\n如有疑问可直接联系新的承办人。")


def transferred_to_you(task: Task, actor: Person, reason: str) -> str:
    return (f"{plain_text(actor.name)} 将任务 #{task.id}「{plain_text(task.title)}」转给你办理，"
            f"原因：{plain_text(reason)}。请尽快接办。")


def extension_request(extension: Extension, task: Task, page: str | None = None) -> str:
    """To whoever may decide it; `page` (the task page) adds a link to its 审批 form."""
    old = stamp(extension.previous_deadline) if extension.previous_deadline else "未设定"
    return (f"{plain_text(extension.requested_by.name)} 申请将任务 #{task.id}"
            f"「{plain_text(task.title)}」的期限由 {old} 延至 "
            f"{stamp(extension.requested_deadline)}。\n原因：{plain_text(extension.reason)}\n"
            f"同意请回复「同意延期 #{task.id}」，不同意请回复「不同意延期 #{task.id} 原因」。"
            + (f"\n也可{text_link(form_page(page, 'decide'), '在工作台审批')}。" if page else ""))


def extension_decided(extension: Extension, task: Task) -> str:
    assert extension.decided_by is not None
    if extension.state == "approved":
        return (f"{plain_text(extension.decided_by.name)} 同意了任务 #{task.id} 的延期申请，"
                f"新期限 {stamp(extension.requested_deadline)}（原期限保留在记录中）。")
    return (f"{plain_text(extension.decided_by.name)} 不同意任务 #{task.id} 的延期申请，"
            f"原因：{plain_text(extension.decision_reason or '')}。期限仍为 "
            f"{stamp(task.deadline) if task.deadline else '未设定'}。")


def closed_notice(task: Task) -> str:
    return (f"任务 #{task.id}「{plain_text(task.title)}」已由 {plain_text(task.holder_label)} "
            f"办结。\n办理结果：{plain_text(task.result or '')}")


def reopened_notice(task: Task, actor: Person, reason: str, now: datetime,
                    calendar: WorkCalendar) -> str:
    return (f"{plain_text(actor.name)} 要求重办任务 #{task.id}「{plain_text(task.title)}」，"
            f"原因：{plain_text(reason)}。\n"
            f"期限 {deadline_text(task, now, calendar)}，请重新接办。")


def cancelled_notice(task: Task, actor: Person, reason: str) -> str:
    return (f"任务 #{task.id}「{plain_text(task.title)}」已由 {plain_text(actor.name)} 撤销，"
            f"原因：{plain_text(reason)}。无需再办理。")


def kind_changed(task: Task, now: datetime, calendar: WorkCalendar) -> str:
    return (f"任务 #{task.id} 的类型已改为「{kind_label(task.kind)}」，"
            f"期限 {deadline_text(task, now, calendar)}。")


def my_tasks(tasks: Sequence[Task], total: int, page: int, now: datetime,
             calendar: WorkCalendar, page_of: Callable[[int], str] | None = None,
             workbench: str | None = None) -> str:
    """Markdown list of open tasks; the page footer says how to see the next one.

    `page_of` gives a task's page in the workbench: each number links there, and
    `workbench` (the list 我的待办) ends the message."""
    if not total:
        return "你目前没有待办任务。"
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    if not tasks:
        return f"没有第{page}页，你的待办共 {pages} 页。"
    lines = [f"**我的待办**（共 {total} 项，第{page}/{pages}页，按紧急程度排列）"]
    for task in tasks:
        number = markdown_link(page_of(task.id), f"#{task.id}") if page_of else f"#{task.id}"
        lines.append(f"> {number} {markdown_text(shorten(task.title, TITLE_LONGEST))}\n"
                     f"> {STATE_LABELS[task.state]}｜{kind_label(task.kind)}｜"
                     f"{deadline_text(task, now, calendar)}")
    if page < pages:
        lines.append(f"发送「我的 {page + 1}」查看下一页。")
    lines.append("接办：接办 #编号；进展：进展 #编号 说明；办结：办结 #编号 结果")
    if workbench:
        lines.append(f"也可{markdown_link(workbench, '在工作台办理')}。")
    return "\n".join(lines)


REQUESTED_SHOWN = 5


def requested_tasks(tasks: Sequence[Task], now: datetime, calendar: WorkCalendar,
                    url: str) -> str:
    """我交办的 in chat: how many are open, the most urgent few with their state, holder and
    time left, and the link to the whole list."""
    link = f"[在工作台查看全部]({url})"
    if not tasks:
        return f"你交办的任务目前都已办结或撤销。\n{link}"
    lines = [f"**我交办的**（未办结 {len(tasks)} 项，按期限排列）"]
    for task in tasks[:REQUESTED_SHOWN]:
        lines.append(f"> #{task.id} {markdown_text(shorten(task.title, TITLE_LONGEST))}\n"
                     f"> {STATE_LABELS[task.state]}｜{markdown_text(task.holder_label)}｜"
                     f"{deadline_text(task, now, calendar)}")
    if len(tasks) > REQUESTED_SHOWN:
        lines.append(f"> …另有 {len(tasks) - REQUESTED_SHOWN} 项")
    lines.append(f"催促承办人：催办 #编号。{link}")
    return "\n".join(lines)


@dataclass(frozen=True)
class TaskRecord:
    """What 查询 shows beyond the task itself: extensions, the holder ledger, the flags,
    and each close's record (办结记录) with the rating it received, if one was asked."""

    extensions: Sequence[Extension]
    stretches: Sequence[Stretch]
    flags: Sequence[TaskFlag]
    closures: Sequence[Closure] = ()
    ratings: Sequence[Rating] = ()
    offered: Sequence[str] = ()  # names an unclaimed task is offered to now
    ladder: Mapping[str, Sequence[str]] = field(default_factory=dict)  # an emergency's, names


def task_details(task: Task, record: TaskRecord, now: datetime, calendar: WorkCalendar,
                 page: str | None = None) -> str:
    """Markdown view of one task with its full history (查询); `page`, its page in the
    workbench, is linked right under the summary (the history can run long)."""
    holder = _holder_text(task, record.offered)
    if task.stand_in_for is not None:
        holder += f"（补位，原定 {markdown_text(task.stand_in_for.name)}）"
    first = markdown_text(task.first_responder.name) if task.first_responder else "（待认领）"
    lines = [
        f"**任务 #{task.id}** {markdown_text(shorten(task.title, TITLE_LONGEST))}",
        f"> 类型：{kind_label(task.kind)}",
        f"> 状态：{state_text(task)}",
        f"> 提请人：{markdown_text(task.requester.name)}",
        f"> 承办人：{holder}",
        f"> 首问责任人：{first}",
        f"> 期限：{deadline_text(task, now, calendar)}",
    ]
    if record.ladder:
        lines.append(f"> 处置层级：{_ladder_text(record.ladder)}")
    if task.original_deadline is not None and task.original_deadline != task.deadline:
        lines.append(f"> 原期限：{stamp(task.original_deadline)}")
    if task.first_response_due is not None and task.accepted_at is None and task.is_open:
        lines.append(f"> 应接办时间：{stamp(task.first_response_due)} 前")
    if task.result:
        lines.append(f"> 办理结果：{markdown_text(task.result)}")
    pending = [e for e in record.extensions if e.state == "requested"]
    if pending:
        lines.append(f"> 延期申请待审批：延至 {stamp(pending[-1].requested_deadline)}")
    lines.append(f"> 转办 {task.transfer_count} 次，退回 {task.bounce_count} 次，"
                 f"重办 {task.reopen_count} 次")
    if record.flags:
        named = "、".join(dict.fromkeys(FLAG_LABELS.get(f.flag, f.flag) for f in record.flags))
        lines.append(f"> 提示：{named}")
    if page:
        lines.append(markdown_link(page, "在工作台查看和办理"))
    if record.closures:
        lines.append("**办结记录**")
        by_closure = {rating.closure_id: rating for rating in record.ratings}
        for closure in record.closures:
            lines += closure_lines(closure, by_closure.get(closure.id), len(record.closures))
    if record.stretches:
        lines.append("**承办经过**")
        lines += [_stretch_line(stretch) for stretch in record.stretches]
    lines.append("**办理经过**")
    lines += history_lines(task.events)
    description = task_description(task)
    if description:  # last: the status and the history come first, in the first message
        lines += ["**说明**", markdown_text(description)]
    return "\n".join(lines)


LADDER_LABELS = {"duty": "值班", "standby": "候班", "supervisors": "督办", "lead": "带班"}


def _holder_text(task: Task, offered: Sequence[str]) -> str:
    """Who holds it; while nobody does, whom it waits on (`马骏（待接办）`)."""
    if task.holder is not None or not offered:
        return markdown_text(task.holder_label)
    names = markdown_text("、".join(offered))
    if task.department is not None:
        return f"{markdown_text(task.department.name)} {names}（待认领）"
    return f"{names}（待接办）"


def _ladder_text(ladder: Mapping[str, Sequence[str]]) -> str:
    """`值班 马骏 → 候班 杨帆 → 督办 张伟、周建国；带班 周建国`: who an emergency was sent
    to, who it climbs to, and the leader on duty told at once."""
    rungs = [f"{LADDER_LABELS[role]} {markdown_text('、'.join(ladder[role]))}"
             for role in ("duty", "standby", "supervisors") if ladder.get(role)]
    text = " → ".join(rungs)
    if ladder.get("lead"):
        text += f"；带班 {markdown_text('、'.join(ladder['lead']))}"
    return text


def task_description(task: Task) -> str:
    """The rest of a title written longer than a title may be (`tasks.core.lengths`)."""
    created = next((e for e in task.events if e.action == "created"), None)
    return str(created.detail.get("description", "")) if created and created.detail else ""


def history_lines(events: Sequence[TaskEvent]) -> list[str]:
    """The history, condensed to `HISTORY_SHOWN` events: the first and the latest."""
    if len(events) <= HISTORY_SHOWN:
        return [history_line(event) for event in events]
    latest = events[len(events) - HISTORY_SHOWN + 1:]
    skipped = len(events) - len(latest) - 1
    return [history_line(events[0]), f"……（中间 {skipped} 条从略）",
            *(history_line(event) for event in latest)]


def closure_lines(closure: Closure, rating: Rating | None, closes: int) -> list[str]:
    """One close in readable Chinese: when and by whom, how fast, on time or not, what it
    went through, who held it how long, and the requester's rating."""
    which = f"第{closure.round + 1}次办结" if closes > 1 or closure.round else "办结"
    holder = markdown_text(closure.holder.name) if closure.holder else "—"
    response = ("—" if closure.first_response_minutes is None
                else duration(closure.first_response_minutes))
    lines = [
        f"{which}：{stamp(closure.closed_at)}（{holder}）",
        f"首次响应 {response}，办理用时 {duration(closure.close_minutes)}",
        on_time_line(closure),
        f"转办 {closure.transfers} 次，退回 {closure.bounces} 次，"
        f"提醒 {closure.reminders_received} 次，催办 {closure.chases_received} 次",
    ]
    if closure.holder_times:
        lines.append("承办用时：" + "；".join(
            f"{markdown_text(entry['name'])} {duration(int(entry['seconds']) // 60)}"
            + ("" if entry.get("accepted") else "（未接办）") for entry in closure.holder_times))
    lines.append(f"评价：{rating_text(rating)}")
    return lines


def on_time_line(closure: Closure) -> str:
    if closure.original_deadline is None and closure.deadline is None:
        return "未设定期限，不计是否按时"
    parts = []
    if closure.original_deadline is not None:
        parts.append(f"原期限 {stamp(closure.original_deadline)}："
                     f"{_kept(closure.closed_at, closure.original_deadline)}")
    if closure.deadline is not None and closure.deadline != closure.original_deadline:
        parts.append(f"延期后期限 {stamp(closure.deadline)}："
                     f"{_kept(closure.closed_at, closure.deadline)}")
    return "；".join(parts)


def _kept(closed_at: datetime, deadline: datetime) -> str:
    if closed_at <= deadline:
        return "按时"
    return f"超期{duration(int((closed_at - deadline).total_seconds() // 60))}"


def rating_text(rating: Rating | None,
                escape: Callable[[str], str] = markdown_text) -> str:
    """The rating of one close in words, with the follow-up a bad one received; people's
    words pass through `escape` (markdown for chat, as they are for a web page, which
    Jinja escapes)."""
    if rating is None:
        return "无需评价（提请人本人办结）"
    if rating.state == "asked":
        return (f"待提请人 {escape(rating.requester.name)} 评价"
                f"（{stamp(rating.expires_at)} 前）")
    if rating.state == "not_rated":
        return "未评价"
    text = rating.level or ""
    if rating.reason:
        text += f"（原因：{escape(rating.reason)}）"
    elif rating.awaiting_reason:
        text += "（待说明原因）"
    if rating.followup == "rectification":
        text += f"，已安排整改 #{rating.followup_task_id}"
    elif rating.followup == "reopened":
        text += "，已安排重办"
    elif rating.is_bad:
        text += "，待科室负责人决定重办或整改"
    return text


def duration(minutes: int) -> str:
    """`2天3小时`, `1小时5分钟`, `12分钟`: a span as people say it."""
    if minutes >= 1440:
        return f"{minutes // 1440}天{minutes % 1440 // 60}小时"
    return f"{minutes // 60}小时{minutes % 60}分钟" if minutes >= 60 else f"{minutes}分钟"


def _stretch_line(stretch: Stretch) -> str:
    held = duration(int(stretch.held.total_seconds() // 60))
    extra = "" if stretch.accepted else "，未接办"
    stood_in = f"（代{markdown_text(stretch.stand_in_for)}）" if stretch.stand_in_for else ""
    return f"{markdown_text(stretch.holder)}{stood_in}：{held}{extra}"


def history_line(event: TaskEvent) -> str:
    actor = markdown_text(shorten(event.actor.name, NAME_SHOWN)) if event.actor else "系统"
    text = f"：{markdown_text(shorten(event.text, HISTORY_TEXT_CHARS))}" if event.text else ""
    via = "（卡片）" if event.channel == "card" else ""
    return f"{stamp(event.at)} {actor} {ACTION_LABELS.get(event.action, event.action)}{via}{text}"


_HELP_HINT = "发送「帮助」查看全部指令"
# What to show when nothing in the message says which verb was meant.
GENERAL_EXAMPLE = "新建 整理会议纪要 @李娜 明天下午5点前"


def unknown_command(reason: str, example: str) -> str:
    """One line saying what was not understood, then one example: a reason that already says
    没有看懂 or already points to 帮助 is not repeated (`没有看懂：没有看懂「asdf」…`)."""
    core = reason.removeprefix("没有看懂").lstrip("：:，, ")
    core = core.removesuffix(_HELP_HINT).rstrip("，,。 ") or "这条消息"
    shown = GENERAL_EXAMPLE if example == "帮助" else example
    return f"没有看懂：{core}\n可以这样写：{shown}；{_HELP_HINT}。"


def acknowledged_nothing_waiting() -> str:
    return "好的。目前没有等你接办的任务，发送「我的」查看手上的任务。"


def acknowledged_not_waiting(number: int) -> str:
    return f"好的。#{number} 没有在等你接办，发送「查询 #{number}」查看它的情况。"


def acknowledged_several(count: int, shown: int) -> str:
    more = f"（先列出{shown}个，其余发送「我的」查看）" if count > shown else ""
    return f"有{count}个任务等你接办{more}，请在要接的任务卡片上点「接办」，或发送「接办 #编号」。"


def name_problem(written: str, candidates: Sequence[Person]) -> str:
    if not candidates:
        return f"通讯录中没有找到「{plain_text(written)}」，请检查姓名，部门请写全称。"
    options = "；".join(
        f"{plain_text(p.name)}（{plain_text('、'.join(p.department_names)) or '未分配部门'}，"
        f"@{p.userid}）" for p in candidates)
    return f"「{plain_text(written)}」对应多位人员：{options}。请用 @账号 指定其中一位。"


def not_in_directory() -> str:
    return "通讯录中还没有你的信息，请联系管理员同步通讯录后再试。"


def task_not_found(number: int) -> str:
    """For a number that does not exist and for a task the sender has no part in alike
    (need to know: tasks.verbs.record.load_task)."""
    return f"没有找到与你有关的任务 #{number}，请发送「我的」查看你的任务编号。"


# A chase card's buttons cannot carry text, so each asks for the command to type.
ANSWER_HINTS = {
    "progress": "请发送：进展 #{n} 目前进展（例如：进展 #{n} 初稿已完成，明天报送）",
    "close": "请发送：办结 #{n} 办理结果（例如：办结 #{n} 已报送办公室）",
    "extend": "请发送：延期 #{n} 新期限 原因（例如：延期 #{n} 12月5日 需等待财务数据）",
}


def transfer_hint(task: Task) -> str:
    return (f"转办须写明原因，请发送：转办 #{task.id} @姓名 原因\n"
            f"也可转给部门：转办 #{task.id} @部门名 原因")


FORM_LABELS = {"transfer": "填写转办", "progress": "填写进展", "close": "填写办结",
               "extend": "申请延期"}


def form_hint(hint: str, form: str, page: str) -> str:
    """A card button from before the workbench answers with the command to type and, on
    the next line, a link to the task page's form for the same action."""
    return f"{hint}\n或在工作台{text_link(form_page(page, form), FORM_LABELS[form])}。"


def form_page(page: str, form: str) -> str:
    """The task page opened at one of its forms (ids `transfer`, `progress`, `decide` …):
    named in the query, which survives the sign-in (whose OAuth redirect brings its own
    fragment, `#wechat_redirect`), and in the fragment, which scrolls there at once."""
    return f"{page}{'&' if '?' in page else '?'}form={form}#{form}"


def rating_thanks(task: Task, level: str) -> str:
    return f"感谢评价！任务 #{task.id}「{plain_text(task.title)}」评价为「{level}」，已告知承办人。"


def rating_reason_wanted(task: Task, level: str) -> str:
    return (f"已记录你对任务 #{task.id} 的评价「{level}」。请直接回复不满意的原因"
            f"（你的下一条消息即作为原因），也可发送「评价 #{task.id} {level} 原因」。")


def rating_reason_recorded(task: Task, level: str, supervisors: Sequence[Person],
                           rater: Person) -> str:
    """A requester who is also one of the deciders is asked to decide, not told of others."""
    others = [p for p in supervisors if p.id != rater.id]
    head = f"已记录你对任务 #{task.id} 的评价「{level}」及原因"
    if len(others) < len(supervisors):
        also = f"和{_names(others)}" if others else ""
        return f"{head}，并告知承办人{also}。请在卡片上选择重办或整改。"
    told = f"承办人和{_names(supervisors)}" if supervisors else "承办人"
    return f"{head}，并告知{told}，将决定重办或整改。"


def rating_outcome(task: Task, level: str, reason: str | None, requester: Person,
                   *, first_responder: bool) -> str:
    """What holder and first responder hear of the requester's verdict (有请必复, 回访)."""
    lead = "你首问的任务" if first_responder else "任务"
    why = f"，原因：{plain_text(reason)}" if reason else (
        "，未说明原因" if level in BAD_LEVELS else "")
    text = (f"{lead} #{task.id}「{plain_text(task.title)}」的提请人 {plain_text(requester.name)} "
            f"评价为「{level}」{why}。")
    return text + ("科室负责人将决定重办或整改。" if level in BAD_LEVELS else "")


def poor_rating_notice(task: Task, level: str, reason: str | None, requester: Person,
                       holder: str, default_deadline: datetime) -> str:
    """【办而不力】 to the holder's nearest supervisors, with the two ways to follow up."""
    why = plain_text(reason) if reason else "未说明"
    holder = plain_text(holder)
    return (f"【办而不力提示】任务 #{task.id}「{plain_text(task.title)}」（承办人 {holder}）"
            "办结后，"
            f"提请人 {plain_text(requester.name)} 评价为「{level}」，原因：{why}。\n"
            f"请在卡片上选择「重办」（退回 {holder} 重新办理，期限 {stamp(default_deadline)}）"
            f"或「整改」（另建整改任务）；也可发送「重办 #{task.id} 期限 说明」"
            f"或「整改 #{task.id} 期限 说明」。")


def rectification_notice(original: Task, followup: Task, actor: Person, note: str) -> str:
    text = (f"{plain_text(actor.name)} 就任务 #{original.id}「{plain_text(original.title)}」的差评"
            f"安排整改，已建整改任务 #{followup.id}「{plain_text(followup.title)}」，期限 "
            f"{stamp(followup.deadline) if followup.deadline else '未设定'}。")
    return text + (f"\n说明：{plain_text(note)}" if note else "")


def already_rated(task: Task, level: str | None) -> str:
    return f"你已评价过任务 #{task.id}（{level}），每次办结只能评价一次，感谢！"


def processing_failed() -> str:
    return "抱歉，系统暂时无法处理你刚才的消息，已记录问题，请稍后再试。"


def message_parked(inbox_id: int, sender: str, error_type: str, attempts: int) -> str:
    """To the admins (MASHANGBAN_ADMINS): a received message failed every attempt and was
    set aside. Its text is not repeated here; the commands say what can be done."""
    return (f"【消息处理失败】收到的第 {inbox_id} 条消息（发送人 {sender}）处理 {attempts} 次"
            f"均失败（{error_type}），已搁置，后面的消息照常处理。\n"
            f"查看：mashangban inbox failed\n"
            f"重试：mashangban inbox retry {inbox_id}\n"
            f"放弃：mashangban inbox drop {inbox_id}")


# chinesecalendar's holiday names, as a warning about a day off says them.
HOLIDAY_LABELS = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
}


def day_and_weekday(when: datetime) -> str:
    """`12月4日（周五）17:30`: the instant a deadline button offers."""
    local = when.astimezone(SHANGHAI)
    return f"{local.month}月{local.day}日（周{WEEKDAY_NAMES[local.weekday()]}）{local:%H:%M}"


def off_hours_reason(off: OffHours, kind: str, calendar: WorkCalendar) -> str:
    """Why nobody is at work then: `12月5日为周六（休息日）`, `10月3日为国庆节假期（法定节假日）`,
    or, for a kind counted in working time, `11月24日 20:00 已过下班时间（17:30），急件按工作
    时间计时`."""
    local = off.deadline.astimezone(SHANGHAI)
    day = f"{local.month}月{local.day}日"
    weekday = f"周{WEEKDAY_NAMES[local.weekday()]}"
    if off.holiday is not None:
        return f"{day}为{HOLIDAY_LABELS.get(off.holiday, off.holiday)}假期（法定节假日）"
    if off.day_off:
        return f"{day}为{weekday}（休息日）" if local.weekday() >= 5 else \
            f"{day}（{weekday}）为本单位休息日"
    hours = calendar.hours
    when = (f"已过下班时间（{hours.end:%H:%M}）" if local.time() > hours.end
            else f"早于上班时间（{hours.start:%H:%M}）")
    return f"{day} {local:%H:%M} {when}，{kind_label(kind)}按工作时间计时"


def earlier_label(off: OffHours) -> str:
    """The button's words, short enough for a card button (10 characters on WeCom):
    `改为12月4日`, or `改为17:30` on the same day."""
    assert off.earlier is not None
    local, written = off.earlier.astimezone(SHANGHAI), off.deadline.astimezone(SHANGHAI)
    if local.date() == written.date():
        return f"改为{local:%H:%M}"
    return f"改为{local.month}月{local.day}日"


def off_hours_warning(off: OffHours, kind: str, calendar: WorkCalendar) -> str:
    """The line a reply adds about a written deadline outside working time: said out loud,
    kept as written, with the one button that moves it to the working time before it."""
    text = f"注意：{off_hours_reason(off, kind, calendar)}，期限已按所写保留。"
    if off.earlier is None:
        return text
    return (text + f"如需改到工作时间，请点卡片上的「{earlier_label(off)}」，"
            f"期限将改为 {day_and_weekday(off.earlier)}。")


def deadline_moved_notice(task: Task, actor: Person, reason: str, now: datetime,
                          calendar: WorkCalendar) -> str:
    return (f"{plain_text(actor.name)} 将任务 #{task.id}「{plain_text(task.title)}」的期限改为 "
            f"{deadline_text(task, now, calendar)}（原期限{reason}）。")
