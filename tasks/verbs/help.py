"""帮助: the overview of every verb and one verb's detail, both built from the verb records,
so help can never disagree with the parser or the authorization matrix.

The overview is one line per verb saying what it does; format, examples and who may use
it are in `帮助 <verb>`. So the overview fits one message within every channel's markdown
budget (tests/middle/test_budgets.py checks it against WeCom's), verbs added included up to
about twice as many as today."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tasks.core.context import Context
from tasks.language.grammar import SEPARATORS, TASK_NUMBER_NOTE, Command
from tasks.language.kinds import kind_by_word
from tasks.markup import markdown_text
from tasks.verbs.record import Said, Verb, Vocabulary


@dataclass(frozen=True)
class ShowHelp(Command):
    """帮助, optionally about one verb (aliases are resolved to the verb they stand for)."""

    topic: str | None


def help_text(topic: str | None, verbs: Sequence[Verb[Any]] | None = None) -> str:
    """`帮助 X`'s detail when X names a verb, else the overview (saying X is no verb)."""
    if verbs is None:
        verbs = _registered()
    shown = [verb for verb in verbs if verb.available]
    chosen = next((verb for verb in shown if verb.verb == topic), None)
    if chosen is not None:
        return chosen.detail
    lines = ["**马上办 · 指令一览**"]
    lines += [f"· **{verb.verb}**：{verb.summary}" for verb in shown]
    lines.append("任务写作 #12 或 12号；人员写作 @姓名，部门写作 @部门名。")
    lines.append("发送「帮助 指令」查看格式和例子，如「帮助 新建」「帮助 转办」。")
    if topic:
        lines.insert(0, f"没有「{markdown_text(topic)}」这个指令。")
    return "\n".join(lines)


def _registered() -> tuple[Verb[Any], ...]:
    # Imported here, not above: the registry imports this module while it discovers verbs.
    from tasks.verbs.registry import REGISTRY

    return REGISTRY.verbs


def _parse(said: Said) -> ShowHelp:
    topic = said.rest.strip(SEPARATORS + "?")
    if not topic:
        return ShowHelp(None)
    known = said.vocabulary.lookup(topic)
    if known is not None:
        return ShowHelp(known.verb)
    if kind_by_word(topic) is not None and not topic.isascii():
        return ShowHelp("新建")
    return ShowHelp(topic)


def _about_a_verb(command: ShowHelp, vocabulary: Vocabulary) -> bool:
    return command.topic is not None and vocabulary.lookup(command.topic) is not None


def _handle(ctx: Context, command: ShowHelp) -> None:
    ctx.reply(help_text(command.topic), markdown=True)


VERBS = (
    Verb(
        "帮助", 230, "查看全部指令和例子", "帮助 接办", aliases=("help", "?", "指令", "菜单"),
        usage="帮助 [指令]",
        examples=("帮助", "帮助 接办", "帮助 转交"),
        notes=("说明：" + TASK_NUMBER_NOTE + "人员写作 @姓名，部门写作 @部门名。",),
        command=ShowHelp, parse=_parse, handle=_handle,
        follows_show=True, stands_alone=_about_a_verb,
    ),
)
