"""Signing people in to the workbench with WeCom's web OAuth2 (网页授权登录).

Inside the WeCom app a page is opened through the authorize URL with `snsapi_base`, which
signs in silently; on a desktop browser, WeCom's QR-code login (企业微信扫码登录) does the
same from the phone. Both hand the browser a one-time `code` that only the app's server can
turn into a user id, with `cgi-bin/auth/getuserinfo` and the app's access token. A code is
valid for five minutes and once; a code WeCom does not accept (40029) is a failed sign-in,
any other error is WeCom being unavailable.

The hosts are settings, because 政务微信 and private deployments serve OAuth and the QR
login elsewhere than open.weixin.qq.com and login.work.weixin.qq.com.
"""

from urllib.parse import urlencode

from wechatpy.exceptions import WeChatClientException

from integrations.wecom.api import WeComApi

INVALID_CODE = (40029, 50001, 50002)  # invalid code; redirect_uri / app not authorised


class WeComSignIn:
    """The `SignIn` port on WeCom (integrations.platform.SignIn)."""

    def __init__(self, api: WeComApi, *, corp_id: str, agent_id: int, oauth_base: str,
                 login_base: str) -> None:
        self.api = api
        self.corp_id = corp_id
        self.agent_id = agent_id
        self.oauth_base = oauth_base.rstrip("/")
        self.login_base = login_base.rstrip("/")

    def app_url(self, redirect_uri: str, state: str) -> str:
        """The in-app authorize URL (`#wechat_redirect` as WeCom's documentation writes it)."""
        query = urlencode({"appid": self.corp_id, "redirect_uri": redirect_uri,
                           "response_type": "code", "scope": "snsapi_base", "state": state,
                           "agentid": self.agent_id})
        return f"{self.oauth_base}/connect/oauth2/authorize?{query}#wechat_redirect"

    def qr_url(self, redirect_uri: str, state: str) -> str:
        """WeCom's QR-code web login for a self-built app (`login_type=CorpApp`)."""
        query = urlencode({"login_type": "CorpApp", "appid": self.corp_id,
                           "agentid": self.agent_id, "redirect_uri": redirect_uri,
                           "state": state})
        return f"{self.login_base}/wwlogin/sso/login?{query}"

    def userid(self, code: str, *, via: str) -> str | None:
        """The member's userid, or None for a code WeCom refuses or a non-member (openid).

        Both sign-ins use the same API (`via` does not change the call)."""
        try:
            answer = self.api.get("auth/getuserinfo", params={"code": code})
        except WeChatClientException as error:
            if error.errcode in INVALID_CODE:
                return None
            raise
        userid = answer.get("userid") or answer.get("UserId")
        return str(userid) if userid else None
