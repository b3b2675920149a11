"""The workbench task pages' read models (tasks.lifecycle.pages) and the new-task form's
language preview (tasks.handling.preview), on the chat office: what each person's lists
hold, which action forms the matrix gives them, and what a typed request would create."""

from datetime import datetime

from tasks.calendar.office import load_calendar
from tasks.calendar.workdays import SHANGHAI
from tasks.core.authority import Authority
from tasks.directory.lookup import person_by_userid
from tasks.handling import preview
from tasks.lifecycle import pages


def _look(office, userid, fn):
    with office.sessions() as session:
        person = person_by_userid(session, userid)
        calendar = load_calendar(session, office.rules.working_hours)
        return fn(session, person, calendar)


def _page(office, userid, number=1):
    def read(session, person, calendar):
        authority = Authority(session, office.rules)
        task = pages.visible_task(session, authority, person, number, office.clock())
        if task is None:
            return None
        return pages.task_page(session, authority, person, task, office.clock(), calendar)
    return _look(office, userid, read)


def test_lists_follow_what_each_person_holds_requested_and_should_rate(office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    office.say("zhangwei", "新建 核对报表 @秘书科 明天下班前")

    mine = _look(office, "lina", lambda s, p, c: pages.my_open(s, p, office.clock(), c))
    assert [(t.number, t.state_label) for t in mine] == [(2, "待接办"), (1, "待接办")]
    assert mine[0].holder.startswith("秘书科 ") and mine[0].holder.endswith("（待认领）")
    running, finished = _look(office, "zhangwei",
                              lambda s, p, c: pages.requested(s, p, office.clock(), c))
    assert [t.number for t in running] == [2, 1] and finished == []
    assert running[1].time_left.startswith("剩余") and not running[1].overdue

    office.click("lina", "接办", title="")
    office.say("lina", "办结 #1 初稿已报送")
    office.say("lina", "接办 #2")
    rate = _look(office, "zhangwei", lambda s, p, c: pages.to_rate(s, p, office.clock(), c))
    assert [(r.task.number, r.result) for r in rate] == [(1, "初稿已报送")]
    running, finished = _look(office, "zhangwei",
                              lambda s, p, c: pages.requested(s, p, office.clock(), c))
    assert [t.number for t in running] == [2] and [t.number for t in finished] == [1]
    assert finished[0].time_left == "" and finished[0].state_label.startswith("已办结")


def test_overdue_tasks_are_marked(office):
    office.say("zhangwei", "新建 核对报表 @李娜 今天下午5点前")
    office.clock.advance(hours=10)
    (line,) = _look(office, "lina", lambda s, p, c: pages.my_open(s, p, office.clock(), c))
    assert line.overdue and line.time_left.startswith("已超期")


def test_forms_follow_the_matrix_and_the_state(office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    assert _page(office, "lina").actions == ("accept", "close", "transfer",
                                             "request_extension")
    office.say("lina", "接办 #1")
    assert _page(office, "lina").actions == ("progress", "close", "transfer",
                                             "request_extension")
    # 张伟 requested it and heads 秘书科: he may chase, transfer, cancel, not close
    assert _page(office, "zhangwei").actions == ("transfer", "chase", "cancel")
    office.say("lina", "延期 #1 12月5日 需等待财务数据")
    assert "decide_extension" in _page(office, "zhangwei").actions
    assert "request_extension" not in _page(office, "lina").actions
    assert _page(office, "zhangwei").extension.reason == "需等待财务数据"
    # an outsider, and a number that does not exist, are alike: no page
    assert _page(office, "huangtao") is None and _page(office, "lina", 99) is None


def test_the_page_keeps_the_closure_record_and_the_whole_history(office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    office.say("lina", "接办 #1")
    office.say("lina", "转办 #1 @wangfang 该事项归她办理")
    office.say("wangfang", "接办 #1")
    office.say("wangfang", "办结 #1 已完成初稿")
    page = _page(office, "zhangwei")
    assert page.result == "已完成初稿"
    (closure,) = page.closures
    assert closure.heading.startswith("办结：") and "王芳" in closure.heading
    assert closure.rating.startswith("待提请人 张伟 评价")
    assert [(h.actor, h.action, h.channel) for h in page.history] == [
        ("张伟", "创建", "聊天"), ("李娜", "接办", "聊天"), ("李娜", "转办", "聊天"),
        ("王芳", "接办", "聊天"), ("王芳", "办结", "聊天")]
    assert page.history[2].note == "转给 王芳" and page.history[2].text == "该事项归她办理"
    assert page.actions == ("rate",) and page.rating_wanted is not None


def test_the_preview_reads_a_request_as_chat_does(office):
    def read(text):
        return _look(office, "zhangwei", lambda s, p, c: preview.of_text(
            s, text, now=office.clock(), calendar=c))

    seen = read("新建 起草年度工作总结 @李娜 12月5日 17:00")
    assert seen.can_create and seen.title == "起草年度工作总结"
    assert [h.label for h in seen.holders] == ["李娜（秘书科）"]
    assert seen.deadline == datetime(2026, 12, 5, 17, 0, tzinfo=SHANGHAI)
    assert seen.deadline_shown == "12月5日 17:00"

    natural = read("李娜，麻烦把会议纪要整理一下 明天下班前")
    assert natural.can_create and natural.request.assignees == ("李娜",)
    assert natural.kind_label == "会议纪要" and natural.kind_inferred

    unknown = read("新建 整理材料 @不存在的人")
    assert unknown.outcome == preview.CREATE and not unknown.can_create
    assert "没有找到「不存在的人」" in unknown.problems[0]

    other = read("办结 #3 已完成")
    assert other.outcome == preview.OTHER_COMMAND and "「办结」" in other.reply
    slip = read("结办 #3 已完成")
    assert slip.outcome == preview.REFUSED and "办结" in slip.reply

    default = read("新建 整理材料")
    assert default.holders_note == "未写承办人：任务归你自己"
    assert default.deadline_shown.endswith("（按类型的默认期限）")

