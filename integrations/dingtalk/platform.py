"""DingTalk (钉钉) as a platform of the product: its description for the registry.

Importing this module loads only the settings class and the limits; each factory imports
the adapter it builds when called.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from integrations.dingtalk.limits import LIMITS
from integrations.dingtalk.settings import DingTalkSettings
from integrations.platform import Platform, Receiver, Services, Store
from tasks.messaging.channel import Channel

CALLBACK_PATH = "/dingtalk/callback"  # robot messages (and card clicks) in http mode
EVENTS_PATH = "/dingtalk/events"  # the encrypted event subscription (contacts), http mode
CARD_PATH = "/dingtalk/card"  # card clicks in http mode (the registered card callback URL)
DEMO_CORP_ID = "dingsandboxcorp0000000001"  # the sandbox organisation's (SandboxConfig's)


def make_channel(settings: DingTalkSettings, services: Services) -> Channel:
    """The `Channel` on DingTalk's OpenAPI; the access token is shared by all processes."""
    from integrations.dingtalk.api import DingTalkApi
    from integrations.dingtalk.channel import DingTalkChannel

    api = DingTalkApi(settings.app_key, settings.app_secret, api_base=settings.api_base,
                      oapi_base=settings.oapi, storage=services.storage("mashangban:dingtalk"),
                      lock=services.lock)
    card_url = settings.card_url if settings.mode == "http" and settings.card_url else None
    return DingTalkChannel(api, settings.robot, card_url=card_url)


def make_signin(settings: DingTalkSettings, services: Services) -> Any:
    """The workbench's sign-in on DingTalk: 免登 inside the client, the web login on a
    desktop (`integrations.dingtalk.signin`); the app token is the channel's, shared."""
    from integrations.dingtalk.api import DingTalkApi
    from integrations.dingtalk.signin import DingTalkSignIn

    api = DingTalkApi(settings.app_key, settings.app_secret, api_base=settings.api_base,
                      oapi_base=settings.oapi, storage=services.storage("mashangban:dingtalk"),
                      lock=services.lock)
    return DingTalkSignIn(api, login_base=settings.login_base, corp_id=settings.corp_id)


def make_verifier(settings: DingTalkSettings, services: Services) -> Any:
    """The verifier and decoder of what DingTalk delivers (http callbacks, events, and the
    Stream frames, which carry the same robot messages)."""
    from integrations.dingtalk.callback import DingTalkVerifier

    return DingTalkVerifier(settings.app_key, settings.app_secret, settings.token,
                            settings.aes_key, max_age=services.callback_max_age,
                            max_body=services.callback_max_body)


def make_receiver(settings: DingTalkSettings, services: Services,
                  store: Store) -> Receiver | None:
    """The Stream connection (`mashangban dingtalk-stream`) in stream mode; None in http
    mode, where DingTalk calls `/dingtalk/callback`, `/dingtalk/card` and `/dingtalk/events`."""
    if settings.mode != "stream":
        return None
    from integrations.dingtalk.stream import StreamReceiver

    return StreamReceiver(settings.app_key, settings.app_secret, store,
                          api_base=settings.api_base)


def serve_sandbox(settings: DingTalkSettings, host: str, port: int, callback_url: str, *,
                  history: Path | None = None) -> None:
    """Serve the DingTalk sandbox with the same app credentials as the product; with
    `history`, the chat page's conversations are kept in that file across restarts."""
    from integrations.dingtalk.sandbox import SandboxConfig, serve

    config = SandboxConfig(app_key=settings.app_key, app_secret=settings.app_secret,
                           robot_code=settings.robot, token=settings.token,
                           aes_key=settings.aes_key, mode=settings.mode,
                           callback_url=callback_url, history=history,
                           corp_id=settings.corp_id or DEMO_CORP_ID)
    serve(config, host, port)


def demo_settings(sandbox_url: str) -> Mapping[str, str]:
    """Demo credentials shared by the sandbox and the product, and the sandbox as API and
    as the web login (its organisation's CorpId for 免登)."""
    return {
        "MASHANGBAN_DINGTALK_APP_KEY": "dingdemo0000000001",
        "MASHANGBAN_DINGTALK_APP_SECRET": "demo-secret-not-for-production",
        "MASHANGBAN_DINGTALK_TOKEN": "mashangbandemo",
        "MASHANGBAN_DINGTALK_AES_KEY": "MaShangBanDemoKey0123456789abcdefghijklmnop",
        "MASHANGBAN_DINGTALK_API_BASE": sandbox_url,
        "MASHANGBAN_DINGTALK_MODE": "stream",
        "MASHANGBAN_DINGTALK_CORP_ID": DEMO_CORP_ID,
        "MASHANGBAN_DINGTALK_LOGIN_BASE": sandbox_url,
    }


PLATFORM = Platform(
    name="dingtalk",
    title="钉钉",
    settings=DingTalkSettings,
    limits=LIMITS,
    channel=make_channel,
    verifier=make_verifier,
    blueprint="webapp.dingtalk:blueprint",
    callback_path=CALLBACK_PATH,
    sandbox=serve_sandbox,
    demo_settings=demo_settings,
    receiver=make_receiver,
    signin=make_signin,
)
