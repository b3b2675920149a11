"""A day in the office (and a bit more), with the reminder engine running (docs/reminders.md).

The clock is moved, never waited for. Between two things people do, the reminder
dispatcher runs at the instant each pending reminder falls due, in due order, as the
worker's `ReminderThread` (polling twice a second) would; the sender then runs. After
every step the new reminder messages each person received are recorded as
(Shanghai time, userid, gist), and the whole record is compared with a table written from
the rules: docs/sla.md for the kinds, docs/reminders.md for the timers, quiet hours 21:00–08:00,
催办 repeated at 08:30 of the next three working days (the 3rd 催办 also to a leader who
assigned it), reminders to one person within two minutes merged, leave redirecting them.

Only reminders count: texts starting with one of the reminder tags, or "你有 N 条提醒".

Runs on every platform; the split of a long merged reminder into parts is WeCom's (its
2048 bytes make two parts of what fits in one DingTalk message), so that test stays on
WeCom.
"""

import re
from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from tasks.calendar.workdays import SHANGHAI
from tasks.models import Person, Reminder, Task
from tasks.routing.roster import RosterRow, import_rows
from tests.clocks import ShiftedClock
from tests.e2e.platforms import EVERY_PLATFORM
from tests.seeded_office import OFFICE_START
from workers.jobs.reminders import dispatch_reminders

pytestmark = pytest.mark.platforms(*EVERY_PLATFORM)


@pytest.fixture
def clock(request) -> ShiftedClock:
    """The office's Tuesday, unless a test asks for another start (indirect parameter)."""
    return ShiftedClock(start=getattr(request, "param", OFFICE_START))


REMINDER_TAGS = ("待接办", "接办超时", "突发事件·候班", "突发事件·督办", "进展提醒", "进展超时",
                 "即将到期", "催办", "提醒")
_TAG = "|".join(REMINDER_TAGS)
_TAGGED = re.compile(rf"【({_TAG})】任务 #(\d+)")
_MERGED = re.compile(r"^你有 (\d+) 条提醒：")


def is_reminder(text: str) -> bool:
    return bool(_MERGED.match(text)) or bool(re.match(rf"【({_TAG})】", text))


def gist(text: str) -> str:
    """One reminder message, short: "【催办】#3 第2次"; merged ones joined with " + "."""
    parts = []
    for line in text.splitlines():
        found = _TAGGED.search(line)
        if found is None:
            continue
        nth = re.search(r"（第(\d+)次催办）", line)
        times = f" 第{nth.group(1)}次" if nth else ""
        parts.append(f"【{found.group(1)}】#{found.group(2)}{times}")
    merged = _MERGED.match(text)
    if merged:
        announced = int(merged.group(1))
        cut = "" if announced == len(parts) else f" [announced {announced}, readable {len(parts)}]"
        return f"{announced}条: " + " + ".join(parts) + cut
    assert len(parts) == 1, text
    return parts[0]


