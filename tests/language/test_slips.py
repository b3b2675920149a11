"""Slips of a verb (issue 12 §4): the nearest verb by slip distance (Damerau, a swap cheapest,
then a confusable character), and the message rewritten with it; never executed."""

import pytest

from tasks.language.names import slip_distance
from tasks.verbs.interpret import interpret
from tasks.verbs.registry import REGISTRY


class Nobody:
    def people_named(self, written: str) -> tuple[str, ...]:
        return ()


@pytest.mark.parametrize(("word", "meant"), [
    ("新健", "新建"), ("新键", "新建"), ("办洁", "办结"), ("接半", "接办"), ("结办", "办结"),
    ("专办", "转办"), ("转半", "转办"), ("完城", "办结"), ("延其", "延期"), ("催半", "催办"),
    ("撤消", "撤销"), ("查寻", "查询"), ("评介", "评价"), ("重半", "重办"), ("整该", "整改"),
    ("办接", "接办"), ("期延", "延期"), ("hlep", "帮助"),
])
def test_the_nearest_verb_of_a_slip(word, meant):
    assert [verb.verb for verb in REGISTRY.nearest(word)] == [meant]


def test_a_swap_is_nearer_than_a_confusable_or_another_character():
    swap, confused, other = (slip_distance("结办", verb) for verb in ("办结", "接办", "交办"))
    assert swap < confused < other


@pytest.mark.parametrize("word", ["你好", "今天", "一般", "asdf", "期"])
def test_words_far_from_every_verb_suggest_nothing(word):
    assert REGISTRY.nearest(word) == ()


@pytest.mark.parametrize(("text", "corrected"), [
    ("新健 起草通知 @李娜 3天内", "新建 起草通知 @李娜 3天内"),
    ("办洁 #12 材料已报", "办结 #12 材料已报"),
    ("接半 #12", "接办 #12"),
    ("结办 #12 材料已报", "办结 #12 材料已报"),
    ("专办 #12 @王芳 归口", "转办 #12 @王芳 归口"),
    ("我滴", None),
])
def test_a_slip_is_refused_with_the_corrected_message(text, corrected):
    reading = interpret(text, directory=Nobody())
    assert reading.command is None and reading.request is None and reading.refusal is not None
    if corrected is not None:
        assert f"请改为：{corrected}" in reading.reply
    assert reading.reply.count("没有看懂") == 1
