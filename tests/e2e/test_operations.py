"""Operations: `mashangban doctor` and `/metrics`, against the sandbox over real HTTP.

The office's web app, sandbox, database and Redis are real; doctor runs in-process with
the office's settings (the `admin` fixture), each failure made by pointing one setting at
something broken, as an admin's typo or a dead server would. `/metrics` is scraped as
Prometheus would, after traffic through the real callback path, a worker and the sandbox's
injected errors; the assertions are the moves a Grafana panel would show.
"""

import json
import re
import time
import uuid
from dataclasses import replace

import pytest
import requests
from sqlalchemy import func, select, update

from integrations import registry
from integrations.wecom.sandbox.envelope import build_text_xml, encrypt_callback
from tasks.models import InboxMessage, OutboxMessage, Reminder
from tests.clocks import ShiftedClock
from tests.conftest import TEST_WECOM
from tests.e2e.processes import eventually, free_port, healthy, start, stop_all

METRICS_TOKEN = "metrics-token-0123456789abcdef"
DEAD = "127.0.0.1:9"  # discard port: nothing listens, the connection is refused at once


@pytest.fixture
def clock() -> ShiftedClock:
    """Real time: these tests sign callbacks with the wall clock, as WeCom does, and doctor
    compares the wall clock with the sandbox's Date header."""
    return ShiftedClock()


# ---- mashangban doctor -----------------------------------------------------------------

def lines(output: str) -> dict[str, str]:
    """The report by check name: {"数据库": "OK", …}."""
    found = {}
    for line in output.splitlines():
        match = re.match(r"(OK|WARN|FAIL)\s+(\S+?)：", line)
        if match:
            found[match.group(2)] = match.group(1)
    return found


@pytest.mark.platforms("wecom", "dingtalk")
def test_doctor_on_a_working_installation_says_ok_on_every_line(office, admin):
    code, output = admin("doctor")

    title = registry.platform(office.platform).title
    assert lines(output) == {"设置": "OK", "数据库": "OK", "Redis": "OK", title: "OK",
                             "公网地址": "OK", "时钟": "OK"}, output
    assert code == 0
    assert "已迁移到最新" in output and "凭据有效" in output


def test_doctor_names_a_database_it_cannot_reach(office, admin, monkeypatch):
    monkeypatch.setenv("MASHANGBAN_DATABASE_URL",
                       f"postgresql+psycopg://mashangban:pw-Secret-9@{DEAD}/mashangban")
    code, output = admin("doctor")

    assert code == 1
    assert lines(output)["数据库"] == "FAIL" and "无法连接" in output
    assert "pw-Secret-9" not in output
    assert lines(output)["Redis"] == "OK", "the other checks still run"


def test_doctor_finds_a_database_not_migrated(office, admin, monkeypatch, tmp_path):
    from sqlalchemy import create_engine, text

    empty = tmp_path / "empty.db"
    create_engine(f"sqlite:///{empty}").connect().execute(text("SELECT 1")).close()
    monkeypatch.setenv("MASHANGBAN_DATABASE_URL", f"sqlite:///{empty}")
    code, output = admin("doctor")

    assert code == 1 and lines(output)["数据库"] == "FAIL"
    assert "mashangban db upgrade" in output


def test_doctor_names_a_wrong_secret_the_platform_refuses(office, admin, monkeypatch):
    monkeypatch.setenv("MASHANGBAN_WECOM_SECRET", "a-mistyped-secret-000")
    code, output = admin("doctor")

    assert code == 1
    assert lines(output)["企业微信"] == "FAIL" and "40001" in output, output
    assert "a-mistyped-secret-000" not in output


def test_doctor_names_an_unreachable_redis(office, admin, monkeypatch):
    monkeypatch.setenv("MASHANGBAN_REDIS_URL", f"redis://{DEAD}/0")
    code, output = admin("doctor")

    assert code == 1 and lines(output)["Redis"] == "FAIL" and "无法连接" in output
    assert lines(output)["数据库"] == "OK"


def test_doctor_names_an_unreachable_platform(office, admin, monkeypatch):
    monkeypatch.setenv("MASHANGBAN_WECOM_API_BASE", f"http://{DEAD}")
    code, output = admin("doctor")

    assert code == 1 and lines(output)["企业微信"] == "FAIL"
    assert "ConnectionError" in output, output
    assert lines(output)["时钟"] == "OK", "the public URL's Date still gives the time"


