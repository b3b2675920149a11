"""The admin pages (/admin) and their API (/api/v1/admin), signed in through the sandbox's
OAuth: every page and change, refusals, the roster upload's errors (the command line's own),
a resend that sends once, and the audit log of it all; screenshots at phone and desktop
size.

WeCom only: the resend relies on WeCom's duplicate check of keyed sends, and the pages are
the same on every platform.
"""

import html
import re
import threading
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from tasks.core.policies import policy_for
from tasks.messaging.outbox import queue_text
from tasks.models import (
    CalendarDay,
    DutyShift,
    InboxMessage,
    OfficeAuditEntry,
    OutboxMessage,
    RoutingRule,
    SupervisorGrant,
)
from tests.e2e.browsers import DESKTOP, PHONE, overflowing, screenshot
from tests.e2e.office import Office
from tests.e2e.workbench import client_for, csrf_of, sign_in, workbench_url
from tests.seeded_office import ROUTING_RULES
from workers.jobs.messages import process_messages

ADMIN = "xuming"
GOOD_ROSTER = "日期,开始,结束,部门,带班,值班,候班\n2026-11-24,08:30,17:30,,周建国,李娜,马骏\n"
BAD_ROSTER = ("日期,开始,结束,部门,带班,值班,候班\n2026-11-24,08:30,17:30,,周建国,李娜,马骏\n"
              "2026-11-25,08:30,17:30,,周建国,李四,马骏\n")
YEAR_2027 = "year: 2027\nsource: 测试用安排\nholidays: [2027-01-01..2027-01-03]\n"


def _count(office: Office, model: Any) -> int:
    with office.rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _audit(office: Office) -> list[OfficeAuditEntry]:
    with office.rt.sessions() as session:
        return list(session.scalars(select(OfficeAuditEntry).order_by(OfficeAuditEntry.id)))


class Admin:
    """A signed-in admin's browser client: forms carry the page's CSRF token and a key."""

    def __init__(self, office: Office, userid: str = ADMIN):
        self.office, self.client = office, client_for(office, userid)
        self.csrf = csrf_of(self.client, office, "/admin/")

    def get(self, path: str) -> requests.Response:
        return self.client.get(workbench_url(self.office, path), timeout=10)

    def post(self, path: str, data: dict | None = None, files: dict | None = None,
             key: str | None = None) -> requests.Response:
        form = {"csrf_token": self.csrf, **({"form_key": key} if key else {}), **(data or {})}
        return self.client.post(workbench_url(self.office, path), data=form, files=files,
                                timeout=10)

    def api(self, method: str, path: str, headers: dict | None = None,
            **kwargs: Any) -> requests.Response:
        return self.client.request(method, workbench_url(self.office, "/api/v1/admin" + path),
                                   headers={"X-CSRF-Token": self.csrf, **(headers or {})},
                                   timeout=10, **kwargs)


def assert_fits(page: Any) -> None:
    """Nothing wider than the window, but for the skip link, which waits off-screen
    (left: -999px) until it is focused."""
    assert [e for e in overflowing(page) if not e.startswith("A.skip ")] == []


def button(page: Any, name: str) -> None:
    """Press the button named exactly `name`."""
    page.get_by_role("button", name=name, exact=True).click()


def _message(page_text: str) -> str:
    found = re.search(r'role="alert"[^>]*>([^<]+)<', page_text)
    assert found, "the page shows no error"
    return found.group(1)


# ---------------------------------------------------------------------------- refusals


def test_a_member_who_is_not_an_admin_is_refused_everywhere(office: Office):
    member = Admin(office, "lina")
    for path in ("/admin/", "/admin/policies", "/admin/audit", "/admin/tokens"):
        answer = member.get(path)
        assert answer.status_code == 403 and "仅管理员可用" in answer.text, path
    refused = member.post("/admin/policies/general", {"label": "一般件",
                                                      "completion_unit": "natural_days",
                                                      "completion_amount": "30"})
    assert refused.status_code == 403
    assert member.api("GET", "/policies").status_code == 403
    assert member.api("POST", "/grants", json={"person": "lina", "department": "督查科"}
                      ).json() == {"error": "仅管理员可用"}
    assert _count(office, SupervisorGrant) == 0 and _audit(office) == []


def test_a_form_without_the_session_csrf_token_changes_nothing(office: Office):
    admin = Admin(office)
    admin.csrf = "forged"
    answer = admin.post("/admin/calendar/days", {"day": "2026-11-25", "working": "off",
                                                 "reason": "停电"})
    assert answer.status_code == 403 and "页面已过期" in answer.text
    assert _count(office, CalendarDay) == 0


