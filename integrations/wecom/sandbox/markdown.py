"""WeCom's markdown, as the WeCom client shows it, turned into safe HTML for the chat page.

An app's `markdown` message supports a small subset (WeCom's "markdown类型" of 消息类型):
headings (`#` to `######` and a space), `**bold**`, `[text](url)` links, `` `code` `` in a
line, `> ` quotes, and `<font color="info|comment|warning">` (green, grey, orange-red).
Anything else is text, HTML included: `<b>` shows as `<b>`.

Safe by construction: each line is HTML-escaped first, and only then do the subset's
patterns, read on the escaped text, become tags from a fixed set with fixed attributes (a
link's URL must be http or https and stays escaped inside its attribute). No markup of a
message reaches the page, whatever it contains.

Invisible characters some senders add to a message as its key (zero-width spaces and
joiners) are dropped first, so a `> ` or `# ` after one still counts.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
FONT_COLOURS = ("info", "comment", "warning")

_HEADING = re.compile(r"(#{1,6}) +(.+)")
_QUOTE = re.compile(r"&gt; ?(.*)")
_CODE = re.compile(r"`([^`]+)`")
_FONT = re.compile(r"&lt;font +color=(&quot;|&#x27;)?(info|comment|warning)\1 *&gt;(.*?)"
                   r"&lt;/font&gt;", re.IGNORECASE)
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")


def render_markdown(text: str) -> str:
    """The HTML the chat page shows for a markdown message (one element per line or
    quote block, classes prefixed `md-`)."""
    lines = text.translate(INVISIBLE).replace("\r\n", "\n").split("\n")
    blocks: list[str] = []
    quote: list[str] = []
    for line in (html.escape(raw) for raw in lines):
        quoted = _QUOTE.fullmatch(line)
        if quoted:
            quote.append(_inline(quoted.group(1)))
            continue
        if quote:
            blocks.append(_quote_block(quote))
            quote = []
        blocks.append(_block(line))
    if quote:
        blocks.append(_quote_block(quote))
    return "".join(blocks)


def _block(line: str) -> str:
    heading = _HEADING.fullmatch(line)
    if heading:
        level = len(heading.group(1))
        return f'<div class="md-h md-h{level}">{_inline(heading.group(2))}</div>'
    return f'<div class="md-line">{_inline(line) or "<br>"}</div>'


def _quote_block(lines: list[str]) -> str:
    return f'<blockquote class="md-quote">{"<br>".join(lines)}</blockquote>'


def _inline(escaped: str) -> str:
    """Code spans stay as they are; the rest gets colours, bold and links."""
    parts = _CODE.split(escaped)  # even indexes: text, odd: the inside of a code span
    return "".join(f'<code class="md-code">{part}</code>' if index % 2 else _styled(part)
                   for index, part in enumerate(parts))


def _styled(escaped: str) -> str:
    escaped = _FONT.sub(lambda m: f'<span class="md-font md-{m.group(2).lower()}">'
                                  f"{m.group(3)}</span>", escaped)
    escaped = _BOLD.sub(_if_balanced(lambda inner: f"<strong>{inner}</strong>"), escaped)
    return _LINK.sub(_link, escaped)


def _link(match: re.Match[str]) -> str:
    text, url = match.group(1), match.group(2)
    if not _balanced(text):
        return match.group(0)
    return f'<a class="md-link" href="{url}" target="_blank" rel="noopener noreferrer">{text}</a>'


def _if_balanced(wrap: Callable[[str], str]) -> Callable[[re.Match[str]], str]:
    """Apply `wrap` to the match's inside unless that would cut one of our tags in two."""
    return lambda match: wrap(match.group(1)) if _balanced(match.group(1)) else match.group(0)


def _balanced(fragment: str) -> bool:
    return all(fragment.count(opening) == fragment.count(closing)
               for opening, closing in (("<span ", "</span>"), ("<strong>", "</strong>"),
                                        ("<a ", "</a>")))


# A text message's one piece of markup: `<a href="…">…</a>`, a link whose target the reader
# does not see (WeCom's 文本消息: "支持换行、以及A标签"). Read on the escaped text.
_ANCHOR = re.compile(r"&lt;a href=&quot;(https?://(?:(?!&quot;)[^\s<>])+)&quot;&gt;"
                     r"((?:(?!&lt;).)*?)&lt;/a&gt;")


def render_text(text: str) -> str:
    """The HTML the chat page shows for a text message: the text as it is (its line
    breaks kept by the page's CSS), with its `<a href>` links made links that open a new
    tab. Safe by construction, as for markdown: escaped first, then only that pattern."""
    escaped = html.escape(text.translate(INVISIBLE))
    return _ANCHOR.sub(lambda m: f'<a class="md-link" href="{m[1]}" target="_blank" '
                                 f'rel="noopener">{m[2]}</a>', escaped)