def test_doctor_warns_without_a_public_url_and_fails_on_a_dead_one(office, admin, monkeypatch):
    monkeypatch.delenv("MASHANGBAN_PUBLIC_URL")
    code, output = admin("doctor")
    assert code == 0 and lines(output)["公网地址"] == "WARN", output

    monkeypatch.setenv("MASHANGBAN_PUBLIC_URL", f"http://{DEAD}")
    code, output = admin("doctor")
    assert code == 1 and lines(output)["公网地址"] == "FAIL"
    assert f"http://{DEAD}/wecom/callback" in output, "it names the callback URL at stake"


def test_doctor_compares_the_clock_with_the_platforms(office, admin):
    office.rt.clock.advance(seconds=20)  # the clock doctor reads (`webapp.cli.common.now`)
    code, output = admin("doctor")
    assert code == 0 and lines(output)["时钟"] == "WARN", output
    assert re.search(r"本机比企业微信快 2\d 秒", output), "HTTP dates have whole seconds"

    office.rt.clock.advance(seconds=100)
    code, output = admin("doctor")
    assert code == 1 and lines(output)["时钟"] == "FAIL" and "NTP" in output


def test_doctor_reports_broken_settings_in_one_line(office, admin, monkeypatch):
    monkeypatch.setenv("MASHANGBAN_LOG_FORMAT", "xml")
    code, output = admin("doctor")

    assert code == 1
    assert output.strip().splitlines() == [
        "FAIL 设置：MASHANGBAN_LOG_FORMAT: must be text or json, not 'xml'"]


# ---- /metrics ----------------------------------------------------------------------------

def scrape(office, token: str | None = METRICS_TOKEN) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{office.rt.settings.rules.public_url}/metrics", headers=headers,
                        timeout=10)


