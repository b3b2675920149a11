"""Issue 12's table, the rows about time, through `flows.handle` at its instant (Tuesday
12-08 10:00): each gives the deadline the writer meant, or a refusal naming the reason;
nothing is created with a deadline nobody wrote."""

from datetime import datetime

import pytest

from tasks.calendar.workdays import SHANGHAI

ISSUE_NOW = datetime(2026, 12, 8, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def office_on_12_08(office):
    office.clock.now = ISSUE_NOW
    return office


@pytest.mark.parametrize(("text", "reason"), [
    # Row 1: the whole 昨天下午3点 is read, and refused, naming the instant.
    ("交办 核对值班记录 @张伟 昨天下午3点",
     "期限已过：12月7日 15:00 早于现在（「昨天下午3点」是周一，已经过去了）。"
     "今天的话请写「今天15:00」"),
    # Row 2: 上周五 is one expression, not 周五 plus 上 in the title.
    ("新建 提交周报 @李娜 上周五",
     "期限已过：12月4日 17:30 早于现在（「上周五」已经过去了）。请写「本周五」"),
    # Row 3: 上个月底.
    ("新建 报送月报 @李娜 上个月底",
     "期限已过：11月30日 17:30 早于现在（「上个月底」是周一，已经过去了）。"
     "请写「本月底」或「下月底」"),
    # Row 4: a date already past this year is refused, not moved to 2027.
    ("交办 报送会议材料 @张伟 12月1日",
     "期限已过：12月1日 17:30 早于现在（「12月1日」是周二，已经过去了）。"
     "如果是明年，请写「明年12月1日」或「2027年12月1日」"),
    # Row 5: the same rule for a leave.
    ("请假 到12月3日 @王芳",
     "期限已过：12月3日 17:30 早于现在（「到12月3日」是周四，已经过去了）。"
     "如果是明年，请写「明年12月3日」或「2027年12月3日」"),
    # Also past: a clock time already behind us today.
    ("新建 打印材料 @李娜 今天上午9点",
     "期限已过：12月8日 09:00 早于现在（「今天上午9点」是周二，已经过去了）。"
     "最近的写法是「明天09:00」"),
])
def test_the_past_is_refused_and_nothing_is_created(office_on_12_08, text, reason):
    office = office_on_12_08
    before = office.state()
    sent = office.say("zhangwei", text)
    assert sent.reply("zhangwei") == reason
    assert office.state() == before


@pytest.mark.parametrize(("text", "title", "deadline"), [
    # Row 6: trailing punctuation does not hide the deadline.
    ("新建 起草会议通知 @李娜 明天下午3点。", "起草会议通知", datetime(2026, 12, 9, 15, 0)),
    ("新建 起草会议通知 @李娜 明天下午3点，谢谢🙏", "起草会议通知", datetime(2026, 12, 9, 15, 0)),
    # Row 9: a deadline written before the title is found, the title keeps its verb.
    ("新建 周五前报送安全生产月报 @李娜", "报送安全生产月报", datetime(2026, 12, 11, 17, 30)),
    # Next year is written explicitly.
    ("交办 报送会议材料 @李娜 明年1月5日", "报送会议材料", datetime(2027, 1, 5, 17, 30)),
    ("交办 报送会议材料 @李娜 2027年12月1日", "报送会议材料", datetime(2027, 12, 1, 17, 30)),
])
def test_a_deadline_is_read_whole_wherever_it_stands(office_on_12_08, text, title, deadline):
    sent = office_on_12_08.say("zhangwei", text)
    assert sent.reply("zhangwei").startswith(f"已创建任务 #1「{title}」")
    assert office_on_12_08.task().deadline == deadline


def test_a_time_word_inside_the_title_keeps_it_and_shows_the_other_reading(office_on_12_08):
    # Row 7: nothing is lost from the title; the reply says how to make 周一 the deadline.
    sent = office_on_12_08.say("zhangwei", "新建 准备 周一 例会材料 @李娜")
    reply = sent.reply("zhangwei")
    assert reply.startswith("已创建任务 #1「准备 周一 例会材料」（一般件）")
    assert ("「周一」按任务内容理解，没有作为期限；如果它是期限，请在消息里写「期限：周一」。"
            in reply)
    assert office_on_12_08.task().deadline == datetime(2026, 12, 18, 17, 30)  # the default


def test_the_deadline_marker_wins(office_on_12_08):
    sent = office_on_12_08.say("zhangwei", "新建 准备周一例会材料 @李娜 期限：周五")
    assert sent.reply("zhangwei").startswith("已创建任务 #1「准备周一例会材料」")
    assert office_on_12_08.task().deadline == datetime(2026, 12, 11, 17, 30)


@pytest.mark.parametrize("word", ["马上", "立即", "尽快", "急", "ASAP"])
def test_urgency_words_make_an_urgent_task_and_say_so(office_on_12_08, word):
    # Row 8: not the 10-day default.
    sent = office_on_12_08.say("zhangwei", f"新建 打印签到表 @李娜 {word}")
    reply = sent.reply("zhangwei")
    assert reply.startswith("已创建任务 #1「打印签到表」（急件）")
    assert f"「{word}」：按急件办理，15分钟内接办、当天下班前办结" in reply
    task = office_on_12_08.task()
    assert (task.kind, task.deadline) == ("urgent", datetime(2026, 12, 8, 17, 30))


def test_a_garbled_time_word_is_refused_not_read_as_today(office_on_12_08):
    # Row 10 (the deadline part): 名天下午 is never today 17:30.
    before = office_on_12_08.state()
    sent = office_on_12_08.say("zhangwei", "交办 起草通知 @李娜 名天下午")
    assert "「名天」不是时间词，是不是「明天」？" in sent.reply("zhangwei")
    assert office_on_12_08.state() == before


def test_an_extension_by_two_more_days_moves_the_tasks_deadline(office_on_12_08):
    # Row 11: `再推迟两天` is the shift, `等数据` the reason.
    office = office_on_12_08
    office.say("zhangwei", "新建 核对报表 @李娜 12月10日")
    office.say("lina", "接办 #1")
    sent = office.say("lina", "延期 #1 等数据 再推迟两天")
    assert sent.to("lina") == ["已提交任务 #1 的延期申请，等待 张伟 审批。\n"
                               "注意：12月12日为周六（休息日），申请已按所写提交。"]
    [asked] = sent.to("zhangwei")
    assert "12月12日 17:30" in asked and "原因：等数据" in asked


def test_an_extension_into_the_past_is_refused(office_on_12_08):
    office = office_on_12_08
    office.say("zhangwei", "新建 核对报表 @李娜 12月10日")
    office.say("lina", "接办 #1")
    sent = office.say("lina", "延期 #1 12月1日 等数据")
    assert "如果是明年，请写「明年12月1日」" in sent.reply("lina")
