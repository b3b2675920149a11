"""What every driver does over its sandbox's HTTP test API: read, control, type a message."""

from __future__ import annotations

from typing import Any

import requests

TIMEOUT = 60  # seconds: `release` answers only once the held calls were handled
SEND_TIMEOUT = 15  # a typed message is answered once the product acknowledged it


class SandboxHttp:
    """The sandbox's `/sandbox/...` endpoints at `url` (both sandboxes serve the same)."""

    url: str

    def _get(self, path: str) -> Any:
        return requests.get(f"{self.url}{path}", timeout=10).json()

    def _control(self, endpoint: str, **body: Any) -> dict[str, Any]:
        answer = requests.post(f"{self.url}/sandbox/control/{endpoint}", json=body,
                               timeout=TIMEOUT)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def image(self, media: str) -> bytes:
        """The bytes of an uploaded picture (both sandboxes serve `/sandbox/media/<id>`)."""
        answer = requests.get(f"{self.url}/sandbox/media/{media}", timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.content

    def send(self, userid: str, text: str) -> None:
        """`userid` types `text`; the sandbox answers once the product took it."""
        answer = requests.post(f"{self.url}/sandbox/chat/{userid}/send",
                               json={"text": text}, timeout=SEND_TIMEOUT).json()
        assert answer.get("status") == 200, answer
