"""The workbench's ground floor: signing in through the platform's OAuth, the session and
its CSRF token, API tokens, and a page action acting once, the way chat does."""

import requests
from sqlalchemy import func, select

from tasks.core import api_tokens
from tasks.directory.lookup import person_by_userid
from tasks.handling.actions import perform
from tasks.lifecycle import transitions
from tasks.models import TaskEvent
from tasks.verbs.record import known_task
from tests.e2e.office import Office
from tests.e2e.workbench import client_for, csrf_of, workbench_url


def test_a_member_signs_in_through_the_platform_and_out_again(office: Office):
    client = client_for(office, "lina")
    me = client.get(workbench_url(office, "/api/v1/me"), timeout=10).json()
    assert me["name"] == "李娜" and me["is_admin"] is False

    token = csrf_of(client, office, "/auth/start")
    refused = client.post(workbench_url(office, "/auth/signout"), timeout=10)
    assert refused.status_code == 403 and "页面已过期" in refused.text
    assert client.get(workbench_url(office, "/api/v1/me"), timeout=10).status_code == 200

    client.post(workbench_url(office, "/auth/signout"), data={"csrf_token": token}, timeout=10)
    assert client.get(workbench_url(office, "/api/v1/me"), timeout=10).status_code == 401


def test_a_code_the_platform_did_not_issue_signs_nobody_in(office: Office):
    client = requests.Session()
    start = client.get(workbench_url(office, "/auth/start?p=wecom&next=/api/v1/me"),
                       allow_redirects=False, timeout=10)
    authorize = start.headers["Location"]
    state = authorize.split("state=")[1].split("&")[0].split("#")[0]
    forged = client.get(workbench_url(office, f"/auth/wecom/callback?code=forged&state={state}"),
                        timeout=10)
    assert forged.status_code == 403 and "授权码无效或已过期" in forged.text
    again = client.get(workbench_url(office, f"/auth/wecom/callback?code=x&state={state}"),
                       timeout=10)
    assert again.status_code == 403 and "登录链接已失效" in again.text  # a state acts once
    assert client.get(workbench_url(office, "/api/v1/me"), timeout=10).status_code == 401


def test_an_api_token_acts_as_its_person_until_revoked(office: Office):
    with office.rt.sessions.begin() as session:
        person = person_by_userid(session, "lina", "wecom")
        assert person is not None
        token = api_tokens.issue(session, person, "脚本", issued_by="test",
                                 now=office.rt.clock())
    headers = {"Authorization": f"Bearer {token}"}
    me = requests.get(workbench_url(office, "/api/v1/me"), headers=headers, timeout=10)
    assert me.json()["userid"] == "lina"
    with office.rt.sessions.begin() as session:
        (record, _), = api_tokens.listed(session)
        assert api_tokens.revoke(session, record.id, office.rt.clock())
    again = requests.get(workbench_url(office, "/api/v1/me"), headers=headers, timeout=10)
    assert again.status_code == 401 and again.json()["error"] == "API 令牌无效或已撤销"


def test_a_page_action_acts_once_per_form_and_tells_chat(office: Office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")

    def accept(ctx):  # noqa: ANN001, ANN202 - what the task page's 接办 form runs
        task = known_task(ctx, 1)
        assert task is not None
        transitions.accept(ctx, task)

    outcomes = []
    for _ in range(2):  # the same form submitted twice
        with office.rt.sessions.begin() as session:
            lina = person_by_userid(session, "lina", "wecom")
            outcomes.append(perform(session, lina, accept, now=office.rt.clock(),
                                    rules=office.rt.settings.rules, key="form-1"))
    assert outcomes[0].done and not outcomes[0].repeated
    assert outcomes[1].repeated and outcomes[1].replies == outcomes[0].replies
    assert any("已接办" in reply for reply in outcomes[0].replies)
    with office.rt.sessions() as session:
        accepted = session.scalar(select(func.count()).select_from(TaskEvent).where(
            TaskEvent.action == "accepted"))
        channel = session.scalar(select(TaskEvent.channel).where(TaskEvent.action == "accepted"))
    assert accepted == 1 and channel == "web"
    office.work()
    assert "李娜" in office.last_reply("zhangwei") and "接办" in office.last_reply("zhangwei")


def test_a_refused_page_action_changes_nothing(office: Office):
    office.say("zhangwei", "新建 起草年度工作总结 @李娜 3天内")

    def close(ctx):  # noqa: ANN001, ANN202 - 办结 by someone who does not hold it
        task = known_task(ctx, 1)
        assert task is not None
        transitions.close(ctx, task, "已完成")

    with office.rt.sessions.begin() as session:
        zhangwei = person_by_userid(session, "zhangwei", "wecom")
        outcome = perform(session, zhangwei, close, now=office.rt.clock(),
                          rules=office.rt.settings.rules, key="form-2")
    assert outcome.refusal is not None and "办结" in outcome.refusal
