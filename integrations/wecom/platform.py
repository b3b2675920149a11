"""WeCom (企业微信 / 政务微信) as a platform of the product: its description for the registry.

Importing this module loads only the settings class and the limits; each factory imports
the adapter it builds when called.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from integrations.platform import Platform, Services
from integrations.wecom.limits import LIMITS
from integrations.wecom.settings import WeComSettings
from tasks.messaging.channel import Channel

CALLBACK_PATH = "/wecom/callback"


def make_channel(settings: WeComSettings, services: Services) -> Channel:
    """The `Channel` on WeCom's API; the access token is shared by all processes."""
    from integrations.wecom.api import WeComApi
    from integrations.wecom.channel import WeComChannel

    api = WeComApi(settings.corp_id, settings.secret, api_base=settings.api_base,
                   storage=services.storage("mashangban:wecom"), lock=services.lock)
    return WeComChannel(api, settings.agent_id)


def make_signin(settings: WeComSettings, services: Services) -> Any:
    """Workbench sign-in by WeCom's web OAuth2 and QR login, on the shared API client."""
    from integrations.wecom.api import WeComApi
    from integrations.wecom.signin import WeComSignIn

    api = WeComApi(settings.corp_id, settings.secret, api_base=settings.api_base,
                   storage=services.storage("mashangban:wecom"), lock=services.lock)
    return WeComSignIn(api, corp_id=settings.corp_id, agent_id=settings.agent_id,
                       oauth_base=settings.oauth_base, login_base=settings.login_base)


def make_verifier(settings: WeComSettings, services: Services) -> Any:
    """The callback verifier and decoder for this app's token and AES key."""
    from integrations.wecom.callback import CallbackVerifier

    return CallbackVerifier(settings.token, settings.aes_key, settings.corp_id,
                            max_age=services.callback_max_age,
                            max_body=services.callback_max_body)


def serve_sandbox(settings: WeComSettings, host: str, port: int, callback_url: str, *,
                  history: Path | None = None) -> None:
    """Serve the WeCom sandbox with the same app credentials as the product; with
    `history`, the chat page's conversations are kept in that file across restarts."""
    from integrations.wecom.sandbox import SandboxConfig, serve

    config = SandboxConfig(corp_id=settings.corp_id, agent_id=settings.agent_id,
                           secret=settings.secret, token=settings.token,
                           aes_key=settings.aes_key, callback_url=callback_url,
                           history=history)
    serve(config, host, port)


def demo_settings(sandbox_url: str) -> Mapping[str, str]:
    """Demo credentials shared by the sandbox and the product, and the sandbox as API."""
    return {
        "MASHANGBAN_WECOM_CORP_ID": "wwdemo0000000001",
        "MASHANGBAN_WECOM_AGENT_ID": "1000002",
        "MASHANGBAN_WECOM_SECRET": "demo-secret-not-for-production",
        "MASHANGBAN_WECOM_TOKEN": "mashangbandemo",
        "MASHANGBAN_WECOM_AES_KEY": "MaShangBanDemoKey0123456789abcdefghijklmnop",
        "MASHANGBAN_WECOM_API_BASE": sandbox_url,
        "MASHANGBAN_WECOM_OAUTH_BASE": sandbox_url,
        "MASHANGBAN_WECOM_LOGIN_BASE": sandbox_url,
    }


PLATFORM = Platform(
    name="wecom",
    title="企业微信",
    settings=WeComSettings,
    limits=LIMITS,
    channel=make_channel,
    verifier=make_verifier,
    blueprint="webapp.wecom:blueprint",
    callback_path=CALLBACK_PATH,
    sandbox=serve_sandbox,
    demo_settings=demo_settings,
    signin=make_signin,
)
