"""The fake DingTalk OpenAPI: the new API (`/v1.0/…`, header token, HTTP status errors)
and the older one (`/gettoken`, `/media/upload`, `/topapi/…`, `?access_token=`, errcode).

Every call: an injected error first, then a stall if one is queued, then the token check,
then the handler; each is logged (`/sandbox/control/calls`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request

from .signin import unionid_of, userid_of_union
from .state import SandboxState

bp = Blueprint("dingtalk_openapi", __name__)

Answer = tuple[dict[str, Any], int]
MSG_KEYS = {"sampleText": ("content",), "sampleMarkdown": ("title", "text"),
            "sampleImageMsg": ("photoURL",)}
USER_IDS_MAX = 20
TOKEN_ERRCODES = {"missing": 40014, "invalid": 40014, "expired": 42001}
QPS_CODE = "Forbidden.AccessDenied.QpsLimitForApi"
ERRMSG = {
    -1: "系统繁忙", 40014: "不合法的access_token", 42001: "access_token超时",
    40035: "缺少参数", 40004: "不合法的媒体文件类型", 40006: "不合法的文件大小",
    60003: "部门不存在", 60121: "找不到该用户", 90002: "请求过于频繁",
    90018: "当前应用调用该接口超过每秒限流", 400002: "参数错误",
    40036: "入参为空", 660009: "回调地址为空", 660019: "回调地址 Url 解析失败",
    40078: "不存在的临时授权码",
}
CARD_BIZ_ID_LONGEST = 100  # cardBizId: "不超过100字符" (机器人发送互动卡片（普通版）)
MEDIA_MAX = 20 * 1024 * 1024  # image: at most 20 MB (DingTalk: media/upload)


def _state() -> SandboxState:
    return current_app.extensions["sandbox"]


def new_error(status: int, code: str, message: str) -> Answer:
    """The new API's error shape."""
    return {"code": code, "message": message, "requestid": _state().next_id().__str__()}, status


def old_error(errcode: int, detail: str = "") -> Answer:
    """The older API's error shape, served with HTTP 200."""
    message = ERRMSG.get(errcode, "error")
    return {"errcode": errcode, "errmsg": f"{message}{': ' + detail if detail else ''}",
            "request_id": str(_state().next_id())}, 200


def _body() -> dict[str, Any] | None:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


# -- the new API -----------------------------------------------------------------------------

def access_token(state: SandboxState) -> Answer:
    """POST /v1.0/oauth2/accessToken {"appKey", "appSecret"} → {"accessToken", "expireIn"}."""
    body = _body()
    if body is None or not body.get("appKey") or not body.get("appSecret"):
        return new_error(400, "MissingParameter", "appKey and appSecret are required")
    if body["appKey"] != state.config.app_key or body["appSecret"] != state.config.app_secret:
        # 获取企业内部应用的accessToken: one error code for either
        return new_error(400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret")
    token, expire_in = state.issue_token()
    return {"accessToken": token, "expireIn": expire_in}, 200


def _msg(body: dict[str, Any]) -> tuple[dict[str, Any] | None, Answer | None]:
    """The message entry from msgKey/msgParam (a JSON string), or the error."""
    key, raw = body.get("msgKey"), body.get("msgParam")
    if key not in MSG_KEYS:
        return None, new_error(400, "invalidParameter.msgKey", f"不支持的 msgKey: {key}")
    try:
        param = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        param = None
    if not isinstance(param, dict) or not all(isinstance(param.get(f), str) and param[f]
                                              for f in MSG_KEYS[key]):
        return None, new_error(400, "invalidParameter.msgParam",
                               f"msgParam must be a JSON string with {MSG_KEYS[key]}")
    if key == "sampleImageMsg":
        if _state().media(param["photoURL"], for_sending=True) is None \
                and not param["photoURL"].startswith("http"):
            return None, new_error(400, "invalidParameter.photoURL", "无效的 photoURL")
        return {"msgtype": "image", "media_id": param["photoURL"]}, None
    if key == "sampleMarkdown":
        return {"msgtype": "markdown", "title": param["title"], "content": param["text"]}, None
    return {"msgtype": "text", "content": param["content"]}, None


def _robot_body() -> tuple[dict[str, Any], Answer | None]:
    """A robot API's JSON body naming our robot, and the error DingTalk answers instead
    (None when the body will do)."""
    body = _body()
    if body is None:
        return {}, new_error(400, "MissingParameter", "JSON body required")
    if body.get("robotCode") != _state().config.robot_code:
        return body, new_error(400, "resource.not.found", "robotCode 不存在")
    return body, None


def batch_send(state: SandboxState) -> Answer:
    """POST /v1.0/robot/oToMessages/batchSend."""
    body, refused = _robot_body()
    if refused is not None:
        return refused
    userids = body.get("userIds")
    if not isinstance(userids, list) or not userids or not all(
            isinstance(u, str) and u for u in userids):
        return new_error(400, "MissingParameter", "userIds required")
    if len(userids) > USER_IDS_MAX:
        return new_error(400, "invalidParameter.userIds", "userIds 最多 20 个")
    entry, error = _msg(body)
    if error:
        return error
    assert entry is not None
    if g.get("flow_controlled"):
        invalid, held = list[str](), list(userids)
    else:
        invalid, held = state.robot_deliver(userids, entry)
    return {"processQueryKey": f"pqk{state.next_id()}", "invalidStaffIdList": invalid,
            "flowControlledStaffIdList": held, "filteredStaffIdList": []}, 200


def group_send(state: SandboxState) -> Answer:
    """POST /v1.0/robot/groupMessages/send."""
    body, refused = _robot_body()
    if refused is not None:
        return refused
    cid = body.get("openConversationId")
    if not isinstance(cid, str) or not cid:
        return new_error(400, "MissingParameter", "openConversationId required")
    entry, error = _msg(body)
    if error:
        return error
    assert entry is not None
    why = state.group_post(cid, entry)
    if why == "unknown":
        return new_error(400, "resource.not.found", "群会话不存在或机器人不在群内")
    if why == "rate":
        return new_error(403, QPS_CODE, "机器人发送消息超过每分钟20条")
    return {"processQueryKey": f"pqk{state.next_id()}"}, 200


def _card_data(body: dict[str, Any]) -> dict[str, Any] | None:
    raw = body.get("cardData")
    try:
        data = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("contents"), list) \
            or not isinstance(data.get("header"), dict):
        return None
    return data


