"""The registry of chat verbs: their aliases, help lines, examples and whether they are open yet."""

from dataclasses import dataclass


@dataclass(frozen=True)
class VerbSpec:
    """One verb of product.md §8 with its aliases, a one-line help, an example and `帮助 X` text.

    `available=False` would answer "该指令即将开放"; every verb is open in the parser now and
    the flows decide what a given installation or role may do with it.
    """

    verb: str
    description: str
    example: str
    aliases: tuple[str, ...] = ()
    available: bool = True
    detail: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.verb, *self.aliases)


_NUMBER_NOTE = "任务编号可写作 #12、＃12、12、12号、12号任务、任务12。"

# In the order help shows them: what people use most comes first.
VERB_SPECS: tuple[VerbSpec, ...] = (
    VerbSpec(
        "新建", "新建任务，可@承办人、写期限和类型", "新建 起草年度工作总结 @张伟 3天内",
        detail="\n".join([
            "格式：新建 内容 [@承办人…] [期限] [每N天汇报]",
            "谁可以用：通讯录中的任何人；不写@承办人时任务归自己。",
            "例：新建 起草年度工作总结 @张伟 3天内",
            "例：新建 会议纪要：整理周五例会纪要 @李娜 @王芳 明天下午5点前",
            "例：新建【征求意见】修改办公用房管理办法 @秘书科 10天内 每周汇报",
            "说明：@几个人就为每人建一个任务，也可@部门；类型可写在内容前"
            "（急件、一般件、领导来电、突发、公文代拟、会议纪要、征求意见、送审报批、督查），"
            "也可直接以类型开头，如「领导来电 …」「突发 …」；不写时按内容判断，"
            "判断不准可发「类型 #12 一般件」更正。",
        ]),
    ),
    VerbSpec(
        "交办", "把任务交给同事办理（交办事项）", "交办 整理会议纪要 @李娜 明天下午5点前",
        detail="\n".join([
            "格式：交办 内容 @承办人 [期限] [每N天汇报]",
            "谁可以用：通讯录中的任何人，常用于领导、科室负责人交办工作。",
            "例：交办 整理会议纪要 @李娜 明天下午5点前",
            "例：交办 核对全年经费报表 @王芳 本周五前 每2天汇报",
            "说明：交办的任务按「交办事项」计时，必须写明期限；"
            "也可在内容前写类型，如「交办 送审：…」。",
        ]),
    ),
    VerbSpec(
        "接办", "接下交给你的任务", "接办 #12", ("接收", "接单", "收到"),
        detail="\n".join([
            "格式：接办 #编号（也可直接点卡片上的「接办」）",
            "谁可以用：任务当前的承办人或首问责任人。",
            "例：接办 #12",
            "例：收到 12号",
            "说明：两人同时接办时只有一人成功，另一人会收到提示。" + _NUMBER_NOTE,
        ]),
    ),
    VerbSpec(
        "进展", "报告任务进展", "进展 #12 初稿已完成一半", ("汇报", "报告进展", "进度"),
        detail="\n".join([
            "格式：进展 #编号 办理情况",
            "谁可以用：任务的承办人。",
            "例：进展 #12 初稿已完成一半",
            "例：汇报 #12 已联系财务科，等待数据",
            "说明：办理情况必须写；只想查看任务请发「查询 #12」。",
        ]),
    ),
    VerbSpec(
        "办结", "办完任务并写明结果", "办结 #12 已完成初稿", ("完成", "办完"),
        detail="\n".join([
            "格式：办结 #编号 办理结果",
            "谁可以用：任务的承办人。",
            "例：办结 #12 已完成初稿",
            "例：完成 12号 已报送办公室",
            "说明：办理结果必须写；办结后提请人和首问责任人会收到结果。",
        ]),
    ),
    VerbSpec(
        "转办", "把任务转给他人或部门，须写原因", "转办 #12 @王芳 该事项归综合科办理",
        ("转交", "移交", "引导"),
        detail="\n".join([
            "格式：转办 #编号 @人或部门 原因",
            "谁可以用：承办人、首问责任人，以及督办人。",
            "例：转办 #12 @王芳 该事项归综合科办理",
            "例：转办 #12 @秘书科 属于公文处理",
            "例：移交 12号 李娜 她负责该项目",
            "说明：原因必须写；首问责任人转办后仍留有记录，并会收到办理结果。",
        ]),
    ),
    VerbSpec(
        "延期", "申请延长期限，须写原因", "延期 #12 12月5日 需等待财务数据", ("申请延期",),
        detail="\n".join([
            "格式：延期 #编号 新期限 原因",
            "谁可以用：任务的承办人。",
            "例：延期 #12 12月5日 需等待财务数据",
            "例：申请延期 #12 3个工作日内 材料需重新盖章",
            "说明：新期限和原因都要写；由所在科室负责人（或上一级负责人）审批，"
            "原期限保留在记录中。",
        ]),
    ),
    VerbSpec(
        "我的", "查看我手上未办结的任务，也可发「待办」", "我的", ("待办", "我的任务"),
        detail="\n".join([
            "格式：我的 [页码]",
            "谁可以用：所有人。",
            "例：我的",
            "例：待办 2",
            "例：我的任务 第3页",
            "说明：按紧急程度排列，每页10项。",
        ]),
    ),
    VerbSpec(
        "查询", "查看一个任务及其办理经过", "查询 #12",
        ("查看", "详情", "进度查询", "查询进度", "查看进度", "任务详情"),
        detail="\n".join([
            "格式：查询 #编号",
            "谁可以用：提请人、承办人、首问责任人和督办人。",
            "例：查询 #12",
            "例：查看 12号任务",
            "说明：显示任务的状态、期限和全部办理经过。",
        ]),
    ),
    VerbSpec(
        "催办", "督促承办人尽快办理", "催办 #12", ("督办",),
        detail="\n".join([
            "格式：催办 #编号 [附言]",
            "谁可以用：提请人和督办人。",
            "例：催办 #12",
            "例：督办 #12 请今天下班前报送",
            "说明：承办人会立即收到提醒。",
        ]),
    ),
    VerbSpec(
        "请示", "提交请示或咨询，按规则分派", "请示 申请调整周五会议室", ("咨询",),
        detail="\n".join([
            "格式：请示 内容 [@人或部门] [期限]",
            "谁可以用：所有人。",
            "例：请示 申请调整周五会议室",
            "例：咨询 公积金提取需要哪些材料",
            "说明：不写@时按分派规则交给负责的人或值班人员。",
        ]),
    ),
    VerbSpec(
        "急件", "紧急事项，按规则分派并加急", "急件 明天上午的汇报材料请马上核对", ("紧急",),
        detail="\n".join([
            "格式：急件 内容 [@人或部门] [期限]",
            "谁可以用：所有人。",
            "例：急件 明天上午的汇报材料请马上核对",
            "例：紧急 市长讲话稿需今天下班前定稿 @张伟",
            "说明：急件须马上接办、当天办结，免打扰时段也会提醒。",
        ]),
    ),
    VerbSpec(
        "撤销", "撤销任务，须写原因", "撤销 #12 会议已取消", ("取消", "撤回"),
        detail="\n".join([
            "格式：撤销 #编号 原因",
            "谁可以用：任务的提请人或督办人。",
            "例：撤销 #12 会议已取消",
            "例：取消 12号 重复提交",
            "说明：原因必须写。",
        ]),
    ),
    VerbSpec(
        "重办", "把已办结的任务退回重新办理，须写原因", "重办 #12 3天内 数据有误需重新核对",
        ("重新办理",),
        detail="\n".join([
            "格式：重办 #编号 [新期限] 原因",
            "谁可以用：提请人（对结果不满意时）或督办人。",
            "例：重办 #12 3天内 数据有误需重新核对",
            "例：重新办理 #12 缺少附件",
            "说明：原因必须写；不写新期限时沿用原期限，原期限已过则必须写新期限。",
        ]),
    ),
    VerbSpec(
        "评价", "对已办结的任务评价（好差评）", "评价 #12 满意", ("评分", "打分", "好差评"),
        detail="\n".join([
            "格式：评价 #编号 等级 [说明]",
            "谁可以用：任务的提请人（办结后也可直接点评价卡片上的按钮）。",
            "例：评价 #12 满意",
            "例：评价 #12 不满意 数据有误，未按要求报送",
            "例：打分 12号 非常满意 办得又快又好",
            "等级：非常满意、满意、基本满意、不满意、非常不满意。",
            "说明：每次办结只能评价一次；评为不满意或非常不满意须说明原因，"
            "未写原因时请直接回复原因，科室负责人会决定重办或整改。"
            "办结后规定的工作日内（默认3个）未评价的，记为未评价。",
        ]),
    ),
    VerbSpec(
        "整改", "对差评任务安排整改，另建整改任务", "整改 #12 3个工作日内 按规范重新核对数据",
        ("安排整改", "责令整改"),
        detail="\n".join([
            "格式：整改 #编号 [期限] [说明]",
            "谁可以用：科室负责人、领导或管理员，在提请人给出差评之后。",
            "例：整改 #12 3个工作日内 按规范重新核对数据",
            "例：整改 #12 本周五前",
            "说明：为原承办人新建一项「整改：原标题（#12）」任务，须重新接办；"
            "不写期限时按原任务类型的办理时限计算。也可点差评卡片上的「整改」按钮；"
            "要原承办人重新办理原任务请用「重办 #12 期限 说明」。",
        ]),
    ),
    VerbSpec(
        "同意延期", "同意承办人的延期申请", "同意延期 #12", ("批准延期",),
        detail="\n".join([
            "格式：同意延期 #编号 [说明]",
            "谁可以用：督办人。",
            "例：同意延期 #12",
            "例：批准延期 #12 请按新期限办结",
        ]),
    ),
    VerbSpec(
        "不同意延期", "不同意延期申请，须写原因", "不同意延期 #12 本周必须报送",
        ("驳回延期", "拒绝延期", "不批准延期"),
        detail="\n".join([
            "格式：不同意延期 #编号 原因",
            "谁可以用：督办人。",
            "例：不同意延期 #12 本周必须报送",
            "例：驳回延期 #12 数据已齐全",
            "说明：原因必须写；任务按原期限计时。",
        ]),
    ),
    VerbSpec(
        "类型", "更正任务类型", "类型 #12 一般件", ("改类型", "修改类型", "更改类型"),
        detail="\n".join([
            "格式：类型 #编号 类型名",
            "谁可以用：提请人和督办人。",
            "例：类型 #12 一般件",
            "例：改类型 #12 会议纪要",
            "类型：急件、一般件、领导来电、领导来电特殊事项、突发事件、公文代拟、会议纪要、"
            "征求意见、送审报批、交办事项、督查事项。",
            "说明：改类型后按新类型重新计算时限；自己写明的期限保留不变。",
        ]),
    ),
    VerbSpec(
        "请假", "请假并指定补位人", "请假 到12月3日 @王芳",
        detail="\n".join([
            "格式：请假 到何时 [@补位人]",
            "谁可以用：所有人。",
            "例：请假 到12月3日 @王芳",
            "例：请假 12月3日前 王芳",
            "说明：请假期间新任务和提醒转给补位人；回来后发「销假」。",
        ]),
    ),
    VerbSpec(
        "销假", "结束请假", "销假",
        detail="\n".join([
            "格式：销假",
            "谁可以用：正在请假的人。",
            "例：销假",
            "例：销假，我已返岗",
            "说明：补位人手上代办的任务仍由其办完，新任务重新交给你。",
        ]),
    ),
    VerbSpec(
        "值班", "查看现在谁在值班", "值班", ("谁值班", "今日值班", "今天值班", "值班表"),
        detail="\n".join([
            "格式：值班",
            "谁可以用：所有人。",
            "例：值班",
            "例：谁值班",
            "说明：显示现在的带班、值班和候班人员。",
        ]),
    ),
    VerbSpec(
        "帮助", "查看全部指令和例子", "帮助 接办", ("help", "?", "指令", "菜单"),
        detail="\n".join([
            "格式：帮助 [指令]",
            "例：帮助",
            "例：帮助 接办",
            "例：帮助 转交",
            "说明：" + _NUMBER_NOTE + "人员写作 @姓名，部门写作 @部门名。",
        ]),
    ),
)