def sample(text: str, name: str, **labels: str) -> float:
    """One sample's value from the exposition text (0 when absent, as Grafana shows it)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        metric, _, value = line.rpartition(" ")
        metric_name, _, label_text = metric.partition("{")
        pairs = ",".join(sorted(p for p in label_text.rstrip("}").split(",") if p))
        if metric_name == name and pairs == wanted:
            return float(value)
    return 0.0


def signed(text: str, msg_id: int) -> tuple[dict, bytes]:
    now = int(time.time())
    xml = build_text_xml(TEST_WECOM["MASHANGBAN_WECOM_CORP_ID"], "zhangwei", text, msg_id,
                         1000002, now)
    return encrypt_callback(xml, TEST_WECOM["MASHANGBAN_WECOM_TOKEN"],
                            TEST_WECOM["MASHANGBAN_WECOM_AES_KEY"],
                            TEST_WECOM["MASHANGBAN_WECOM_CORP_ID"], str(now),
                            uuid.uuid4().hex[:10])


def post(office, params: dict, body: bytes) -> int:
    url = f"{office.rt.settings.rules.public_url}/wecom/callback"
    return requests.post(url, params=params, data=body, timeout=10).status_code


@pytest.fixture
def metered(office):
    """The office with /metrics open to the bearer of METRICS_TOKEN."""
    office.rt.settings = replace(office.rt.settings, metrics_token=METRICS_TOKEN)
    return office


def test_metrics_are_closed_without_a_token_setting_and_to_a_wrong_bearer(office):
    assert scrape(office).status_code == 404, "off unless MASHANGBAN_METRICS_TOKEN is set"
    office.rt.settings = replace(office.rt.settings, metrics_token=METRICS_TOKEN)
    assert scrape(office, token=None).status_code == 401
    assert scrape(office, token="metrics-token-0123456789abcdeX").status_code == 401
    assert scrape(office).status_code == 200


def test_callbacks_are_counted_by_result(metered):
    params, body = signed("帮助", msg_id=1)
    assert post(metered, params, body) == 200
    assert post(metered, params, body) == 200  # WeCom's retry of the same message
    assert post(metered, {**params, "msg_signature": "f" * 40}, body) == 403

    text = scrape(metered).text
    assert sample(text, "mashangban_callbacks_total", platform="wecom", result="accepted") == 1
    assert sample(text, "mashangban_callbacks_total", platform="wecom", result="duplicate") == 1
    assert sample(text, "mashangban_callbacks_total", platform="wecom", result="refused") == 1


def test_inbox_backlog_lag_and_parked_follow_the_messages(metered):
    metered.say("zhangwei", "帮助", work=False)
    metered.say("lina", "我的", work=False)
    metered.rt.clock.advance(seconds=30)

    text = scrape(metered).text
    assert sample(text, "mashangban_inbox_backlog") == 2
    assert sample(text, "mashangban_inbox_lag_seconds") >= 30

    with metered.rt.sessions.begin() as session:  # the first one fails for good
        first = session.scalar(select(func.min(InboxMessage.id)))
        session.execute(update(InboxMessage).where(InboxMessage.id == first)
                        .values(parked_at=metered.rt.clock(), attempts=5))
    text = scrape(metered).text
    assert sample(text, "mashangban_inbox_backlog") == 1
    assert sample(text, "mashangban_parked_failures", kind="inbox") == 1

    metered.work()
    text = scrape(metered).text
    assert sample(text, "mashangban_inbox_backlog") == 0
    assert sample(text, "mashangban_inbox_lag_seconds") == 0
    assert sample(text, "mashangban_parked_failures", kind="inbox") == 1, \
        "a parked message waits for an admin"


def test_sends_are_timed_and_their_errors_counted_by_code(metered):
    metered.say("zhangwei", "帮助")
    text = scrape(metered).text
    assert sample(text, "mashangban_send_seconds_count", platform="wecom") == 1
    assert sample(text, "mashangban_send_seconds_bucket", platform="wecom", le="+Inf") == 1
    assert sample(text, "mashangban_send_seconds_sum", platform="wecom") > 0
    assert sample(text, "mashangban_outbox_backlog", state="pending", platform="wecom") == 0

    metered.fault("rate_limited")  # WeCom answers 45009 to the next send
    metered.say("lina", "帮助")
    text = scrape(metered).text
    code = metered.code("rate_limited")
    assert sample(text, "mashangban_send_errors_total", platform="wecom", code=code) == 1
    assert sample(text, "mashangban_send_seconds_count", platform="wecom") == 2
    assert sample(text, "mashangban_outbox_backlog", state="pending", platform="wecom") == 1

    with metered.rt.sessions.begin() as session:  # as delivery leaves it after its last try
        session.execute(update(OutboxMessage).where(OutboxMessage.state == "pending")
                        .values(state="failed"))
    text = scrape(metered).text
    assert sample(text, "mashangban_outbox_backlog", state="failed", platform="wecom") == 1
    assert sample(text, "mashangban_parked_failures", kind="outbox") == 1


def test_reminder_lag_shows_reminders_nobody_dispatched(metered):
    metered.say("zhangwei", "新建 核对名单 @李娜 3天内")
    assert sample(scrape(metered).text, "mashangban_reminder_lag_seconds") == 0
    with metered.rt.sessions() as session:
        first_due = session.scalar(select(func.min(Reminder.due_at))
                                   .where(Reminder.state == "pending"))
    assert first_due is not None
    metered.rt.clock.advance(seconds=(first_due - metered.rt.clock()).total_seconds() + 120)

    assert sample(scrape(metered).text, "mashangban_reminder_lag_seconds") >= 120


# ---- JSON logs from the real processes ---------------------------------------------------

def test_json_logs_from_web_and_worker_are_one_object_per_line_with_context(
        office, environment, started, tmp_path):
    environment["MASHANGBAN_LOG_FORMAT"] = "json"
    port = free_port()
    start(started, environment, tmp_path, "web", "--port", str(port), "--workers", "1")
    eventually(lambda: healthy(port), "the web process answering")
    office.driver.deliver_callbacks_to(f"http://127.0.0.1:{port}")
    office.say("lina", "帮助", work=False)
    start(started, environment, tmp_path, "worker", "--burst")
    eventually(lambda: office.replies("lina"), "the worker's reply")
    stop_all(started)

    web = [json.loads(line) for line in (tmp_path / "web.log").read_text().splitlines()]
    worker = [json.loads(line) for line in (tmp_path / "worker.log").read_text().splitlines()]
    for line in web + worker:  # every line parsed as JSON above; each has the basics
        assert {"time", "level", "logger", "message"} <= line.keys()
        assert line["time"].endswith("Z")
    [callback] = [line for line in web if line.get("path") == "/wecom/callback"
                  and "status" in line]
    assert callback["status"] == 200 and callback["method"] == "POST"
    assert re.fullmatch(r"[0-9a-f]{32}", callback["request_id"])
    assert any(line.get("logger") == "gunicorn.error" for line in web), "gunicorn's own lines"
    assert any(line.get("job_id") for line in worker), "a job's lines name the job"
    everything = (tmp_path / "web.log").read_text() + (tmp_path / "worker.log").read_text()
    assert TEST_WECOM["MASHANGBAN_WECOM_SECRET"] not in everything