# ---------------------------------------------------------------------------- policies


def test_a_policy_is_edited_once_per_form_and_recorded(office: Office):
    admin = Admin(office)
    form = {"label": "一般件", "first_response_unit": "working_hours",
            "first_response_amount": "2", "progress_unit": "natural_days",
            "progress_amount": "10", "completion_unit": "natural_days",
            "completion_amount": "15", "quiet_hours": "on"}
    first = admin.post("/admin/policies/general", form, key="policy-form-1")
    again = admin.post("/admin/policies/general", form, key="policy-form-1")
    assert first.status_code == again.status_code == 200
    assert "已保存「一般件」的时限" in first.text and "已保存「一般件」的时限" in again.text
    with office.rt.sessions() as session:
        assert str(policy_for(session, "general").completion) == "15 natural_days"
    [entry] = _audit(office)
    assert (entry.actor_name, entry.channel, entry.area) == ("徐明", "web", "policy")
    assert "办结时限 10 natural_days" in entry.before and "15 natural_days" in entry.after
    assert "一般件（general）" in admin.get("/admin/audit").text


@pytest.mark.parametrize(("change", "error"), [
    ({"completion_amount": "十"}, "办结时限：数量请写 1 到 10000 的整数"),
    ({"completion_amount": "20000"}, "办结时限：数量请写 1 到 10000 的整数"),
    ({"completion_unit": "fortnights"}, "办结时限：没有「fortnights」这种单位"),
    ({"label": " "}, "名称不能为空"),
])
def test_a_bad_policy_form_says_why_in_chinese_and_changes_nothing(office: Office, change,
                                                                     error):
    admin = Admin(office)
    form = {"label": "一般件", "completion_unit": "natural_days", "completion_amount": "15",
            **change}
    answer = admin.post("/admin/policies/general", form)
    assert answer.status_code == 400 and error in _message(answer.text)
    with office.rt.sessions() as session:
        assert str(policy_for(session, "general").completion) == "10 natural_days"
    assert _audit(office) == []
    assert admin.post("/admin/policies/nonsense", form).status_code == 404


def test_the_command_lines_changes_show_in_the_audit_log(office: Office, admin,
                                                         tmp_path: Path):
    assert admin("policy", "set", "urgent", "completion", "4 hours")[0] == 0
    assert admin("calendar", "off", "2026-11-25", "停电")[0] == 0
    assert admin("grant", "supervisor", "李娜", "督查科")[0] == 0
    rules = tmp_path / "rules.yaml"
    rules.write_text(ROUTING_RULES, encoding="utf-8")
    assert admin("routing", "import", str(rules))[0] == 0
    page = Admin(office).get("/admin/audit").text
    assert page.count("命令行") >= 4
    assert [(e.area, e.channel, e.actor_id) for e in _audit(office)] == [
        ("policy", "cli", None), ("calendar", "cli", None), ("grant", "cli", None),
        ("routing", "cli", None)]


# ---------------------------------------------------------------------------- calendar


def test_calendar_corrections_and_a_year_are_changed_from_the_page(office: Office):
    admin = Admin(office)
    assert admin.post("/admin/calendar/days", {"day": "2026-11-25", "working": "off",
                                               "reason": "停电检修"}).status_code == 200
    bad = admin.post("/admin/calendar/days", {"day": "11/25", "working": "off",
                                              "reason": "x"})
    assert bad.status_code == 400 and "日期：请按 2026-12-04 的格式填写" in bad.text
    no_reason = admin.post("/admin/calendar/days", {"day": "2026-11-26", "working": "off",
                                                    "reason": " "})
    assert no_reason.status_code == 400 and "请写明原因" in no_reason.text
    page = admin.get("/admin/calendar").text
    assert "2026-11-25 周三 休息 · 停电检修" in page

    imported = admin.post("/admin/calendar/years", {"document": YEAR_2027})
    assert "已导入 2027 年节假日安排" in imported.text
    broken = admin.post("/admin/calendar/years",
                        {"document": "year: 2027\nholidays: [2026-12-31]\n"})
    assert broken.status_code == 400 and "not a range inside 2027" in broken.text
    assert admin.post("/admin/calendar/days/2026-11-25/clear").status_code == 200
    with office.rt.sessions() as session:
        assert session.get(CalendarDay, __import__("datetime").date(2026, 11, 25)) is None
    assert [e.action for e in _audit(office)] == ["set_day", "import_year", "clear_day"]


