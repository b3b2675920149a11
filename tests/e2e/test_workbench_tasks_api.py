"""The task pages' API and forms over plain HTTP (no browser): `/api/v1/tasks…`,
`/api/v1/interpret`, `/api/v1/directory` and the `/m/tasks/<n>/<action>` forms, signed in
through the sandbox's OAuth (or with an admin-issued token), on the office's chat.

What a person may see and do is chat's: the same refusals word for word, the same notices
in chat, and a task they take no part in answered as one that does not exist."""

import re

import requests
from sqlalchemy import func, select

from tasks.core import api_tokens
from tasks.directory.lookup import person_by_userid
from tasks.models import Task, TaskEvent
from tests.e2e.office import Office
from tests.e2e.workbench import client_for, csrf_of, workbench_url


class Api:
    """One signed-in person calling the API with their session and its CSRF token."""

    def __init__(self, office: Office, userid: str):
        self.office = office
        self.client = client_for(office, userid)
        self.csrf = csrf_of(self.client, office)

    def get(self, path: str) -> requests.Response:
        return self.client.get(workbench_url(self.office, path), timeout=10)

    def post(self, path: str, body: dict | None = None, **headers: str) -> requests.Response:
        answer = self.client.post(workbench_url(self.office, path), json=body or {},
                                  headers={"X-CSRF-Token": self.csrf, **headers}, timeout=10)
        self.office.work()  # what the action queued goes out, as a woken worker sends it
        return answer


def events(office: Office, action: str) -> list[tuple[str, str]]:
    with office.rt.sessions() as session:
        return [(e.actor.userid if e.actor else "", e.channel) for e in session.scalars(
            select(TaskEvent).where(TaskEvent.action == action).order_by(TaskEvent.id))]


def task_state(office: Office, number: int = 1) -> tuple[str, str | None]:
    with office.rt.sessions() as session:
        task = session.get(Task, number)
        assert task is not None
        return task.state, task.holder.userid if task.holder else None


