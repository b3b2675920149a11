"""Issue 12's property over the interpretation's spans, on generated create and natural
messages: every character is read as exactly one thing, and the title, names and deadline
read are exactly those written (no word of the title lost, none taken from elsewhere).

The number of messages is the hypothesis profile's (tests/conftest.py): the same 1,000 on
every `make test` (~5 s on the shared 2-core machine), 10,000 fresh ones with
MASHANGBAN_HYPOTHESIS=explore (~45 s).
"""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.verbs.create import CreateTask
from tasks.verbs.interpret import Interpretation, interpret


class Office:
    """Three people, each name borne by exactly one of them."""

    people = {"李娜": ("李娜（秘书科）",), "马骏": ("马骏（秘书科）",), "杨帆": ("杨帆（综合科）",)}

    def people_named(self, written: str) -> tuple[str, ...]:
        return self.people.get(written, ())


WORDS = ("起草", "核对", "整理", "报送", "会议纪要", "年度总结", "值班表", "经费报表", "通知",
         "材料", "安全生产", "台账", "督查", "意见", "汇总", "修改", "印发", "档案")
DEADLINES = ("明天下午5点前", "3天内", "下周一", "明天下班前", "5个工作日内", "11月30日前")
LEADS = ("新建 ", "交办 ")
ASKS = ("麻烦", "请", "帮我", "麻烦你", "劳驾")
POLITE = ("", "，谢谢", "。", "!", "🙏", "，辛苦了")
DISCARDABLE = set(" ,;:、。!?~🙏") | set("".join(ASKS)) | set("谢辛苦了把")


@st.composite
def messages(draw):
    title_words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
    title = "".join(title_words)
    names = draw(st.lists(st.sampled_from(sorted(Office.people)), min_size=1, max_size=2,
                          unique=True))
    deadline = draw(st.sampled_from((None, *DEADLINES)))
    mentions = " ".join(f"@{n}" for n in names)
    tail = f" {deadline}" if deadline else ""
    form = draw(st.integers(0, 3))
    if form == 0:  # 新建 title @names deadline
        text = f"{draw(st.sampled_from(LEADS))}{title} {mentions}{tail}"
    elif form == 1:  # 新建 title deadline @names
        text = f"{draw(st.sampled_from(LEADS))}{title}{tail} {mentions}"
    elif form == 2:  # a natural request to a mention
        ask = draw(st.sampled_from(ASKS))
        text = f"{mentions} {ask}{title}{tail}{draw(st.sampled_from(POLITE))}"
    else:  # a natural request opening with the name
        ask = draw(st.sampled_from(ASKS))
        text = f"{names[0]}，{ask}把{title}{tail}{draw(st.sampled_from(POLITE))}"
        names = names[:1]
    return text, title, names, deadline


def _read(reading: Interpretation) -> CreateTask:
    read = reading.command or reading.request
    assert isinstance(read, CreateTask), (reading.text, reading.reply)
    return read


@settings(suppress_health_check=[HealthCheck.too_slow])  # the profile's budget
@given(messages())
def test_every_character_is_read_as_exactly_one_thing(message):
    text, title, names, deadline = message
    reading = interpret(text, directory=Office())
    read = _read(reading)

    covered = [index for span in reading.spans for index in range(span.start, span.end)]
    assert covered == list(range(len(reading.text))), "each character once, in order"
    assert "".join(reading.pieces("title")) == title == read.title.replace(" ", "")
    assert [p.lstrip("@") for p in reading.pieces("names")] == names == list(read.assignees)
    assert reading.pieces("deadline") == ([deadline] if deadline else [])
    assert read.deadline_text == deadline
    discarded = "".join(reading.pieces("discarded")) + "".join(reading.pieces("verb"))
    assert set(re.sub(r"新建|交办", "", discarded)) <= DISCARDABLE, discarded