# ---------------------------------------------------------------------------- routing


def test_routing_rules_are_added_edited_and_removed_with_the_import_checks(office: Office):
    admin = Admin(office)
    added = admin.post("/admin/routing/rules", {"department": "综合科",
                                                "keywords": "会议室、公务用车"})
    assert "已添加规则" in added.text
    with office.rt.sessions() as session:
        rule_id = session.scalar(select(RoutingRule.id))
    unknown = admin.post(f"/admin/routing/rules/{rule_id}", {"department": "不存在科",
                                                             "keywords": "会议室"})
    assert unknown.status_code == 400
    assert "no department named '不存在科'" in html.unescape(unknown.text)
    empty = admin.post("/admin/routing/rules", {"department": "综合科", "keywords": " "})
    assert empty.status_code == 400 and "请写关键词或类别" in empty.text
    assert admin.post(f"/admin/routing/rules/{rule_id}", {
        "department": "信息科", "keywords": "网络 电脑", "category": "信息化"}).ok
    assert admin.post("/admin/routing/default", {"department": "秘书科"}).ok
    page = admin.get("/admin/routing").text
    assert "信息科" in page and "网络、电脑" in page and "类别【信息化】" in page
    office.say("lina", "请示 【信息化】打印机坏了")
    assert "信息科" in office.last_reply("lina")
    assert admin.post(f"/admin/routing/rules/{rule_id}/remove").ok
    assert admin.post(f"/admin/routing/rules/{rule_id}/remove").status_code == 400
    assert [e.action for e in _audit(office)] == ["add_rule", "edit_rule", "set_default",
                                                  "remove_rule"]


# ---------------------------------------------------------------------------- roster


def test_a_roster_upload_shows_the_command_lines_errors_and_changes_nothing(
        office: Office, admin, tmp_path: Path):
    page = Admin(office)
    path = tmp_path / "roster.csv"
    path.write_text(BAD_ROSTER, encoding="utf-8")
    code, said = admin("roster", "import", str(path))
    assert code == 2
    cli_error = said.strip().split(": ", 2)[2]  # after "mashangban: <file>: "
    assert "row 3: 值班: no one named 李四" in cli_error

    answer = page.post("/admin/roster", {"year": ""},
                       files={"file": ("roster.csv", BAD_ROSTER.encode(), "text/csv")})
    assert answer.status_code == 400
    shown = _message(answer.text)
    assert shown == f"值班表未导入，未作任何改动。roster.csv: {cli_error}"
    assert _count(office, DutyShift) == 0 and _audit(office) == []

    done = page.post("/admin/roster", {"year": ""},
                     files={"file": ("roster.csv", GOOD_ROSTER.encode(), "text/csv")})
    assert done.ok and "值班表已导入：1 个班次" in done.text
    assert "周建国（zhoujianguo）" in page.get("/admin/roster?from=2026-11-24").text
    assert _count(office, DutyShift) == 3
    assert [e.area for e in _audit(office)] == ["roster"]


# ---------------------------------------------------------------------------- grants


def test_grants_are_given_and_revoked_from_the_page(office: Office):
    admin = Admin(office)
    assert "已授权 李娜 督办 督查科" in admin.post("/admin/grants", {
        "person": "李娜", "department": "督查科"}).text
    ambiguous = admin.post("/admin/grants", {"person": "王芳", "department": "督查科"})
    assert ambiguous.status_code == 400 and "「王芳」不唯一" in ambiguous.text
    assert "李娜（lina）" in admin.get("/admin/grants").text
    with office.rt.sessions() as session:
        department = session.scalar(select(SupervisorGrant)).department.platform_id
    assert "已撤销 李娜 对 督查科 的督办授权" in admin.post("/admin/grants/revoke", {
        "person": "lina", "department": department}).text
    assert _count(office, SupervisorGrant) == 0
    assert [e.action for e in _audit(office)] == ["grant", "revoke"]


# ---------------------------------------------------------------------------- deliveries


def _failed_row(office: Office, text: str = "提醒：#7 今天 17:00 到期") -> int:
    """A message that failed for good (as after the platform refused it)."""
    with office.rt.sessions.begin() as session:
        row = queue_text(session, "lina", text, now=office.rt.clock())
        session.flush()
        row.state, row.attempts, row.last_error = "failed", 6, "45009 api freq out of limit"
        return row.id


