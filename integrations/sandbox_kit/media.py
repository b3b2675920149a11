"""Uploaded temporary media (media/upload on both platforms): kept for the chat page and
usable for sending only for a few days, as on the real platforms."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

# WeCom and DingTalk alike: temporary media can be used for 3 days.
MEDIA_TTL = 3 * 24 * 3600


@dataclass
class Media:
    """An uploaded temporary media file, stamped on the sandbox clock."""

    media_type: str
    data: bytes
    uploaded_at: float


class MediaStore:
    """Uploaded files by media_id; `new_id` makes an id in the platform's shape. `clock` is
    called each time (tests move the sandbox's clock while it runs)."""

    def __init__(self, clock: Callable[[], float], new_id: Callable[[], str],
                 ttl: float = MEDIA_TTL) -> None:
        self._clock = clock
        self._new_id = new_id
        self._ttl = ttl
        self._lock = threading.Lock()
        self._files: dict[str, Media] = {}

    def store(self, media_type: str, data: bytes) -> tuple[str, Media]:
        """Keep an uploaded file; (its new media_id, the file stamped with the clock)."""
        media_id, media = self._new_id(), Media(media_type, data, self._clock())
        self.put(media_id, media)
        return media_id, media

    def put(self, media_id: str, media: Media) -> None:
        """Keep a file under a known id (one read back from the history file)."""
        with self._lock:
            self._files[media_id] = media

    def get(self, media_id: str, *, for_sending: bool = False) -> Media | None:
        """An uploaded file; for sending, None once it is older than the time to live."""
        with self._lock:
            found = self._files.get(media_id)
        if found is None:
            return None
        if for_sending and self._clock() - found.uploaded_at > self._ttl:
            return None
        return found

    def clear(self) -> None:
        with self._lock:
            self._files.clear()
