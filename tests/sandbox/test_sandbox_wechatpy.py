"""wechatpy's WeChatClient, pointed at the sandbox, works as it does against WeCom."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from wechatpy.enterprise import WeChatClient
from wechatpy.exceptions import APILimitedException, WeChatClientException

CORP_ID = "wwsandboxcorp0001"
SECRET = "sandbox-secret-0123456789"
AGENT_ID = 1000002


class SandboxClient(WeChatClient):
    """WeChatClient whose token fetch goes to API_BASE_URL too (1.8.18 hardcodes qyapi)."""

    def fetch_access_token(self) -> dict[str, Any]:
        return self._fetch_access_token(
            url=self.API_BASE_URL + "gettoken",
            params={"corpid": self.corp_id, "corpsecret": self.secret},
        )


@pytest.fixture
def client(sandbox: Any) -> SandboxClient:
    result = SandboxClient(CORP_ID, SECRET)
    result.API_BASE_URL = sandbox.api_base_url
    return result


def _calls(sandbox: Any) -> list[tuple[str, Any]]:
    calls = requests.get(f"{sandbox.url}/sandbox/control/calls", timeout=5).json()["calls"]
    return [(c["path"], c["errcode"]) for c in calls]


def test_send_text_and_card(client: SandboxClient, sandbox: Any, button_card: Any) -> None:
    assert client.message.send_text(AGENT_ID, ["lina"], "你好")["errcode"] == 0
    body = button_card("wp_1")
    result = client.post("message/send", data=body)
    assert result["response_code"]
    update = {
        "atall": 1,
        "agentid": AGENT_ID,
        "response_code": result["response_code"],
        "button": {"replace_name": "已处理"},
    }
    assert client.post("message/update_template_card", data=update)["errcode"] == 0
    with pytest.raises(WeChatClientException) as info:
        client.post("message/update_template_card", data=update)
    assert info.value.errcode == 60140


def test_contacts(client: SandboxClient) -> None:
    assert len(client.department.get()) == 5
    users = client.user.list(1, fetch_child=True)
    assert {u["name"] for u in users} >= {"王芳", "周建国"}
    assert client.user.get("wangfang2")["department"] == [4]


def test_token_refetched_after_expiry(client: SandboxClient, sandbox: Any) -> None:
    client.user.get("lina")
    requests.post(f"{sandbox.url}/sandbox/control/expire-tokens", timeout=5)
    assert client.user.get("lina")["userid"] == "lina"
    assert _calls(sandbox) == [
        ("gettoken", 0),
        ("user/get", 0),
        ("user/get", 42001),
        ("gettoken", 0),
        ("user/get", 0),
    ]


def test_rate_limit_surfaces(client: SandboxClient, sandbox: Any) -> None:
    requests.post(
        f"{sandbox.url}/sandbox/control/inject",
        json={"path": "message/send", "errcode": 45009},
        timeout=5,
    )
    with pytest.raises(APILimitedException):
        client.message.send_text(AGENT_ID, "lina", "x")
    assert client.message.send_text(AGENT_ID, "lina", "x")["errcode"] == 0