def _sent(office: Office) -> list[Any]:
    return [c for c in office.sent_calls("message") if c.ok and not c.duplicate]


def test_a_resend_sends_once_however_often_it_is_pressed(office: Office):
    admin = Admin(office)
    row_id = _failed_row(office)
    page = admin.get("/admin/deliveries").text
    assert f"消息 {row_id}" in page and "45009 api freq out of limit" in page

    first = admin.post(f"/admin/deliveries/{row_id}/resend", key="resend-1")
    assert f"消息 {row_id} 已重新排队发送" in first.text
    admin.post(f"/admin/deliveries/{row_id}/resend", key="resend-1")  # the same form again
    second = admin.post(f"/admin/deliveries/{row_id}/resend", key="resend-2")  # a new click
    assert "未重复发送" in second.text
    office.work()
    third = admin.api("POST", f"/deliveries/{row_id}/resend").json()
    assert third == {"id": row_id, "resent": False, "state": "sent"}
    office.work()

    assert office.replies("lina") == ["提醒：#7 今天 17:00 到期"]
    assert len(_sent(office)) == 1
    assert [e.action for e in _audit(office)] == ["resend"]


def test_a_resend_racing_the_worker_sends_once(office: Office):
    admin = Admin(office)
    row_id = _failed_row(office)
    clicks = [threading.Thread(target=admin.post, args=(f"/admin/deliveries/{row_id}/resend",),
                               kwargs={"key": f"race-{n}"}) for n in range(4)]
    for thread in clicks:
        thread.start()
    office.work()  # the worker sends while the clicks arrive (RQ's worker wants the main thread)
    for thread in clicks:
        thread.join(timeout=30)
    office.work()
    assert office.replies("lina") == ["提醒：#7 今天 17:00 到期"]
    assert len(_sent(office)) == 1
    assert [e.action for e in _audit(office)] == ["resend"]


def test_a_resend_of_a_message_that_did_reach_the_chat_is_dropped_by_the_platform(
        office: Office):
    """The answer to the last attempt was lost: the row failed although WeCom took it. The
    resend is the same keyed request, and WeCom's duplicate check drops it."""
    with office.rt.sessions.begin() as session:
        queue_text(session, "lina", "请于今天下班前报送", now=office.rt.clock())
    process_messages()
    with office.rt.sessions.begin() as session:
        row = session.scalar(select(OutboxMessage))
        row.state, row.last_error = "failed", "timeout"
        row_id = row.id
    Admin(office).post(f"/admin/deliveries/{row_id}/resend")
    office.work()
    assert office.replies("lina") == ["请于今天下班前报送"]
    assert [c.duplicate for c in office.sent_calls("message") if c.ok] == [False, True]


def test_a_parked_message_is_retried_or_dropped_once(office: Office):
    admin = Admin(office)
    now = office.rt.clock()
    with office.rt.sessions.begin() as session:
        rows = [InboxMessage(platform="wecom", platform_key=f"parked-{n}", received_at=now,
                             payload={"type": "text", "sender": "lina", "text": "?"},
                             error="KeyError: 'x'", attempts=3, parked_at=now)
                for n in range(2)]
        session.add_all(rows)
        session.flush()
        retried, dropped = (row.id for row in rows)
    page = admin.get("/admin/deliveries").text
    assert f"第 {retried} 条 · wecom · lina" in page and "KeyError" in page
    assert "已放回重新处理" in admin.post(f"/admin/inbox/{retried}/retry").text
    assert "已放弃" in admin.post(f"/admin/inbox/{dropped}/drop").text
    assert "已不在搁置中，未作改动" in admin.post(f"/admin/inbox/{dropped}/retry").text
    assert admin.post(f"/admin/inbox/{dropped}/explode").status_code == 404
    with office.rt.sessions() as session:
        assert session.get(InboxMessage, retried).parked_at is None
        assert session.get(InboxMessage, dropped).processed_at is not None
    assert [e.action for e in _audit(office)] == ["retry_inbox", "drop_inbox"]


# ---------------------------------------------------------------------------- tokens, API


