"""The edge never raises: whatever a request makes the app do that it did not expect is a
logged 400 (never a 500), logged by exception type and place, never by message text."""

import logging
from datetime import datetime

import pytest

from tasks.messaging.inbound import TextMessage
from webapp import create_app

QUERY = {"msg_signature": "0" * 40, "timestamp": "1", "nonce": "n"}


class Verifier:
    """Stands in for the WeCom verifier: answers with `outcome`, or raises it."""

    def __init__(self, outcome: object):
        self.outcome = outcome

    def decode(self, params: object, body: bytes, now: datetime) -> object:
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome

    def verify_url(self, params: object, now: datetime) -> str:
        return self.decode(params, b"", now)  # type: ignore[return-value]


@pytest.fixture
def app(runtime):
    return create_app(runtime)


def test_an_unexpected_error_in_the_callback_is_a_400_logged_without_its_text(
        app, runtime, caplog):
    runtime.verifiers["wecom"] = Verifier(ZeroDivisionError("what lina wrote"))
    with caplog.at_level(logging.ERROR):
        answer = app.test_client().post("/wecom/callback", query_string=QUERY, data=b"<xml/>")

    assert answer.status_code == 400
    assert "ZeroDivisionError" in caplog.text and "test_web_errors.py" in caplog.text
    assert "what lina wrote" not in caplog.text and "what lina wrote" not in answer.text


def test_an_unexpected_error_anywhere_in_the_app_is_a_400(app, caplog):
    def broken() -> str:
        raise KeyError("secret")

    app.add_url_rule("/broken", view_func=broken)
    with caplog.at_level(logging.ERROR):
        answer = app.test_client().get("/broken")

    assert answer.status_code == 400
    assert "KeyError" in caplog.text and "secret" not in caplog.text


def test_a_message_whose_key_no_row_can_hold_is_refused_not_retried(app, runtime):
    """Even a decoder that let it through cannot make the inbox answer 503 (finding 3)."""
    runtime.verifiers["wecom"] = Verifier(TextMessage(key="msg:" + "9" * 300, sender="lina",
                                                      text="帮助"))
    answer = app.test_client().post("/wecom/callback", query_string=QUERY, data=b"<xml/>")
    assert answer.status_code == 400


@pytest.mark.parametrize(("method", "status"), [("put", 405), ("delete", 405)])
def test_http_errors_in_the_callback_keep_their_status(app, method, status):
    answer = getattr(app.test_client(), method)("/wecom/callback")
    assert answer.status_code == status


def test_an_oversized_body_is_still_a_400(app, runtime):
    body = b"x" * (runtime.settings.callback_max_body * 4 + 1)
    answer = app.test_client().post("/wecom/callback", query_string=QUERY, data=body)
    assert answer.status_code == 400
