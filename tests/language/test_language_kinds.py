"""Task kinds as people name them (`kind_by_word`) and as their wording betrays them
(`infer_kind`), docs/sla.md; the guess must stay silent whenever it is not plain."""

import pytest

from tasks.language import KIND_LABELS, infer_kind, kind_by_word

BY_WORD: list[tuple[str, str | None]] = [
    ("急件", "urgent"),
    ("紧急", "urgent"),
    ("加急", "urgent"),
    ("特急", "urgent"),
    ("一般件", "general"),
    ("一般", "general"),
    ("普通件", "general"),
    ("领导来电", "leader_call"),
    ("领导来电（一般事项）", "leader_call"),
    ("领导来电（特殊事项）", "leader_call_special"),
    ("领导来电(特殊事项)", "leader_call_special"),
    ("领导来电特殊事项", "leader_call_special"),
    ("特殊事项", "leader_call_special"),
    ("突发", "emergency"),
    ("突发事件", "emergency"),
    ("突发事件信息", "emergency"),
    ("紧急情况", "emergency"),
    ("公文代拟", "draft_doc"),
    ("代拟", "draft_doc"),
    ("会议纪要", "minutes"),
    ("纪要", "minutes"),
    ("【会议纪要】", "minutes"),
    (" 会议纪要 ", "minutes"),
    ("会议纪要类", "minutes"),
    ("征求意见", "consultation"),
    ("征求意见稿", "consultation"),
    ("送审", "approval"),
    ("报批", "approval"),
    ("送审报批", "approval"),
    ("督查", "supervision"),
    ("督查事项", "supervision"),
    ("交办", "assigned"),
    ("交办事项", "assigned"),
    ("领导交办", "assigned"),
    ("urgent", "urgent"),
    ("MINUTES", "minutes"),
    ("会议", None),
    ("纪", None),
    ("文件", None),
    ("急", None),
    ("", None),
    ("一般件吧", None),
]


@pytest.mark.parametrize(("word", "kind"), BY_WORD)
def test_kind_by_word(word: str, kind: str | None) -> None:
    assert kind_by_word(word) == kind


INFERRED: list[tuple[str, str | None]] = [
    ("整理周五例会会议纪要", "minutes"),
    ("起草党组会纪要", "minutes"),
    ("代拟市政府办公室关于防汛工作的通知", "draft_doc"),
    ("请各科室对方案提出征求意见稿的意见", "consultation"),
    ("就办公用房管理办法征求意见", "consultation"),
    ("开展意见征求", "consultation"),
    ("年度预算送审", "approval"),
    ("项目立项报批", "approval"),
    ("编制方案并送审报批", "approval"),
    ("领导来电要求明早报送值班表", "leader_call"),
    ("领导来电特殊事项：协调会场", "leader_call_special"),
    ("处置突发停电", "emergency"),
    ("某路段突发塌方请立即处置", "emergency"),
    ("督查整改落实情况", "supervision"),
    ("整理督查反馈意见", "supervision"),
    # a document beats whatever else the wording mentions
    ("整理突发事件处置会会议纪要", "minutes"),
    ("征求意见后报批", "consultation"),
    ("督查会议纪要", "minutes"),
    # negations
    ("无需征求意见直接印发", None),
    ("本方案不需要送审", None),
    ("暂不报批", None),
    ("未送审的材料先退回", None),
    # about a kind, not of it
    ("修订突发事件应急预案", None),
    ("组织突发事件应急演练", None),
    ("整理领导来电记录", None),
    ("汇总本月领导来电台账", None),
    ("把材料送督查室", None),
    # ordinary titles
    ("起草年度工作总结", None),
    ("核对全年经费报表", None),
    ("申请调整周五会议室", None),
    ("明天上午的汇报材料请马上核对", None),
    ("整理周五会议记录", None),
    ("准备市长讲话稿", None),
    ("联系财务科", None),
    ("起草关于加强管理的文件", None),
    ("", None),
    ("紧急核对材料", None),
    ("领导交办的事项", None),
]


@pytest.mark.parametrize(("title", "kind"), INFERRED)
def test_infer_kind(title: str, kind: str | None) -> None:
    assert infer_kind(title) == kind


def test_every_kind_is_labelled_and_named_by_its_label() -> None:
    assert list(KIND_LABELS) == [
        "urgent", "general", "leader_call", "leader_call_special", "emergency", "draft_doc",
        "minutes", "consultation", "approval", "assigned", "supervision",
    ]
    for code, label in KIND_LABELS.items():
        assert kind_by_word(label) == code
        assert kind_by_word(code) == code