def test_a_token_is_shown_once_and_an_admins_token_reaches_the_admin_api(office: Office):
    admin = Admin(office)
    issued = admin.post("/admin/tokens", {"person": "xuming", "name": "同步脚本"},
                        key="token-1")
    token = re.search(r'id="new-token"[^>]*value="([^"]+)"', issued.text).group(1)
    again = admin.post("/admin/tokens", {"person": "xuming", "name": "同步脚本"},
                       key="token-1")
    assert token not in again.text and "只显示这一次" in again.text
    assert token not in admin.get("/admin/tokens").text
    headers = {"Authorization": f"Bearer {token}"}
    url = workbench_url(office, "/api/v1/admin")
    answer = requests.post(url + "/grants", json={"person": "lina", "department": "督查科"},
                           headers=headers, timeout=10)
    assert answer.json() == {"person": "lina", "department": "督查科", "created": True}
    entries = requests.get(url + "/audit?area=grant", headers=headers, timeout=10).json()
    assert entries["entries"][0]["channel"] == "接口"
    bad = requests.put(url + "/policies/general", json={"completion": "ten days"},
                       headers=headers, timeout=10)
    assert bad.status_code == 400 and "cannot read limit 'ten days'" in bad.json()["error"]
    with office.rt.sessions() as session:
        assert str(policy_for(session, "general").completion) == "10 natural_days"
    token_id = admin.api("GET", "/tokens").json()["tokens"][0]["id"]
    assert "已吊销" in admin.post(f"/admin/tokens/{token_id}/revoke").text
    assert requests.get(url + "/audit", headers=headers, timeout=10).status_code == 401
    member_token = admin.api("POST", "/tokens", json={"person": "lina"}).json()["token"]
    refused = requests.get(url + "/policies", timeout=10,
                           headers={"Authorization": f"Bearer {member_token}"})
    assert refused.status_code == 403
    assert [e.action for e in _audit(office)] == ["issue", "grant", "revoke", "issue"]


def test_the_api_changes_what_the_pages_change(office: Office):
    admin = Admin(office)
    assert admin.api("PUT", "/policies/urgent", json={"completion": "4 hours"}).ok
    assert admin.api("POST", "/calendar/days", json={"day": "2026-11-25", "working": False,
                                                     "reason": "停电"}).ok
    assert admin.api("DELETE", "/calendar/days/2026-11-25").json()["removed"] is True
    rule = admin.api("POST", "/routing/rules", json={"department": "综合科",
                                                     "keywords": ["会议室"]}).json()
    assert admin.api("PUT", f"/routing/rules/{rule['id']}",
                     json={"department": "综合科", "keywords": ["后勤"]}).json()["keywords"] \
        == ["后勤"]
    assert admin.api("PUT", "/routing/default", json={"department": "秘书科"}).ok
    assert admin.api("GET", "/routing").json()["default"] == "秘书科"
    assert admin.api("DELETE", f"/routing/rules/{rule['id']}").ok
    upload = admin.api("POST", "/roster", files={"file": ("r.csv", BAD_ROSTER.encode())})
    assert upload.status_code == 400 and "row 3: 值班: no one named 李四" in \
        upload.json()["error"]
    assert admin.api("POST", "/roster", files={"file": ("r.csv", GOOD_ROSTER.encode())}
                     ).json()["added"] == 3
    assert admin.api("GET", "/roster?from=2026-11-24&days=1").json()["days"][0]["shifts"]
    assert admin.api("GET", "/roster?from=tomorrow").status_code == 400
    assert admin.api("GET", "/deliveries").json() == {"failed": [], "parked": []}
    assert admin.api("GET", "/audit?area=nonsense").status_code == 400
    assert admin.api("POST", "/calendar/days", data="[]",
                     headers={"Content-Type": "application/json"}).status_code == 400
    assert [e.channel for e in _audit(office)] == ["api"] * 8


# ---------------------------------------------------------------------------- browser


PAGES = ("", "policies", "calendar", "routing", "roster", "grants", "deliveries", "tokens",
         "audit")


