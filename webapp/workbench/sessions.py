"""Workbench sessions: kept in Redis, named by an unguessable cookie, short-lived.

The browser holds only a random token (cookie `msb_session`: HttpOnly, SameSite=Lax, and
Secure whenever the workbench is served over https); Redis holds who it stands for, under
a SHA-256 of the token, so a Redis dump reveals no usable cookie. A session ends
`MASHANGBAN_WEB_SESSION_MINUTES` after its last use (each request renews it), at sign-out,
or when Redis forgets it: then the platform signs the person in again, silently inside
the app. Nothing else depends on a session: a flushed Redis costs a sign-in, no data.

Each session has a CSRF token, which every form and every state-changing API call must
echo (`csrf_token` field or `X-CSRF-Token` header): SameSite already keeps other sites'
forms from carrying the cookie, the token also covers older browsers and same-site pages.
"""

import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from typing import Any

import redis

COOKIE = "msb_session"
_PREFIX = "mashangban:web:session:"
_SIGNIN_PREFIX = "mashangban:web:signin:"
SIGNIN_TTL = 600  # seconds a sign-in may take between leaving for the platform and returning


@dataclass(frozen=True)
class WebSession:
    """Who a session stands for; `csrf` is the token its forms carry."""

    person_id: int
    platform: str
    userid: str
    csrf: str

    def csrf_matches(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(self.csrf, str(given))


def _key(token: str) -> str:
    return _PREFIX + hashlib.sha256(token.encode()).hexdigest()


def start(client: redis.Redis, person_id: int, platform: str, userid: str, *,
          minutes: int) -> str:
    """A new session for a person who just signed in; returns the cookie's token."""
    token = secrets.token_urlsafe(32)
    session = WebSession(person_id, platform, userid, secrets.token_urlsafe(24))
    client.set(_key(token), json.dumps(asdict(session)), ex=minutes * 60)
    return token


def find(client: redis.Redis, token: str | None, *, minutes: int) -> WebSession | None:
    """The session a cookie names, renewed for another `minutes`; None if it has ended."""
    if not token or len(token) > 100:
        return None
    key = _key(token)
    with client.pipeline() as pipe:
        pipe.get(key)
        pipe.expire(key, minutes * 60)
        stored, _ = pipe.execute()
    if stored is None:
        return None
    try:
        return WebSession(**json.loads(stored))
    except (TypeError, ValueError):
        return None


def end(client: redis.Redis, token: str | None) -> None:
    if token and len(token) <= 100:
        client.delete(_key(token))


def remember_signin(client: redis.Redis, platform: str, next_path: str, via: str = "app"
                    ) -> str:
    """A one-time `state` for a sign-in round trip: where to go afterwards, and for
    which platform. The platform sends it back; a state we did not issue is refused."""
    state = secrets.token_urlsafe(24)
    remembered = {"platform": platform, "next": next_path, "via": via}
    client.set(_SIGNIN_PREFIX + state, json.dumps(remembered), ex=SIGNIN_TTL)
    return state


def take_signin(client: redis.Redis, state: str | None) -> dict[str, Any] | None:
    """The sign-in `state` stands for, once; None if unknown, used or expired."""
    if not state or len(state) > 100:
        return None
    key = _SIGNIN_PREFIX + state
    with client.pipeline() as pipe:
        pipe.get(key)
        pipe.delete(key)
        stored, _ = pipe.execute()
    if stored is None:
        return None
    found = json.loads(stored)
    return found if isinstance(found, dict) else None
