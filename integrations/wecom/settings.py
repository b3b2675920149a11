"""The WeCom app's settings: what `MASHANGBAN_WECOM_*` variables it reads, and their shape.

The composition root (`workers.settings`) reads the environment; this class only declares
the names, patterns and meanings, so the line an operator sees names the variable.
"""

from dataclasses import dataclass
from typing import ClassVar

from integrations.platform import SettingField

DEFAULT_API_BASE = "https://qyapi.weixin.qq.com"
DEFAULT_OAUTH_BASE = "https://open.weixin.qq.com"  # 网页授权 (in-app OAuth2)
DEFAULT_LOGIN_BASE = "https://login.work.weixin.qq.com"  # 扫码登录 (desktop QR login)


@dataclass(frozen=True)
class WeComSettings:
    corp_id: str
    agent_id: int
    secret: str
    token: str
    aes_key: str
    api_base: str
    oauth_base: str = DEFAULT_OAUTH_BASE
    login_base: str = DEFAULT_LOGIN_BASE

    FIELDS: ClassVar[tuple[SettingField, ...]] = (
        SettingField("WECOM_CORP_ID", "corp_id", "the CorpID, letters and digits",
                     r"[A-Za-z0-9_\-]{1,64}"),
        SettingField("WECOM_AGENT_ID", "agent_id", "an integer", r"\d{1,12}", kind="integer"),
        SettingField("WECOM_SECRET", "secret", "the app Secret", r"\S{1,128}", secret=True),
        SettingField("WECOM_TOKEN", "token", "at most 32 letters or digits",
                     r"[A-Za-z0-9]{1,32}", secret=True),
        SettingField("WECOM_AES_KEY", "aes_key",
                     "exactly 43 letters or digits (EncodingAESKey)", r"[A-Za-z0-9]{43}",
                     secret=True),
        SettingField("WECOM_API_BASE", "api_base", "an http(s) URL", kind="url",
                     default=DEFAULT_API_BASE),
        SettingField("WECOM_OAUTH_BASE", "oauth_base", "an http(s) URL", kind="url",
                     default=DEFAULT_OAUTH_BASE),
        SettingField("WECOM_LOGIN_BASE", "login_base", "an http(s) URL", kind="url",
                     default=DEFAULT_LOGIN_BASE),
    )
