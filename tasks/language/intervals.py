"""Report intervals written in a new task (`每周汇报`, `每3个工作日报告一次进展`)."""

import re

from tasks.language.text import NUMBER, normalize, to_int

_INTERVAL_CORE = (
    rf"每\s*(?:隔\s*)?(?:(?P<n>{NUMBER})\s*)?(?:个\s*)?"
    r"(?P<unit>工作日|小时|钟头|天|日|月|周|星期|礼拜)(?:(?<=[周期拜])[一二三四五六日天1-7](?!\s*次))?"
)
_ONCE = r"(?:(?:一|1)\s*次\s*)?"
_REPORT = (
    rf"\s*{_ONCE}(?:要|须|需|需要|请)?\s*(?:汇报|报告|报送|反馈|通报|报)\s*{_ONCE}"
    r"(?:办理|工作)?\s*(?:进展情况|进展|进度|情况)?"
)
INTERVAL_IN_TEXT = re.compile(
    rf"(?:(?<![^\s,;:、。])(?:请|并|并且|需|须|需要|要)\s*)?(?P<phrase>{_INTERVAL_CORE}{_REPORT})"
    r"(?=$|[\s,;:、。!?@])"
)
_INTERVAL_ALONE = re.compile(rf"(?:请|并|需|须|要)?{_INTERVAL_CORE}(?:{_REPORT})?")
_INTERVAL_UNITS = {
    "工作日": (1, "working_days"), "小时": (1, "hours"), "钟头": (1, "hours"),
    "天": (1, "natural_days"), "日": (1, "natural_days"), "周": (7, "natural_days"),
    "星期": (7, "natural_days"), "礼拜": (7, "natural_days"), "月": (30, "natural_days"),
}


def parse_interval(text: str) -> tuple[int, str] | None:
    """Read a report interval: `每周汇报` → (7, "natural_days"), `每3个工作日` → (3,
    "working_days"), `每2小时报一次` → (2, "hours"); None when it is not one.

    A month counts as 30 natural days.
    """
    phrase = normalize(text).replace(" ", "")
    match = _INTERVAL_ALONE.fullmatch(phrase)
    if match is None:
        return None
    factor, name = _INTERVAL_UNITS[match["unit"]]
    try:
        count = to_int(match["n"]) if match["n"] else 1
    except ValueError:
        return None
    return (count * factor, name) if count > 0 else None
