"""The WeCom API client: wechatpy's, pointed at a configurable host, with a shared token.

wechatpy 1.8.18 hard-codes the gettoken host, fetches tokens with no timeout and without a
lock, and retries token errors recursively without a cap (40001 included). This subclass
fixes those four things and nothing else.
"""

import copy
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from wechatpy.enterprise import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

from integrations.wecom.limits import API_TIMEOUT

TOKEN_REJECTED = (40014, 42001)  # invalid / expired access_token: refetch once
TOKEN_MARGIN = 300  # seconds: a cached token is dropped this long before WeCom expires it
DEFAULT_API_BASE = "https://qyapi.weixin.qq.com"

LockFactory = Callable[[str], AbstractContextManager[Any]]


def cgi_base(api_base: str) -> str:
    """`https://host[/prefix]` → `https://host[/prefix]/cgi-bin/`, tolerant of a trailing part."""
    base = api_base.rstrip("/")
    if base.endswith("/cgi-bin"):
        base = base[: -len("/cgi-bin")]
    return base + "/cgi-bin/"


class WeComApi(WeChatClient):
    """One app's API client; its token lives in `storage`, shared by every process."""

    def __init__(self, corp_id: str, secret: str, *, api_base: str, storage: SessionStorage,
                 lock: LockFactory, timeout: float | tuple[float, float] = API_TIMEOUT):
        super().__init__(corp_id, secret, session=storage, timeout=timeout, auto_retry=False)
        self.API_BASE_URL = cgi_base(api_base)
        self._lock = lock

    @property
    def access_token(self) -> str:
        token = self.session.get(self.access_token_key)
        return token or self.refresh_token(stale=None)

    def refresh_token(self, stale: str | None) -> str:
        """Fetch a token once for all processes: whoever holds the lock fetches, the rest reuse.

        `stale` is the token WeCom just rejected; if another process already replaced it
        we use theirs instead of fetching again.
        """
        with self._lock(f"{self.access_token_key}:lock"):
            current = self.session.get(self.access_token_key)
            if current and current != stale:
                return current
            result = self._fetch_access_token(
                url=self.API_BASE_URL + "gettoken",
                params={"corpid": self.corp_id, "corpsecret": self.secret},
            )
            ttl = max(int(result.get("expires_in", 7200)) - TOKEN_MARGIN, 60)
            self.session.set(self.access_token_key, result["access_token"], ttl)
            return result["access_token"]

    def fetch_access_token(self) -> dict[str, Any]:
        return {"access_token": self.refresh_token(stale=None)}

    def probe_token(self, timeout: float | tuple[float, float]) -> str | None:
        """Ask gettoken once for a token, past the shared cache and its lock, and return the
        answer's Date header: `mashangban doctor` checks the credentials and the clock this
        way. Raises `WeChatClientException` as a fetch does (40001: a wrong secret)."""
        return self._gettoken(self.API_BASE_URL + "gettoken",
                              {"corpid": self.corp_id, "corpsecret": self.secret},
                              timeout)[1]

    def _fetch_access_token(self, url: str, params: dict[str, Any]) -> dict[str, Any]:
        """gettoken with the client's timeout: wechatpy sends it with none, so a WeCom that
        never answers would hold the send, and the token lock, for ever."""
        return self._gettoken(url, params, self.timeout)[0]

    def _gettoken(self, url: str, params: dict[str, Any],
                  timeout: float | tuple[float, float]) -> tuple[dict[str, Any], str | None]:
        response = self._http.get(url=url, params=params, timeout=timeout)
        if not response.ok:
            raise WeChatClientException(errcode=None, errmsg=None, client=self,
                                        request=response.request, response=response)
        result = response.json()
        if result.get("errcode", 0) != 0:
            raise WeChatClientException(result["errcode"], result.get("errmsg"), client=self,
                                        request=response.request, response=response)
        return result, response.headers.get("Date")

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        """Issue a call; on a rejected token refetch once and retry once, never more.

        40001 (invalid secret) is not retried at all: asking again with the same secret
        only gets the server's IP banned.
        """
        params = dict(kwargs.pop("params", None) or {})
        used = params.setdefault("access_token", self.access_token)
        try:
            return super()._request(method, url_or_endpoint, params=params,
                                    **copy.deepcopy(kwargs))
        except WeChatClientException as error:
            if error.errcode not in TOKEN_REJECTED:
                raise
            params["access_token"] = self.refresh_token(stale=used)
            return super()._request(method, url_or_endpoint, params=params, **kwargs)
