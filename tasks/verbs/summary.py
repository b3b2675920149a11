"""汇总 [今天|本周|本月]: a supervisor's or leader's figures on demand, with the dashboard link."""

from dataclasses import dataclass

from tasks.core.context import Context
from tasks.language.grammar import SEPARATORS, Command, Misread
from tasks.reports import on_demand
from tasks.verbs.record import Said, Verb

# What may follow the verb, and the span it means.
_SPANS = {
    "": on_demand.TODAY, "今天": on_demand.TODAY, "今日": on_demand.TODAY,
    "本日": on_demand.TODAY, "当天": on_demand.TODAY,
    "本周": on_demand.WEEK, "这周": on_demand.WEEK, "这一周": on_demand.WEEK,
    "本星期": on_demand.WEEK,
    "本月": on_demand.MONTH, "这个月": on_demand.MONTH, "当月": on_demand.MONTH,
}


@dataclass(frozen=True)
class Summarize(Command):
    """汇总 本周."""

    span: str = on_demand.TODAY


def _parse(said: Said) -> Summarize:
    rest = said.rest.strip(SEPARATORS).removesuffix("的").strip()
    span = _SPANS.get(rest)
    if span is None:
        name = said.verb.verb
        raise Misread(f"「{name}」后面只能写今天、本周或本月，如「{name} 本周」；"
                      "要交办任务请写「新建 …」")
    return Summarize(span)


def _handle(ctx: Context, command: Summarize) -> None:
    on_demand.summarize(ctx, command.span)


VERBS = (
    Verb(
        "汇总", 225, "科室负责人和领导查看今天、本周或本月的办理情况", "汇总 本周",
        aliases=("统计", "汇总统计"),
        usage="汇总 [今天|本周|本月]", who="科室负责人、领导、管理员。",
        examples=("汇总", "汇总 本周", "统计 本月"),
        notes=("说明：不写时段即今天；数字与督办日报、周报的算法相同，明细和图表在驾驶舱。",),
        command=Summarize, parse=_parse, handle=_handle,
        follows_show=True, stands_alone=lambda command, vocabulary: True,
    ),
)
