"""The record that defines one chat verb, and what its parser and handler are given.

A verb is one `Verb` value in one module of `tasks.verbs`: its name and aliases, its help
(one overview line, the `帮助 X` detail with examples), its parser, the command type the
parser produces, the handler that acts on it, and the authorization matrix row it asks for.
The registry (registry.py) collects the records; nothing else lists verbs.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from tasks.core.authority import Action
from tasks.core.context import Context
from tasks.errors import Refusal
from tasks.language.grammar import Command
from tasks.models import Task
from tasks.presentation import replies

C = TypeVar("C", bound=Command)


class Vocabulary(Protocol):
    """What a parser may ask of the registry: another verb by name, or a reading as one."""

    def lookup(self, name: str) -> "Verb[Any] | None": ...

    def split(self, text: str) -> "tuple[str, Verb[Any], str] | None": ...

    def parse_as(self, verb: "Verb[Any]", text: str, rest: str,
                 parse: "Callable[[Said], Command] | None" = None) -> Command: ...


@dataclass(frozen=True)
class Said:
    """A message whose verb was recognised: the whole normalised text, the verb's record,
    the words after the verb's name, and the vocabulary to consult other verbs."""

    text: str
    verb: "Verb[Any]"
    rest: str
    vocabulary: Vocabulary


@dataclass(frozen=True, eq=False)
class Verb(Generic[C]):
    """One chat verb (docs/commands.md), everything about it in one place.

    `order` places it in 帮助's overview (most used first). The `帮助 X` detail is built as
    `格式：{usage}`, `谁可以用：…` (from `action` when the verb acts on a task, else `who`),
    one `例：` line per example, then `notes`. `parse` raises grammar.Misread for what it
    cannot read (the registry answers with `example`). `lead` recognises the verb without
    its name (`领导来电 …` creates a task); `follows_show` lets `查看` lead to it (`查看我的任务`).
`stands_alone` tells whether a parsed command is whole even where the name runs into other
words (`查看我的任务`, `帮助转办`), so that it is not taken for plain words (ratings' reasons).
    """

    verb: str
    order: int
    description: str
    example: str
    usage: str
    examples: tuple[str, ...]
    command: type[C]
    parse: Callable[[Said], Command]
    handle: Callable[[Context, C], None]
    aliases: tuple[str, ...] = ()
    action: Action | None = None
    who: str = ""
    notes: tuple[str, ...] = ()
    lead: Callable[[str, Vocabulary], Command | None] | None = None
    follows_show: bool = False
    stands_alone: Callable[[C, Vocabulary], bool] | None = None
    available: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        return (self.verb, *self.aliases)

    @property
    def summary(self) -> str:
        """The verb's line in 帮助's overview: what it does, no more. Its examples are in
        `帮助 <verb>` (`detail`), so the overview of every verb fits one message."""
        return self.description

    @property
    def who_may(self) -> str:
        """谁可以用, in words: the matrix row's roles when the verb acts on a task."""
        return self.action.roles_in_words() + "。" if self.action else self.who

    @property
    def detail(self) -> str:
        """The answer to `帮助 X`."""
        lines = [f"格式：{self.usage}"]
        if self.who_may:
            lines.append(f"谁可以用：{self.who_may}")
        lines += [f"例：{example}" for example in self.examples]
        return "\n".join([*lines, *self.notes])


def load_task(ctx: Context, number: int, *, lock: bool = True) -> Task:
    """Load a task, locking its row so concurrent changes to it happen one after another.

    Need to know: to someone with no part in the task it does not exist. They get the very
    answer a missing number gets, before any check of the task's state or roles, so no
    refusal tells them who holds it or how far it has come.
    """
    task = known_task(ctx, number, lock=lock)
    if task is None:
        raise Refusal(replies.task_not_found(number))
    return task


def known_task(ctx: Context, number: int, *, lock: bool = True) -> Task | None:
    """The task numbered `number` if it exists and the sender takes part in it, else None."""
    task = ctx.session.get(Task, number, with_for_update=lock)
    if task is None or not ctx.authority.takes_part(ctx.sender, task, ctx.now):
        return None
    return task
