"""The building blocks of the chat language (docs/commands.md): normalisation, task numbers,
names, deadlines, report intervals, task kinds and verb-name look-up. The verbs themselves,
and `parse_command`, are in `tasks.verbs`."""

from tasks.language.deadline_split import DeadlineSplit, split_deadline
from tasks.language.deadlines import (
    SHANGHAI,
    DeadlineError,
    find_deadline,
    format_deadline,
    format_time_left,
    parse_deadline,
)
from tasks.language.grammar import Command, Misread, Unknown
from tasks.language.intervals import parse_interval
from tasks.language.kinds import KIND_LABELS, infer_kind, kind_by_word
from tasks.language.names import VerbNames
from tasks.language.text import normalize

__all__ = [
    "KIND_LABELS",
    "SHANGHAI",
    "Command",
    "DeadlineError",
    "DeadlineSplit",
    "Misread",
    "Unknown",
    "VerbNames",
    "find_deadline",
    "format_deadline",
    "format_time_left",
    "infer_kind",
    "kind_by_word",
    "normalize",
    "parse_deadline",
    "parse_interval",
    "split_deadline",
]
