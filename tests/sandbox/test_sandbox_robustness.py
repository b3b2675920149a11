"""No input makes the sandbox fail internally: every answer is a WeCom-style error or ok."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.wecom.sandbox import SandboxConfig, create_sandbox_app

CONFIG = SandboxConfig(
    corp_id="wwcorp",
    agent_id=1000002,
    secret="s",
    token="t",
    aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    callback_url="http://127.0.0.1:9/unset",
)
APP = create_sandbox_app(CONFIG)
CLIENT = APP.test_client()
TOKEN = CLIENT.get("/cgi-bin/gettoken?corpid=wwcorp&corpsecret=s").get_json()["access_token"]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=8)
    | st.sampled_from(
        ["lina", "button_interaction", "vote_interaction", "t1", "k", 1000002, "@all", 1]
    )
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "card_type",
                    "task_id",
                    "button_list",
                    "main_title",
                    "title",
                    "key",
                    "text",
                    "type",
                    "url",
                    "checkbox",
                    "option_list",
                    "submit_button",
                    "select_list",
                    "replace_text",
                    "horizontal_content_list",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=12,
)
bodies = st.fixed_dictionaries(
    {},
    optional={
        "touser": scalars,
        "toparty": scalars,
        "agentid": scalars,
        "msgtype": st.sampled_from(["text", "markdown", "template_card", "x"]),
        "text": json_values,
        "template_card": json_values,
        "userids": json_values,
        "atall": scalars,
        "response_code": scalars,
        "button": json_values,
        "partyids": json_values,
    },
)


def _assert_handled(response: Any) -> None:
    assert response.status_code < 500
    data = response.get_json(silent=True)
    assert data is not None
    assert data.get("errcode") != -1 and "沙箱内部错误" not in str(data.get("error", ""))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies, path=st.sampled_from(["message/send", "message/update_template_card"]))
def test_api_never_fails(body: dict[str, Any], path: str) -> None:
    response = CLIENT.post(f"/cgi-bin/{path}?access_token={TOKEN}", data=json.dumps(body))
    _assert_handled(response)


@settings(max_examples=150, deadline=None)
@given(
    body=json_values,
    action=st.sampled_from(["click", "send"]),
    userid=st.sampled_from(["lina", "ghost", ""]),
)
def test_chat_never_fails(body: Any, action: str, userid: str) -> None:
    response = CLIENT.post(f"/sandbox/chat/{userid or 'x'}/{action}", data=json.dumps(body))
    _assert_handled(response)


@settings(max_examples=100, deadline=None)
@given(body=json_values, name=st.sampled_from(["inject", "callback-url"]))
def test_control_never_fails(body: Any, name: str) -> None:
    _assert_handled(CLIENT.post(f"/sandbox/control/{name}", data=json.dumps(body)))
    CLIENT.post("/sandbox/control/reset")


def test_query_garbage() -> None:
    for url in (
        "/cgi-bin/user/list?department_id=abc",
        "/cgi-bin/department/list?id=-1",
        "/cgi-bin/user/get",
        "/cgi-bin/gettoken",
        "/cgi-bin/user/list?fetch_child=x",
    ):
        _assert_handled(CLIENT.get(url + ("&" if "?" in url else "?") + f"access_token={TOKEN}"))