# One line per verb for the overview (`帮助`); VERB_DETAILS answers `帮助 转办`.
VERBS: dict[str, str] = {
    spec.verb: f"{spec.description}。例：{spec.example}" for spec in VERB_SPECS if spec.available
}
VERB_DETAILS: dict[str, str] = {
    spec.verb: spec.detail for spec in VERB_SPECS if spec.available
}

# Longest first, so `我的任务` wins over `我的` and `不同意延期` over `同意延期`.
_BY_NAME: tuple[tuple[str, VerbSpec], ...] = tuple(
    sorted(
        ((name, spec) for spec in VERB_SPECS for name in spec.names),
        key=lambda pair: -len(pair[0]),
    )
)


def lookup(name: str) -> VerbSpec | None:
    """The spec a verb or alias names, so `帮助 待办` can explain `我的`."""
    lowered = name.lower()
    return next((spec for known, spec in _BY_NAME if known == lowered), None)


def split_verb(text: str) -> tuple[VerbSpec, str] | None:
    """Split normalised text into the verb's spec and the rest after any colon.

    Chinese verbs may be glued to their content (`接办#12`); Latin ones (`help`) need a
    boundary so that ordinary words starting with the same letters are not misread.
    """
    found = split_verb_name(text)
    return None if found is None else (found[1], found[2])


