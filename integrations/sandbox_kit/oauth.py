"""Sign-in codes as the platforms issue them, for the sandboxes' OAuth pages.

A platform's OAuth page hands the browser a one-time code for the member who signed in;
the product's server turns it into a user id with an API call. Codes here behave like
the real ones: random, single-use, and valid for a few minutes of the sandbox clock.

Who signs in: the member chosen on the sandbox's chat page (a cookie the page sets, as if
the chat app were signed in as them), else the one the tester picks on a member list.
"""

import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

MEMBER_COOKIE = "sandbox_member"  # set by the chat pages' member picker
CODE_TTL = 300.0  # seconds: WeCom's OAuth code lives 5 minutes


@dataclass
class _Code:
    userid: str
    issued_at: float


class OAuthCodes:
    """Issued sign-in codes, each taken at most once before it expires."""

    def __init__(self, clock: Callable[[], float], ttl: float = CODE_TTL) -> None:
        self._clock = clock
        self._ttl = ttl
        self._codes: dict[str, _Code] = {}
        self._lock = threading.Lock()

    def issue(self, userid: str) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(userid, self._clock())
        return code

    def take(self, code: str) -> str | None:
        """The member the code was issued for; None if unknown, used or expired."""
        with self._lock:
            entry = self._codes.pop(code, None)
        if entry is None or self._clock() - entry.issued_at > self._ttl:
            return None
        return entry.userid

    def expire_all(self) -> None:
        """Age every outstanding code past its life (tests of an expired code)."""
        with self._lock:
            for entry in self._codes.values():
                entry.issued_at -= self._ttl + 1


def with_code(redirect_uri: str, code_name: str, code: str, state: str) -> str:
    """`redirect_uri` with the code and state appended, as the platform redirects."""
    joiner = "&" if "?" in redirect_uri else "?"
    return f"{redirect_uri}{joiner}{urlencode({code_name: code, 'state': state})}"


def picker_page(title: str, prompt: str, members: Iterable[tuple[str, str]],
                link: Callable[[str], str]) -> str:
    """A member list to sign in as, one link per (userid, name): what a tester sees when
    no member is chosen on the chat page (the platform would know who is signed in)."""
    items = "".join(
        f'<li><a class="member" data-userid="{escape(userid)}" href="{escape(link(userid))}">'
        f'{escape(name)} <small>{escape(userid)}</small></a></li>'
        for userid, name in members)
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:0;padding:16px;max-width:640px}}
ul{{list-style:none;padding:0}}li a{{display:block;padding:12px;border-bottom:1px solid #ddd;
color:#111;text-decoration:none}}small{{color:#666}}</style></head>
<body><main><h1>{escape(title)}</h1><p>{escape(prompt)}</p><ul>{items}</ul></main></body></html>"""


def error_page(title: str, message: str) -> str:
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>
</head><body><main><h1>{escape(title)}</h1><p>{escape(message)}</p></main></body></html>"""
