"""Signing a person in to the workbench through DingTalk: the `SignIn` port on DingTalk.

Two ways, as DingTalk offers an enterprise-internal app's web page (docs/dingtalk.md,
"Sign-in", gives the sources):

- 免登 inside the DingTalk client (`via="jsapi"`, also "app"): our page calls the JSAPI
  `dd.runtime.permission.requestAuthCode({corpId})`; the client answers a code (5 minutes,
  once) that the server trades with the app's own access token at
  `POST {oapi}/topapi/v2/user/getuserinfo {"code"}` → `result.userid`. There is no
  redirect, so `app_url` is None: the web layer serves that page instead.
- The web login on a desktop browser (`via="qr"`): `qr_url` sends the person to
  `{login}/oauth2/auth`, where they scan the QR code with DingTalk; DingTalk redirects
  back with `authCode` and `state`. The server trades the code at
  `POST {api}/v1.0/oauth2/userAccessToken` for a user token, reads the person's unionId
  at `GET {api}/v1.0/contact/users/me` with it, and maps that to the organisation's
  userid at `POST {oapi}/topapi/user/getbyunionid` with the app token. Someone who is
  not a member of the organisation (errcode 60121, or an external contact) gets None.

`userid` answers None for a code DingTalk refuses (forged, used, expired) and raises a
`DingTalkError` when DingTalk cannot be asked (network, its errors, our credentials), so
the web layer can tell "sign in again" from "try later".
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import requests

from integrations.dingtalk.api import DingTalkApi, DingTalkError
from integrations.dingtalk.limits import API_TIMEOUT

USER_TOKEN_PATH = "/v1.0/oauth2/userAccessToken"
USERS_ME_PATH = "/v1.0/contact/users/me"
GETUSERINFO_PATH = "/topapi/v2/user/getuserinfo"
GETBYUNIONID_PATH = "/topapi/user/getbyunionid"
# 不存在的临时授权码: a 免登 code never issued, used already, or older than 5 minutes.
BAD_CODE_ERRCODE = 40078
NOT_A_MEMBER_ERRCODE = 60121  # 找不到该用户: the unionId is nobody in this organisation
MEMBER = 0  # getbyunionid's contact_type: 0 a member, 1 an external contact
# userAccessToken's answer to our own credentials being wrong: a setting to fix, not a bad code
BAD_CLIENT_CODES = ("invalidClientIdOrSecret", "invalidClientId", "invalidClientSecret")
# What a code looks like; anything else is refused without asking DingTalk.
CODE = re.compile(r"[A-Za-z0-9_\-.~]{1,256}")


class DingTalkSignIn:
    """DingTalk's sign-in for one enterprise-internal app (`make_signin` builds it)."""

    def __init__(self, api: DingTalkApi, *, login_base: str, corp_id: str,
                 session: requests.Session | None = None):
        self.api = api
        self.login_base = login_base.rstrip("/")
        self.corp_id = corp_id  # what the 免登 page passes to requestAuthCode
        self._http = session or requests.Session()

    def app_url(self, redirect_uri: str, state: str) -> str | None:
        """None: inside DingTalk the page signs in by the JSAPI (免登), not a redirect."""
        return None

    def qr_url(self, redirect_uri: str, state: str) -> str:
        """DingTalk's web login (scan the QR code with DingTalk), back to `redirect_uri`
        with `authCode` and `state`. `scope=openid corpid` makes DingTalk ask for the
        organisation as well, which the token answer then names."""
        query = urlencode({"redirect_uri": redirect_uri, "response_type": "code",
                           "client_id": self.api.app_key, "scope": "openid corpid",
                           "state": state, "prompt": "consent"})
        return f"{self.login_base}/oauth2/auth?{query}"

    def userid(self, code: str, *, via: str) -> str | None:
        """The member's userid for a code from 免登 ("jsapi", "app") or the web login
        ("qr"); None for a code DingTalk refuses or a person not in the organisation."""
        if not isinstance(code, str) or not CODE.fullmatch(code):
            return None
        if via == "qr":
            return self._web_login_userid(code)
        return self._jsapi_userid(code)

    # -- 免登 ----------------------------------------------------------------------------
    def _jsapi_userid(self, code: str) -> str | None:
        try:
            answer = self.api.oapi(GETUSERINFO_PATH, {"code": code})
        except DingTalkError as error:
            if error.code == BAD_CODE_ERRCODE:
                return None
            raise
        return _text((answer.get("result") or {}).get("userid"))

    # -- the web login -------------------------------------------------------------------
    def _web_login_userid(self, code: str) -> str | None:
        token, corp_id = self._user_token(code)
        if token is None:
            return None
        if self.corp_id and corp_id and corp_id != self.corp_id:
            return None  # signed in to another organisation on the login page
        unionid = self._unionid(token)
        if unionid is None:
            return None
        try:
            answer = self.api.oapi(GETBYUNIONID_PATH, {"unionid": unionid})
        except DingTalkError as error:
            if error.code == NOT_A_MEMBER_ERRCODE:
                return None
            raise
        result = answer.get("result") or {}
        if result.get("contact_type", MEMBER) != MEMBER:
            return None
        return _text(result.get("userid"))

    def _user_token(self, code: str) -> tuple[str | None, str | None]:
        """(user accessToken, corpId) for a web-login code; (None, None) if DingTalk
        refuses the code. Our own credentials refused, or DingTalk failing, raise."""
        response = self._send("POST", self.api.api_base + USER_TOKEN_PATH, json={
            "clientId": self.api.app_key, "clientSecret": self.api.app_secret,
            "code": code, "grantType": "authorization_code"})
        answer = _json(response)
        if response.status_code >= 500 or response.status_code == 429:
            raise DingTalkError(f"DingTalk {USER_TOKEN_PATH}: HTTP {response.status_code}",
                                status=response.status_code, retryable=True)
        if not response.ok:
            code_name = answer.get("code")
            if code_name in BAD_CLIENT_CODES:
                raise DingTalkError(f"DingTalk {USER_TOKEN_PATH}: {code_name}",
                                    status=response.status_code, code=code_name,
                                    retryable=False)
            return None, None  # the code: unknown, used or expired
        return _text(answer.get("accessToken")), _text(answer.get("corpId"))

    def _unionid(self, user_token: str) -> str | None:
        response = self._send("GET", self.api.api_base + USERS_ME_PATH,
                              headers={"x-acs-dingtalk-access-token": user_token})
        if not response.ok:
            raise DingTalkError(f"DingTalk {USERS_ME_PATH}: HTTP {response.status_code}",
                                status=response.status_code,
                                retryable=response.status_code >= 500)
        return _text(_json(response).get("unionId"))

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            return self._http.request(method, url, timeout=API_TIMEOUT, **kwargs)
        except requests.RequestException as error:
            raise DingTalkError(f"DingTalk network: {type(error).__name__}",
                                retryable=True) from error


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