def split_verb_name(text: str) -> tuple[str, VerbSpec, str] | None:
    """Like split_verb, also telling which name (verb or alias) the text starts with."""
    lowered = text.lower()
    for name, spec in _BY_NAME:
        if not lowered.startswith(name):
            continue
        following = text[len(name) : len(name) + 1]
        if name.isascii() and name.isalpha() and following.isascii() and following.isalnum():
            continue
        return name, spec, text[len(name) :].lstrip(" :,")
    return None


def closest(word: str) -> VerbSpec | None:
    """The nearest verb at most one typing slip away from `word` (`接半`, `新键`), if any."""
    word = word[:12]
    if len(word) < 2:  # one character (`期`, `好`) says too little to guess from
        return None
    best: tuple[int, VerbSpec] | None = None
    for name, spec in _BY_NAME:
        if len(name) < 2:
            continue
        distance = min(_distance(word[: len(name)].lower(), name), _distance(word.lower(), name))
        if distance <= 1 and (best is None or distance < best[0]):
            best = (distance, spec)
    return None if best is None else best[1]


def _distance(a: str, b: str) -> int:
    """Edit distance counting an adjacent swap as one slip (optimal string alignment)."""
    rows = [list(range(len(b) + 1))]
    for i, char_a in enumerate(a, 1):
        row = [i]
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            row.append(min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