@pytest.mark.browser
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_every_admin_page_in_the_browser(office: Office, browser, size: str, tmp_path: Path):
    with office.rt.sessions.begin() as session:
        from tasks.routing.rules import import_yaml
        import_yaml(session, ROUTING_RULES)
    failed = _failed_row(office)
    context = browser.new_context(viewport=PHONE if size == "phone" else DESKTOP)
    page = context.new_page()
    sign_in(page, office, ADMIN, next_path="/admin/")

    def visit(name: str) -> None:
        page.goto(workbench_url(office, f"/admin/{name}"))
        assert_fits(page)

    def shot(name: str) -> None:
        assert_fits(page)
        screenshot(page, f"admin-{name or 'index'}-{size}", "workbench")

    # policies: edit 急件's completion to 4 hours
    visit("policies")
    page.click("#policy-urgent summary")
    page.fill("#completion-amount-urgent", "4")
    page.select_option("#completion-unit-urgent", "hours")
    page.click("#policy-urgent button[type=submit]")
    assert "已保存「急件」的时限" in page.inner_text("main")
    shot("policies")

    # calendar: a correction added and removed; a year imported
    visit("calendar")
    page.fill("#day", "2026-11-25")
    page.fill("#reason", "停电检修")
    button(page, "添加更正")
    assert "2026-11-25 周三 休息 · 停电检修" in page.inner_text("#corrections")
    page.fill("#year-document", YEAR_2027)
    button(page, "导入")
    assert "已导入 2027 年节假日安排" in page.inner_text("main")
    shot("calendar")
    page.click("[aria-label='删除 2026-11-25 的更正']")
    assert "已删除 2026-11-25 的更正" in page.inner_text("main")

    # routing: add, edit, remove, default
    visit("routing")
    page.select_option("#new-department", "督查科")
    page.fill("#new-keywords", "督办 督查")
    button(page, "添加")
    assert "督办、督查" in page.inner_text("#rules")
    with office.rt.sessions() as session:
        rule_id = max(session.scalars(select(RoutingRule.id)))
    page.click(f"[aria-label='修改规则 {rule_id}']")
    page.fill("#edit-keywords", "督办")
    button(page, f"保存规则 {rule_id}")
    assert f"已保存规则 {rule_id}" in page.inner_text("main")
    page.select_option("#default-department", "综合科")
    button(page, "保存默认部门")
    shot("routing")
    page.click(f"[aria-label='删除规则 {rule_id}']")
    assert f"已删除规则 {rule_id}" in page.inner_text("main")

    # roster: a file with an error is refused whole; a good one is shown
    visit("roster")
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_ROSTER, encoding="utf-8")
    page.set_input_files("#roster-file", str(bad))
    button(page, "上传")
    assert "row 3: 值班: no one named 李四" in page.inner_text("#admin-error")
    assert _count(office, DutyShift) == 0
    shot("roster-error")
    good = tmp_path / "good.csv"
    good.write_text(GOOD_ROSTER, encoding="utf-8")
    page.set_input_files("#roster-file", str(good))
    button(page, "上传")
    assert "值班表已导入" in page.inner_text("main")
    page.goto(workbench_url(office, "/admin/roster?from=2026-11-24"))
    assert "周建国（zhoujianguo）" in page.inner_text("main")
    shot("roster")

    # grants
    visit("grants")
    page.fill("#grant-person", "李娜")
    page.select_option("#grant-department", "督查科")
    button(page, "授权")
    assert "已授权 李娜 督办 督查科" in page.inner_text("main")
    shot("grants")
    page.click("[aria-label='撤销 李娜 对 督查科 的授权']")
    assert "已撤销" in page.inner_text("main")

    # deliveries: resend twice, sent once
    visit("deliveries")
    shot("deliveries")
    page.click(f"[aria-label='重发消息 {failed}']")
    assert f"消息 {failed} 已重新排队发送" in page.inner_text("main")
    page.go_back()
    page.click(f"[aria-label='重发消息 {failed}']")  # the same form, once more
    office.work()
    assert office.replies("lina") == ["提醒：#7 今天 17:00 到期"]
    assert len(_sent(office)) == 1

    # tokens: issued, shown once, revoked
    visit("tokens")
    page.fill("#token-person", "xuming")
    page.fill("#token-name", "同步脚本")
    button(page, "签发")
    token = page.input_value("#new-token")
    assert token.startswith("msb_")
    shot("tokens")
    visit("tokens")
    assert token not in page.content()
    page.click("#tokens button")
    assert "已吊销" in page.inner_text("main")

    # the audit log shows every change above
    visit("audit")
    text = page.inner_text("#audit")
    for area in ("时限规则", "工作日历", "归口办理", "值班表", "督办授权", "发送失败", "接口令牌"):
        assert area in text
    shot("audit")
    visit("")
    shot("")
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_member_sees_the_admin_pages_refused(office: Office, browser, size: str):
    context = browser.new_context(viewport=PHONE if size == "phone" else DESKTOP)
    page = context.new_page()
    sign_in(page, office, "lina", next_path="/m/")
    answer = page.goto(workbench_url(office, "/admin/policies"))
    assert answer.status == 403 and "仅管理员可用" in page.inner_text("main")
    assert "管理" not in page.inner_text("nav.menu")
    assert_fits(page)
    screenshot(page, f"admin-refused-{size}", "workbench")
    context.close()
