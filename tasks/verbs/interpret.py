"""The language's one public entry point: a message in, what it means and how to say so out.

`interpret(text, directory=…, now=…, calendar=…)` reads one message the way the chat acts
on it, and the web form's preview will show it:

- a command (`新建 …`, `#12 办完了`, `收到`), possibly after an unambiguous reading of names
  written without @ (`@李娜 王芳`);
- a natural request (`李娜，麻烦把会议纪要整理一下 明天下班前`): a `CreateTask` that needs
  the writer's confirmation on a card, never created silently;
- a refusal: not understood, or a slip (`结办`) answered with the nearest verb and the
  message rewritten with it, to copy and send. A slip is never executed on a guess.

`spans` say which characters were read as what (verb, number, names, deadline, title,
discarded politeness), so the preview can underline them and the tests can check that no
character of the message is lost.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from tasks.calendar.workdays import WorkCalendar
from tasks.language.grammar import MENTION, Command, Unknown
from tasks.language.names import CONFUSED_COST, confusable_with, slip_distance
from tasks.language.text import normalize
from tasks.markup import plain_text
from tasks.presentation import replies
from tasks.verbs import natural
from tasks.verbs import registry as verb_registry
from tasks.verbs.create import CreateTask
from tasks.verbs.registry import Registry


class DirectoryView(Protocol):
    """What the language may ask of the directory: the active people a written name means
    (their display labels). The language stays free of the database; flows passes one
    backed by the session."""

    def people_named(self, written: str) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Span:
    """Characters `start`..`end` of the normalised text, read as `role`."""

    role: str  # verb, number, names, deadline, progress, kind, title, discarded
    start: int
    end: int


@dataclass(frozen=True)
class Interpretation:
    """What one message means. Exactly one of `command`, `request`, `refusal` is set:
    `command` to dispatch, `request` to confirm on a card, `refusal` to answer with `reply`.
    `reply` explains the reading (empty when the verb's own answer says it all)."""

    text: str
    command: Command | None = None
    request: CreateTask | None = None
    refusal: Unknown | None = None
    reply: str = ""
    spans: tuple[Span, ...] = field(default=())

    def pieces(self, role: str) -> list[str]:
        """The text of every span read as `role`, in order."""
        return [self.text[s.start : s.end] for s in self.spans if s.role == role]


def interpret(text: str, *, directory: DirectoryView, now: datetime | None = None,
              calendar: WorkCalendar | None = None, registry: Registry | None = None
              ) -> Interpretation:
    """Read one message: a command, a natural request to confirm, or a refusal with help.

    `now` and `calendar` are accepted so the reading can explain deadlines; today the
    deadline is resolved by the handler (and by the confirmation card) on the same clock.
    """
    registry = registry or verb_registry.REGISTRY
    cleaned = normalize(text)
    if cleaned and registry.recognises(cleaned):
        command_text = natural.with_marked_names(cleaned, directory)
        command = registry.parse(command_text)
        if isinstance(command, Unknown):
            return _refused(cleaned, command)
        slip = _time_word_slip(cleaned, command)
        if slip is not None:
            return _refused(cleaned, slip)
        return Interpretation(cleaned, command=command, spans=_spans(cleaned, command, registry))
    slipped = _slip_or_unknown(cleaned, registry) if cleaned else None
    if slipped is not None and _close_slip(registry.first_word(cleaned), registry):
        return _refused(cleaned, slipped)  # `新健 …@李娜 3天内` is a slip, not a request
    request = natural.read_request(cleaned, directory, registry)
    if isinstance(request, str):
        return _refused(cleaned, Unknown(cleaned, request, replies.GENERAL_EXAMPLE))
    slip = _time_word_slip(cleaned, request) if request is not None else None
    if slip is not None:
        return _refused(cleaned, slip)
    if request is not None:
        return Interpretation(cleaned, request=request, reply=natural.explained(request),
                              spans=_spans(cleaned, request, registry))
    return _refused(cleaned, _slip_or_unknown(cleaned, registry))


def _close_slip(word: str, registry: Registry) -> bool:
    """A swap or a confusable character away from a verb (`新健`, `结办`): a slip so likely
    that the message is refused with the verb before it could read as a natural request
    (`帮我…` is one ordinary edit from 帮助, and is a request)."""
    return any(slip_distance(word[: len(name)].lower(), name) <= CONFUSED_COST
               for verb in registry.nearest(word) for name in verb.names if len(name) >= 2)


def _slip_or_unknown(cleaned: str, registry: Registry) -> Unknown:
    """A message whose first word is one slip from a verb is refused with that verb and the
    message rewritten with it: even an unambiguous slip is not executed, so a state-changing
    verb never runs on a guess (the writer copies the corrected line, one tap)."""
    command = registry.parse(cleaned)
    assert isinstance(command, Unknown)
    word = registry.first_word(cleaned)
    nearest = registry.nearest(word)
    if len(nearest) != 1:
        return command
    corrected = nearest[0].verb + cleaned[len(word):]
    if not isinstance(registry.parse(corrected), Unknown):
        return Unknown(cleaned, f"{command.reason}请改为：{plain_text(corrected)}",
                       command.example)
    return command


# Words of time a slip may disguise (`名天下午` reads as "this afternoon" plus 名天 in the title).
_TIME_WORDS = ("今天", "明天", "后天", "本周", "下周", "周末", "月底", "年底", "上午", "下午",
               "中午", "晚上", "下班", "今晚", "明早", "明晚")


def _confused_time_words() -> dict[str, str]:
    """Each time word with one character swapped for a confusable one (`名天` → 明天)."""
    variants: dict[str, list[str]] = {}
    for word in _TIME_WORDS:
        for index, char in enumerate(word):
            for other in confusable_with(char):
                variant = word[:index] + other + word[index + 1 :]
                if variant not in _TIME_WORDS:
                    variants.setdefault(variant, []).append(word)
    return {variant: meant[0] for variant, meant in variants.items() if len(meant) == 1}


_CONFUSED_TIME_WORDS = _confused_time_words()


def _time_word_slip(cleaned: str, command: Command) -> Unknown | None:
    """A title word one confusable character from a time word, standing where a deadline
    goes (just before the deadline read, or ending the title): refused, never guessed,
    because the deadline the writer meant was not read."""
    if not isinstance(command, CreateTask):
        return None
    title = command.title.replace(" ", "")
    for start in range(len(title) - 1):
        word = title[start : start + 2]
        meant = _CONFUSED_TIME_WORDS.get(word)
        if meant is None:
            continue
        where_deadline_goes = (start + 2 == len(title)) or bool(
            command.deadline_text and word + command.deadline_text.replace(" ", "")
            in cleaned.replace(" ", ""))
        if where_deadline_goes:
            corrected = cleaned.replace(word, meant, 1)
            return Unknown(cleaned, f"「{word}」是「{meant}」吗？期限没有读懂，没有创建任务。"
                                    f"请改为：{plain_text(corrected)}", replies.GENERAL_EXAMPLE)
    return None


def _refused(cleaned: str, unknown: Unknown) -> Interpretation:
    return Interpretation(cleaned, refusal=unknown,
                          reply=replies.unknown_command(unknown.reason, unknown.example))


# ---- spans ------------------------------------------------------------------------------

_DISCARDABLE = re.compile(r"[\s,;:、。!?~…()（）【】\[\]]")


def _spans(text: str, command: Command, registry: Registry) -> tuple[Span, ...]:
    """Which characters were read as what. Only a create family command has parts beyond
    its verb; for the others the verb's span and the rest (`rest`) are enough."""
    roles: list[str | None] = [None] * len(text)
    found = registry.split(text)
    if found is not None:
        _mark(roles, 0, len(found[0]), "verb")
    if isinstance(command, CreateTask):
        _mark_create(text, roles, command)
    leftover = "discarded" if isinstance(command, CreateTask) else "rest"
    for index, role in enumerate(roles):
        if role is None:
            roles[index] = "discarded" if _DISCARDABLE.match(text[index]) else leftover
    return _runs(roles)


def _mark_create(text: str, roles: list[str | None], command: CreateTask) -> None:
    for mention in MENTION.finditer(text):
        _mark(roles, mention.start(), mention.end(), "names")
    for name in command.assignees:
        for match in re.finditer(re.escape(name), text):
            if all(role is None for role in roles[match.start() : match.end()]):
                _mark(roles, match.start(), match.end(), "names")
    for role, phrase in (("deadline", command.deadline_text), ("progress", command.progress_text)):
        if phrase:
            _mark_phrase(text, roles, phrase, role)
    _align_title(text, roles, command.title)


def _mark_phrase(text: str, roles: list[str | None], phrase: str, role: str) -> None:
    """The last free occurrence of `phrase`, its spaces optional (the parser may have joined
    words that a mention separated)."""
    pattern = r"\s*".join(re.escape(char) for char in phrase.replace(" ", ""))
    for match in reversed(list(re.finditer(pattern, text))):
        if all(r is None for r in roles[match.start() : match.end()]):
            _mark(roles, match.start(), match.end(), role)
            return


def _align_title(text: str, roles: list[str | None], title: str) -> None:
    """The title's characters, matched in order over what nothing else claimed."""
    wanted = [char for char in title if not char.isspace()]
    position = 0
    for index, char in enumerate(text):
        if position < len(wanted) and roles[index] is None and char == wanted[position]:
            roles[index] = "title"
            position += 1


def _mark(roles: list[str | None], start: int, end: int, role: str) -> None:
    for index in range(start, end):
        if roles[index] is None:
            roles[index] = role


def _runs(roles: list[str | None]) -> tuple[Span, ...]:
    spans: list[Span] = []
    for index, role in enumerate(roles):
        assert role is not None
        if spans and spans[-1].role == role and spans[-1].end == index:
            spans[-1] = Span(role, spans[-1].start, index + 1)
        else:
            spans.append(Span(role, index, index + 1))
    return tuple(spans)
