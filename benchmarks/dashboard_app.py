"""The product's Flask app for the dashboard benchmark, with test clients signed in as
given people: a real server-side session in Redis and its cookie, as the platform's
sign-in would leave them (the OAuth round trip itself is not what is measured)."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from tasks.models import Person
from webapp import create_app
from webapp.workbench import sessions
from workers.runtime import Runtime
from workers.settings import load_settings

TEST_WECOM = {
    "MASHANGBAN_WECOM_CORP_ID": "wwbench000000001",
    "MASHANGBAN_WECOM_AGENT_ID": "1000002",
    "MASHANGBAN_WECOM_SECRET": "bench-secret",
    "MASHANGBAN_WECOM_TOKEN": "QDG6eK",
    "MASHANGBAN_WECOM_AES_KEY": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
}


def signed_in_clients(database_url: str, redis_url: str, userids: Iterable[str],
                      now: datetime) -> dict[str, Any]:
    """userid → a Flask test client of one app whose clock stands at `now`."""
    settings = load_settings({**TEST_WECOM, "MASHANGBAN_DATABASE_URL": database_url,
                              "MASHANGBAN_REDIS_URL": redis_url}, env_file="/nonexistent")
    runtime = Runtime(settings, clock=lambda: now)
    app = create_app(runtime)
    clients = {}
    with runtime.sessions() as session:
        people = {p.userid: p for p in session.scalars(
            select(Person).where(Person.userid.in_(list(userids))))}
    for userid, person in people.items():
        token = sessions.start(runtime.web_redis, person.id, person.platform, userid,
                               minutes=settings.web_session_minutes)
        client = app.test_client()
        client.set_cookie(sessions.COOKIE, token)
        clients[userid] = client
    return clients
