"""Text from users is data, never markup: one escaping function per output format.

Titles, notes, results, reasons, rating comments, names from the directory and words quoted
back from a command all reach other people inside messages the assistant signs. Each
renderer passes such a string through the function of the format it writes, at the point
where the string enters the output, so the assistant's own markup around it survives:

- `markdown_text`: WeCom markdown (app messages with msgtype markdown, group robot posts).
  WeCom renders headings (`#`), bold (`**`), links (`[text](url)`), inline code (`` ` ``),
  quotes (`>`) and `<font color=…>`; the robot also reads `<@userid>` as a mention.
- `plain_text`: WeCom text messages, which turn `<a href="…">…</a>` into a link whose
  target the reader does not see. Nothing else in a text message's content is markup:
  an app's text message goes to one person, and mentions are a field of their own, never
  read from the content, so `@` is left as written (a command quoted back can be copied).
- `card_text`: template card fields, which WeCom shows as plain text (a field links only
  when the card says so, by its type and url, which ours never do).

What users see (docs/commands.md, "How your text is shown"): the characters that would be
markup are shown as their full-width forms, which read naturally in Chinese text (［ ］
（ ） ＜ ＞ ＊ ＿ ｀ ＼ ＃, and ＠ in markdown, where a group post could mention); a line
break inside one field becomes a space, so no field can start a line of its own (a fake
heading, quote or notice); invisible control and bidirectional-override characters are
dropped. Full-width forms are what the command parser folds back to ASCII
(`tasks.language.text.normalize`), so a title copied from a message and sent again reads
the same.

Bare URLs are left whole: the client may make them clickable, but the reader then sees
the address itself, never a link whose text says something else. In markdown every `@`
of user text becomes `＠` (so `@all` or `@张伟` mentions nobody in a group) and
`<@userid>` cannot form in any format. HTML entities (`&lt;`) are left alone: a renderer
that decodes them shows text, not tags. HTML pages use Jinja's autoescape, not these
functions.

Every function is idempotent, so text escaped twice (a card redrawn from a stored one)
reads the same as text escaped once. The module imports nothing of the domain and sits at
its bottom, so every layer that writes user text into a message can use it: the language
quoting a word back (`grammar.shown`), a model's refusal, the directory's notices, the
presentation's replies and cards, reminders and reports.
"""

import re

# Line and paragraph breaks, tabs and the other separators that end a line somewhere.
_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+")
# Other control characters, and the bidirectional controls that make text read other
# than it is stored (U+202E turns `fdp.exe` around).
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f"
                        r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

_TEXT = str.maketrans({"<": "＜", ">": "＞"})
_MARKDOWN = str.maketrans({
    "<": "＜", ">": "＞", "@": "＠",
    "[": "［", "]": "］", "(": "（", ")": "）",
    "*": "＊", "_": "＿", "`": "｀", "\\": "＼",
})
_LEADING_HASHES = re.compile(r"^(\s*)(#+)")


def _one_line(text: str) -> str:
    """The text on one line: breaks become a space, invisible controls go."""
    return _INVISIBLE.sub("", _BREAKS.sub(" ", text))


def plain_text(text: str) -> str:
    """User text inside a WeCom text message: no `<a href>` link (nor any tag), one line."""
    return _one_line(text).translate(_TEXT)


def markdown_text(text: str) -> str:
    """User text inside WeCom markdown: no link, emphasis, code, quote, heading, font tag
    or mention can form, and the text cannot start a line of its own."""
    escaped = _one_line(text).translate(_MARKDOWN)
    return _LEADING_HASHES.sub(lambda m: m[1] + "＃" * len(m[2]), escaped)


def card_text(text: str) -> str:
    """User text inside a template card field: shown as typed (WeCom reads no markup
    there), but on one line, so a field cannot pose as further lines of the card."""
    return _one_line(text)


# Our own links. User text cannot form one (its `<`, `>`, `[` and `]` are escaped above), so
# every anchor in a message is one the assistant wrote, around an address it made.
_ADDRESS = re.compile(r"https?://[^\s\"'<>()\[\]]+")
ANCHOR = re.compile(r'<a href="(https?://[^\s"\'<>()\[\]]+)">([^<>]*)</a>')


def text_link(url: str, label: str) -> str:
    """A link in a WeCom text message (`<a href>`: the reader sees `label`). A platform
    whose texts show no links rewrites it (`ANCHOR`), e.g. DingTalk as `label：url`.

    `label` is the assistant's own words (`#12`, 在工作台查看), never user text; an address
    that could break out of the link is shown as the label alone."""
    if not _ADDRESS.fullmatch(url):
        return label
    return f'<a href="{url}">{label.translate(_TEXT)}</a>'


def markdown_link(url: str, label: str) -> str:
    """A link in markdown (`[label](url)`), on WeCom and DingTalk alike; `label` as for
    `text_link`."""
    if not _ADDRESS.fullmatch(url):
        return label
    return f"[{label.replace('[', '［').replace(']', '］')}]({url})"


def unlinked(text: str) -> str:
    """A text message's links written out as `label：url`, for a platform whose text
    messages show no links but make a bare address clickable."""
    return ANCHOR.sub(lambda m: f"{m[2]}：{m[1]}", text)