def at(when: str) -> datetime:
    """ "11-24 10:15" (2026, Shanghai) → an aware instant."""
    return datetime.strptime(f"2026-{when}", "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


def start(when: str):
    """Run one test from another instant of 2026 (Shanghai), e.g. before a holiday."""
    return pytest.mark.parametrize("clock", [at(when)], indirect=True)


class Day:
    """Moves the office clock as the worker would live through it, recording reminders."""

    def __init__(self, office):
        self.office = office
        with office.rt.sessions() as session:
            self.people = list(session.scalars(select(Person.userid).order_by(Person.id)))
        self.seen = {userid: len(office.replies(userid)) for userid in self.people}
        self.log: list[tuple[str, str, str]] = []

    def until(self, when: str) -> None:
        """Run the dispatcher at each reminder's own due instant up to `when`, then at `when`."""
        target = at(when)
        while True:
            due = self._earliest_pending()
            if due is None or due > target:
                break
            self._move_to(due)
            self._dispatch()
        self._move_to(target)
        self._dispatch()

    def say(self, userid: str, text: str) -> None:
        self.office.say(userid, text)
        self._collect()

    def _earliest_pending(self) -> datetime | None:
        with self.office.rt.sessions() as session:
            return session.scalar(select(func.min(Reminder.due_at))
                                  .where(Reminder.state == "pending"))

    def _move_to(self, instant: datetime) -> None:
        ahead = (instant - self.office.rt.clock()).total_seconds()
        if ahead > 0:
            self.office.rt.clock.advance(seconds=ahead)

    def _dispatch(self) -> None:
        started = self.office.rt.clock()
        dispatch_reminders(self.office.rt)
        self.office.work()
        with self.office.rt.sessions() as session:
            stuck = [(r.task_id, r.timer, r.level, f"{r.due_at.astimezone(SHANGHAI)}")
                     for r in session.scalars(select(Reminder).where(
                         Reminder.state == "pending", Reminder.due_at <= started))]
        assert stuck == [], f"due reminders left pending after a dispatch: {stuck}; {self.log}"
        self._collect()

    def _collect(self) -> None:
        now = self.office.rt.clock().astimezone(SHANGHAI)
        stamp = f"{now:%m-%d %H:%M}"
        for userid in self.people:
            replies = self.office.replies(userid)
            for text in replies[self.seen[userid]:]:
                if is_reminder(text):
                    self.log.append((stamp, userid, gist(text)))
            self.seen[userid] = len(replies)

    def received(self, since: str | None = None) -> list[tuple[str, str, str]]:
        """The record, ordered by time then person (several reach people at one instant)."""
        rows = [r for r in self.log if since is None or r[0] >= since]
        return sorted(rows, key=lambda r: (r[0], self.people.index(r[1]), r[2]))


def ordered(day: Day, rows: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    return sorted(rows, key=lambda r: (r[0], day.people.index(r[1]), r[2]))


def night_roster(office) -> None:
    """Tuesday night: 刘洋 leads, 杨帆 is the duty officer, 赵磊 stands by."""
    with office.rt.sessions.begin() as session:
        import_rows(session, [
            RosterRow(date(2026, 11, 24), time(17, 30), time(8, 30), None,
                      ("刘洋",), ("杨帆",), ("赵磊",)),
        ], replace=True, now=office.rt.clock())


# Tasks, in the order they are created (Tuesday 09:30 unless said):
#  #1 一般件 张伟→王芳 「3天内」 (Fri 27 17:30)   accepted late; closed Tue 1 Dec, 3 催办
#  #2 一般件 张伟→马骏 「3天内」 (Fri 27 17:30)   accepted in time; closed Mon 30, 2 催办
#  #3 一般件 周建国→李娜 「明天上午」 (Wed 12:00) 李娜 on leave Tue 16:00 → Wed 下班 (王芳 backs)
#  #4 急件 10:00 周建国→张伟 (15 min to accept, due 下班)  accepted late, closed at 15:10
#  #5 领导来电 14:00 刘洋→赵磊 (1 min to accept, 10 min)  accepted late, closed late
#  #6 督查事项 16:30 孙丽→黄涛 「明天下班前 每3小时汇报」  silent all evening; quiet hours
#  #7 突发 at 22:30 from 李娜 → the duty officer 杨帆 (quiet hours do not apply)
EXPECTED = [
    # when (Shanghai)  who            what
    # -- Tuesday 24 November ---------------------------------------------------------------
    ("11-24 10:15", "zhangwei", "【待接办】#4"),            # 急件: 15 minutes to accept
    ("11-24 10:22", "zhoujianguo", "【接办超时】#4"),       # + half that again: 张伟's superiors
    ("11-24 10:22", "liuyang", "【接办超时】#4"),
    ("11-24 11:30", "wangfang", "【待接办】#1"),            # 一般件: 2 working hours
    ("11-24 14:01", "zhaolei", "【待接办】#5"),             # 领导来电: 1 minute
    ("11-24 14:02", "chenjing", "【接办超时】#5"),
    ("11-24 14:05", "zhaolei", "【即将到期】#5"),           # half of 10 clock minutes
    ("11-24 14:10", "zhaolei", "【催办】#5"),
    ("11-24 14:10", "chenjing", "【催办】#5"),
    ("11-24 15:00", "zhangwei", "【接办超时】#1"),          # 1 more working hour (#2: accepted)
    ("11-24 19:45", "huangtao", "【进展提醒】#6"),          # 3 hours after 接办 at 16:45
    ("11-24 22:31", "yangfan", "【待接办】#7"),             # 突发: 1 minute, day or night
    ("11-24 22:33", "zhaolei", "【突发事件·候班】#7"),      # then the standby; accepted 22:34
    # -- Wednesday 25 November -------------------------------------------------------------
    ("11-25 08:30", "sunli", "【进展超时】#6"),             # due 22:45, held for the morning
    ("11-25 10:12", "wangfang", "【即将到期】#3"),          # a fifth of 540 working minutes
    ("11-25 12:00", "zhangwei", "【催办】#3"),
    ("11-25 12:00", "wangfang", "【催办】#3"),              # 李娜 is on leave: 王芳 stands in
    # -- Thursday 26 November --------------------------------------------------------------
    ("11-26 08:30", "zhangwei", "【催办】#3 第2次"),
    ("11-26 08:30", "lina", "【催办】#3 第2次"),             # back from leave
    # -- Friday 27 November ----------------------------------------------------------------
    ("11-27 08:30", "zhoujianguo", "【催办】#3 第3次"),      # the leader who assigned it
    ("11-27 08:30", "zhangwei", "【催办】#3 第3次"),
    ("11-27 08:30", "lina", "【催办】#3 第3次"),
    ("11-27 10:00", "wangfang", "【即将到期】#1"),           # a fifth of 1,500 working minutes
    ("11-27 10:00", "majun", "【即将到期】#2"),
    ("11-27 17:30", "zhangwei", "2条: 【催办】#1 + 【催办】#2"),  # merged into one message
    ("11-27 17:30", "wangfang", "【催办】#1"),
    ("11-27 17:30", "majun", "【催办】#2"),
    # -- the weekend: nothing ---------------------------------------------------------------
    # -- Monday 30 November ----------------------------------------------------------------
    ("11-30 08:30", "zhangwei", "2条: 【催办】#1 第2次 + 【催办】#2 第2次"),
    ("11-30 08:30", "wangfang", "【催办】#1 第2次"),
    ("11-30 08:30", "majun", "【催办】#2 第2次"),
    # -- Tuesday 1 December ----------------------------------------------------------------
    ("12-01 08:30", "zhangwei", "【催办】#1 第3次"),         # he assigned it, and supervises it
    ("12-01 08:30", "wangfang", "【催办】#1 第3次"),
    # -- Wednesday 2 December: #1 was closed on Tuesday, nothing is left -----------------------
]


def test_a_day_in_the_office(office):
    night_roster(office)
    day = Day(office)

    # Tuesday 24 November 2026
    day.until("11-24 09:30")
    day.say("zhangwei", "新建 整理归档上季度来文 @wangfang @马骏 3天内")  # #1, #2
    day.say("zhoujianguo", "新建 起草年终总结提纲 @李娜 明天上午")  # #3
    day.until("11-24 09:35")
    day.say("lina", "接办 #3")
    day.until("11-24 10:00")
    day.say("zhoujianguo", "急件 核对明日会议汇报材料 @张伟")  # #4
    day.until("11-24 10:25")
    day.say("zhangwei", "接办 #4")
    day.until("11-24 11:20")
    day.say("majun", "接办 #2")
    day.until("11-24 14:00")
    day.say("liuyang", "领导来电 询问防汛物资储备情况 @赵磊")  # #5
    day.until("11-24 14:03")
    day.say("zhaolei", "接办 #5")
    day.until("11-24 14:20")
    day.say("zhaolei", "办结 #5 已电话答复刘洋副主任")
    day.until("11-24 15:10")
    day.say("zhangwei", "办结 #4 材料已核对无误")
    day.until("11-24 15:30")
    day.say("wangfang", "接办 #1")
    day.until("11-24 16:00")
    day.say("lina", "请假 到11月25日 @wangfang")
    day.until("11-24 16:30")
    day.say("sunli", "新建 汇总督查反馈意见 @黄涛 明天下班前 每3小时汇报")  # #6
    day.until("11-24 16:45")
    day.say("huangtao", "接办 #6")
    day.until("11-24 22:30")
    day.say("lina", "突发 某路段积水严重需协调处置")  # #7, to the duty officer on shift
    day.until("11-24 22:34")
    day.say("yangfan", "接办 #7")

    # Wednesday 25 November
    day.until("11-25 09:00")
    day.say("huangtao", "进展 #6 已汇总一半")
    day.until("11-25 11:00")
    day.say("huangtao", "办结 #6 反馈意见已汇总报孙丽")

    # Thursday 26 and Friday 27 November
    day.until("11-27 10:00")
    day.say("lina", "办结 #3 提纲已报周主任")

    # the weekend, then Monday 30 November and Tuesday 1 December
    day.until("11-30 10:00")
    day.say("majun", "办结 #2 已归档")
    day.until("12-01 10:00")
    day.say("wangfang", "办结 #1 已全部归档")
    day.until("12-02 18:00")

    assert day.received() == ordered(day, EXPECTED)
    # two of them read in full: the stand-in is told whose task it is; a merged message
    [standing_in] = [t for t in office.replies("wangfang") if t.startswith("【催办】任务 #3")]
    assert standing_in.startswith("【催办】任务 #3「起草年终总结提纲」已于 11月25日 12:00 到期，"
                                  "承办人 李娜，请尽快办结或申请延期。")
    friday = next(t for t in office.replies("zhangwei") if t.startswith("你有")).split("\n")
    chased = "「整理归档上季度来文」已于 11月27日 17:30 到期，承办人 {}，请尽快办结或申请延期。"
    assert len(friday) == 3 and friday[0] == "你有 2 条提醒："
    assert friday[1].startswith("1. 【催办】任务 #1" + chased.format("王芳"))
    assert friday[2].startswith("2. 【催办】任务 #2" + chased.format("马骏"))
    with office.rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Reminder).where(
            Reminder.state == "pending")) == 0, "nothing is left to remind once all is closed"
        open_tasks = session.scalar(select(func.count()).select_from(Task).where(
            Task.state.in_(("pending", "accepted"))))
    assert open_tasks == 1, "only the emergency stays open (it has no deadline)"


