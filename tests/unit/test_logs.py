"""What reaches a log line: credentials are scrubbed, message text and SQL values never
get there (`workers/logs.py`, `workers/db.py`; the processes: tests/e2e/test_log_hygiene.py).
"""

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import text
from werkzeug.serving import make_server

from integrations.wecom.sandbox import server as sandbox_server
from tasks.verbs import registry
from tests.conftest import TEST_WECOM
from workers import logs
from workers.db import make_engine
from workers.settings import load_settings

TOKEN_URL = "/cgi-bin/message/send?access_token=Zx9-tok_en&debug=1"


@pytest.fixture
def protected() -> Iterator[None]:
    """`logs.protect` for one test: this process's record factory is put back afterwards."""
    factory = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)
    logs._redact = None


def test_configured_secrets_and_credential_parameters_are_redacted():
    redact = logs.Redactor(["s3cr3t-value", "ab"])

    assert redact(f"GET {TOKEN_URL}") == \
        "GET /cgi-bin/message/send?access_token=***&debug=1"
    assert redact("gettoken?corpid=ww1&corpsecret=xyz HTTP/1.1") == \
        "gettoken?corpid=ww1&corpsecret=*** HTTP/1.1"
    assert redact("webhook/send?key=robot-1") == "webhook/send?key=***"
    assert redact('{"errcode": 0, "access_token": "Zx9"}') == \
        '{"errcode": 0, "access_token": "***"}'
    assert redact("bad secret s3cr3t-value in a traceback") == "bad secret *** in a traceback"
    # What is not a credential stays readable; a 2-character "secret" protects nothing.
    callback = "/wecom/callback?msg_signature=ab12&timestamp=1&nonce=2 platform_key=wecom:1"
    assert redact(callback) == callback


def test_a_protected_process_logs_no_credential_even_in_a_traceback(protected, caplog):
    logs.protect(["s3cr3t-value"])
    caplog.set_level(logging.INFO)
    try:
        raise RuntimeError(f"token refused at {TOKEN_URL} with s3cr3t-value")
    except RuntimeError:
        logging.getLogger("urllib3.connectionpool").exception("call to %s failed", TOKEN_URL)

    output = caplog.text
    assert "RuntimeError: token refused" in output and "access_token=***" in output
    assert "Zx9-tok_en" not in output and "s3cr3t-value" not in output


def test_settings_name_every_credential():
    settings = load_settings({**TEST_WECOM, "MASHANGBAN_ROBOTS": "3=robot-key-1",
                              "MASHANGBAN_DATABASE_URL": "postgresql://app:pg-pass@db/x"},
                             env_file="/nonexistent")

    assert set(settings.secrets()) == {
        TEST_WECOM["MASHANGBAN_WECOM_SECRET"], TEST_WECOM["MASHANGBAN_WECOM_TOKEN"],
        TEST_WECOM["MASHANGBAN_WECOM_AES_KEY"], "robot-key-1", "pg-pass"}


def test_database_errors_carry_no_values(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT NOT NULL UNIQUE)"))
        connection.execute(text("INSERT INTO notes VALUES (:body)"), {"body": "李娜的私事"})
    with pytest.raises(Exception) as raised, engine.begin() as connection:
        connection.execute(text("INSERT INTO notes VALUES (:body)"), {"body": "李娜的私事"})
    engine.dispose()

    assert "UNIQUE" in str(raised.value) and "李娜的私事" not in str(raised.value)


def test_a_grammar_fault_is_logged_without_the_text(monkeypatch, caplog):
    def broken(_text: str) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(registry.REGISTRY, "parse_strictly", broken)
    with caplog.at_level(logging.ERROR):
        command = registry.parse_command("转办 #3 给王芳的私事")

    assert command.__class__.__name__ == "Unknown"
    assert "grammar failed" in caplog.text and "私事" not in caplog.text


def test_the_sandbox_request_log_hides_credentials(caplog):
    app = sandbox_server.create_sandbox_app(sandbox_server.SandboxConfig(
        corp_id="ww1", agent_id=1, secret="sandbox-secret-1", token="tok",
        aes_key=TEST_WECOM["MASHANGBAN_WECOM_AES_KEY"], callback_url="http://127.0.0.1:9/"))
    server = make_server("127.0.0.1", 0, app, request_handler=sandbox_server._RedactingHandler)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        requests.get(f"http://127.0.0.1:{server.server_port}/cgi-bin/gettoken",
                     params={"corpid": "ww1", "corpsecret": "sandbox-secret-1"}, timeout=10)
        thread.join(timeout=10)
    server.server_close()

    assert "/cgi-bin/gettoken?corpid=ww1&corpsecret=***" in caplog.text
    assert "sandbox-secret-1" not in caplog.text


def test_a_failure_is_logged_by_place_and_type_never_by_its_message():
    words = "给张伟的" + "私信内容"  # what someone wrote, not a literal on the raising line
    try:
        raise ValueError(words)
    except ValueError as error:
        logged = logs.stack_of(error)
    assert "test_logs.py" in logged and "builtins.ValueError" in logged
    assert "私信内容" not in logged
