"""Table-driven tests of the chat command grammar as staff actually type it."""

import pytest

from tasks.language import (
    VERB_SPECS,
    VERBS,
    AcceptTask,
    CloseTask,
    Command,
    CreateTask,
    ListMine,
    ShowHelp,
    Unknown,
    VerbSpec,
    normalize,
    parse_command,
)

CREATE_EXAMPLE = "新建 起草年度工作总结 @张伟 3天内"

PARSED: list[tuple[str, Command]] = [
    (CREATE_EXAMPLE, CreateTask("起草年度工作总结", ("张伟",), "3天内", "新建")),
    ("交办 整理会议纪要 明天下午5点前 @李娜",
     CreateTask("整理会议纪要", ("李娜",), "明天下午5点前", "交办")),
    ("新建：整理会议纪要 @张伟 @李娜", CreateTask("整理会议纪要", ("张伟", "李娜"), None, "新建")),
    ("新建:整理会议纪要", CreateTask("整理会议纪要", (), None, "新建")),
    ("  新建   起草   通知  ", CreateTask("起草 通知", (), None, "新建")),
    ("新建 起草通知 ＠张伟　＠李娜", CreateTask("起草通知", ("张伟", "李娜"), None, "新建")),
    ("新建 起草通知 @张伟@李娜", CreateTask("起草通知", ("张伟", "李娜"), None, "新建")),
    ("新建 起草通知 @张伟 @张伟", CreateTask("起草通知", ("张伟",), None, "新建")),
    ("新建 起草通知 @张伟，3天内", CreateTask("起草通知", ("张伟",), "3天内", "新建")),
    ("新建起草通知", CreateTask("起草通知", (), None, "新建")),
    ("新建 起草通知 12-01 17:00", CreateTask("起草通知", (), "12-01 17:00", "新建")),
    ("交办 @王芳 核对报表 本周五前", CreateTask("核对报表", ("王芳",), "本周五前", "交办")),
    ("新建 整理周五会议纪要 @李娜", CreateTask("整理周五会议纪要", ("李娜",), None, "新建")),
    ("新建 ＡＢＣ项目汇报 明天", CreateTask("ABC项目汇报", (), "明天", "新建")),
    ("新建 起草总结3天内 @张伟", CreateTask("起草总结", ("张伟",), "3天内", "新建")),
    ("接办 #12", AcceptTask(12)),
    ("接办#12", AcceptTask(12)),
    ("接办 ＃12", AcceptTask(12)),
    ("接办 ＃１２", AcceptTask(12)),
    ("接办 12", AcceptTask(12)),
    ("接办 12号", AcceptTask(12)),
    ("接办 12号任务", AcceptTask(12)),
    ("接办 第12号", AcceptTask(12)),
    ("接办：#12", AcceptTask(12)),
    ("接办 # 12", AcceptTask(12)),
    ("接办 第十二号", AcceptTask(12)),
    ("接办 #12。", AcceptTask(12)),
    ("办结 #12 已完成初稿", CloseTask(12, "已完成初稿")),
    ("办结 #12", CloseTask(12, "")),
    ("办结＃12：已报送", CloseTask(12, "已报送")),
    ("办结 12号任务 已报送办公室", CloseTask(12, "已报送办公室")),
    ("办结 #12 3份材料已报送", CloseTask(12, "3份材料已报送")),
    ("我的", ListMine()),
    ("待办", ListMine()),
    ("我的任务", ListMine()),
    (" 我的 ", ListMine()),
    ("我的待办", ListMine()),
    ("帮助", ShowHelp(None)),
    ("help", ShowHelp(None)),
    ("HELP", ShowHelp(None)),
    ("?", ShowHelp(None)),
    ("？", ShowHelp(None)),
    ("帮助 接办", ShowHelp("接办")),
    ("帮助：新建", ShowHelp("新建")),
    ("帮助 待办", ShowHelp("我的")),
]