def test_accepting_inside_the_last_fifth_brings_no_warning_at_once(office):
    """An urgent task written at 16:50 for 17:00: its window opens at 16:55, its time to
    accept reaches the deadline. 李娜 accepts at 16:57: the reply to 接办 shows the deadline,
    and no 即将到期 follows it a second later."""
    day = Day(office)
    day.until("11-24 16:50")
    day.say("zhangwei", "急件 核对会议签到表 @李娜 今天17点")
    day.until("11-24 16:57")
    day.say("lina", "接办 #1")
    day.until("11-24 16:59")

    assert day.received() == [], "nothing before the deadline"
    assert office.last_reply("lina").startswith("已接办任务 #1，期限 11月24日 17:00")


# ---- the calendar and the rules, one at a time ---------------------------------------------


def test_due_soon_comes_in_the_last_fifth_of_a_one_hour_a_one_day_and_a_ten_day_task(office):
    """即将到期 (issue 14, docs/reminders.md): the last fifth of the task's working time, at
    least 10 minutes and at most one working day before the deadline, and never before the
    holder has accepted or their time to accept has run out.

    Found: the task written at 09:59 for tomorrow 10:00 told 李娜 「即将到期…剩余23小时59分钟」
    at 10:00, a minute after it was created and before she had accepted it."""
    day = Day(office)
    day.until("11-24 09:59")
    day.say("zhangwei", "新建 核对会议名单 @李娜 明天上午10点")  # #1: Wed 10:00
    day.say("zhangwei", "新建 整理全年来文目录 @wangfang 10天内")  # #2: Fri 4 Dec 17:30
    day.until("11-24 10:00")
    day.say("zhangwei", "新建 打印会议材料 @马骏 1小时内")  # #3: 11:00, accepted at once
    day.say("zhangwei", "新建 复印会议材料 @黄涛 1小时内")  # #4: 11:00, never accepted
    day.until("11-24 10:05")
    day.say("majun", "接办 #3")
    day.until("11-24 10:30")
    day.say("lina", "接办 #1")
    day.say("wangfang", "接办 #2")
    day.until("11-24 10:55")
    day.say("majun", "办结 #3 材料已打印")
    day.until("11-24 11:40")
    day.say("zhangwei", "撤销 #4 已另行安排")
    day.until("11-25 09:30")
    day.say("lina", "办结 #1 名单已核对")
    day.until("12-04 10:00")
    day.say("wangfang", "办结 #2 目录已整理")

    due_soon = [row for row in day.received() if "即将到期" in row[2]]
    assert due_soon == [
        ("11-24 10:48", "majun", "【即将到期】#3"),  # a fifth of 60 minutes: 12 minutes
        ("11-25 08:42", "lina", "【即将到期】#1"),  # a fifth of 391 working minutes: 78
        ("12-04 08:30", "wangfang", "【即将到期】#2"),  # at most one working day before
    ], ("#4, never accepted, has 2 working hours to accept cut to its deadline: 待接办 and "
        "催办 come together at 11:00 and no 即将到期 before them")
    [told] = [t for t in office.replies("lina") if t.startswith("【即将到期】")]
    assert "将于 11月25日 10:00 周三（剩余1小时17分钟）" in told, told  # sent at 08:42:0x
    assert [row for row in day.received() if "#4" in row[2]] == ordered(day, [
        ("11-24 11:00", "huangtao", "2条: 【待接办】#4 + 【催办】#4"),
        ("11-24 11:00", "sunli", "【催办】#4"),
        ("11-24 11:30", "sunli", "【接办超时】#4"),
    ])



