"""What a chat platform provides to the product: one `Platform` description per platform.

Each `integrations/<name>/platform.py` defines a `PLATFORM`, and `integrations.registry`
maps names to them; the composition root (`workers.settings`, `workers.runtime`) and the
web app read nothing else to wire a platform in. A description is cheap to import: its
factories import the platform's adapters only when called, so a web process answering one
platform's callbacks loads no other platform and no domain logic.
"""

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol

from tasks.messaging.channel import Channel, ChannelLimits
from tasks.messaging.inbound import Inbound


@dataclass(frozen=True)
class SettingField:
    """One setting a platform reads: `MASHANGBAN_<env>`, stored as the settings attribute
    `attribute`. Without a `default` it is required. `meaning` ends the one line an operator
    sees when it is missing or does not match `pattern` (`kind` "url" is checked as an
    http(s) URL, "integer" is converted). `secret`: a credential, which every process
    redacts from its log lines (`workers.logs`)."""

    env: str
    attribute: str
    meaning: str
    pattern: str = r"\S+"
    kind: Literal["text", "integer", "url"] = "text"
    default: str | None = None
    secret: bool = False


class PlatformSettings(Protocol):
    """A platform's settings class: a frozen dataclass whose `FIELDS` say what it reads.

    `workers.settings` reads the environment for it and calls the class with one keyword
    per field's `attribute`."""

    FIELDS: ClassVar[tuple[SettingField, ...]]


LOCK_WAIT = timedelta(seconds=30)  # the longest `Services.lock` waits for another holder
# The largest callback body read. It must hold the longest message a platform delivers, so
# that every signed message can be answered (a text too long for us with 「消息过长」):
# a 25,000-character WeCom text is ~100 KB once encrypted and base64-encoded; 512 KiB
# holds ~130,000 CJK characters, a margin of five. Only the length of a text longer than
# we read is stored (`tasks.messaging.inbound.TextMessage.overlong`).
CALLBACK_BODY_LONGEST = 512 * 1024


class SandboxServer(Protocol):
    """Serves a platform's sandbox in the foreground until interrupted."""

    def __call__(self, settings: Any, host: str, port: int, callback_url: str, *,
                 history: Path | None = None) -> None: ...


class Receiver(Protocol):
    """A long-running receiver of what a platform pushes over a connection the product
    opens (DingTalk's Stream mode): `run()` until `stop()`, called from another thread or
    a signal handler."""

    def run(self) -> None: ...

    def stop(self) -> None: ...


class SignIn(Protocol):
    """How a person proves who they are to the workbench, the platform's way (OAuth2).

    - `app_url(redirect_uri, state)`: where to send a browser inside the platform's app
      (WeCom's OAuth2 `snsapi_base`, which signs in without a prompt); None where the
      platform signs in by its JS API instead (DingTalk's 免登, a page of ours).
    - `qr_url(redirect_uri, state)`: the platform's QR-code login for a desktop browser.
    - `userid(code, via=...)`: the platform user id a one-time `code` stands for, asked of
      the platform; None for a code it does not accept (forged, used or expired). `via` is
      where the code came from: "app", "qr" or "jsapi".
    """

    def app_url(self, redirect_uri: str, state: str) -> str | None: ...

    def qr_url(self, redirect_uri: str, state: str) -> str: ...

    def userid(self, code: str, *, via: str) -> str | None: ...


# What a receiver stores each message with: True if new, False for a redelivery; raises
# when storage fails (the receiver then asks the platform to deliver it again).
Store = Callable[[Inbound], bool]


@dataclass(frozen=True)
class Services:
    """What the composition root lends a platform's factories, so adapters need no Redis
    or web framework of their own.

    `storage(prefix)` is a key/value store shared by every process (wechatpy's session
    storage interface: get/set/delete), `lock(name)` a lock across processes, held while
    e.g. one process fetches an access token for all; it waits at most `LOCK_WAIT` for
    another holder, then goes on without it (so a platform can bound how long a send takes).
    """

    storage: Callable[[str], Any]
    lock: Callable[[str], AbstractContextManager[None]]
    callback_max_age: timedelta = timedelta(minutes=5)
    callback_max_body: int = CALLBACK_BODY_LONGEST


@dataclass(frozen=True)
class Platform:
    """A chat platform the product can serve, described by name and factories.

    - `settings`: its settings class (`PlatformSettings`).
    - `limits`: what its channel declares (`Channel.limits` is this value).
    - `channel(settings, services)`: the domain's `Channel` port on this platform; it also
      reads the directory (`fetch_directory`).
    - `verifier(settings, services)`: checks and decodes callbacks into the domain's
      neutral inbound types; what the platform's blueprint calls.
    - `blueprint`: `module:attribute` of its Flask blueprint (in `webapp/`, the only layer
      that may import Flask), named here as text so this layer imports nothing above it.
    - `callback_path`: the URL path of its callbacks, served by that blueprint.
    - `sandbox(settings, host, port, callback_url, *, history)`: serve a fake of the
      platform speaking its real protocol (`mashangban sandbox`, the demo); `history` is a
      file in which to keep what its chat page shows across restarts, or None; None if it
      has no sandbox.
    - `demo_settings(sandbox_url)`: the environment (MASHANGBAN_* names) with which the
      product talks to that sandbox in `mashangban demo`.
    - `receiver(settings, services, store)`: a `Receiver` for a platform that pushes over a
      connection the product opens (DingTalk's Stream mode), storing each message with
      `store` before acknowledging it; None when these settings receive by HTTP
      callbacks; the field itself is None for platforms that only call back.
    - `signin(settings, services)`: its `SignIn`, how the workbench signs people in; None
      if the platform has none.
    """

    name: str
    title: str
    settings: type[Any]
    limits: ChannelLimits
    channel: Callable[[Any, Services], Channel]
    verifier: Callable[[Any, Services], Any]
    blueprint: str
    callback_path: str
    sandbox: SandboxServer | None = None
    demo_settings: Callable[[str], Mapping[str, str]] = field(default=lambda _url: {})
    receiver: Callable[[Any, Services, Store], Receiver | None] | None = None
    signin: Callable[[Any, Services], SignIn] | None = None