def card_send(state: SandboxState) -> Answer:
    """POST /v1.0/im/v1.0/robot/interactiveCards/send (one person: singleChatReceiver),
    answered with the error codes of DingTalk's page 机器人发送互动卡片（普通版）."""
    body = _body()
    if body is None:
        return new_error(400, "param.isNotJson", "参数必须是json")
    if body.get("robotCode") != _state().config.robot_code:
        return new_error(400, "invalid.robotCode", "无效的机器人标识")
    if body.get("cardTemplateId") != "StandardCard":
        return new_error(400, "template.isNotExist", "模板不存在（沙箱只支持 StandardCard）")
    biz_id = body.get("cardBizId")
    if not isinstance(biz_id, str) or not biz_id or len(biz_id) > CARD_BIZ_ID_LONGEST:
        return new_error(400, "invalid.bizId", "互动卡片BIZID无效")
    data = _card_data(body)
    if data is None:
        return new_error(400, "param.error", "参数无效: cardData 不是合法的卡片 JSON")
    try:
        receiver = json.loads(body.get("singleChatReceiver") or "")
    except (TypeError, ValueError):
        receiver = None
    userid = receiver.get("userId") if isinstance(receiver, dict) else None
    if not isinstance(userid, str) or not userid:
        return new_error(400, "param.error",
                         "参数无效: singleChatReceiver 须为 {\"userId\": …} 的 JSON 字符串")
    if state.directory.user(userid) is None:
        return new_error(400, "invalid.user", f"无效的用户ID: {userid}")
    key, _shown = state.send_card(biz_id, userid, data)
    callback_url = body.get("callbackUrl")  # "可控制卡片回调的URL，不填则无需回调"
    if isinstance(callback_url, str) and callback_url.strip():
        state.set_card_callback_url(biz_id, callback_url.strip())
    return {"processQueryKey": key}, 200


def card_update(state: SandboxState) -> Answer:
    """PUT /v1.0/im/robots/interactiveCards {"cardBizId", "cardData"} → {"processQueryKey"}
    (更新机器人发送互动卡片（普通版）)."""
    body = _body()
    if body is None:
        return new_error(400, "param.isNotJson", "参数必须是json")
    if not isinstance(body.get("cardBizId"), str):
        return new_error(400, "invalid.bizId", "互动卡片BIZID无效")
    data = _card_data(body)
    if data is None:
        return new_error(400, "param.error", "参数无效: cardData 不是合法的卡片 JSON")
    if not state.update_card(body["cardBizId"], data):
        return new_error(400, "cardInstance.notExist", "互动卡片实例不存在")
    return {"processQueryKey": f"pqk{state.next_id()}"}, 200