@start("09-28 09:00")
def test_national_day_holds_the_repeated_chasing_until_work_resumes(office):
    """2026: 1–7 October off, Saturday 10 October a working day (调休)."""
    day = Day(office)
    day.say("zhangwei", "新建 整理节前安全检查记录 @wangfang 后天")  # due Wed 30 Sep 17:30
    day.until("09-28 09:30")
    day.say("wangfang", "接办 #1")
    day.until("10-10 10:00")
    day.say("wangfang", "办结 #1 检查记录已归档")
    day.until("10-12 18:00")

    assert day.received() == ordered(day, [
        ("09-30 11:12", "wangfang", "【即将到期】#1"),  # a fifth of 1,140 working minutes
        ("09-30 17:30", "zhangwei", "【催办】#1"),
        ("09-30 17:30", "wangfang", "【催办】#1"),
        # 1–7 October: nothing
        ("10-08 08:30", "zhangwei", "【催办】#1 第2次"),
        ("10-08 08:30", "wangfang", "【催办】#1 第2次"),
        ("10-08 17:30", "wangfang", "【进展提醒】#1"),  # 10 days after 接办 without 进展
        ("10-09 08:30", "zhangwei", "【催办】#1 第3次"),
        ("10-09 08:30", "wangfang", "【催办】#1 第3次"),
        ("10-10 08:30", "zhangwei", "【催办】#1 第4次"),  # a Saturday, but a working one
        ("10-10 08:30", "wangfang", "【催办】#1 第4次"),
    ])


