"""我交办的 / 我发起的: the open tasks the sender asked others for, with a link to the page."""

from dataclasses import dataclass

from tasks.core.context import Context
from tasks.language.grammar import SEPARATORS, Command, Misread
from tasks.lifecycle import views
from tasks.verbs.record import Said, Verb


@dataclass(frozen=True)
class ListRequested(Command):
    """我交办的."""


def _parse(said: Said) -> ListRequested:
    rest = said.rest.strip(SEPARATORS)
    if rest not in ("", "任务", "的任务", "事项"):
        raise Misread(f"「{said.verb.verb}」后面不需要写内容，直接发送「{said.verb.verb}」即可")
    return ListRequested()


def _handle(ctx: Context, command: ListRequested) -> None:
    views.list_requested(ctx)


VERBS = (
    Verb(
        "我交办的", 85, "查看我交给别人、还没办结的任务", "我交办的",
        aliases=("我发起的", "我提请的", "我交办的任务", "我发起的任务"),
        usage="我交办的", who="所有人。",
        examples=("我交办的", "我发起的"),
        notes=("说明：显示状态、承办人和剩余时间，按期限排列；全部列表在工作台「我交办的」页面。",),
        command=ListRequested, parse=_parse, handle=_handle,
        follows_show=True, stands_alone=lambda command, vocabulary: True,
    ),
)
