"""Chat on demand (issue 16): 我交办的 / 我发起的, 催办 by the requester, and 汇总 for the
people who supervise, each a short answer with a link to its workbench page; refusals
name who may and change nothing.

杨帆 (综合科) asks 李娜 (秘书科) and 秘书科 for work. 张伟 heads 秘书科, 陈静 综合科; 周建国 and
刘洋 lead the office; 徐明 is the admin.
"""


REQUESTED_URL = "http://127.0.0.1:8000/m/requested?p=wecom"
DASHBOARD_URL = "http://127.0.0.1:8000/dashboard?p=wecom"


def _requests(office) -> None:
    office.say("yangfan", "新建 起草年度工作总结 @李娜 3天内")
    office.say("yangfan", "新建 核对公务用车台账 @秘书科 明天下午5点前")
    office.say("yangfan", "新建 整理我自己的笔记 3天内")  # for himself
    office.say("lina", "接办 #1")


def test_my_requests_lists_open_ones_with_state_holder_and_time_left_and_links_the_page(
        office):
    _requests(office)
    office.say("zhaolei", "新建 借用会议室 @杨帆 明天")  # 杨帆 holds it: not his request

    for words in ("我交办的", "我发起的", "查看我交办的"):
        reply = office.say("yangfan", words).reply("yangfan")

        assert reply.startswith("**我交办的**（未办结 3 项，按期限排列）")
        lines = reply.splitlines()
        assert lines[1] == "> #2 核对公务用车台账" and lines[3] == "> #1 起草年度工作总结"
        assert lines[2].startswith("> 待接办｜秘书科（待认领）｜") and "剩余" in lines[2]
        assert lines[4].startswith("> 办理中｜李娜｜") and "剩余" in lines[4]
        assert lines[5] == "> #3 整理我自己的笔记", "as the workbench's 我交办的 lists it"
        assert "#4" not in reply
        assert reply.endswith(f"[在工作台查看全部]({REQUESTED_URL})")


def test_my_requests_says_so_when_everything_is_finished(office):
    office.say("yangfan", "新建 起草年度工作总结 @李娜 3天内")
    office.say("yangfan", "撤销 #1 不需要了")
    before = office.state()

    reply = office.say("yangfan", "我发起的").reply("yangfan")

    assert reply == f"你交办的任务目前都已办结或撤销。\n[在工作台查看全部]({REQUESTED_URL})"
    assert office.state() == before


def test_the_requester_chases_their_own_request_and_hears_the_answer(office):
    _requests(office)

    sent = office.say("yangfan", "催办 #1 明天要用")

    assert sent.reply("yangfan") == "已向 李娜 催办任务 #1，对方回复后会告诉你。"
    [card] = sent.cards("lina")
    assert card.title == "催办 #1" and "杨帆催办：明天要用" in card.subtitle
    assert ("chased", "yangfan", "chat", "明天要用") in office.history(1)
    answered = office.say("lina", "延期 #1 12月10日 需等待财务数据")
    assert answered.to("yangfan") == [
        "李娜 已回复你对任务 #1「起草年度工作总结」的催办：申请延期至 12月10日 17:30，"
        "原因：需等待财务数据"]
    office.say("yangfan", "催办 #1")
    progressed = office.say("lina", "进展 #1 初稿已完成")
    assert progressed.to("yangfan") == ["任务 #1「起草年度工作总结」进展（李娜）：初稿已完成"], \
        "a requester who chased hears of the progress once"


def test_the_requester_chases_an_unclaimed_request_to_everyone_it_is_offered_to(office):
    _requests(office)

    sent = office.say("yangfan", "催办 #2")

    assert {r.recipient for r in sent.rows if r.card is not None} == {
        "zhangwei", "lina", "wangfang", "majun"}
    assert sent.reply("yangfan") == "已向 秘书科（待认领） 催办任务 #2，对方回复后会告诉你。"


def test_nobody_chases_a_task_they_hold_nor_a_finished_one(office):
    _requests(office)
    office.say("lina", "办结 #1 已报送")
    before = office.state()

    assert office.say("yangfan", "催办 #3").reply("yangfan") == \
        "任务 #3 由你本人承办，无需催办。"
    assert office.say("yangfan", "催办 #1").reply("yangfan") == "任务 #1 已办结，无需催办。"
    assert office.say("lina", "催办 #2").reply("lina").startswith(
        "无法催办：任务 #2 只有提请人（杨帆）、")
    assert office.state() == before


def test_a_section_head_sums_up_their_section_with_a_link_to_the_dashboard(office):
    _requests(office)
    office.say("lina", "办结 #1 已报送")

    reply = office.say("zhangwei", "汇总").reply("zhangwei")

    lines = reply.splitlines()
    assert lines[0] == "**汇总·今天**（11月24日 00:00 至 11月24日 09:00）"
    assert lines[1] == "【秘书科】"
    assert lines[2] == "> 新增 2 项，办结 1 项；当前在办 1 项，其中超期 0 项"
    assert lines[3].startswith("> 按期办结率：100%（1/1")
    assert "首次响应" in lines[4] and "满意度" in lines[5] and "问题提示" in lines[6]
    assert lines[-1] == f"[在驾驶舱查看明细和图表]({DASHBOARD_URL})"
    assert "综合科" not in reply


def test_leaders_and_admins_sum_up_the_whole_office_for_the_week_or_month(office):
    _requests(office)

    for userid, words, span in (("zhoujianguo", "汇总 本周", "本周"),
                                ("xuming", "统计 本月", "本月")):
        reply = office.say(userid, words).reply(userid)

        assert reply.startswith(f"**汇总·{span}**（11月")
        assert reply.splitlines()[1] == "【某市人民政府办公室】"
        assert "> 新增 3 项，办结 0 项；当前在办 3 项" in reply
        assert "【秘书科】" not in reply  # below the office: already counted in it
    assert "（11月23日 00:00 至" in office.say("liuyang", "汇总 这周").reply("liuyang")
    assert "（11月1日 00:00 至" in office.say("liuyang", "汇总 本月").reply("liuyang")


def test_someone_who_supervises_nobody_is_refused_with_who_may_and_nothing_changes(office):
    _requests(office)
    before = office.state()

    for userid, supervisors in (("lina", "张伟、周建国、刘洋"), ("yangfan", "陈静、周建国、刘洋")):
        reply = office.say(userid, "汇总 本周").reply(userid)

        assert reply == ("无法汇总：只有科室负责人、领导或管理员可以查看汇总。"
                         f"如需了解本科室情况，请联系{supervisors}。")
    assert "只能写今天、本周或本月" in office.say("zhangwei", "汇总 去年").reply("zhangwei")
    assert office.state() == before
