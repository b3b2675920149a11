"""Fitting what we say into what a platform shows uncut: its budgets (`ChannelLimits`).

A platform cuts a message past its limit silently, mid-character and mid-word, so the
last lines (a task's holder, its deadline, the end of a list) are simply gone. Nothing we
send may rely on that cut. Two rules keep everything readable:

- A message too long for one send is split into numbered messages, （1/3）（2/3）…, between
  lines where it can, else between words (`split_text`); nothing is dropped.
- A card's texts have fixed room, so each is condensed to its budget, ending in "…" after
  a whole word (`shorten`, `fit_card`); the full text is always one 查询 away.

A "word" is a run of ASCII letters, digits and the marks that hold a number or a name
together (#12, 12.5, a-b, x@y); every CJK character is a word of its own.
"""

import re
from dataclasses import replace

from tasks.messaging.channel import Card, CardField, ChannelLimits

ELLIPSIS = "…"
_WORDS = re.compile(r"[#@]?[A-Za-z0-9_.:/@%+\-]+|\s+|.", re.DOTALL)
_MOST_PARTS = 99  # a message longer than 99 parts is a bug, not a message


def byte_size(text: str) -> int:
    return len(text.encode("utf-8"))


def part_header(number: int, total: int) -> str:
    """What starts part `number` of `total`: （1/2）."""
    return f"（{number}/{total}）"


def split_text(text: str, budget: int) -> list[str]:
    """`text` as one message if it fits `budget` UTF-8 bytes, else as numbered parts that
    each fit, broken between lines where possible and never inside a word."""
    if byte_size(text) <= budget:
        return [text]
    total = 2
    while True:
        room = budget - byte_size(part_header(total, total))
        chunks = _pack(text.split("\n"), room)
        if len(chunks) <= total or total >= _MOST_PARTS:
            return [part_header(n, len(chunks)) + chunk
                    for n, chunk in enumerate(chunks, start=1)]
        total = len(chunks)


def _pack(lines: list[str], room: int) -> list[str]:
    """Greedy: as many whole lines per chunk as fit `room` bytes; a line longer than a
    chunk is broken between words."""
    chunks: list[list[str]] = [[]]
    used = 0
    for line in lines:
        for piece in _break(line, room):
            size = byte_size(piece) + (1 if chunks[-1] else 0)
            if chunks[-1] and used + size > room:
                chunks.append([])
                size, used = byte_size(piece), 0
            chunks[-1].append(piece)
            used += size
    return ["\n".join(chunk) for chunk in chunks]


def _break(line: str, room: int) -> list[str]:
    """`line` in pieces of at most `room` bytes, each ending at a word's end; a single
    word longer than `room` (a pasted URL of kilobytes) is the one thing broken inside."""
    if byte_size(line) <= room:
        return [line]
    pieces, current = [], ""
    for word in _WORDS.findall(line):
        while byte_size(word) > room:  # no word boundary inside: break by characters
            if current:
                pieces.append(current)
                current = ""
            head = word.encode("utf-8")[:room].decode("utf-8", errors="ignore")
            pieces.append(head)
            word = word[len(head):]
        if byte_size(current + word) > room:
            pieces.append(current)
            current = word.lstrip()
        else:
            current += word
    if current:
        pieces.append(current)
    return [piece.rstrip() for piece in pieces if piece.strip()]


def shorten(text: str, chars: int) -> str:
    """`text` in at most `chars` characters: whole, or its first whole words then "…"."""
    if len(text) <= chars:
        return text
    kept = ""
    for word in _WORDS.findall(text):
        if len(kept) + len(word) > chars - len(ELLIPSIS):
            break
        kept += word
    if not kept.strip():  # one word longer than the room: nothing else to do
        kept = text[:chars - len(ELLIPSIS)]
    return kept.rstrip() + ELLIPSIS


def fit_card(card: Card, limits: ChannelLimits) -> Card:
    """`card` with every text condensed to the platform's budget for it and no more rows
    than it shows."""
    return replace(
        card,
        title=shorten(card.title, limits.card_title_chars),
        subtitle=shorten(card.subtitle, limits.card_subtitle_chars),
        fields=tuple(CardField(shorten(f.label, limits.card_label_chars),
                               shorten(f.value, limits.card_value_chars))
                     for f in card.fields[:limits.card_fields]),
        buttons=tuple(replace(b, label=shorten(b.label, limits.card_button_chars))
                      for b in card.buttons),
    )


def text_budget(kind: str, limits: ChannelLimits) -> int | None:
    """The byte budget of an outbox row of `kind`, or None for a kind without one."""
    return {"text": limits.text_bytes, "markdown": limits.markdown_bytes,
            "group_markdown": limits.group_markdown_bytes}.get(kind)
