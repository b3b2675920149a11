"""The task page's forms (and the API's action bodies) as the chat verbs' commands.

Each action of a task page builds the very `Command` dataclass its chat verb's parser
would build from a message, from named fields instead of one line of text; the verb's
handler then runs through `tasks.verbs.registry.dispatch`, so whatever it refuses is
refused in chat's words. A field the chat grammar would miss (no reason for 撤销) is
answered with the grammar's own words (`Misread`), and nothing is done.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tasks.core.lengths import too_long
from tasks.language.grammar import Command, Misread, required_reason
from tasks.language.grammar import reason as said_reason
from tasks.language.text import normalize
from tasks.messaging.inbound import MESSAGE_LONGEST
from tasks.verbs.accept import AcceptTask
from tasks.verbs.cancel import CancelTask
from tasks.verbs.chase import ChaseTask
from tasks.verbs.close import CloseTask
from tasks.verbs.extension import DecideExtension, RequestExtension
from tasks.verbs.progress import ReportProgress
from tasks.verbs.rate import RateTask
from tasks.verbs.transfer import TransferTask
from tasks.vocabulary import BAD_LEVELS, RATING_LEVELS

Fields = Mapping[str, str]


@dataclass(frozen=True)
class PageAction:
    """One action a task page (or `POST /api/v1/tasks/<id>/<name>`) can take: its URL
    name, the matrix row it asks for, its button's words, and its command builder."""

    name: str
    matrix_key: str
    label: str
    build: Callable[[int, Fields], Command]


def _text(fields: Fields, name: str) -> str:
    """A field as chat reads a message: width-folded, spaces collapsed; one longer than a
    message may be is refused as chat refuses it."""
    raw = str(fields.get(name) or "")
    if len(raw) > MESSAGE_LONGEST:
        raise Misread(too_long(len(raw)))
    return normalize(raw)


def _accept(number: int, fields: Fields) -> Command:
    return AcceptTask(number)


def _progress(number: int, fields: Fields) -> Command:
    text = _text(fields, "text")
    if not text:
        raise Misread("缺少进展说明")
    return ReportProgress(number, text)


def _close(number: int, fields: Fields) -> Command:
    return CloseTask(number, _text(fields, "result"))


def _transfer(number: int, fields: Fields) -> Command:
    target = _text(fields, "to").lstrip("@＠").strip()
    if not target:
        raise Misread("转办须写明转给谁（人或部门）和原因")
    return TransferTask(number, target, required_reason(_text(fields, "reason"),
                                                        "转办须写明原因"), True)


def deadline_text(fields: Fields) -> str:
    """The new deadline from the date picker (`2026-12-05`, an optional `17:30`) or, where
    a phone has no picker, from words as chat takes them (`3个工作日内`)."""
    day, at = _text(fields, "date"), _text(fields, "time")
    if day:
        return f"{day} {at}".strip()
    return _text(fields, "deadline")


def _extend(number: int, fields: Fields) -> Command:
    wanted = deadline_text(fields)
    if not wanted:
        raise Misread("延期须写明新的期限")
    return RequestExtension(number, wanted, required_reason(_text(fields, "reason"),
                                                            "延期须写明原因"))


def _approve(number: int, fields: Fields) -> Command:
    return DecideExtension(number, True, said_reason(_text(fields, "reason")))


def _refuse(number: int, fields: Fields) -> Command:
    return DecideExtension(number, False, required_reason(_text(fields, "reason"),
                                                          "不同意延期须写明原因"))


def _chase(number: int, fields: Fields) -> Command:
    return ChaseTask(number, _text(fields, "note"))


def _rate(number: int, fields: Fields) -> Command:
    """On the page the reason of a bad level is written with it: there is no "your next
    message" on a form, as there is in chat."""
    level = _text(fields, "level")
    if level not in RATING_LEVELS:
        raise Misread(f"评价须写明等级：{'、'.join(RATING_LEVELS)}")
    why = said_reason(_text(fields, "reason"))
    if level in BAD_LEVELS and not why:
        raise Misread(f"评为「{level}」须写明原因，科室负责人会据此决定重办或整改")
    return RateTask(number, level, why)


def _cancel(number: int, fields: Fields) -> Command:
    return CancelTask(number, required_reason(_text(fields, "reason"), "撤销须写明原因"))


ACTIONS: dict[str, PageAction] = {action.name: action for action in (
    PageAction("accept", "accept", "接办", _accept),
    PageAction("progress", "progress", "报告进展", _progress),
    PageAction("close", "close", "办结", _close),
    PageAction("transfer", "transfer", "转办", _transfer),
    PageAction("extend", "request_extension", "申请延期", _extend),
    PageAction("approve-extension", "decide_extension", "同意延期", _approve),
    PageAction("refuse-extension", "decide_extension", "不同意延期", _refuse),
    PageAction("chase", "chase", "催办", _chase),
    PageAction("rate", "rate", "评价", _rate),
    PageAction("cancel", "cancel", "撤销", _cancel),
)}
