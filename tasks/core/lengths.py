"""How much of what people write the product takes, and what it does with the rest.

The limits are stated in the help and in docs/commands.md ("Lengths"):

- A title is at most `TITLE_LONGEST` characters: it is what every list, card and reminder
  shows. A longer one keeps its first words as the title; the rest becomes the task's
  description (说明), which 查询 shows.
- A progress report or a result is at most `NOTE_LONGEST` characters; a longer one is
  refused, saying the limit and its length, and changes nothing.
- A message is read up to `MESSAGE_LONGEST` characters; a longer one is answered
  「消息过长…」 without being stored (`tasks.messaging.inbound`).
"""

from tasks.errors import Refusal
from tasks.messaging.budget import shorten
from tasks.messaging.inbound import MESSAGE_LONGEST

TITLE_LONGEST = 60
NOTE_LONGEST = 500


def split_title(written: str) -> tuple[str, str]:
    """(title, description): the title is `written` itself when short enough, else its
    first whole words within `TITLE_LONGEST` characters, the rest its description."""
    if len(written) <= TITLE_LONGEST:
        return written, ""
    title = shorten(written, TITLE_LONGEST + 1)[:-1].rstrip()  # whole words, no "…"
    return title, written[len(title):].strip()


def require_note_length(text: str, what: str) -> None:
    """Refuse a progress report or result longer than `NOTE_LONGEST` characters."""
    if len(text) > NOTE_LONGEST:
        raise Refusal(f"{what}最多 {NOTE_LONGEST} 字，这条有 {len(text)} 字，"
                      "请精简后再发（可分几次报告进展）。")


def too_long(length: int) -> str:
    """The answer to a message longer than we read."""
    return (f"消息过长：这条有 {length} 字，马上办只读 {MESSAGE_LONGEST} 字以内的消息，"
            "未作处理。请精简，或分几条发送。")