def test_the_three_lists_hold_each_persons_own_tasks(office: Office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    office.say("zhangwei", "新建 核对报表 @秘书科 明天下班前")
    lina, zhangwei = Api(office, "lina"), Api(office, "zhangwei")

    mine = lina.get("/api/v1/tasks").json()
    assert [(t["number"], t["state"]) for t in mine["tasks"]] == [(2, "pending"), (1, "pending")]
    assert mine["tasks"][0]["holder"].startswith("秘书科") and "李娜" in mine["tasks"][0]["holder"]
    assert mine["tasks"][1]["deadline_shown"] == "11月27日 17:30"
    assert mine["tasks"][1]["time_left"].startswith("剩余")
    requested = zhangwei.get("/api/v1/tasks?list=requested").json()
    assert [t["number"] for t in requested["tasks"]] == [2, 1] and requested["finished"] == []
    # the department's offer reaches its head too; what he only requested is not his to do
    assert [t["number"] for t in zhangwei.get("/api/v1/tasks").json()["tasks"]] == [2]

    assert lina.post("/api/v1/tasks/1/accept").status_code == 200
    assert lina.post("/api/v1/tasks/1/close", {"result": "初稿已报送"}).status_code == 200
    rate = zhangwei.get("/api/v1/tasks?list=to-rate").json()["ratings"]
    assert [(r["task"]["number"], r["result"]) for r in rate] == [(1, "初稿已报送")]
    finished = zhangwei.get("/api/v1/tasks?list=requested").json()["finished"]
    assert [t["number"] for t in finished] == [1] and finished[0]["time_left"] == ""
    assert lina.get("/api/v1/tasks?list=everything").status_code == 400


def test_an_outsider_is_answered_as_for_a_task_that_does_not_exist(office: Office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    outsider = Api(office, "huangtao")
    for number in (1, 99):
        answer = outsider.get(f"/api/v1/tasks/{number}")
        assert answer.status_code == 404
        assert answer.json() == {"error": f"没有找到与你有关的任务 #{number}，"
                                          "请发送「我的」查看你的任务编号。"}
    acted = outsider.post("/api/v1/tasks/1/cancel", {"reason": "不需要了"})
    assert acted.status_code == 404 and "#1" in acted.json()["error"]
    assert task_state(office) == ("pending", "lina")
    page = outsider.client.get(workbench_url(office, "/m/tasks/1"), timeout=10)
    missing = outsider.client.get(workbench_url(office, "/m/tasks/99"), timeout=10)
    assert page.status_code == missing.status_code == 404
    assert page.text.replace("#1", "#99") == missing.text  # not a word more


def test_each_action_runs_the_chat_verb_and_chat_hears_of_it(office: Office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    lina, zhangwei = Api(office, "lina"), Api(office, "zhangwei")
    assert lina.get("/api/v1/tasks/1").json()["actions"] == [
        "accept", "close", "transfer", "extend"]

    accepted = lina.post("/api/v1/tasks/1/accept").json()
    assert accepted["replies"][0].startswith("已接办任务 #1")
    assert "李娜" in office.last_reply("zhangwei") and "已接办任务 #1" in office.last_reply(
        "zhangwei")
    lina.post("/api/v1/tasks/1/progress", {"text": "初稿已完成一半"})
    assert office.last_reply("zhangwei").endswith("初稿已完成一半")

    extension = lina.post("/api/v1/tasks/1/extend", {"date": "2026-12-04", "time": "17:00",
                                                    "reason": "需等待财务数据"})
    assert extension.json()["replies"][0].startswith("已提交任务 #1 的延期申请")
    assert "申请将任务 #1" in office.last_reply("zhangwei")
    detail = zhangwei.get("/api/v1/tasks/1").json()
    assert "approve-extension" in detail["actions"]
    assert detail["extension"]["deadline_shown"] == "12月4日 17:00"
    zhangwei.post("/api/v1/tasks/1/approve-extension")
    assert "同意了任务 #1 的延期申请" in office.last_reply("lina")

    zhangwei.post("/api/v1/tasks/1/chase", {"note": "请今天报送"})
    chase = office.cards("lina")[-1]
    assert "催办" in chase.title or "催办" in chase.subtitle or any(
        "催办" in value for _, value in chase.fields)

    choices = lina.get("/api/v1/directory?q=王芳").json()["choices"]
    assert [c["label"] for c in choices] == ["王芳（秘书科）", "王芳（督查科）"]
    moved = lina.post("/api/v1/tasks/1/transfer", {"to": choices[1]["ref"],
                                                   "reason": "该事项归督查科办理"})
    assert moved.json()["replies"][0].startswith("已将任务 #1 转办给 王芳")
    assert task_state(office) == ("pending", "wangfang2")
    assert "转给你办理" in office.replies("wangfang2")[-1]

    history = zhangwei.get("/api/v1/tasks/1").json()["history"]
    assert [(h["actor"], h["action"], h["channel"]) for h in history] == [
        ("张伟", "创建", "聊天"), ("李娜", "接办", "网页"), ("李娜", "报告进展", "网页"),
        ("李娜", "申请延期", "网页"), ("张伟", "同意延期", "网页"), ("张伟", "催办", "网页"),
        ("李娜", "转办", "网页")]
    assert history[-1]["note"] == "转给 王芳"


def test_refusals_are_chats_own_words_and_change_nothing(office: Office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    office.say("lina", "接办 #1")
    zhangwei, lina = Api(office, "zhangwei"), Api(office, "lina")

    closed = zhangwei.post("/api/v1/tasks/1/close", {"result": "已完成"})
    assert closed.status_code == 403
    assert closed.json()["error"] == "无法办结：任务 #1 只有承办人（李娜）可以办结。"
    empty = lina.post("/api/v1/tasks/1/progress", {"text": "  "})
    assert empty.status_code == 400 and empty.json()["error"] == "缺少进展说明"
    no_reason = zhangwei.post("/api/v1/tasks/1/cancel", {"reason": ""})
    assert no_reason.status_code == 400 and no_reason.json()["error"] == "撤销须写明原因"
    again = lina.post("/api/v1/tasks/1/accept")
    assert again.status_code == 400 and again.json()["error"] == "你已接办任务 #1，无需重复接办。"
    assert lina.post("/api/v1/tasks/1/fly").status_code == 404
    assert task_state(office) == ("accepted", "lina")
    assert events(office, "closed") == [] and events(office, "progress") == []

    lina.post("/api/v1/tasks/1/close", {"result": "已完成"})
    bad = zhangwei.post("/api/v1/tasks/1/rate", {"level": "不满意"})
    assert bad.status_code == 400 and bad.json()["error"].startswith("评为「不满意」须写明原因")
    rated = zhangwei.post("/api/v1/tasks/1/rate", {"level": "满意"})
    assert rated.json()["replies"][0].startswith("感谢评价！任务 #1")
    twice = zhangwei.post("/api/v1/tasks/1/rate", {"level": "非常满意"})
    assert twice.status_code == 400 and "已评价" in twice.json()["error"]


def test_a_retried_call_acts_once(office: Office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    lina = Api(office, "lina")
    lina.post("/api/v1/tasks/1/accept")
    first = lina.post("/api/v1/tasks/1/progress", {"text": "初稿已完成"}, **{
        "Idempotency-Key": "retry-1"})
    second = lina.post("/api/v1/tasks/1/progress", {"text": "初稿已完成"}, **{
        "Idempotency-Key": "retry-1"})
    assert first.json()["repeated"] is False and second.json()["repeated"] is True
    assert second.json()["replies"] == first.json()["replies"]
    assert events(office, "progress") == [("lina", "web")]


def test_a_session_call_without_its_csrf_token_is_refused(office: Office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    lina = Api(office, "lina")
    answer = lina.client.post(workbench_url(office, "/api/v1/tasks/1/accept"), json={},
                              timeout=10)
    assert answer.status_code == 403 and answer.json()["error"].startswith("页面已过期")
    assert task_state(office) == ("pending", "lina")


def test_an_api_token_acts_as_its_person(office: Office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    with office.rt.sessions.begin() as session:
        lina = person_by_userid(session, "lina", "wecom")
        assert lina is not None
        token = api_tokens.issue(session, lina, "脚本", issued_by="test", now=office.rt.clock())
    headers = {"Authorization": f"Bearer {token}"}
    answer = requests.post(workbench_url(office, "/api/v1/tasks/1/accept"), headers=headers,
                           timeout=10)
    assert answer.status_code == 200 and task_state(office) == ("accepted", "lina")
    listed = requests.get(workbench_url(office, "/api/v1/tasks"), headers=headers, timeout=10)
    assert [t["number"] for t in listed.json()["tasks"]] == [1]


def test_the_preview_reads_as_chat_and_creating_runs_the_create_verb(office: Office):
    zhangwei = Api(office, "zhangwei")
    seen = zhangwei.post("/api/v1/interpret", {"text": "李娜，麻烦把会议纪要整理一下 明天下班前"})
    body = seen.json()
    assert body["outcome"] == "create" and body["can_create"] is True
    assert body["title"] == "会议纪要整理" or "会议纪要" in body["title"]
    assert [h["label"] for h in body["holders"]] == ["李娜（秘书科）"]
    assert body["deadline_shown"] == "11月25日 17:30" and body["kind_label"] == "会议纪要"
    assert {s["role"] for s in body["spans"]} >= {"names", "deadline", "title"}

    ambiguous = zhangwei.post("/api/v1/interpret", {"text": "新建 整理材料 @王芳 周五前"}).json()
    assert ambiguous["can_create"] is False and "对应多位人员" in ambiguous["problems"][0]
    other = zhangwei.post("/api/v1/interpret", {"text": "办结 #3 已完成"}).json()
    assert other["outcome"] == "command" and "「办结」" in other["reply"]
    fields = zhangwei.post("/api/v1/interpret", {
        "mode": "fields", "title": "核对全年经费报表", "to": "wecom:wangfang", "date": "2026-11-27",
        "time": "12:00", "kind": ""}).json()
    assert fields["can_create"] and fields["holders"][0]["label"] == "王芳（秘书科）"
    assert fields["deadline_shown"] == "11月27日 12:00"
    assert zhangwei.post("/api/v1/interpret", {"mode": "fields", "title": ""}).json()[
        "reply"] == "缺少任务内容"
    overlong = zhangwei.post("/api/v1/interpret", {"text": "新建 " + "材料" * 5001}).json()
    assert overlong["outcome"] == "refusal" and overlong["reply"].startswith("消息过长")

    created = zhangwei.post("/api/v1/tasks", {"text": "新建 起草年度工作总结 @李娜 3天内"},
                            **{"Idempotency-Key": "new-1"})
    assert created.status_code == 201 and created.json()["tasks"] == [1]
    assert created.json()["replies"][0].startswith("已创建任务 #1")
    assert office.cards("lina")[-1].labels[:1] == ["接办"]
    again = zhangwei.post("/api/v1/tasks", {"text": "新建 起草年度工作总结 @李娜 3天内"},
                          **{"Idempotency-Key": "new-1"})
    assert again.status_code == 200 and again.json()["repeated"] is True
    with office.rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Task)) == 1
    refused = zhangwei.post("/api/v1/tasks", {"text": "新建 整理材料 @不存在的人"})
    assert refused.status_code == 400 and "没有找到「不存在的人」" in refused.json()["error"]


def test_a_form_submitted_twice_acts_once_and_shows_the_first_answer(office: Office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    lina = Api(office, "lina")
    page = lina.client.get(workbench_url(office, "/m/tasks/1"), timeout=10).text
    key = re.search(r'action="/m/tasks/1/accept"[^>]*>.*?name="key" value="([^"]+)"', page,
                    re.S)
    assert key, "the 接办 form carries a one-time key"
    form = {"csrf_token": lina.csrf, "key": key.group(1)}
    answers = [lina.client.post(workbench_url(office, "/m/tasks/1/accept"), data=form,
                                timeout=10) for _ in range(2)]
    for answer in answers:
        assert answer.status_code == 200 and "已接办任务 #1" in answer.text
    assert events(office, "accepted") == [("lina", "web")]


def test_a_form_missing_a_field_says_so_and_does_nothing(office: Office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    zhangwei = Api(office, "zhangwei")
    answer = zhangwei.client.post(workbench_url(office, "/m/tasks/1/cancel"),
                                  data={"csrf_token": zhangwei.csrf, "key": "k-cancel",
                                        "reason": " "}, timeout=10)
    assert answer.status_code == 400 and "撤销须写明原因" in answer.text
    assert task_state(office) == ("pending", "lina")


def test_a_form_without_its_key_is_not_acted_on(office: Office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")
    lina = Api(office, "lina")
    answer = lina.client.post(workbench_url(office, "/m/tasks/1/accept"),
                              data={"csrf_token": lina.csrf}, timeout=10)
    assert answer.status_code == 400 and "表单已失效，请刷新页面后重试。" in answer.text
    assert task_state(office) == ("pending", "lina") and events(office, "accepted") == []
