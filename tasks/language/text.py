"""Input normalisation and Chinese numerals shared by the command and deadline parsers."""

# Full-width ASCII (U+FF01..U+FF5E) maps 1:1 onto ASCII; U+3000 is the ideographic space.
# Zero-width characters are deleted because chat clients paste them around @mentions.
_TRANSLATION: dict[int, int | None] = {
    **{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)},
    0x3000: 0x20,
    **dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff")),
}

CN_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3,
    "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}

# Arabic numbers are capped at four digits and Chinese ones at five characters so that no
# input can build an integer large enough to overflow date arithmetic.
NUMBER = r"(?:[0-9]{1,4}|[零〇一二两三四五六七八九十]{1,5})"


def normalize(text: str) -> str:
    """Fold the many ways a phone keyboard can type the same command into one spelling.

    Chinese IMEs switch between full- and half-width symbols freely, so `＃１２` and `#12`
    must look identical to the grammar; Chinese characters themselves are left untouched.
    """
    return " ".join(text.translate(_TRANSLATION).split())


def to_int(numeral: str) -> int:
    """Read an Arabic or a simple Chinese numeral (`12`, `十二`, `二十三`, `二〇二六`).

    Raises ValueError for anything else so callers can turn it into a user-facing reason.
    """
    if numeral.isascii() and numeral.isdigit():
        return int(numeral)
    try:
        if "十" not in numeral:
            if not numeral:
                raise ValueError("empty numeral")
            value = 0
            for char in numeral:
                value = value * 10 + CN_DIGITS[char]
            return value
        head, _, tail = numeral.partition("十")
        if len(head) > 1 or len(tail) > 1:
            raise ValueError(f"unsupported numeral: {numeral}")
        tens = CN_DIGITS[head] if head else 1
        return tens * 10 + (CN_DIGITS[tail] if tail else 0)
    except KeyError as exc:
        raise ValueError(f"unsupported numeral: {numeral}") from exc
