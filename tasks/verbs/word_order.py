"""Verbs written where people put them in chat: `已办结 #12`, `#12 办完了`, `12号任务办结 …`.

The grammar reads `verb #n rest`. Clerks also report the number first, put 已/已经 before
the verb, or end it with 了. Those forms are rewritten to the canonical order only when the
reading is unambiguous: the number is a whole task reference and the words after it start
with the name of a verb that acts on a task. Bare `#12 好了` stays unread (好了 may mean
"fine" as well as "done").
"""

import re
from typing import Any, Protocol

from tasks.language.grammar import Misread, task_ref

_DONE = re.compile(r"^(?:已经?)?(?:办完|办好|做完|做好|弄好|搞定|完成|办结)(?:了|啦|喽)?"
                   r"(?=$|[\s,;:。!?])")
_ALREADY = re.compile(r"^已经?")
_PARTICLE = re.compile(r"^(?:了|啦|喽)(?=$|[\s,;:。!?#0-9第任])")
_NUMBER_FIRST = re.compile(r"^(?:#|＃|任务|第|[0-9])")


class Names(Protocol):
    def split(self, text: str) -> "tuple[str, Any, str] | None": ...


def canonical(text: str, names: Names) -> str | None:
    """`text` in `verb #n rest` order, or None when it is written that way already or cannot
    be reordered without guessing."""
    if _NUMBER_FIRST.match(text):
        return _number_first(text, names)
    return _verb_with_particles(text, names)


def _acts_on_a_task(verb: Any) -> bool:
    return getattr(verb, "action", None) is not None


def _number_first(text: str, names: Names) -> str | None:
    """`#12 办完了`, `12号任务办结 材料已报`, `#12 已办结`."""
    try:
        number, tail = task_ref(text)
    except Misread:
        return None
    tail = tail.strip(" ,:")
    done = _DONE.match(tail)
    if done:
        return f"办结 #{number} {tail[done.end():].strip(' ,;:。')}".strip()
    tail = _ALREADY.sub("", tail)
    found = names.split(tail)
    if found is None or not _acts_on_a_task(found[1]):
        return None
    rest = _PARTICLE.sub("", found[2]).strip(" ,;:")
    return f"{found[0]} #{number} {rest}".strip()


def _verb_with_particles(text: str, names: Names) -> str | None:
    """`已办结 #12`, `办完了 #12`: 已 before or 了 after a task verb adds nothing."""
    stripped = _ALREADY.sub("", text)
    found = names.split(stripped)
    if found is None or not _acts_on_a_task(found[1]):
        return None
    rest = _PARTICLE.sub("", found[2])
    if stripped == text and rest == found[2]:
        return None  # written in order already: leave the spacing as the writer typed it
    return f"{found[0]} {rest.lstrip(' ,:')}".strip()
