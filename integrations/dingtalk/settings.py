"""The DingTalk app's settings: what `MASHANGBAN_DINGTALK_*` variables it reads, and their
shape.

The composition root (`workers.settings`) reads the environment; this class only declares
the names, patterns and meanings, so the line an operator sees names the variable.
"""

from dataclasses import dataclass
from typing import ClassVar

from integrations.platform import SettingField

DEFAULT_API_BASE = "https://api.dingtalk.com"  # the new OpenAPI (x-acs-dingtalk-access-token)
DEFAULT_OAPI_BASE = "https://oapi.dingtalk.com"  # the older OpenAPI (?access_token=)
DEFAULT_LOGIN_BASE = "https://login.dingtalk.com"  # the web login (QR code) for the workbench
MODES = ("stream", "http")


@dataclass(frozen=True)
class DingTalkSettings:
    """One DingTalk enterprise-internal app (企业内部应用) with its robot.

    `mode` is how messages arrive: `stream` (the default: an outbound WebSocket opened by
    `mashangban dingtalk-stream`, no public URL needed) or `http` (DingTalk POSTs to
    `/dingtalk/callback` and `/dingtalk/events`, which need `token` and `aes_key`). In http
    mode, cards carry `card_url` as their `callbackUrl`; DingTalk POSTs their clicks there
    once `mashangban dingtalk-card-callback` has registered it.

    The workbench signs people in by 免登 inside DingTalk, which needs the organisation's
    `corp_id` (the JSAPI asks for a code of that organisation), and on a desktop by
    DingTalk's web login at `login_base` (`integrations.dingtalk.signin`).
    """

    app_key: str
    app_secret: str
    robot_code: str
    aes_key: str
    token: str
    api_base: str
    oapi_base: str
    mode: str
    card_url: str = ""
    corp_id: str = ""
    login_base: str = DEFAULT_LOGIN_BASE

    FIELDS: ClassVar[tuple[SettingField, ...]] = (
        SettingField("DINGTALK_APP_KEY", "app_key", "the app's AppKey (Client ID)",
                     r"[A-Za-z0-9_\-]{4,64}"),
        SettingField("DINGTALK_APP_SECRET", "app_secret", "the app's AppSecret",
                     r"[A-Za-z0-9_\-]{8,128}", secret=True),
        SettingField("DINGTALK_ROBOT_CODE", "robot_code",
                     "the robot's RobotCode (empty: the AppKey)", r"[A-Za-z0-9_\-]{0,64}",
                     default=""),
        SettingField("DINGTALK_AES_KEY", "aes_key",
                     "exactly 43 letters or digits (the event subscription's aes_key)",
                     r"([A-Za-z0-9]{43})?", default="", secret=True),
        SettingField("DINGTALK_TOKEN", "token",
                     "the event subscription's token, letters and digits",
                     r"[A-Za-z0-9]{0,64}", default="", secret=True),
        SettingField("DINGTALK_API_BASE", "api_base", "an http(s) URL", kind="url",
                     default=DEFAULT_API_BASE),
        SettingField("DINGTALK_OAPI_BASE", "oapi_base",
                     "an http(s) URL (empty: derived from DINGTALK_API_BASE)",
                     r"(https?://\S+)?", default=""),
        SettingField("DINGTALK_MODE", "mode", "stream or http", r"stream|http",
                     default="stream"),
        SettingField("DINGTALK_CARD_URL", "card_url",
                     "http mode: the card callback URL, https://YOUR-HOST/dingtalk/card",
                     r"(https?://[^\s?#]+/dingtalk/card)?", default=""),
        SettingField("DINGTALK_CORP_ID", "corp_id",
                     "the organisation's CorpId (dingxxxx), for 免登 in the workbench",
                     r"[A-Za-z0-9_\-]{0,64}", default=""),
        SettingField("DINGTALK_LOGIN_BASE", "login_base",
                     "an http(s) URL (DingTalk's web login for the workbench)", kind="url",
                     default=DEFAULT_LOGIN_BASE),
    )

    @property
    def robot(self) -> str:
        """The robot code sends use: the configured one, else the AppKey (DingTalk's own
        default for an app's robot)."""
        return self.robot_code or self.app_key

    @property
    def oapi(self) -> str:
        """Where the older OpenAPI lives: as configured; on public DingTalk its own host;
        on a private deployment (a non-default API base), the same host as the new API."""
        if self.oapi_base:
            return self.oapi_base.rstrip("/")
        if self.api_base.rstrip("/") == DEFAULT_API_BASE:
            return DEFAULT_OAPI_BASE
        return self.api_base.rstrip("/")

    def problem(self) -> str | None:
        """What makes these settings unusable together, or None (`workers.settings` turns
        it into the one line an operator reads)."""
        if self.mode == "http" and not (self.token and self.aes_key):
            return ("MASHANGBAN_DINGTALK_MODE is http: set MASHANGBAN_DINGTALK_TOKEN and "
                    "MASHANGBAN_DINGTALK_AES_KEY to the event subscription's token and aes_key")
        return None
