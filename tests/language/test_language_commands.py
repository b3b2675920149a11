"""Table-driven tests of the chat command grammar as staff actually type it."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.language import Command, Unknown, normalize, parse_interval
from tasks.verbs.accept import AcceptTask
from tasks.verbs.acknowledge import Acknowledge
from tasks.verbs.cancel import CancelTask
from tasks.verbs.chase import ChaseTask
from tasks.verbs.close import CloseTask
from tasks.verbs.create import CreateTask
from tasks.verbs.duty import ShowDuty
from tasks.verbs.extension import DecideExtension, RequestExtension
from tasks.verbs.help import ShowHelp
from tasks.verbs.kind import ChangeKind
from tasks.verbs.leave import EndLeave, RequestLeave
from tasks.verbs.mine import ListMine
from tasks.verbs.progress import ReportProgress
from tasks.verbs.rate import RateTask
from tasks.verbs.record import Verb as VerbSpec
from tasks.verbs.rectify import RectifyTask
from tasks.verbs.registry import REGISTRY, parse_command
from tasks.verbs.reopen import ReopenTask
from tasks.verbs.show import ShowTask
from tasks.verbs.transfer import TransferTask

VERB_SPECS = REGISTRY.verbs
VERBS = {spec.verb: spec.summary for spec in VERB_SPECS if spec.available}
VERB_DETAILS = {spec.verb: spec.detail for spec in VERB_SPECS if spec.available}
_parse = REGISTRY.parse_strictly

CREATE_EXAMPLE = "新建 起草年度工作总结 @张伟 3天内"
ACCEPT_EXAMPLE = "接办 #12"
PROGRESS_EXAMPLE = "进展 #12 初稿已完成一半"
CLOSE_EXAMPLE = "办结 #12 已完成初稿"
TRANSFER_EXAMPLE = "转办 #12 @王芳 该事项归综合科办理"
EXTEND_EXAMPLE = "延期 #12 12月5日 需等待财务数据"
REFUSE_EXAMPLE = "不同意延期 #12 本周必须报送"
CHASE_EXAMPLE = "催办 #12"
CANCEL_EXAMPLE = "撤销 #12 会议已取消"
REOPEN_EXAMPLE = "重办 #12 3天内 数据有误需重新核对"
SHOW_EXAMPLE = "查询 #12"
KIND_EXAMPLE = "类型 #12 一般件"
LEAVE_EXAMPLE = "请假 到12月3日 @王芳"
MINE_EXAMPLE = "我的"


def create(
    title: str,
    names: tuple[str, ...] = (),
    deadline: str | None = None,
    verb: str = "新建",
    kind: str | None = None,
    explicit: bool = False,
    progress: str | None = None,
) -> CreateTask:
    return CreateTask(title, names, deadline, verb, kind, explicit, progress)


PARSED: list[tuple[str, Command]] = [
    # ---- 新建 / 交办 / 请示 / 急件 -------------------------------------------------------
    (CREATE_EXAMPLE, create("起草年度工作总结", ("张伟",), "3天内")),
    ("交办 整理会议纪要 明天下午5点前 @李娜",
     create("整理会议纪要", ("李娜",), "明天下午5点前", "交办", "assigned", True)),
    ("新建：整理会议记录 @张伟 @李娜", create("整理会议记录", ("张伟", "李娜"))),
    ("新建:整理会议记录", create("整理会议记录")),
    ("  新建   起草   通知  ", create("起草 通知")),
    ("新建 起草通知 ＠张伟　＠李娜", create("起草通知", ("张伟", "李娜"))),
    ("新建 起草通知 @张伟@李娜", create("起草通知", ("张伟", "李娜"))),
    ("新建 起草通知 @张三 @李四", create("起草通知", ("张三", "李四"))),
    ("新建 起草通知 @张伟 @张伟", create("起草通知", ("张伟",))),
    ("新建 起草通知 @张伟，3天内", create("起草通知", ("张伟",), "3天内")),
    ("新建 起草通知 @秘书科 3天内", create("起草通知", ("秘书科",), "3天内")),
    ("新建 起草通知 @秘书科 @张伟", create("起草通知", ("秘书科", "张伟"))),
    ("新建起草通知", create("起草通知")),
    ("新建 起草通知 12-01 17:00", create("起草通知", (), "12-01 17:00")),
    ("交办 @王芳 核对报表 本周五前",
     create("核对报表", ("王芳",), "本周五前", "交办", "assigned", True)),
    ("新建 ＡＢＣ项目汇报 明天", create("ABC项目汇报", (), "明天")),
    ("新建 起草总结3天内 @张伟", create("起草总结", ("张伟",), "3天内")),
    ("新建 起草通知 @张伟。", create("起草通知", ("张伟",))),
    ("请示 申请调整周五会议室", create("申请调整周五会议室", verb="请示")),
    ("咨询 公积金提取需要哪些材料", create("公积金提取需要哪些材料", verb="请示")),
    ("请示：申请调整周五会议室 @办公室 明天", create("申请调整周五会议室", ("办公室",), "明天",
                                              "请示")),
    ("急件 明天上午的汇报材料请马上核对",
     create("明天上午的汇报材料请马上核对", verb="急件", kind="urgent", explicit=True)),
    ("紧急 马上核对材料 @张伟", create("马上核对材料", ("张伟",), None, "急件", "urgent", True)),
    ("紧急：马上核对材料", create("马上核对材料", verb="急件", kind="urgent", explicit=True)),
    # ---- kinds: inferred from the wording ----------------------------------------------
    ("新建 整理周五例会会议纪要 @李娜", create("整理周五例会会议纪要", ("李娜",), kind="minutes")),
    ("新建 请各科室对方案提出征求意见稿的意见",
     create("请各科室对方案提出征求意见稿的意见", kind="consultation")),
    ("新建 年度预算送审 @财务科 2天内", create("年度预算送审", ("财务科",), "2天内",
                                          kind="approval")),
    ("新建 代拟防汛工作通知 @张伟", create("代拟防汛工作通知", ("张伟",), kind="draft_doc")),
    ("请示 无需征求意见可否直接印发", create("无需征求意见可否直接印发", verb="请示")),
    ("新建 修订突发事件应急预案", create("修订突发事件应急预案")),
    ("新建 会议纪要整理 @李娜", create("会议纪要整理", ("李娜",), kind="minutes")),
    # ---- kinds: named as a tag after the verb ------------------------------------------
    ("新建 会议纪要：整理周五例会 @李娜 2天内",
     create("整理周五例会", ("李娜",), "2天内", kind="minutes", explicit=True)),
    ("新建 会议纪要:整理周五例会", create("整理周五例会", kind="minutes", explicit=True)),
    ("新建【会议纪要】整理周五例会 @李娜",
     create("整理周五例会", ("李娜",), kind="minutes", explicit=True)),
    ("新建 [会议纪要] 整理周五例会", create("整理周五例会", kind="minutes", explicit=True)),
    ("新建 领导来电 市长要求报送材料 @张伟 2小时内",
     create("市长要求报送材料", ("张伟",), "2小时内", kind="leader_call", explicit=True)),
    ("新建 领导来电（特殊事项）：协调会场",
     create("协调会场", kind="leader_call_special", explicit=True)),
    ("新建 领导来电 特殊事项 协调会场",
     create("协调会场", kind="leader_call_special", explicit=True)),
    ("新建 一般件：整理档案", create("整理档案", kind="general", explicit=True)),
    ("新建 紧急 核对材料", create("核对材料", kind="urgent", explicit=True)),
    ("新建 会议纪要 @李娜", create("会议纪要", ("李娜",), kind="minutes", explicit=True)),
    ("交办 【会议纪要】整理周五例会 @李娜",
     create("整理周五例会", ("李娜",), None, "交办", "minutes", True)),
    ("急件【会议纪要】马上整理 @李娜",
     create("马上整理", ("李娜",), None, "急件", "urgent", True)),
    ("请示 征求意见：办公用房管理办法",
     create("办公用房管理办法", verb="请示", kind="consultation", explicit=True)),
    # ---- kinds: the kind word used as the verb -----------------------------------------
    ("领导来电 市长要求明早报送值班表 @张伟",
     create("市长要求明早报送值班表", ("张伟",), kind="leader_call", explicit=True)),
    ("领导来电：市长要求报送材料", create("市长要求报送材料", kind="leader_call", explicit=True)),
    ("领导来电（特殊事项） 协调会场",
     create("协调会场", kind="leader_call_special", explicit=True)),
    ("突发 某路段停电 @值班室", create("某路段停电", ("值班室",), kind="emergency",
                                    explicit=True)),
    ("突发事件：某路段塌方", create("某路段塌方", kind="emergency", explicit=True)),
    ("紧急情况 某路段停电", create("某路段停电", kind="emergency", explicit=True)),
    ("会议纪要 整理周五例会 @李娜 2天内",
     create("整理周五例会", ("李娜",), "2天内", kind="minutes", explicit=True)),
    ("督查 整改落实情况 @张伟 月底前",
     create("整改落实情况", ("张伟",), "月底前", kind="supervision", explicit=True)),
    ("公文代拟 防汛工作通知 @张伟", create("防汛工作通知", ("张伟",), kind="draft_doc",
                                       explicit=True)),
    ("送审 年度预算", create("年度预算", kind="approval", explicit=True)),
    ("【突发】某路段停电", create("某路段停电", kind="emergency", explicit=True)),
    ("【急件】核对材料", create("核对材料", verb="急件", kind="urgent", explicit=True)),
    ("交办事项 核对报表 @王芳", create("核对报表", ("王芳",), None, "交办", "assigned", True)),
    # ---- progress intervals --------------------------------------------------------------
    ("新建 修改方案 @张伟 10天内 每周汇报",
     create("修改方案", ("张伟",), "10天内", progress="每周汇报")),
    ("新建 修改方案 @张伟 10天内 每3天报告进展",
     create("修改方案", ("张伟",), "10天内", progress="每3天报告进展")),
    ("新建 修改方案 每天报告 @张伟", create("修改方案", ("张伟",), progress="每天报告")),
    ("新建 修改方案 请每周汇报一次 @张伟", create("修改方案", ("张伟",), progress="每周汇报一次")),
    ("新建 修改方案，每 3 个工作日 报告一次进展",
     create("修改方案", progress="每3个工作日报告一次进展")),
    ("新建 修改方案 每2小时报一次进展 2天内",
     create("修改方案", (), "2天内", progress="每2小时报一次进展")),
    ("督查 整改落实情况 @张伟 月底前 每周五汇报",
     create("整改落实情况", ("张伟",), "月底前", kind="supervision", explicit=True,
            progress="每周五汇报")),
    ("新建 整理每周报表 @张伟", create("整理每周报表", ("张伟",))),
    ("新建 整理每周汇报材料", create("整理每周汇报材料")),
    # ---- 接办 ----------------------------------------------------------------------------
    (ACCEPT_EXAMPLE, AcceptTask(12)),
    ("接办#12", AcceptTask(12)),
    ("接办 ＃12", AcceptTask(12)),
    ("接办 ＃１２", AcceptTask(12)),
    ("接办 12", AcceptTask(12)),
    ("接办 12号", AcceptTask(12)),
    ("接办 12号任务", AcceptTask(12)),
    ("接办 任务12", AcceptTask(12)),
    ("接办 第12号", AcceptTask(12)),
    ("接办：#12", AcceptTask(12)),
    ("接办： ＃１２", AcceptTask(12)),
    ("接办 # 12", AcceptTask(12)),
    ("接办 第十二号", AcceptTask(12)),
    ("接办 #12。", AcceptTask(12)),
    ("接办 #12！", AcceptTask(12)),
    ("接收 #12", AcceptTask(12)),
    ("接单 12号", AcceptTask(12)),
    ("接单 #12", AcceptTask(12)),
    ("接收，＃12", AcceptTask(12)),
    # 收到 is an acknowledgement now (issue 12): it lists what waits, it never accepts
    ("收到 #12", Acknowledge(12)),
    ("收到，＃12", Acknowledge(12)),
    ("收到", Acknowledge()),
    ("好的，谢谢", Acknowledge()),
    # the verb after the number, 已 before it, 了 after it (issue 12)
    ("已办结 #12", CloseTask(12, "")),
    ("#12 办完了", CloseTask(12, "")),
    ("12号任务办结 材料已报", CloseTask(12, "材料已报")),
    # ---- 进展 ----------------------------------------------------------------------------
    (PROGRESS_EXAMPLE, ReportProgress(12, "初稿已完成一半")),
    ("进展：＃１２，初稿已完成一半", ReportProgress(12, "初稿已完成一半")),
    ("汇报 #12 已联系财务科", ReportProgress(12, "已联系财务科")),
    ("报告进展 12号 已联系财务科", ReportProgress(12, "已联系财务科")),
    ("进度 #12 完成80%", ReportProgress(12, "完成80%")),
    ("进展 任务12   已联系   财务科", ReportProgress(12, "已联系 财务科")),
    # ---- 办结 ----------------------------------------------------------------------------
    (CLOSE_EXAMPLE, CloseTask(12, "已完成初稿")),
    ("办结 #12", CloseTask(12, "")),
    ("办结＃12：已报送", CloseTask(12, "已报送")),
    ("办结 12号任务 已报送办公室", CloseTask(12, "已报送办公室")),
    ("办结 #12 3份材料已报送", CloseTask(12, "3份材料已报送")),
    ("完成 #12 已报送", CloseTask(12, "已报送")),
    ("办完 第十二号 已报送", CloseTask(12, "已报送")),
    # ---- 转办 ----------------------------------------------------------------------------
    (TRANSFER_EXAMPLE, TransferTask(12, "王芳", "该事项归综合科办理", True)),
    ("转办 #12 王芳 该事项归综合科办理", TransferTask(12, "王芳", "该事项归综合科办理", False)),
    ("转办 #12 @秘书科 属于公文处理", TransferTask(12, "秘书科", "属于公文处理", True)),
    ("转办：＃12，@秘书科，属于公文处理", TransferTask(12, "秘书科", "属于公文处理", True)),
    ("转办 #12 王芳，分工调整", TransferTask(12, "王芳", "分工调整", False)),
    ("转办 #12 给@王芳 分工调整", TransferTask(12, "王芳", "分工调整", True)),
    ("转办 #12 转给 王芳 分工调整", TransferTask(12, "王芳", "分工调整", False)),
    ("转办 #12 该事项归综合科办理 @王芳", TransferTask(12, "王芳", "该事项归综合科办理", True)),
    ("转办 #12 @王芳 原因：分工调整", TransferTask(12, "王芳", "分工调整", True)),
    ("转办 #12 王芳 原因是分工调整", TransferTask(12, "王芳", "原因是分工调整", False)),
    ("转交 #12 @王芳 分工调整", TransferTask(12, "王芳", "分工调整", True)),
    ("移交 12号 李娜 她负责该项目", TransferTask(12, "李娜", "她负责该项目", False)),
    ("引导 #12 @综合科 不属本科室职责", TransferTask(12, "综合科", "不属本科室职责", True)),
    # ---- 延期 ----------------------------------------------------------------------------
    (EXTEND_EXAMPLE, RequestExtension(12, "12月5日", "需等待财务数据")),
    ("申请延期 #12 3个工作日内 材料需重新盖章",
     RequestExtension(12, "3个工作日内", "材料需重新盖章")),
    ("延期 #12 12月5日需等待财务数据", RequestExtension(12, "12月5日", "需等待财务数据")),
    ("延期 #12 到12月5日 需等待财务数据", RequestExtension(12, "12月5日", "需等待财务数据")),
    ("延期 #12 12-05 17:00 需等待财务数据",
     RequestExtension(12, "12-05 17:00", "需等待财务数据")),
    ("延期 #12 需等待财务数据 12月5日前", RequestExtension(12, "12月5日前", "需等待财务数据")),
    ("延期 #12 需等待财务数据，申请延至12月5日",
     RequestExtension(12, "12月5日", "需等待财务数据")),
    ("延期：＃12，下周五，需等待财务数据", RequestExtension(12, "下周五", "需等待财务数据")),
    # ---- 同意延期 / 不同意延期 -----------------------------------------------------------
    ("同意延期 #12", DecideExtension(12, True, "")),
    ("同意延期：＃12", DecideExtension(12, True, "")),
    ("批准延期 #12 请按新期限办结", DecideExtension(12, True, "请按新期限办结")),
    (REFUSE_EXAMPLE, DecideExtension(12, False, "本周必须报送")),
    ("驳回延期 #12 数据已齐全", DecideExtension(12, False, "数据已齐全")),
    ("拒绝延期 12号 数据已齐全", DecideExtension(12, False, "数据已齐全")),
    ("不批准延期 #12 原因：数据已齐全", DecideExtension(12, False, "数据已齐全")),
    # ---- 催办 ----------------------------------------------------------------------------
    (CHASE_EXAMPLE, ChaseTask(12, "")),
    ("催办 #12 请今天下班前报送", ChaseTask(12, "请今天下班前报送")),
    ("督办 12号 请抓紧", ChaseTask(12, "请抓紧")),
    # ---- 撤销 ----------------------------------------------------------------------------
    (CANCEL_EXAMPLE, CancelTask(12, "会议已取消")),
    ("取消 #12 重复提交", CancelTask(12, "重复提交")),
    ("撤回 ＃12，重复提交", CancelTask(12, "重复提交")),
    # ---- 重办 ----------------------------------------------------------------------------
    (REOPEN_EXAMPLE, ReopenTask(12, "3天内", "数据有误需重新核对")),
    ("重办 #12 数据有误需重新核对", ReopenTask(12, None, "数据有误需重新核对")),
    ("重办 #12 数据有误需重新核对 明天下班前", ReopenTask(12, "明天下班前", "数据有误需重新核对")),
    ("重办 #12 明天前补齐附件", ReopenTask(12, "明天前", "补齐附件")),
    ("重办 #12 上午提交的数据有误", ReopenTask(12, None, "上午提交的数据有误")),
    ("重新办理 #12 缺少附件", ReopenTask(12, None, "缺少附件")),
    # ---- 查询 ----------------------------------------------------------------------------
    (SHOW_EXAMPLE, ShowTask(12)),
    ("查看 12号任务", ShowTask(12)),
    ("详情 #12", ShowTask(12)),
    ("进度查询 #12", ShowTask(12)),
    ("查询进度 ＃12", ShowTask(12)),
    ("查看 #12 的进展", ShowTask(12)),
    ("查询 #12 办理情况", ShowTask(12)),
    ("查看我的任务", ListMine()),
    ("查看 待办 2", ListMine(2)),
    ("查看值班", ShowDuty()),
    ("查看 帮助", ShowHelp(None)),
    # ---- 我的 ----------------------------------------------------------------------------
    ("我的", ListMine()),
    ("待办", ListMine()),
    ("我的任务", ListMine()),
    (" 我的 ", ListMine()),
    ("我的待办", ListMine()),
    ("我的 2", ListMine(2)),
    ("我的 ２", ListMine(2)),
    ("我的 第2页", ListMine(2)),
    ("我的 2页", ListMine(2)),
    ("我的任务 第三页", ListMine(3)),
    ("待办 3", ListMine(3)),
    ("我的待办 3", ListMine(3)),
    # ---- 类型 ----------------------------------------------------------------------------
    (KIND_EXAMPLE, ChangeKind(12, "general")),
    ("类型 ＃12：会议纪要", ChangeKind(12, "minutes")),
    ("改类型 #12 改为领导来电（特殊事项）", ChangeKind(12, "leader_call_special")),
    ("修改类型 12号 急件", ChangeKind(12, "urgent")),
    ("类型 #12 督查", ChangeKind(12, "supervision")),
    # ---- 请假 / 销假 / 值班 --------------------------------------------------------------
    (LEAVE_EXAMPLE, RequestLeave("到12月3日", "王芳")),
    ("请假 到12月3日 @王五", RequestLeave("到12月3日", "王五")),
    ("请假 12月3日前 王五", RequestLeave("12月3日前", "王五")),
    ("请假 @王五 到12月3日", RequestLeave("到12月3日", "王五")),
    ("请假：12月1日至12月3日，@王五", RequestLeave("12月3日", "王五")),
    ("请假 12月3日前 由王五补位", RequestLeave("12月3日前", "王五")),
    ("请假 3天", RequestLeave("3天", None)),
    ("请假 明天下班前 @秘书科", RequestLeave("明天下班前", "秘书科")),
    ("销假", EndLeave()),
    ("销假，我回来了", EndLeave()),
    ("值班", ShowDuty()),
    ("谁值班", ShowDuty()),
    ("今日值班", ShowDuty()),
    ("今天值班？", ShowDuty()),
    ("值班表", ShowDuty()),
    # ---- 帮助 ----------------------------------------------------------------------------
    ("帮助", ShowHelp(None)),
    ("help", ShowHelp(None)),
    ("HELP", ShowHelp(None)),
    ("?", ShowHelp(None)),
    ("？", ShowHelp(None)),
    ("指令", ShowHelp(None)),
    ("帮助 接办", ShowHelp("接办")),
    ("帮助：新建", ShowHelp("新建")),
    ("帮助 待办", ShowHelp("我的")),
    ("帮助 转交", ShowHelp("转办")),
    ("帮助 接单", ShowHelp("接办")),
    ("帮助 好的", ShowHelp("收到")),
    ("帮助 驳回延期", ShowHelp("不同意延期")),
    ("帮助 谁值班", ShowHelp("值班")),
    ("帮助 会议纪要", ShowHelp("新建")),
    ("帮助 类型", ShowHelp("类型")),
    ("帮助 天气", ShowHelp("天气")),
    # 评价 and 整改 (好差评)
    ("评价 #12 满意", RateTask(12, "满意", "")),
    ("评价 #12 不满意 数据有误，未按要求报送", RateTask(12, "不满意", "数据有误,未按要求报送")),
    ("评价 12号 非常不满意，原因：太慢", RateTask(12, "非常不满意", "太慢")),
    ("打分 #12 很满意", RateTask(12, "非常满意", "")),
    ("评分 #12 为基本满意", RateTask(12, "基本满意", "")),
    ("好差评 #12 十分不满意 材料缺页", RateTask(12, "非常不满意", "材料缺页")),
    ("整改 #12 3个工作日内 按规范重新核对数据",
     RectifyTask(12, "3个工作日内", "按规范重新核对数据")),
    ("整改 #12 本周五前", RectifyTask(12, "本周五前", "")),
    ("安排整改 12号 数据有误", RectifyTask(12, None, "数据有误")),
    ("整改 #12", RectifyTask(12, None, "")),
    ("帮助 打分", ShowHelp("评价")),
]


@pytest.mark.parametrize(("text", "expected"), PARSED)
def test_parse_command(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


REFUSED: list[tuple[str, str, str]] = [
    # 新建 and its kin
    ("新建 @张伟", "缺少任务内容", CREATE_EXAMPLE),
    ("新建", "缺少任务内容", CREATE_EXAMPLE),
    ("新建 3天内", "缺少任务内容", CREATE_EXAMPLE),
    ("新建 每周汇报 3天内", "缺少任务内容", CREATE_EXAMPLE),
    ("新建 起草通知 @", "@后面缺少姓名", CREATE_EXAMPLE),
    ("交办 @李娜", "缺少任务内容", "交办 整理会议纪要 @李娜 明天下午5点前"),
    ("请示", "缺少任务内容", "请示 申请调整周五会议室"),
    ("紧急", "缺少任务内容", "急件 明天上午的汇报材料请马上核对"),
    ("领导来电", "缺少任务内容", CREATE_EXAMPLE),
    ("突发 @值班室", "缺少任务内容", CREATE_EXAMPLE),
    # verbs that take a number
    ("接办", "缺少任务编号", ACCEPT_EXAMPLE),
    ("接办 ", "缺少任务编号", ACCEPT_EXAMPLE),
    ("接单", "缺少任务编号", ACCEPT_EXAMPLE),
    ("接收，谢谢", "缺少任务编号", ACCEPT_EXAMPLE),
    ("接办 #abc", "没有看懂任务编号，请写成 #12", ACCEPT_EXAMPLE),
    ("接办 #12 #13", "接办后面只需写一个任务编号", ACCEPT_EXAMPLE),
    ("接办 #0", "任务编号应大于0", ACCEPT_EXAMPLE),
    ("接办 #1234567890", "没有看懂任务编号，请写成 #12", ACCEPT_EXAMPLE),
    ("进展", "缺少任务编号", PROGRESS_EXAMPLE),
    ("进展 #12", "缺少进展说明（只想查看任务请发「查询 #12」）", PROGRESS_EXAMPLE),
    ("进度 12号", "缺少进展说明（只想查看任务请发「查询 #12」）", PROGRESS_EXAMPLE),
    ("办结", "缺少任务编号", CLOSE_EXAMPLE),
    ("完成情况如何", "缺少任务编号", CLOSE_EXAMPLE),
    ("转办", "缺少任务编号", TRANSFER_EXAMPLE),
    ("转办 #12", "转办须写明转给谁（@姓名或部门）和原因", TRANSFER_EXAMPLE),
    ("转办 #12 @王芳", "转办须写明原因", TRANSFER_EXAMPLE),
    ("转交 ＃12，王芳", "转办须写明原因", TRANSFER_EXAMPLE),
    ("转办 #12 @ 分工调整", "@后面缺少姓名", TRANSFER_EXAMPLE),
    ("延期", "缺少任务编号", EXTEND_EXAMPLE),
    ("延期 #12", "延期须写明新的期限", EXTEND_EXAMPLE),
    ("延期 #12 需等待财务数据", "延期须写明新的期限", EXTEND_EXAMPLE),
    ("延期 #12 12月5日", "延期须写明原因", EXTEND_EXAMPLE),
    ("申请延期 #12 到12月5日", "延期须写明原因", EXTEND_EXAMPLE),
    ("延期 12月5日 需等待财务数据", "没有看懂任务编号，请写成 #12", EXTEND_EXAMPLE),
    ("同意延期", "缺少任务编号", "同意延期 #12"),
    ("不同意延期 #12", "不同意延期须写明原因", REFUSE_EXAMPLE),
    ("驳回延期 ＃12", "不同意延期须写明原因", REFUSE_EXAMPLE),
    ("催办", "缺少任务编号", CHASE_EXAMPLE),
    ("撤销 #12", "撤销须写明原因", CANCEL_EXAMPLE),
    ("取消 #12。", "撤销须写明原因", CANCEL_EXAMPLE),
    ("取消会议", "缺少任务编号", CANCEL_EXAMPLE),
    ("重办 #12", "重办须写明原因", REOPEN_EXAMPLE),
    ("重办 #12 3天内", "重办须写明原因", REOPEN_EXAMPLE),
    ("查询", "缺少任务编号", SHOW_EXAMPLE),
    ("查询 #12 #13", "查询后面只需写一个任务编号", SHOW_EXAMPLE),
    ("查看 延期 #12", "缺少任务编号", SHOW_EXAMPLE),
    ("类型 #12", "缺少类型，可写：急件、一般件、领导来电、领导来电特殊事项、突发事件、公文代拟、"
     "会议纪要、征求意见、送审报批、交办事项、督查事项", KIND_EXAMPLE),
    ("类型 #12 随便", "没有「随便」这个类型，可写：急件、一般件、领导来电、领导来电特殊事项、"
     "突发事件、公文代拟、会议纪要、征求意见、送审报批、交办事项、督查事项", KIND_EXAMPLE),
    # verbs without a number
    ("我的 报告写完了", "「我的」后面只能写页码，如「我的 2」", MINE_EXAMPLE),
    ("待办 下一页", "「我的」后面只能写页码，如「我的 2」", MINE_EXAMPLE),
    ("我的 0", "页码应大于0", MINE_EXAMPLE),
    ("我的 第十十页", "没有看懂页码，请写成「我的 2」", MINE_EXAMPLE),
    ("请假", "请假须写明到什么时候", LEAVE_EXAMPLE),
    ("请假 @王五", "请假须写明到什么时候", LEAVE_EXAMPLE),
    ("请假 到12月3日 @", "@后面缺少姓名", LEAVE_EXAMPLE),
    ("请假 到12月3日 @王五 @李四", "只能指定一位补位人", LEAVE_EXAMPLE),
    ("请假 家里有事 到12月3日", "没有看懂「家里有事」：补位人请写成 @姓名，请假原因不用写",
     LEAVE_EXAMPLE),
    # 评价
    ("评价 满意", "缺少任务编号", "评价 #12 满意"),
    ("评价 #12", "评价须写明等级：非常满意、满意、基本满意、不满意、非常不满意", "评价 #12 满意"),
    ("评价 #12 很好",
     "没有「很好」这个评价等级，可写：非常满意、满意、基本满意、不满意、非常不满意",
     "评价 #12 满意"),
    ("整改", "缺少任务编号", "整改 #12 3个工作日内 按规范重新核对数据"),
    # not a command at all
    ("新键 起草通知", "没有「新键」这个指令，是要用「新建」吗？", CREATE_EXAMPLE),
    ("接半 #12", "没有「接半」这个指令，是要用「接办」吗？", ACCEPT_EXAMPLE),
    ("转半 #12 @王芳 原因", "没有「转半」这个指令，是要用「转办」吗？", TRANSFER_EXAMPLE),
    ("完城 #12", "没有「完城」这个指令，是要用「办结」吗？", CLOSE_EXAMPLE),
    ("期", "没有看懂「期」，发送「帮助」查看全部指令", "帮助"),
    ("hlep", "没有「hlep」这个指令，是要用「帮助」吗？", "帮助 接办"),
    ("你好", "没有看懂「你好」，发送「帮助」查看全部指令", "帮助"),
    ("#12", "没有看懂「#12」，发送「帮助」查看全部指令", "帮助"),
    ("一般来说怎么办", "没有看懂「一般来说怎么办」，发送「帮助」查看全部指令", "帮助"),
    ("一般 来说", "没有看懂「一般」，发送「帮助」查看全部指令", "帮助"),
    ("", "内容为空，发送「帮助」查看全部指令", "帮助"),
    ("　 ", "内容为空，发送「帮助」查看全部指令", "帮助"),
]


@pytest.mark.parametrize(("text", "reason", "example"), REFUSED)
def test_refusals_name_the_problem_and_an_example(text: str, reason: str, example: str) -> None:
    result = parse_command(text)
    assert result == Unknown(normalize(text), reason, example)


INTERVALS: list[tuple[str, tuple[int, str] | None]] = [
    ("每周", (7, "natural_days")),
    ("每周汇报", (7, "natural_days")),
    ("每周五汇报", (7, "natural_days")),
    ("每周一次汇报", (7, "natural_days")),
    ("每两周汇报一次", (14, "natural_days")),
    ("每3天报告进展", (3, "natural_days")),
    ("每天", (1, "natural_days")),
    ("每天报告", (1, "natural_days")),
    ("每日报送进展", (1, "natural_days")),
    ("每隔3天汇报", (3, "natural_days")),
    ("每十天报告进度", (10, "natural_days")),
    ("每3个工作日", (3, "working_days")),
    ("每个工作日汇报进度", (1, "working_days")),
    ("每 3 个工作日 报告一次进展", (3, "working_days")),
    ("每2小时报一次进展", (2, "hours")),
    ("每小时报告", (1, "hours")),
    ("每个月汇报", (30, "natural_days")),
    ("每０天", None),
    ("每0天汇报", None),
    ("每天下午", None),
    ("周报", None),
    ("每周例会", None),
    ("", None),
    ("每十十天", None),
]


@pytest.mark.parametrize(("text", "expected"), INTERVALS)
def test_parse_interval(text: str, expected: tuple[int, str] | None) -> None:
    assert parse_interval(text) == expected


def test_every_progress_text_is_an_interval() -> None:
    for _, command in PARSED:
        if isinstance(command, CreateTask) and command.progress_text is not None:
            assert parse_interval(command.progress_text) is not None


def test_latin_verbs_need_a_word_boundary() -> None:
    result = parse_command("helpful")
    assert isinstance(result, Unknown)


def test_long_unknown_word_is_shortened_in_the_reason() -> None:
    result = parse_command("这是一段非常非常长的没有指令的话")
    assert isinstance(result, Unknown)
    assert "这是一段非常非常…" in result.reason


def test_help_lists_every_verb_most_used_first() -> None:
    assert list(VERBS) == [
        "新建", "交办", "接办", "收到", "进展", "办结", "转办", "延期", "我的", "我交办的", "查询",
        "催办",
        "请示", "急件", "撤销", "重办", "评价", "整改", "同意延期", "不同意延期", "类型", "请假",
        "销假", "值班", "汇总", "帮助",
    ]
    assert all("例：" not in line for line in VERBS.values())  # examples: 帮助 <verb>
    assert all(spec.available for spec in VERB_SPECS)


@pytest.mark.parametrize("spec", VERB_SPECS, ids=lambda s: s.verb)
def test_every_verb_has_a_detailed_help(spec: VerbSpec) -> None:
    detail = VERB_DETAILS[spec.verb]
    assert detail.startswith(f"格式：{spec.verb}")
    assert detail.count("例：") >= 2
    assert spec.example in detail
    for line in detail.splitlines():
        if line.startswith("例："):
            assert not isinstance(parse_command(line.removeprefix("例：")), Unknown), line


@pytest.mark.parametrize("spec", VERB_SPECS, ids=lambda s: s.verb)
def test_every_verb_example_parses(spec: VerbSpec) -> None:
    assert not isinstance(parse_command(spec.example), Unknown)


@pytest.mark.parametrize(
    "name", [name for spec in VERB_SPECS for name in spec.names if name.isalnum()],
    ids=lambda n: n,
)
def test_every_name_is_recognised_and_explained(name: str) -> None:
    spec = next(s for s in VERB_SPECS if name in s.names)
    assert parse_command(f"帮助 {name}") == ShowHelp(spec.verb)
    result = parse_command(name)
    if isinstance(result, Unknown):  # something is missing: the reply shows how to write it
        assert result.example == spec.example
        assert "指令" not in result.reason


@pytest.mark.parametrize(
    ("text", "verb"),
    [("同意延期 #12", True), ("不同意延期 #12 已齐全", False), ("延期 #12 明天 等数据", None)],
)
def test_longest_verb_wins(text: str, verb: bool | None) -> None:
    result = parse_command(text)
    if verb is None:
        assert isinstance(result, RequestExtension)
    else:
        assert isinstance(result, DecideExtension) and result.approve is verb


def test_normalize_folds_full_width_but_keeps_chinese() -> None:
    assert normalize("　新建：起草（二〇二六）总结　＃１２  ＠张伟\u200b ") == (
        "新建:起草(二〇二六)总结 #12 @张伟"
    )


_VERB_TEXT = [name for spec in VERB_SPECS for name in spec.names] + [
    "领导来电", "突发", "会议纪要", "督查", "【", "】", "每周", "汇报", "每3天", "个工作日",
]
_PIECES = list(
    "0123456789０１２３一二三十两半零〇天日周号月年点时分钟:：-/. 　内前后今明大下上午晚早中本这个"
    "工作小钟底末第任务#＃@＠,，、。!！?？()（）[]【】原因至到由补位页每隔次"
)
_chat = st.one_of(
    st.text(max_size=80),
    st.text(st.sampled_from(_PIECES), max_size=40),
    st.builds(
        "{}{}{}".format,
        st.sampled_from(_VERB_TEXT),
        st.sampled_from(["", " ", ":", "：", "，", " #12 ", "＃１２", " 12号 "]),
        st.lists(st.sampled_from(_PIECES + _VERB_TEXT), max_size=12).map("".join),
    ),
)


@settings(deadline=None, max_examples=500)
@given(_chat)
def test_parsing_never_raises(text: str) -> None:
    """Run the grammar without parse_command's safety net, so any fault would show here."""
    result = _parse(text)
    assert result == parse_command(text)
    if isinstance(result, Unknown):
        assert result.reason and result.example
