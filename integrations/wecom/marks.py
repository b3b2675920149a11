"""The row mark: what makes a keyed WeCom text a request of its own.

WeCom's duplicate check (`enable_duplicate_check`) drops a message whose request JSON is
the same as one accepted in the last few hours. Every send is keyed, so two messages with
the same text to the same person (the same refusal twice, say) would be one request, and
the second would never arrive. A text or markdown request has no field of ours to make it
different (WeCom documents none, and an unknown field may be ignored before the check),
so the difference goes into the content: the outbox row's id, written in base 4 with
zero-width characters at the end of the text. Only a `repeat` carries it (delivery says
when another row has the same text for the same person), so every other text is sent
byte for byte as written, and keeps all of WeCom's 2048 bytes.

- Invisible: WeCom clients show these characters as nothing, and the language drops them
  (`tasks.language.text.normalize`), so a reply pasted back reads the same.
- Unique per row: always `LENGTH` digits, so a mark never ends inside another and two rows'
  contents differ whatever their texts; ids wrap after 4**16 (4.3 billion rows), far more
  than can be sent to one person within WeCom's 4 hours.
- Stable: the same row always gets the same mark, so its resend is the same request.
"""

# zero-width space, zero-width non-joiner, zero-width joiner, word joiner
DIGITS = "\u200b\u200c\u200d\u2060"
LENGTH = 16
MARK_BYTES = LENGTH * 3  # each digit is 3 bytes of UTF-8


def row_mark(key: int) -> str:
    """The `LENGTH` invisible characters that stand for `key` (an outbox row id)."""
    number, digits = key % len(DIGITS) ** LENGTH, []
    for _ in range(LENGTH):
        number, digit = divmod(number, len(DIGITS))
        digits.append(DIGITS[digit])
    return "".join(reversed(digits))