NEW_ROUTES: dict[tuple[str, str], Callable[[SandboxState], Answer]] = {
    ("POST", "v1.0/robot/oToMessages/batchSend"): batch_send,
    ("POST", "v1.0/robot/groupMessages/send"): group_send,
    ("POST", "v1.0/im/v1.0/robot/interactiveCards/send"): card_send,
    ("PUT", "v1.0/im/robots/interactiveCards"): card_update,
}


# -- the older API ---------------------------------------------------------------------------

def media_upload(state: SandboxState) -> Answer:
    """POST /media/upload, multipart: `type` a form field (as DingTalk's SDKs send it; the
    query parameter is read too) and the file `media`."""
    kind = request.form.get("type") or request.args.get("type", "")
    if kind not in ("image", "file", "voice", "video"):
        return old_error(40004, "type")
    upload = request.files.get("media")
    if upload is None:
        return old_error(40035, "media")
    data = upload.read(MEDIA_MAX + 1)
    if not data or len(data) > MEDIA_MAX:
        return old_error(40006)
    if kind == "image" and not (data.startswith(b"\x89PNG") or data.startswith(b"\xff\xd8")):
        return old_error(40004, "image must be png or jpg")
    media_id, created_at = state.store_media(kind, data)
    return {"errcode": 0, "errmsg": "ok", "type": kind, "media_id": media_id,
            "created_at": created_at}, 200


def _int_field(body: dict[str, Any] | None, name: str) -> int | None:
    value = (body or {}).get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def department_listsub(state: SandboxState) -> Answer:
    dept_id = _int_field(_body(), "dept_id")
    if dept_id is None:
        return old_error(400002, "dept_id")
    if state.directory.department(dept_id) is None:
        return old_error(60003)
    return {"errcode": 0, "errmsg": "ok", "result": state.directory.children(dept_id)}, 200


def department_get(state: SandboxState) -> Answer:
    dept_id = _int_field(_body(), "dept_id")
    if dept_id is None:
        return old_error(400002, "dept_id")
    found = state.directory.department(dept_id)
    if found is None:
        return old_error(60003)
    return {"errcode": 0, "errmsg": "ok", "result": found}, 200


def user_list(state: SandboxState) -> Answer:
    body = _body()
    dept_id, cursor, size = (_int_field(body, n) for n in ("dept_id", "cursor", "size"))
    if dept_id is None or cursor is None or size is None or cursor < 0 \
            or not 1 <= size <= 100:
        return old_error(400002, "dept_id, cursor and size (1..100) required")
    if state.directory.department(dept_id) is None:
        return old_error(60003)
    # 获取部门用户详情 (topapi/v2/user/list) lists `leader` (a manager of this department),
    # not the per-department `leader_in_dept` of user/get.
    everyone = [{**{k: v for k, v in user.items() if k != "leader_in_dept"},
                 "leader": any(item.get("dept_id") == dept_id and item.get("leader")
                               for item in user.get("leader_in_dept") or [])}
                for user in state.directory.users_of(dept_id)]
    page = everyone[cursor:cursor + size]
    more = cursor + size < len(everyone)
    result: dict[str, Any] = {"has_more": more, "list": page}
    if more:
        result["next_cursor"] = cursor + size
    return {"errcode": 0, "errmsg": "ok", "result": result}, 200


def user_get(state: SandboxState) -> Answer:
    userid = (_body() or {}).get("userid")
    if not isinstance(userid, str) or not userid:
        return old_error(400002, "userid")
    found = state.directory.user(userid)
    if found is None:
        return old_error(60121)
    return {"errcode": 0, "errmsg": "ok", "result": found}, 200


def card_callback_register(state: SandboxState) -> Answer:
    """POST /topapi/im/chat/scencegroup/interactivecard/callback/register
    {"callback_url" (required, no query string), "api_secret", "callbackRouteKey",
    "forceUpdate"} (注册互动卡片回调地址). Registrations are kept by URL: a robot card names
    its URL (`callbackUrl`); the route key serves the advanced card API, unused here."""
    body = _body()
    if body is None:
        return old_error(40036)
    url, secret = body.get("callback_url"), body.get("api_secret")
    if not isinstance(url, str) or not url:
        return old_error(660009)
    if not url.startswith(("http://", "https://")) or "?" in url or " " in url:
        return old_error(660019)
    secret_text = secret if isinstance(secret, str) else ""
    state.register_card_callback(url, secret_text)
    return {"errcode": 0, "errmsg": "ok", "success": True,
            "result": {"apiSecret": secret_text, "callbackUrl": url},
            "request_id": str(state.next_id())}, 200


