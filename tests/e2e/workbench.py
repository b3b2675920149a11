"""Signing in to the workbench in tests, the way people do: through the sandbox's OAuth.

The sandbox's authorize page signs in the member chosen on its chat page (a cookie the chat
page sets); these helpers set that cookie for the member, start the product's sign-in and
follow the platform's redirects back, so the product's session is a real one.
"""

from typing import Any
from urllib.parse import urlsplit

import requests

from integrations.sandbox_kit.oauth import MEMBER_COOKIE
from tests.e2e.browsers import overflowing
from tests.e2e.office import Office


def workbench_url(office: Office, path: str) -> str:
    return office.rt.settings.rules.public_url + path


def sandbox_url(office: Office) -> str:
    url: str = office.driver.url  # type: ignore[attr-defined]
    return url


def sign_in(page: Any, office: Office, userid: str, *, platform: str | None = None,
            next_path: str = "/m/") -> None:
    """Sign `page`'s browser in as `userid` through the platform's in-app OAuth, and land
    on `next_path`."""
    page.context.add_cookies([{"name": MEMBER_COOKIE, "value": userid,
                               "url": sandbox_url(office)}])
    name = platform or office.platform
    page.goto(workbench_url(office, f"/auth/start?p={name}&next={next_path}"))
    assert urlsplit(page.url).path == next_path.split("?")[0], \
        f"sign-in ended at {page.url}, not {next_path}"


def client_for(office: Office, userid: str, *, platform: str | None = None) -> requests.Session:
    """A plain HTTP client signed in as `userid` (cookies kept, redirects followed)."""
    client = requests.Session()
    host = urlsplit(sandbox_url(office)).hostname or "127.0.0.1"
    client.cookies.set(MEMBER_COOKIE, userid, domain=host)
    name = platform or office.platform
    answer = client.get(workbench_url(office, f"/auth/start?p={name}&next=/api/v1/me"),
                        timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["userid"] == userid
    return client


def csrf_of(client: requests.Session, office: Office, path: str = "/m/") -> str:
    """The session's CSRF token, as a page carries it (`<meta name="csrf-token">`)."""
    import re

    page = client.get(workbench_url(office, path), timeout=10).text
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def assert_fits(page: Any) -> None:
    """Nothing on the page is wider than the window (no sideways scrolling, no clipping)."""
    assert overflowing(page) == []