def test_a_deadline_in_quiet_hours_is_chased_once_each_following_morning(office):
    """A 22:00 deadline: the first 催办 waits for Wednesday 08:30, and each repeat then
    comes one working morning after the one before, never two at once."""
    day = Day(office)
    day.until("11-24 15:00")
    day.say("zhangwei", "新建 核对今晚会务安排 @马骏 今晚10点")
    day.until("11-24 15:10")
    day.say("majun", "接办 #1")
    day.until("11-30 12:00")

    received = day.received()
    # a fifth of the 150 working minutes before 下班: the last warning inside office hours
    assert received[:1] == [("11-24 17:00", "majun", "【即将到期】#1")]
    assert received[1:] == ordered(day, [
        ("11-25 08:30", "zhangwei", "【催办】#1"),
        ("11-25 08:30", "majun", "【催办】#1"),
        ("11-26 08:30", "zhangwei", "【催办】#1 第2次"),
        ("11-26 08:30", "majun", "【催办】#1 第2次"),
        ("11-27 08:30", "zhangwei", "【催办】#1 第3次"),
        ("11-27 08:30", "majun", "【催办】#1 第3次"),
        ("11-30 08:30", "zhangwei", "【催办】#1 第4次"),
        ("11-30 08:30", "majun", "【催办】#1 第4次"),
    ]), ("a deadline in evening quiet hours moves the first 催办 to the next working "
         "morning; the repeats must count from there, not arrive with it in one message "
         "(found: both at Wednesday 08:30, 「你有 2 条提醒」 with 催办 and 第2次催办)")