# -- sign-in (免登 and the web login; the pages are in `signin.py`) ---------------------------

def user_access_token(state: SandboxState) -> Answer:
    """POST /v1.0/oauth2/userAccessToken {"clientId", "clientSecret", "code", "grantType":
    "authorization_code"} → {"accessToken", "refreshToken", "expireIn", "corpId"} (获取用户
    token); the code is a web-login authCode, spent by this call whatever it answers."""
    body = _body()
    if body is None or not body.get("clientId") or body.get("grantType") != "authorization_code":
        return new_error(400, "MissingParameter", "clientId and grantType authorization_code")
    if body["clientId"] != state.config.app_key \
            or body.get("clientSecret") != state.config.app_secret:
        return new_error(400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret")
    code = body.get("code")
    userid = state.login_codes.take(code) if isinstance(code, str) and code else None
    if userid is None:
        return new_error(400, "invalidAuthCode", "无效的临时授权码")
    token, expire_in = state.issue_user_token(userid)
    return {"accessToken": token, "refreshToken": "r" + token, "expireIn": expire_in,
            "corpId": state.config.corp_id}, 200


def contact_user(state: SandboxState, unionid: str) -> Answer:
    """GET /v1.0/contact/users/{unionId} with a user token (`me`: the token's member) →
    {"nick", "avatarUrl", "mobile", "openId", "unionId", "email", "stateCode"}
    (获取用户通讯录个人信息); a user token reads only its own member."""
    userid, problem = state.user_of_token(request.headers.get("x-acs-dingtalk-access-token", ""))
    if userid is None:
        g.token_problem = problem
        return new_error(401, "InvalidAuthentication", "不合法的access_token")
    if unionid not in ("me", unionid_of(userid)):
        return new_error(403, "Forbidden.AccessDenied", "只能获取当前授权用户的信息")
    user = state.directory.user(userid) or {"name": userid, "mobile": ""}
    return {"nick": user["name"], "avatarUrl": "", "mobile": user.get("mobile", ""),
            "openId": "dto" + unionid_of(userid)[3:], "unionId": unionid_of(userid),
            "email": "", "stateCode": "86"}, 200


def user_getuserinfo(state: SandboxState) -> Answer:
    """POST /topapi/v2/user/getuserinfo {"code"} (通过免登码获取用户信息) → result
    {userid, unionid, name, device_id, sys, sys_level, associated_unionid}; a code that
    was never issued, was used, or expired: errcode 40078."""
    code = (_body() or {}).get("code")
    if not isinstance(code, str) or not code:
        return old_error(400002, "code")
    userid = state.jsapi_codes.take(code)
    if userid is None:
        return old_error(40078)
    user = state.directory.user(userid) or {"name": userid}
    return {"errcode": 0, "errmsg": "ok", "result": {
        "userid": userid, "unionid": unionid_of(userid), "name": user["name"],
        "device_id": "sandbox-device", "sys": False, "sys_level": 0,
        "associated_unionid": ""}, "request_id": str(state.next_id())}, 200


def user_getbyunionid(state: SandboxState) -> Answer:
    """POST /topapi/user/getbyunionid {"unionid"} (根据unionid获取用户userid) → result
    {contact_type: 0 (a member), userid}; not a member of this organisation: 60121."""
    unionid = (_body() or {}).get("unionid")
    if not isinstance(unionid, str) or not unionid:
        return old_error(400002, "unionid")
    userid = userid_of_union(state, unionid)
    if userid is None:
        return old_error(60121)
    return {"errcode": 0, "errmsg": "ok", "result": {"contact_type": 0, "userid": userid},
            "request_id": str(state.next_id())}, 200


OLD_ROUTES: dict[str, Callable[[SandboxState], Answer]] = {
    "topapi/v2/user/getuserinfo": user_getuserinfo,
    "topapi/user/getbyunionid": user_getbyunionid,
    "topapi/im/chat/scencegroup/interactivecard/callback/register": card_callback_register,
    "media/upload": media_upload,
    "topapi/v2/department/listsub": department_listsub,
    "topapi/v2/department/get": department_get,
    "topapi/v2/user/list": user_list,
    "topapi/v2/user/get": user_get,
}


def gettoken(state: SandboxState) -> Answer:
    """GET /gettoken?appkey=&appsecret= (the older way to the same token)."""
    if request.args.get("appkey") != state.config.app_key \
            or request.args.get("appsecret") != state.config.app_secret:
        return old_error(40089 if request.args.get("appkey") else 40035, "appkey/appsecret")
    token, expire_in = state.issue_token()
    return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": expire_in}, 200


# -- dispatch --------------------------------------------------------------------------------

def _handle(state: SandboxState, path: str) -> Answer:
    if path == "v1.0/oauth2/accessToken":
        if request.method != "POST":
            return new_error(405, "MethodNotAllowed", "POST only")
        return access_token(state)
    if path == "gettoken":
        return gettoken(state)
    if path == "v1.0/oauth2/userAccessToken":  # no app token: the code is the credential
        if request.method != "POST":
            return new_error(405, "MethodNotAllowed", "POST only")
        return user_access_token(state)
    if path.startswith("v1.0/contact/users/") and request.method == "GET":
        return contact_user(state, path.rsplit("/", 1)[1])
    if path.startswith("v1.0/"):
        handler = NEW_ROUTES.get((request.method, path))
        if handler is None:
            return new_error(404, "InvalidAction.NotFound", f"沙箱没有 {request.method} /{path}")
        problem = state.check_token(request.headers.get("x-acs-dingtalk-access-token", ""))
        if problem:
            g.token_problem = problem
            return new_error(401, "InvalidAuthentication", f"access token {problem}")
        return handler(state)
    old = OLD_ROUTES.get(path)
    if old is None or request.method != "POST":
        return {"errcode": 404, "errmsg": f"沙箱没有 {request.method} /{path}"}, 404
    problem = state.check_token(request.args.get("access_token", ""))
    if problem:
        return old_error(TOKEN_ERRCODES[problem])
    return old(state)


def _injected(path: str, error: str) -> Answer | None:
    """The answer an injected error stands for, on the host `path` belongs to."""
    new = path.startswith("v1.0/")
    if error == "rate_limited":
        return new_error(403, QPS_CODE, "injected") if new else old_error(90002)
    if error == "expired_token":
        g.token_problem = "expired"
        return new_error(401, "InvalidAuthentication", "injected") if new else old_error(42001)
    if error == "flow_controlled":
        g.flow_controlled = True
        return None
    if error.lstrip("-").isdigit():
        number = int(error)
        if new and 400 <= number <= 599:
            return new_error(number, "injected", "injected")
        return old_error(number)
    return new_error(400, error, "injected") if new else old_error(-1, error)


@bp.route("/v1.0/oauth2/accessToken", methods=["GET", "POST", "PUT"])
@bp.route("/v1.0/oauth2/userAccessToken", methods=["GET", "POST"])
@bp.route("/v1.0/contact/users/<path:rest>", methods=["GET"])
@bp.route("/v1.0/robot/<path:rest>", methods=["GET", "POST", "PUT"])
@bp.route("/v1.0/im/<path:rest>", methods=["GET", "POST", "PUT"])
@bp.route("/topapi/<path:rest>", methods=["GET", "POST", "PUT"])
@bp.route("/media/upload", methods=["GET", "POST", "PUT"])
@bp.route("/gettoken", methods=["GET", "POST"])
def openapi(rest: str = "") -> Response | tuple[Response, int]:
    """Every OpenAPI call (both hosts are served here, as on a private deployment)."""
    state = _state()
    path = request.path.strip("/")
    injected = state.pop_injection(path)
    if injected == "network":
        state.log_call({"method": request.method, "path": path, "status": 502})
        return Response("502 Bad Gateway", status=502, mimetype="text/plain")
    stall = state.take_stall(path)
    try:
        if stall is not None:
            stall.hold()  # DingTalk is slow: the caller may give up, the call still acts
        answer = _injected(path, injected) if injected else None
        body, status = answer or _handle(state, path)
    finally:
        if stall is not None:
            stall.answered.set()
    entry: dict[str, Any] = {"method": request.method, "path": path, "status": status}
    if "code" in body:
        entry["code"] = body["code"]
    if "errcode" in body:
        entry["errcode"] = body["errcode"]
    if g.get("token_problem"):
        entry["token"] = g.token_problem  # the log tells expired from unknown tokens apart
    if stall is not None:
        entry["stalled"] = True
    state.log_call(entry)
    return jsonify(body), status
