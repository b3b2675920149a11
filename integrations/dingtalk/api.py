"""The DingTalk OpenAPI client: both hosts, one access token shared by every process.

DingTalk has two server APIs. The new one (`api_base`, https://api.dingtalk.com) takes the
token in the header `x-acs-dingtalk-access-token` and answers errors with an HTTP status
and `{"code", "message", "requestid"}`; the older one (`oapi_base`, https://oapi.dingtalk.com)
takes `?access_token=` and answers `{"errcode", "errmsg", …}`, HTTP 200 even for errors.
An enterprise-internal app's token (from `POST /v1.0/oauth2/accessToken`) is valid on both.

The token lives in `storage` (Redis, shared by all processes); one process fetches it while
holding `lock`, the others reuse it. It is dropped `TOKEN_MARGIN` before DingTalk expires
it, and a call DingTalk answers with a rejected token is refetched and tried once more,
never more. Every failure is a `DeliveryError` (`DingTalkError`) that says whether trying
later can help.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import requests

from integrations.dingtalk.limits import API_TIMEOUT, BATCH_USERS
from tasks.messaging.channel import DeliveryError

TOKEN_MARGIN = 300  # seconds: a stored token is dropped this long before DingTalk expires it
TOKEN_PATH = "/v1.0/oauth2/accessToken"
# The new API: HTTP 401 (code InvalidAuthentication) for an expired or unknown token.
TOKEN_REJECTED_STATUS = 401
# The older API: 40014 invalid access_token, 42001 expired (and 40001 on older hosts;
# https://open.dingtalk.com/document/orgapp/server-api-error-codes-1).
TOKEN_REJECTED_ERRCODES = (40014, 42001, 40001)
# The new API's rate limits: a code naming a QPS limit (Forbidden.AccessDenied.
# QpsLimitForApi: every app together over the API's limit; ...QpsLimitForAppkeyAndApi: this
# app over 20 calls a second), or HTTP 429. DingTalk's 调用频次与限流 says the penalty lasts
# one second ("sleep 1秒"); the outbox waits 2 s. Over the organisation's monthly quota
# (Forbidden.AccessDenied.ApiCountLimitForOrg, errcode 90020) is not retryable soon.
QPS_RETRY_AFTER = 2.0
# The older API: errcode → seconds to wait before trying again. 90002: every app together
# over the API's per-second limit; 90018: this app over its per-second limit (both 1 s,
# 调用频次与限流); -1: system busy.
OAPI_RETRYABLE: dict[int, float | None] = {-1: None, 90002: QPS_RETRY_AFTER,
                                           90018: QPS_RETRY_AFTER}

Storage = Any  # wechatpy's SessionStorage interface: get(key), set(key, value, ttl), delete(key)
LockFactory = Callable[[str], AbstractContextManager[Any]]


class DingTalkError(DeliveryError):
    """A failed call, with what DingTalk said: the HTTP status and its code or errcode."""

    def __init__(self, reason: str, *, status: int | None = None, code: str | int | None = None,
                 retryable: bool, retry_after: float | None = None):
        super().__init__(reason[:500], retryable=retryable, retry_after=retry_after)
        self.status = status
        self.code = code


class _TokenRejected(Exception):
    """DingTalk rejected the token a call carried (expired, revoked, unknown)."""


@dataclass(frozen=True)
class BatchResult:
    """What batchSend answered over all its calls: who could not be sent to and why."""

    process_query_keys: tuple[str, ...] = ()
    invalid: frozenset[str] = frozenset()
    flow_controlled: frozenset[str] = frozenset()
    answers: list[dict[str, Any]] = field(default_factory=list)


class DingTalkApi:
    """One enterprise-internal app's client on DingTalk's new and older OpenAPI."""

    def __init__(self, app_key: str, app_secret: str, *, api_base: str, oapi_base: str,
                 storage: Storage, lock: LockFactory,
                 timeout: tuple[float, float] = API_TIMEOUT,
                 session: requests.Session | None = None):
        self.app_key = app_key
        self._secret = app_secret
        self.api_base = api_base.rstrip("/")
        self.oapi_base = oapi_base.rstrip("/")
        self._storage = storage
        self._lock = lock
        self.timeout = timeout
        self._http = session or requests.Session()
        self.token_key = f"{app_key}_access_token"

    # -- the token -----------------------------------------------------------------------
    @property
    def app_secret(self) -> str:
        """The AppSecret, which DingTalk also takes as a card callback's `api_secret`."""
        return self._secret

    @property
    def access_token(self) -> str:
        token = self._storage.get(self.token_key)
        return str(token) if token else self.refresh_token(stale=None)

    def refresh_token(self, stale: str | None) -> str:
        """Fetch a token once for all processes: whoever holds the lock fetches, the rest
        reuse. `stale` is a token DingTalk just rejected; if another process replaced it
        meanwhile, theirs is used instead of fetching again."""
        with self._lock(f"{self.token_key}:lock"):
            current = self._storage.get(self.token_key)
            if current and current != stale:
                return str(current)
            answer = self._fetch_token()
            token = answer.get("accessToken")
            if not isinstance(token, str) or not token:
                raise DingTalkError("DingTalk accessToken answered no token", retryable=True)
            expire_in = answer.get("expireIn")
            lifetime = expire_in if isinstance(expire_in, int) else 7200
            self._storage.set(self.token_key, token, max(lifetime - TOKEN_MARGIN, 60))
            return token

    def probe_token(self, timeout: float | tuple[float, float]) -> str | None:
        """Ask for a token once, past the shared cache and its lock, and return the answer's
        Date header: `mashangban doctor` checks the credentials and the clock this way.
        Raises `DingTalkError` as a fetch does (a refused secret, the network)."""
        try:
            response = self._http.post(self.api_base + TOKEN_PATH, timeout=timeout,
                                       json={"appKey": self.app_key, "appSecret": self._secret})
        except requests.RequestException as error:
            raise DingTalkError(f"DingTalk network: {type(error).__name__}",
                                retryable=True) from error
        answer = _new_api_answer(response, TOKEN_PATH)
        if not answer.get("accessToken"):
            raise DingTalkError("DingTalk accessToken answered no token", retryable=True)
        return response.headers.get("Date")

    def _fetch_token(self) -> dict[str, Any]:
        """POST /v1.0/oauth2/accessToken. A refused secret is not retryable: asking again
        with the same secret cannot help."""
        response = self._send("POST", self.api_base + TOKEN_PATH,
                              json={"appKey": self.app_key, "appSecret": self._secret})
        return _new_api_answer(response, TOKEN_PATH)

    # -- the new API ---------------------------------------------------------------------
    def call(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """One call to the new API (`/v1.0/…`); its JSON answer, or a `DingTalkError`."""
        def attempt(token: str) -> dict[str, Any]:
            response = self._send(method, self.api_base + path, json=body,
                                  headers={"x-acs-dingtalk-access-token": token})
            if response.status_code == TOKEN_REJECTED_STATUS:
                raise _TokenRejected(_describe(response))
            return _new_api_answer(response, path)

        return self._with_token(attempt)

    def batch_send(self, robot_code: str, user_ids: Sequence[str], msg_key: str,
                   msg_param: dict[str, Any]) -> BatchResult:
        """robot/oToMessages/batchSend to any number of people, `BATCH_USERS` per call."""
        keys: list[str] = []
        invalid: set[str] = set()
        flow: set[str] = set()
        answers = []
        for chunk in _chunks(list(user_ids), BATCH_USERS):
            answer = self.call("POST", "/v1.0/robot/oToMessages/batchSend", {
                "robotCode": robot_code, "userIds": chunk, "msgKey": msg_key,
                "msgParam": json.dumps(msg_param, ensure_ascii=False)})
            answers.append(answer)
            if isinstance(answer.get("processQueryKey"), str):
                keys.append(answer["processQueryKey"])
            invalid.update(_strings(answer.get("invalidStaffIdList")))
            flow.update(_strings(answer.get("flowControlledStaffIdList")))
        return BatchResult(tuple(keys), frozenset(invalid), frozenset(flow), answers)

    # -- the older API -------------------------------------------------------------------
    def oapi(self, path: str, body: dict[str, Any] | None = None, *,
             params: dict[str, str] | None = None,
             form: dict[str, str] | None = None,
             files: dict[str, Any] | None = None) -> dict[str, Any]:
        """One call to the older API (`/topapi/…`, `/media/upload`): POST with a JSON body
        or a multipart upload (`form` fields beside `files`); its JSON answer (errcode 0),
        or a `DingTalkError`."""
        def attempt(token: str) -> dict[str, Any]:
            query = {**(params or {}), "access_token": token}
            if files is not None:
                response = self._send("POST", self.oapi_base + path, params=query,
                                      data=form or {}, files=files)
            else:
                response = self._send("POST", self.oapi_base + path, params=query,
                                      json=body or {})
            answer = _oapi_answer(response, path)
            errcode = answer.get("errcode", 0)
            if errcode in TOKEN_REJECTED_ERRCODES:
                raise _TokenRejected(f"errcode {errcode}")
            if errcode != 0:
                raise _oapi_error(path, answer)
            return answer

        return self._with_token(attempt)

    # -- plumbing ------------------------------------------------------------------------
    def _with_token(self, attempt: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
        """Run `attempt` with the shared token; if DingTalk rejects it, refetch once and
        try once more. A second rejection is a retryable failure, never a loop."""
        used = self.access_token
        try:
            return attempt(used)
        except _TokenRejected:
            pass
        try:
            return attempt(self.refresh_token(stale=used))
        except _TokenRejected as error:
            raise DingTalkError(f"DingTalk rejected a fresh access token: {error}",
                                status=TOKEN_REJECTED_STATUS, retryable=True) from None

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            return self._http.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            raise DingTalkError(f"DingTalk network: {type(error).__name__}",
                                retryable=True) from error


def _new_api_answer(response: requests.Response, path: str) -> dict[str, Any]:
    """The JSON object of a 2xx answer, or the error it describes."""
    if response.ok:
        answer = _json_object(response)
        if answer is None:
            raise DingTalkError(f"DingTalk {path} answered no JSON object",
                                status=response.status_code, retryable=True)
        return answer
    raise _new_api_error(path, response)


def _new_api_error(path: str, response: requests.Response) -> DingTalkError:
    """An HTTP error of the new API: rate limits and server errors are retryable, the rest
    (a malformed request, a missing permission, an unknown robot) are not."""
    status = response.status_code
    code = (_json_object(response) or {}).get("code")
    reason = f"DingTalk {path}: HTTP {status} {_describe(response)}"
    if status == 429 or (isinstance(code, str) and "QpsLimit" in code):
        return DingTalkError(reason, status=status, code=code, retryable=True,
                             retry_after=QPS_RETRY_AFTER)
    if status >= 500:
        return DingTalkError(reason, status=status, code=code, retryable=True)
    return DingTalkError(reason, status=status, code=code, retryable=False)


def _oapi_answer(response: requests.Response, path: str) -> dict[str, Any]:
    answer = _json_object(response)
    if answer is None:
        raise DingTalkError(f"DingTalk {path}: HTTP {response.status_code}, no JSON object",
                            status=response.status_code, retryable=response.status_code >= 500
                            or response.ok)
    return answer


def _oapi_error(path: str, answer: dict[str, Any]) -> DingTalkError:
    errcode = answer.get("errcode")
    reason = f"DingTalk {path}: errcode {errcode}: {answer.get('errmsg', '')}"
    if isinstance(errcode, int) and errcode in OAPI_RETRYABLE:
        return DingTalkError(reason, code=errcode, retryable=True,
                             retry_after=OAPI_RETRYABLE[errcode])
    return DingTalkError(reason, code=errcode if isinstance(errcode, int) else None,
                         retryable=False)


def _json_object(response: requests.Response) -> dict[str, Any] | None:
    try:
        answer = response.json()
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def _describe(response: requests.Response) -> str:
    answer = _json_object(response) or {}
    return f"{answer.get('code', '')} {answer.get('message', '')}".strip()[:300]


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