@start("11-27 16:00")
def test_the_supervisor_hears_half_the_accept_time_after_it_ran_out(office):
    """一般件: 2 working hours to accept, so the supervisor hears 1 working hour later.

    Written on Friday at 16:00, it is due on Monday at 09:00 (1.5 h on Friday, 0.5 h on
    Monday); half the time again is one more working hour: Monday 10:00."""
    day = Day(office)
    day.say("zhangwei", "新建 核对下周会议室安排 @李娜 5天内")
    day.until("11-30 12:00")

    with office.rt.sessions() as session:
        escalates = session.scalar(select(Reminder.due_at).where(
            Reminder.timer == "first_response", Reminder.level == 1))
    assert day.received() == [
        ("11-30 09:00", "lina", "【待接办】#1"),
        ("11-30 10:00", "zhangwei", "【接办超时】#1"),
    ], ("half of a 2-working-hour accept time is one working hour, not half the clock time "
        "across the weekend (found: due + (due - since) / 2 in clock time, escalating at "
        f"Tuesday 17:30); the escalation is due {escalates.astimezone(SHANGHAI):%a %H:%M}")


def test_each_progress_interval_reminds_the_holder_again(office):
    """「每1小时汇报」: a report restarts the hour; the next silent hour reminds again."""
    day = Day(office)
    day.say("zhangwei", "新建 盯办会场布置 @李娜 今天下班前 每1小时汇报")
    day.say("lina", "接办 #1")
    day.until("11-24 10:30")
    day.say("lina", "进展 #1 桌椅已摆放")
    day.until("11-24 11:40")

    with office.rt.sessions() as session:
        reminded = session.scalars(select(Reminder).where(
            Reminder.timer == "progress", Reminder.level == 0).order_by(Reminder.id)).all()
        assert [r.state for r in reminded] == ["sent", "sent"], "two intervals, two reminders"
    dropped = [c for c in office.sent_calls("message") if c.duplicate]
    assert day.received() == [
        ("11-24 10:00", "lina", "【进展提醒】#1"),
        ("11-24 11:30", "lina", "【进展提醒】#1"),
    ], ("a second reminder reading like the first is another reminder, not a resend: "
        "WeCom's duplicate check (keyed sends, 4 h) must not drop it (found: byte-identical "
        f"texts, the row marked sent, the holder never saw it; {len(dropped)} send(s) "
        "marked duplicate by the sandbox)")


