"""With Redis down the callback still stores what arrives, and health says what is wrong.

WeCom only: it posts a hand-signed WeCom callback to the app with Redis gone.
"""

import time

from sqlalchemy import func, select

from integrations.wecom.sandbox.envelope import build_text_xml, encrypt_callback
from tasks.models import InboxMessage
from tests.clocks import ShiftedClock
from tests.conftest import TEST_WECOM, make_settings
from webapp import create_app
from workers.runtime import Runtime

DEAD_REDIS = "redis://127.0.0.1:1/0"


def runtime_without_redis(var_dir, database_url, db) -> Runtime:
    settings = make_settings(var_dir, database_url, DEAD_REDIS)
    return Runtime(settings, clock=ShiftedClock(), _engine=db)


def test_health_names_the_unreachable_redis(var_dir, database_url, db):
    client = create_app(runtime_without_redis(var_dir, database_url, db)).test_client()
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json["database"] == "ok" and answer.json["redis"].startswith("error")


def test_a_message_arriving_while_redis_is_down_is_stored_and_answered(var_dir, database_url,
                                                                        db):
    client = create_app(runtime_without_redis(var_dir, database_url, db)).test_client()
    now = int(time.time())
    xml = build_text_xml(TEST_WECOM["MASHANGBAN_WECOM_CORP_ID"], "lina", "我的", 77, 1000002, now)
    params, body = encrypt_callback(xml, TEST_WECOM["MASHANGBAN_WECOM_TOKEN"],
                                    TEST_WECOM["MASHANGBAN_WECOM_AES_KEY"],
                                    TEST_WECOM["MASHANGBAN_WECOM_CORP_ID"], str(now), "n77")

    answer = client.post("/wecom/callback", query_string=params, data=body)

    assert answer.status_code == 200 and answer.data == b""
    with db.connect() as connection:
        stored = connection.scalar(select(func.count()).select_from(InboxMessage))
    assert stored == 1, "the sweep of a worker will pick it up once Redis is back"