@pytest.mark.parametrize(("text", "expected"), PARSED)
def test_parse_command(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


REFUSED: list[tuple[str, str, str]] = [
    ("新建 @张伟", "缺少任务内容", CREATE_EXAMPLE),
    ("新建", "缺少任务内容", CREATE_EXAMPLE),
    ("新建 3天内", "缺少任务内容", CREATE_EXAMPLE),
    ("新建 起草通知 @", "@后面缺少姓名", CREATE_EXAMPLE),
    ("接办", "缺少任务编号", "接办 #12"),
    ("接办 ", "缺少任务编号", "接办 #12"),
    ("接办 #abc", "没有看懂任务编号，请写成 #12", "接办 #12"),
    ("接办 #12 #13", "接办后面只需写一个任务编号", "接办 #12"),
    ("接办 #0", "任务编号应大于0", "接办 #12"),
    ("接办 #1234567890", "没有看懂任务编号，请写成 #12", "接办 #12"),
    ("办结", "缺少任务编号", "办结 #12 已完成初稿"),
    ("我的 报告写完了", "「我的」后面不用写内容", "我的"),
    ("进展 #12 初稿已完成一半", "该指令即将开放", "进展 #12 初稿已完成一半"),
    ("转办 #12 @王芳 归综合科", "该指令即将开放", "转办 #12 @王芳 该事项归综合科办理"),
    ("咨询 公积金提取", "该指令即将开放", "请示 申请调整周五会议室"),
    ("紧急 马上核对材料", "该指令即将开放", "急件 明天上午的汇报材料请马上核对"),
    ("值班", "该指令即将开放", "值班"),
    ("新键 起草通知", "没有「新键」这个指令，是要用「新建」吗？", CREATE_EXAMPLE),
    ("接半 #12", "没有「接半」这个指令，是要用「接办」吗？", "接办 #12"),
    ("hlep", "没有「hlep」这个指令，是要用「帮助」吗？", "帮助 接办"),
    ("你好", "没有看懂「你好」，发送「帮助」查看全部指令", "帮助"),
    ("#12", "没有看懂「#12」，发送「帮助」查看全部指令", "帮助"),
    ("", "内容为空，发送「帮助」查看全部指令", "帮助"),
    ("　 ", "内容为空，发送「帮助」查看全部指令", "帮助"),
]


@pytest.mark.parametrize(("text", "reason", "example"), REFUSED)
def test_refusals_name_the_problem_and_an_example(text: str, reason: str, example: str) -> None:
    result = parse_command(text)
    assert result == Unknown(normalize(text), reason, example)


def test_latin_verbs_need_a_word_boundary() -> None:
    result = parse_command("helpful")
    assert isinstance(result, Unknown)


def test_long_unknown_word_is_shortened_in_the_reason() -> None:
    result = parse_command("这是一段非常非常长的没有指令的话")
    assert isinstance(result, Unknown)
    assert "这是一段非常非常…" in result.reason


def test_help_lists_exactly_the_open_verbs() -> None:
    assert list(VERBS) == ["新建", "交办", "接办", "办结", "我的", "帮助"]
    assert all("例：" in line for line in VERBS.values())


@pytest.mark.parametrize("spec", [s for s in VERB_SPECS if s.available], ids=lambda s: s.verb)
def test_every_open_verb_example_parses(spec: VerbSpec) -> None:
    assert not isinstance(parse_command(spec.example), Unknown)


@pytest.mark.parametrize("spec", [s for s in VERB_SPECS if not s.available], ids=lambda s: s.verb)
def test_every_coming_verb_is_announced_with_its_example(spec: VerbSpec) -> None:
    result = parse_command(spec.example)
    assert isinstance(result, Unknown)
    assert result.reason == "该指令即将开放"
    assert result.example == spec.example


def test_normalize_folds_full_width_but_keeps_chinese() -> None:
    assert normalize("　新建：起草（二〇二六）总结　＃１２  ＠张伟\u200b ") == (
        "新建:起草(二〇二六)总结 #12 @张伟"
    )
