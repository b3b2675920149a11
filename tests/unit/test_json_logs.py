"""`MASHANGBAN_LOG_FORMAT=json`: one JSON object per line, still scrubbed of credentials
(`workers/logs.py`; the real processes: tests/e2e/test_operations.py)."""

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_WECOM, make_settings
from webapp import create_app
from workers import logs
from workers.runtime import Runtime
from workers.settings import SettingsError

SECRET = "s3cr3t-json-value"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """What a JSON handler on the root logger writes during the test; this process's
    record factory is put back afterwards."""
    factory = logging.getLogRecordFactory()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)
    logging.setLogRecordFactory(factory)
    logs._redact = None


def records(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_json_line_has_time_level_logger_and_message_and_no_credential(lines):
    logs.protect([SECRET])
    log = logging.getLogger("mashangban.test")
    log.warning("token refused: %s at /gettoken?corpsecret=abc123", SECRET)
    try:
        raise RuntimeError(f"boom with {SECRET}")
    except RuntimeError:
        log.exception("a failure")

    first, second = records(lines)
    assert first["level"] == "WARNING" and first["logger"] == "mashangban.test"
    assert first["message"] == "token refused: *** at /gettoken?corpsecret=***"
    assert first["time"].endswith("Z") and first["time"][:4].isdigit()
    assert "RuntimeError: boom with ***" in second["exception"]
    assert SECRET not in lines.getvalue() and "abc123" not in lines.getvalue()


def test_context_and_extra_fields_are_fields_and_scrubbed_too(lines):
    logs.protect([SECRET])
    log = logging.getLogger("mashangban.test")
    with logs.context(job_id="job-1", inbox_id=7):
        log.info("handled", extra={"url": f"/send?access_token=tok-99&x={SECRET}"})
    log.info("outside")

    inside, outside = records(lines)
    assert inside["job_id"] == "job-1" and inside["inbox_id"] == 7
    assert inside["url"] == "/send?access_token=***&x=***"
    assert "job_id" not in outside


def test_the_web_app_names_each_request_on_its_lines(lines, settings, db, redis_conn):
    app = create_app(Runtime(make_settings(settings.var_dir, settings.database_url,
                                           settings.redis_url, log_format="json"), _engine=db))
    client = app.test_client()

    answer = client.get("/healthz", headers={"X-Request-Id": "req-from-proxy-42"})
    other = client.get("/healthz", headers={"X-Request-Id": "bad id with spaces"})

    assert answer.headers["X-Request-Id"] == "req-from-proxy-42"
    assert other.headers["X-Request-Id"] != "bad id with spaces", "a malformed id is replaced"
    requests_logged = [r for r in records(lines) if r["logger"] == "mashangban.request"]
    assert [(r["request_id"], r["path"], r["status"]) for r in requests_logged] == [
        ("req-from-proxy-42", "/healthz", 200),
        (other.headers["X-Request-Id"], "/healthz", 200)]


def test_text_is_the_default_and_anything_but_text_or_json_is_refused(settings):
    assert settings.log_format == "text"
    with pytest.raises(SettingsError, match="LOG_FORMAT"):
        make_settings(settings.var_dir, settings.database_url, settings.redis_url,
                      log_format="yaml")


def test_a_command_run_with_json_logs_writes_its_warnings_as_json(tmp_path):
    probe = ("import logging; from webapp.cli import main; main._json_logs_if_asked(); "
             "logging.getLogger('alembic').info('not shown'); "
             "logging.getLogger('urllib3').warning('retrying /gettoken?corpsecret=abc123')")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MASHANGBAN_")}
    environ.update(TEST_WECOM, MASHANGBAN_LOG_FORMAT="json",
                   MASHANGBAN_VAR_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", probe], env=environ, cwd=tmp_path,
                          capture_output=True, text=True, check=True, timeout=60)

    [line] = [json.loads(text) for text in done.stderr.splitlines()]
    assert line["level"] == "WARNING" and line["logger"] == "urllib3"
    assert line["message"] == "retrying /gettoken?corpsecret=***"
