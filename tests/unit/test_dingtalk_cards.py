"""What DingTalk shows of our cards and messages: people's words as text, a greyed card
with nothing to press, and limits delivery can rely on."""

from integrations.dingtalk.cards import card_data
from integrations.dingtalk.channel import markdown_title
from integrations.dingtalk.directory import snapshot_from
from integrations.dingtalk.limits import LIMITS
from integrations.dingtalk.sandbox.chat import card_html
from integrations.dingtalk.sandbox.markdown import render_markdown
from tasks.messaging.channel import Card, CardButton, CardField
from tasks.messaging.delivery import resend_bounds_problem

RATING = Card(card_id="rate-7", title="请评价 #7 [办结]", subtitle="王芳 已办结",
              fields=(CardField("结果", "# 已报送 **全部** [链接](http://x.cn) <font>"),),
              buttons=tuple(CardButton(label, f"rate.{n}:7", primary=n == 1)
                            for n, label in enumerate(("很满意", "满意", "基本满意",
                                                       "不满意", "很不满意"), start=1)))


def test_the_rating_card_has_five_buttons_with_our_keys():
    actions = card_data(RATING)["contents"][-1]["actions"]
    assert [a["id"] for a in actions] == [f"rate.{n}:7" for n in range(1, 6)]
    assert [a["status"] for a in actions] == ["primary"] + ["normal"] * 4
    assert all(a["actionType"] == "request" for a in actions)


def test_peoples_words_on_a_card_form_no_markdown():
    body = card_data(RATING)["contents"][0]["text"]
    assert "**结果**：＃ 已报送 ＊＊全部＊＊ ［链接］（http://x.cn） ＜font＞" in body
    assert card_data(RATING)["header"]["title"]["text"] == "请评价 #7 [办结]"


def test_a_greyed_card_shows_its_status_and_nothing_to_press():
    from dataclasses import replace
    data = card_data(replace(RATING, status="已评价：满意"))
    assert [block["type"] for block in data["contents"]] == ["markdown"]
    assert data["contents"][0]["text"].endswith("**已评价：满意**")


def test_the_sandbox_draws_a_card_and_markdown_without_running_any_of_it():
    html = card_html("c\"1", {"header": {"title": {"text": "<script>x</script>"}},
                              "contents": [{"type": "markdown", "text": "<img onerror=1>"},
                                           {"type": "action", "actions": [
                                               {"id": "a\"b", "label": {"text": "<b>"}}]}]})
    assert "<script>" not in html and "<img" not in html and 'data-key="a&quot;b"' in html
    assert render_markdown("[点我](javascript:alert(1))") == \
        '<div class="md-line">[点我](javascript:alert(1))</div>'


def test_a_markdown_message_is_titled_by_its_first_line_without_markup():
    assert markdown_title("\n### **今日** 待办\n- 一") == "今日 待办"
    assert markdown_title("") == "马上办"


def test_the_limits_let_delivery_resend_and_say_at_least_once():
    assert resend_bounds_problem(LIMITS) is None
    assert not LIMITS.duplicate_window


def test_leaders_come_from_managers_and_from_the_person():
    snapshot = snapshot_from(
        [{"dept_id": 1, "name": "办公室"},
         {"dept_id": 2, "name": "秘书科", "parent_id": 1, "dept_manager_userid_list": ["a"]}],
        [{"userid": "a", "name": "甲", "dept_id_list": [2]},
         {"userid": "b", "name": "乙", "dept_id_list": [1, 2],
          "leader_in_dept": [{"dept_id": 1, "leader": True}, {"dept_id": 2, "leader": False}],
          "title": "主任", "mobile": "13800000000"}])
    departments = {d.platform_id: d for d in snapshot.departments}
    assert departments["1"].parent_platform_id is None and departments["1"].leader_userids == ("b",)
    assert departments["2"].leader_userids == ("a",)
    members = {m.userid: m for m in snapshot.members}
    assert members["a"].leads_department_ids == ("2",)
    assert members["b"].leads_department_ids == ("1",) and members["b"].mobile == "13800000000"
