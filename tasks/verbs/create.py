"""新建, 交办, 请示 and 急件: one family that creates tasks, and kind words used as verbs
(`领导来电 …`, `突发：…`, `【会议纪要】…`)."""

import re
from dataclasses import dataclass, field
from typing import Any

from tasks.core.context import Context
from tasks.language.deadline_split import DeadlineSplit, split_deadline
from tasks.language.grammar import MENTION, SEPARATORS, Command, Misread
from tasks.language.intervals import INTERVAL_IN_TEXT
from tasks.language.kinds import FAST_KINDS, KIND_LABELS, haste_in, infer_kind, leading_kind
from tasks.language.text import normalize
from tasks.lifecycle import transitions
from tasks.verbs.record import Said, Verb, Vocabulary


@dataclass(frozen=True)
class CreateTask(Command):
    """新建/交办/请示/急件 and the kind words used as verbs (`领导来电 …`, `突发 …`).

    `verb` is the canonical verb (新建, 交办, 请示 or 急件): 交办 means the creator hands the
    task on, 请示 and 急件 that it is routed by the rules. `kind` is None when neither the
    words nor the verb say which kind it is; `kind_explicit` tells a kind the user named
    (急件, 交办, a kind tag) from one guessed from the wording. `progress_text` is a report
    interval such as `每周汇报`, for `parse_interval`. `notes` are lines the creator's reply
    adds: how the message was read where another reading exists (a haste word that made it
    急件, a time word kept in the title); `{task}` in them stands for the task's number.
    """

    title: str
    assignees: tuple[str, ...]
    deadline_text: str | None
    verb: str
    kind: str | None = None
    kind_explicit: bool = False
    progress_text: str | None = None
    notes: tuple[str, ...] = field(default=(), compare=False)  # a reply's words, not the reading


_CLOSING_VERB = re.compile(r"(?<=[前内止])(?:完成|办结|办完|提交|报送|上报|反馈|回复|答复|交)$")
_VERB_KINDS = {"交办": "assigned", "急件": "urgent"}
_KIND_VERBS = {"assigned": "交办", "urgent": "急件"}


def _parse(said: Said) -> Command:
    found = leading_kind(said.rest)
    if found is None:
        return _create(said, said.rest, named=None)
    kind, word, after = found
    return _create(said, after, named=(kind, word))


def _kind_as_verb(text: str, vocabulary: Vocabulary) -> Command | None:
    """`领导来电 …`, `突发：…`, `【会议纪要】…`: a kind word standing where the verb goes."""
    found = leading_kind(text, is_verb=lambda word: vocabulary.lookup(word) is not None)
    if found is None:
        return None
    kind, word, rest = found
    verb = vocabulary.lookup(_KIND_VERBS.get(kind, "新建"))
    assert verb is not None
    return vocabulary.parse_as(
        verb, text, rest,
        lambda said: _create(said, rest, named=(kind, word), word_as_title=False))


def _create(said: Said, rest: str, *, named: tuple[str, str] | None,
            word_as_title: bool = True) -> Command:
    """Mentions come out first, so a deadline written before `@李娜` is still found last."""
    names: list[str] = []
    for mention in MENTION.finditer(rest):
        name = mention.group(1)
        if not name:
            raise Misread("@后面缺少姓名")
        if name not in names:
            names.append(name)
    body = normalize(MENTION.sub(" ", rest))
    progress: str | None = None
    interval = INTERVAL_IN_TEXT.search(body)
    if interval is not None:
        progress = interval["phrase"].replace(" ", "")
        body = normalize(body[: interval.start()] + " " + body[interval.end() :])
    split = split_deadline(body)
    if split.typo is not None:
        typo, meant = split.typo
        raise Misread(f"「{typo}」不是时间词，是不是「{meant}」？请改正后重发")
    deadline, title = _verb_kept(split.deadline, split.title)
    haste, title = haste_in(title)
    title = title.strip(SEPARATORS)
    if not title and named is not None and word_as_title:
        title = named[1]  # `新建 会议纪要 @李娜`: the kind word is all there is to say
    if not title:
        raise Misread("缺少任务内容")
    kind, explicit = _kind_of(said.verb.verb, named[0] if named else None, title)
    notes = _title_time_notes(split)
    if haste is not None and kind not in FAST_KINDS:
        was = f"（原为「{KIND_LABELS[kind]}」）" if explicit and kind else ""
        kind, explicit = "urgent", True
        notes = (f"「{haste}」：按急件办理{was}，15分钟内接办、当天下班前办结；"
                 "如不是急件，请发送「类型 {task} 一般件」修改。", *notes)
    return CreateTask(title, tuple(names), deadline, said.verb.verb, kind, explicit,
                      progress, notes)


