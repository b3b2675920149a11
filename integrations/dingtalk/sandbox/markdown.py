"""DingTalk's markdown, as its client shows it, turned into safe HTML for the chat page.

DingTalk markdown (robot sampleMarkdown, a card's markdown block) has headings (`#` to
`######`), `> ` quotes, `**bold**`, `*italic*`, `[text](url)` links, `![](url)` images
(shown here as their address), `- ` and `1. ` lists and `<font color=…>` (shown as plain
text here). Safe by construction: each line is HTML-escaped first, and only then do the
subset's patterns, read on the escaped text, become tags from a fixed set (a link's URL
must be http or https and stays escaped inside its attribute).
"""

from __future__ import annotations

import html
import re

_HEADING = re.compile(r"(#{1,6}) +(.+)")
_QUOTE = re.compile(r"&gt; ?(.*)")
_ITEM = re.compile(r"(?:[-*]|\d+\.) +(.+)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<!\*)\*([^*]+)\*(?!\*)")
_IMAGE = re.compile(r"!\[[^\]]*\]\((https?://[^)\s]+)\)")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")


def render_markdown(text: str) -> str:
    """The HTML for a markdown text: one element per line, classes prefixed `md-`."""
    blocks = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = html.escape(raw.rstrip())
        heading = _HEADING.fullmatch(line)
        quote = _QUOTE.fullmatch(line)
        item = _ITEM.fullmatch(line)
        if heading:
            level = len(heading.group(1))
            blocks.append(f'<div class="md-h md-h{level}">{_inline(heading.group(2))}</div>')
        elif quote:
            blocks.append(f'<div class="md-quote">{_inline(quote.group(1))}</div>')
        elif item:
            blocks.append(f'<div class="md-item">• {_inline(item.group(1))}</div>')
        else:
            blocks.append(f'<div class="md-line">{_inline(line) or "<br>"}</div>')
    return "".join(blocks)


def _inline(line: str) -> str:
    line = _IMAGE.sub(r'<span class="md-image">[图片 \1]</span>', line)
    line = _LINK.sub(r'<a class="md-link" href="\2" target="_blank" rel="noopener">\1</a>', line)
    line = _BOLD.sub(r"<strong>\1</strong>", line)
    return _ITALIC.sub(r"<em>\1</em>", line)


_ADDRESS = re.compile(r"https?://[^\s<>\"'（）]+")


def render_text(text: str) -> str:
    """A sampleText as the client shows it: the text as it is (the page keeps its line
    breaks), each bare web address a link (DingTalk makes them clickable). The address is
    found in the raw text and every piece escaped on its own."""
    parts = _ADDRESS.split(text)
    addresses = _ADDRESS.findall(text)
    shown = [html.escape(parts[0])]
    for address, rest in zip(addresses, parts[1:], strict=True):
        escaped = html.escape(address)
        shown.append(f'<a class="md-link" href="{escaped}" target="_blank" rel="noopener">'
                     f"{escaped}</a>{html.escape(rest)}")
    return "".join(shown)
