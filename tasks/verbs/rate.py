"""评价: the requester's 好差评 on a close (also the rating card's buttons, see flows)."""

import re
from dataclasses import dataclass

from tasks.core.authority import REQUESTER, Action
from tasks.core.context import Context
from tasks.feedback import ratings
from tasks.language.grammar import NAME_STOP, SEPARATORS, Command, Misread, reason, shown, task_ref
from tasks.verbs.record import Said, Verb, load_task
from tasks.vocabulary import RATING_LEVELS

RATE = Action("rate", "评价", (REQUESTER,))
# The everyday words people use for the levels of the 好差评 scale.
_LEVEL_WORDS = {
    **{level: level for level in RATING_LEVELS},
    "很满意": "非常满意", "十分满意": "非常满意", "特别满意": "非常满意",
    "比较满意": "基本满意", "较满意": "基本满意", "还算满意": "基本满意", "一般": "基本满意",
    "很不满意": "非常不满意", "十分不满意": "非常不满意", "特别不满意": "非常不满意",
}
_LEVELS_LONGEST_FIRST = sorted(_LEVEL_WORDS, key=len, reverse=True)
_LEVEL_CHOICES = "、".join(RATING_LEVELS)


@dataclass(frozen=True)
class RateTask(Command):
    """评价 #n 等级 [说明]: the requester's 好差评 on a close; `level` is one of RATING_LEVELS.

    For 不满意 and 非常不满意 the `reason` is wanted; an empty one is asked for in chat.
    """

    number: int
    level: str
    reason: str


def _parse(said: Said) -> RateTask:
    number, tail = task_ref(said.rest)
    tail = re.sub(r"^(?:为|是|给|打)\s*", "", tail.strip(SEPARATORS)).strip(SEPARATORS)
    if not tail:
        raise Misread(f"评价须写明等级：{_LEVEL_CHOICES}")
    word = next((w for w in _LEVELS_LONGEST_FIRST if tail.startswith(w)), None)
    if word is None:
        head = re.split(rf"[{NAME_STOP}]", tail, maxsplit=1)[0]
        raise Misread(f"没有「{shown(head)}」这个评价等级，可写：{_LEVEL_CHOICES}")
    return RateTask(number, _LEVEL_WORDS[word], reason(tail[len(word) :]))


def _handle(ctx: Context, command: RateTask) -> None:
    ratings.rate(ctx, load_task(ctx, command.number), command.level, command.reason)


VERBS = (
    Verb(
        "评价", 150, "对已办结的任务评价（好差评）", "评价 #12 满意",
        aliases=("评分", "打分", "好差评"),
        usage="评价 #编号 等级 [说明]",
        examples=("评价 #12 满意", "评价 #12 不满意 数据有误，未按要求报送",
                  "打分 12号 非常满意 办得又快又好"),
        notes=("等级：非常满意、满意、基本满意、不满意、非常不满意。",
               "说明：每次办结只能评价一次；评为不满意或非常不满意须说明原因，"
               "未写原因时请直接回复原因，科室负责人会决定重办或整改。"
               "办结后规定的工作日内（默认3个）未评价的，记为未评价。"),
        command=RateTask, parse=_parse, handle=_handle, action=RATE,
    ),
)
