"""The chat command language of product.md §8: commands, deadlines and their Chinese wording."""

from tasks.language.commands import (
    AcceptTask,
    CloseTask,
    Command,
    CreateTask,
    ListMine,
    ShowHelp,
    Unknown,
    parse_command,
)
from tasks.language.deadlines import (
    SHANGHAI,
    DeadlineError,
    find_deadline,
    format_deadline,
    parse_deadline,
)
from tasks.language.text import normalize
from tasks.language.verbs import VERB_SPECS, VERBS, VerbSpec

__all__ = [
    "SHANGHAI",
    "VERBS",
    "VERB_SPECS",
    "AcceptTask",
    "CloseTask",
    "Command",
    "CreateTask",
    "DeadlineError",
    "ListMine",
    "ShowHelp",
    "Unknown",
    "VerbSpec",
    "find_deadline",
    "format_deadline",
    "normalize",
    "parse_command",
    "parse_deadline",
]
