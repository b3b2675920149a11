"""Collects the verb records of `tasks.verbs` and does everything that needs all of them:
reading a message into a command, dispatching a command to its handler, the help overview
and the authorization matrix's rows.

Discovery is by module: every module of this package that defines `VERBS` (a tuple of
`Verb` records) contributes them, so a new verb is one new module. `REGISTRY` is the
product's registry; `parse_command`, `looks_like_command` and `dispatch` are its entry points.
"""

import importlib
import logging
import pkgutil
import re
from collections.abc import Callable, Iterable
from typing import Any

from tasks.core import authority
from tasks.core.context import Context
from tasks.language.grammar import HELP_EXAMPLE, Command, Misread, Unknown, shown
from tasks.language.names import VerbNames
from tasks.language.text import normalize
from tasks.presentation import replies
from tasks.verbs import word_order
from tasks.verbs.record import Said, Verb

log = logging.getLogger(__name__)

# What may follow a verb for the message to be read as that command rather than as words
# that merely begin like it (`进度太慢` is a complaint, `进度 #12` a command).
_COMMAND_BOUNDARY = re.compile(r"$|[\s:,;、。!?#@0-9第任【\[(]")


class Unhandled(TypeError):
    """A command type no verb handles: a programming error the registry tests catch."""


class Registry:
    """The verbs in help order, their names, and the handler of each command type."""

    def __init__(self, verbs: Iterable[Verb[Any]] = ()) -> None:
        self._verbs: list[Verb[Any]] = []
        self._names: VerbNames[Verb[Any]] = VerbNames(())
        for verb in verbs:
            self.add(verb)

    # ---- the set of verbs ---------------------------------------------------------------

    @property
    def verbs(self) -> tuple[Verb[Any], ...]:
        """Every verb, in the order 帮助 lists them."""
        return tuple(self._verbs)

    def add(self, verb: Verb[Any]) -> None:
        """Register a verb; its names, order and command type must fit the others."""
        clash = [name for name in verb.names if self._names_taken(name)]
        if clash:
            raise ValueError(f"verb {verb.verb}: the names {clash} are taken")
        if any(known.order == verb.order for known in self._verbs):
            raise ValueError(f"verb {verb.verb}: another verb has order {verb.order}")
        handler = self._handlers().get(verb.command)
        if handler is not None and handler is not verb.handle:
            raise ValueError(f"verb {verb.verb}: {verb.command.__name__} has another handler")
        if verb.action is not None:
            authority.declare(verb.action)
        self._verbs = sorted([*self._verbs, verb], key=lambda v: v.order)
        self._names = VerbNames((name, v) for v in self._verbs for name in v.names)

    def remove(self, verb: Verb[Any]) -> None:
        """Unregister a verb (one a test added) and its matrix row if no other verb uses it."""
        self._verbs = [v for v in self._verbs if v is not verb]
        self._names = VerbNames((name, v) for v in self._verbs for name in v.names)
        if verb.action is not None and all(v.action != verb.action for v in self._verbs):
            authority.withdraw(verb.action)

    def _names_taken(self, name: str) -> bool:
        return any(name.lower() in (n.lower() for n in v.names) for v in self._verbs)

    def _handlers(self) -> dict[type[Command], Callable[[Context, Any], None]]:
        return {verb.command: verb.handle for verb in self._verbs}

    def lookup(self, name: str) -> Verb[Any] | None:
        """The verb a name or alias stands for (`待办` → 我的)."""
        return self._names.lookup(name)

    def split(self, text: str) -> tuple[str, Verb[Any], str] | None:
        """The name a normalised text starts with, its verb and the words after it."""
        return self._names.split(text)

    def command_types(self) -> tuple[type[Command], ...]:
        """Every command the parsers can produce: each verb's, and Unknown."""
        return (*dict.fromkeys(verb.command for verb in self._verbs), Unknown)

    # ---- reading --------------------------------------------------------------------------

    def parse(self, text: str) -> Command:
        """Read a message after folding full-width symbols and spaces, as typed on phones.

        Every input yields a Command; nothing the user types may become a server error, so
        even a fault in a verb's grammar becomes a polite "not understood".
        """
        try:
            return self.parse_strictly(text)
        except Exception:  # chat input never raises; tests run parse_strictly without this net
            # A bug to fix. The text is what someone wrote: its length, never its words.
            log.exception("the command grammar failed on a text of %d characters",
                          len(str(text)))
            return Unknown(normalize(str(text)), "没有看懂这条消息，发送「帮助」查看全部指令",
                           HELP_EXAMPLE)

    def parse_strictly(self, text: str) -> Command:
        """parse without the safety net, so a fault in a grammar shows in tests."""
        cleaned = normalize(text)
        if not cleaned:
            return Unknown(cleaned, "内容为空，发送「帮助」查看全部指令", HELP_EXAMPLE)
        led = self._led(cleaned)
        if led is not None:
            return led
        cleaned = word_order.canonical(cleaned, self._names) or cleaned
        found = self._names.split(cleaned)
        if found is None:
            return self._unknown_verb(cleaned)
        _, verb, rest = found
        if not verb.available:
            return Unknown(cleaned, "该指令即将开放", verb.example)
        return self.parse_as(verb, cleaned, rest)

    def parse_as(self, verb: Verb[Any], text: str, rest: str,
                 parse: Callable[[Said], Command] | None = None) -> Command:
        """Read `rest` as `verb`'s words; a Misread becomes an Unknown with its example."""
        try:
            return (parse or verb.parse)(Said(text, verb, rest, self))
        except Misread as misread:
            return Unknown(text, misread.reason, verb.example)

    def _led(self, cleaned: str) -> Command | None:
        """A verb recognised without its name (a kind word: `领导来电 …`)."""
        for verb in self._verbs:
            if verb.lead is not None:
                command = verb.lead(cleaned, self)
                if command is not None:
                    return command
        return None

    def recognises(self, text: str) -> bool:
        """Whether a message names a verb (or a kind word standing for one) in any order we
        read; a message that does not may be a natural request or a slip."""
        cleaned = normalize(text)
        if not cleaned or self._led(cleaned) is not None:
            return bool(cleaned)
        cleaned = word_order.canonical(cleaned, self._names) or cleaned
        return self._names.split(cleaned) is not None

    def first_word(self, text: str) -> str:
        """The word a message starts with, as a refusal quotes it."""
        return re.split(r"[\s#@:,0-9]", text, maxsplit=1)[0] or text.split(" ")[0]

    def nearest(self, word: str) -> tuple[Verb[Any], ...]:
        """The verbs a slip (`结办`, `专办`) most likely meant: one, several tied, or none."""
        return self._names.nearest(word)

    def _unknown_verb(self, text: str) -> Unknown:
        """Name the word we could not read and, if it looks like a slip, the verb it resembles."""
        word = self.first_word(text)
        nearest = self._names.nearest(word)
        if len(nearest) == 1:
            return Unknown(text, f"没有「{shown(word)}」这个指令，是要用「{nearest[0].verb}」吗？",
                           nearest[0].example)
        if nearest:
            options = "」还是「".join(verb.verb for verb in nearest)
            return Unknown(text, f"没有「{shown(word)}」这个指令，是要用「{options}」？",
                           nearest[0].example)
        return Unknown(text, f"没有看懂「{shown(word)}」，发送「帮助」查看全部指令", HELP_EXAMPLE)

    def looks_like_command(self, text: str) -> bool:
        """Whether a message is meant as a command, for a moment when plain words are expected
        (the reason for a bad rating): a verb followed by a task number, a mention, a
        separator or nothing, a kind tag (`突发：…`), or a complete command of a verb that
        stands alone (`查看我的任务`, `帮助 转办`)."""
        cleaned = normalize(text)
        if not cleaned:
            return False
        if self._led(cleaned) is not None:
            return True
        found = self._names.split(cleaned)
        if found is None:
            return False
        if _COMMAND_BOUNDARY.match(cleaned, len(found[0])):
            return True
        parsed = self.parse(cleaned)
        return any(type(parsed) is verb.command and verb.stands_alone is not None
                   and verb.stands_alone(parsed, self) for verb in self._verbs)

    # ---- acting -------------------------------------------------------------------------------

    def dispatch(self, ctx: Context, command: Command) -> None:
        """Hand a command to the verb that handles its type; an Unknown gets its reason and
        example. A type no verb handles raises Unhandled: the tests make sure none does."""
        if isinstance(command, Unknown):
            ctx.reply(replies.unknown_command(command.reason, command.example))
            return
        handler = self._handlers().get(type(command))
        if handler is None:
            raise Unhandled(f"no verb handles {type(command).__name__}")
        handler(ctx, command)


def discover(package: str) -> tuple[Verb[Any], ...]:
    """Every `VERBS` of every module in `package`, in module-name order."""
    root = importlib.import_module(package)
    found: list[Verb[Any]] = []
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package}.{info.name}")
        found += getattr(module, "VERBS", ())
    return tuple(found)


REGISTRY = Registry(discover(__package__ or "tasks.verbs"))


def parse_command(text: str) -> Command:
    """Read one chat message into a command; it never raises: what it cannot read becomes
    `Unknown` with an example."""
    return REGISTRY.parse(text)


def looks_like_command(text: str) -> bool:
    return REGISTRY.looks_like_command(text)


def dispatch(ctx: Context, command: Command) -> None:
    REGISTRY.dispatch(ctx, command)