def _verb_kept(deadline: str | None, title: str) -> tuple[str | None, str]:
    """`新建 周五前报送`: the deadline's closing verb is all the title there is, so keep it."""
    if deadline is None or title.strip(SEPARATORS):
        return deadline, title
    closing = _CLOSING_VERB.search(deadline)
    if closing is None:
        return deadline, title
    return deadline[: closing.start()], closing[0]


def _title_time_notes(split: DeadlineSplit) -> tuple[str, ...]:
    """`准备周一例会材料`: 周一 stays in the title; say so, and how to make it the deadline."""
    return tuple(
        f"「{word}」按任务内容理解，没有作为期限；如果它是期限，请在消息里写「期限：{word}」。"
        for word in split.title_times
    )


def _kind_of(verb: str, named: str | None, title: str) -> tuple[str | None, bool]:
    """急件 always means urgent; a named kind beats 交办's default; else guess from wording."""
    if verb == "急件":
        return "urgent", True
    if named is not None:
        return named, True
    if verb in _VERB_KINDS:
        return _VERB_KINDS[verb], True
    return infer_kind(title), False


def _handle(ctx: Context, command: CreateTask) -> None:
    transitions.create(ctx, command)


_FAMILY: dict[str, Any] = {"command": CreateTask, "parse": _parse, "handle": _handle}

VERBS = (
    Verb(
        "新建", 10, "新建任务，可@承办人、写期限和类型", "新建 起草年度工作总结 @张伟 3天内",
        usage="新建 内容 [@承办人…] [期限] [每N天汇报]",
        who="通讯录中的任何人；不写@承办人时任务归自己。",
        examples=("新建 起草年度工作总结 @张伟 3天内",
                  "新建 会议纪要：整理周五例会纪要 @李娜 @王芳 明天下午5点前",
                  "新建【征求意见】修改办公用房管理办法 @秘书科 10天内 每周汇报"),
        notes=("说明：@几个人就为每人建一个任务，也可@部门；类型可写在内容前"
               "（急件、一般件、领导来电、突发、公文代拟、会议纪要、征求意见、送审报批、督查），"
               "也可直接以类型开头，如「领导来电 …」「突发 …」；不写时按内容判断，"
               "判断不准可发「类型 #12 一般件」更正。",),
        lead=_kind_as_verb, **_FAMILY,
    ),
    Verb(
        "交办", 20, "把任务交给同事办理（交办事项）", "交办 整理会议纪要 @李娜 明天下午5点前",
        usage="交办 内容 @承办人 [期限] [每N天汇报]",
        who="通讯录中的任何人，常用于领导、科室负责人交办工作。",
        examples=("交办 整理会议纪要 @李娜 明天下午5点前",
                  "交办 核对全年经费报表 @王芳 本周五前 每2天汇报"),
        notes=("说明：交办的任务按「交办事项」计时，必须写明期限；"
               "也可在内容前写类型，如「交办 送审：…」。",),
        **_FAMILY,
    ),
    Verb(
        "请示", 110, "提交请示或咨询，按规则分派", "请示 申请调整周五会议室", aliases=("咨询",),
        usage="请示 内容 [@人或部门] [期限]", who="所有人。",
        examples=("请示 申请调整周五会议室", "咨询 公积金提取需要哪些材料"),
        notes=("说明：不写@时按分派规则交给负责的人或值班人员。",),
        **_FAMILY,
    ),
    Verb(
        "急件", 120, "紧急事项，按规则分派并加急", "急件 明天上午的汇报材料请马上核对",
        aliases=("紧急",),
        usage="急件 内容 [@人或部门] [期限]", who="所有人。",
        examples=("急件 明天上午的汇报材料请马上核对", "紧急 市长讲话稿需今天下班前定稿 @张伟"),
        notes=("说明：急件须马上接办、当天办结，免打扰时段也会提醒。",),
        **_FAMILY,
    ),
)