# WeCom only: the two parts are WeCom's 2048-byte split; DingTalk's 4,000 bytes hold it whole.
@pytest.mark.platforms("wecom")
def test_a_supervisor_with_many_tasks_due_at_once_hears_of_every_one(office):
    """Fifteen tasks of 秘书科 due on Friday 17:30: 张伟 gets one merged 催办 message, and
    every task must be readable in it (the platform cuts a long text: WeCom at 2048 bytes)."""
    day = Day(office)
    for batch in range(1, 6):
        day.say("zhangwei",
                f"新建 整理归档第{batch}批各科室来文及领导批示 @lina @wangfang @majun 3天内")
    for number in range(1, 16):
        holder = ("lina", "wangfang", "majun")[(number - 1) % 3]
        day.say(holder, f"接办 #{number}")
    day.until("11-27 17:31")

    friday = [text for text in office.replies("zhangwei")
              if text.startswith("你有") and "已于 11月27日 17:30 到期" in text]
    assert [text.split("：", 1)[0] for text in friday] == ["你有 15 条提醒（1/2）",
                                                          "你有 15 条提醒（2/2）"]
    assert all(len(text.encode()) <= office.max_content_bytes for text in friday), \
        "split, never cut"
    chased = [int(n) for text in friday for n in re.findall(r"【催办】任务 #(\d+)", text)]
    assert sorted(chased) == list(range(1, 16)), "every task readable, each once"


def test_a_local_day_off_declared_later_moves_the_repeated_chasing(office, admin):
    """The admin declares Monday 30 November a local day off after the task was created:
    the 催办 planned for that morning waits for Tuesday (docs/sla.md: corrections win)."""
    day = Day(office)
    day.say("zhangwei", "新建 整理归档上季度来文 @wangfang 3天内")
    day.say("wangfang", "接办 #1")
    code, output = admin("calendar", "off", "2026-11-30", "区里停电检修")
    assert code == 0, output
    day.until("12-01 09:00")

    assert day.received("11-27") == ordered(day, [
        ("11-27 09:54", "wangfang", "【即将到期】#1"),  # a fifth of 1,530 working minutes
        ("11-27 17:30", "zhangwei", "【催办】#1"),
        ("11-27 17:30", "wangfang", "【催办】#1"),
        ("12-01 08:30", "zhangwei", "【催办】#1 第2次"),
        ("12-01 08:30", "wangfang", "【催办】#1 第2次"),
    ]), ("BUG tasks/reminders.py: reminder rows are re-planned only when the task changes "
         "(tasks/flows.py reschedule) and dispatch_due checks only the row's key, not its "
         "due_at, so a 催办 stored for 08:30 on a day the admin later declares off is still "
         "sent that day")


def test_an_unanswered_emergency_climbs_minute_by_minute_at_night(office):
    """突发 at 22:30, nobody on duty answers: duty officer, standby, then supervisors."""
    night_roster(office)
    day = Day(office)
    day.until("11-24 22:30")
    day.say("lina", "突发 某小区停电需协调抢修")
    day.until("11-24 22:40")

    with office.rt.sessions() as session:
        escalation = session.get(Task, 1).escalation
    assert escalation[0] == "zhaolei", "the standby officer comes first"
    assert day.received() == ordered(day, [
        ("11-24 22:31", "yangfan", "【待接办】#1"),
        ("11-24 22:33", "zhaolei", "【突发事件·候班】#1"),
        *[("11-24 22:35", userid, "【突发事件·督办】#1") for userid in escalation[1:]],
    ])
    standby = next(t for t in office.replies("zhaolei") if t.startswith("【突发事件·候班】"))
    assert "杨帆" in standby, (
        "BUG tasks/reminder_texts.py reminder_text: an emergency offered to the duty officer "
        "has no holder yet, so the standby's escalation says 「或联系 受理人员」 instead of "
        f"naming the duty officer 杨帆: {standby}")
