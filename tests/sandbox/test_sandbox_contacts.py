"""/sandbox/control/contact changes the sandbox directory and pushes change_contact."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from integrations.wecom.sandbox import directory

CORP_ID = "wwsandboxcorp0001"


def contact(api: Any, change_type: str | None = None, **fields: Any) -> dict[str, Any]:
    body = {**fields, **({"change_type": change_type} if change_type else {})}
    response = requests.post(f"{api.base}/sandbox/control/contact", json=body, timeout=10)
    return {"http": response.status_code, **response.json()}


def userids(api: Any, department_id: int = 1) -> set[str]:
    users = api.get("user/list", department_id=department_id, fetch_child=1)["userlist"]
    return {u["userid"] for u in users}


def test_create_user_joins_the_directory_and_calls_back(api: Any, receiver: Any) -> None:
    result = contact(api, "create_user", userid="liqiang", name="李强", department=[2, 3],
                     is_leader_in_dept=[0, 1], position="科长")
    assert result == {"http": 200, "ok": True, "status": 200}
    msg = receiver.last()["msg"]
    assert (msg["MsgType"], msg["Event"], msg["FromUserName"]) == (
        "event", "change_contact", "sys")
    assert msg["ToUserName"] == CORP_ID and int(msg["CreateTime"]) > 0
    assert msg["ChangeType"] == "create_user" and msg["UserID"] == "liqiang"
    assert (msg["Name"], msg["Department"], msg["IsLeaderInDept"]) == ("李强", "2,3", "0,1")
    assert msg["Position"] == "科长" and msg["MainDepartment"] == "2"
    assert "liqiang" in userids(api)
    assert api.get("department/list", id=3)["department"][0]["department_leader"] == [
        "chenjing", "liqiang"]
    assert api.get("user/get", userid="liqiang")["name"] == "李强"
    assert api.chat("liqiang", "send", {"text": "我的"})["status"] == 200
    assert "liqiang" in requests.get(f"{api.base}/", timeout=5).text
    assert receiver.received[-1]["msg"]["FromUserName"] == "liqiang"


def test_update_user_sends_only_what_changed(api: Any, receiver: Any) -> None:
    assert contact(api, "update_user", userid="lina", new_userid="lina.li")["ok"]
    msg = receiver.last()["msg"]
    assert msg["ChangeType"] == "update_user"
    assert (msg["UserID"], msg["NewUserID"]) == ("lina", "lina.li")
    assert not {"Name", "Department", "IsLeaderInDept", "Position"} & set(msg)
    assert api.get("user/get", userid="lina")["errcode"] == 60111
    assert api.chat("lina", "messages") == {"status": 0, "error": "未知成员"}

    contact(api, "update_user", userid="lina.li", is_leader_in_dept=[1])
    msg = receiver.last()["msg"]
    assert (msg["Department"], msg["IsLeaderInDept"]) == ("2", "1")
    assert set(api.get("department/list", id=2)["department"][0]["department_leader"]) == {
        "zhangwei", "lina.li"}

    contact(api, "update_user", userid="lina.li", department=[2, 5], name="李娜娜")
    member = api.get("user/get", userid="lina.li")
    assert (member["name"], member["department"], member["is_leader_in_dept"]) == (
        "李娜娜", [2, 5], [1, 0])


def test_delete_user_and_the_party_changes(api: Any, receiver: Any) -> None:
    contact(api, "delete_user", userid="majun")
    assert receiver.last()["msg"]["UserID"] == "majun" and "majun" not in userids(api)

    created = contact(api, "create_party", name="法规科", parentid=1)
    msg = receiver.last()["msg"]
    assert created["ok"] and (msg["ChangeType"], msg["Id"], msg["Name"], msg["ParentId"]) == (
        "create_party", "6", "法规科", "1")
    contact(api, "update_party", id=6, name="法制科", parentid=5)
    msg = receiver.last()["msg"]
    assert (msg["Id"], msg["Name"], msg["ParentId"]) == ("6", "法制科", "5")
    assert [d["id"] for d in api.get("department/list", id=5)["department"]] == [5, 6]
    contact(api, "delete_party", id=6)
    assert receiver.last()["msg"]["ChangeType"] == "delete_party"
    assert api.get("department/list", id=6)["errcode"] == 60123


@pytest.mark.parametrize(("body", "errcode"), [
    ({"change_type": "create_user", "userid": "lina", "name": "李娜", "department": [2]}, 60102),
    ({"change_type": "create_user", "userid": "x", "name": "某", "department": [99]}, 60003),
    ({"change_type": "create_user", "userid": "x", "name": "某"}, 40058),
    ({"change_type": "create_user", "userid": "x", "name": "某", "department": [2],
      "is_leader_in_dept": [1, 0]}, 40058),
    ({"change_type": "update_user", "userid": "nobody", "name": "某"}, 60111),
    ({"change_type": "update_user", "userid": "lina", "new_userid": "majun"}, 60102),
    ({"change_type": "delete_user", "userid": "nobody"}, 60111),
    ({"change_type": "create_party", "name": "秘书科", "parentid": 1}, 60008),
    ({"change_type": "create_party", "name": "某科", "parentid": 99}, 60004),
    ({"change_type": "update_party", "id": 1, "parentid": 2}, 60010),
    ({"change_type": "delete_party", "id": 2}, 60005),
    ({"change_type": "delete_party", "id": 1}, 60007),
    ({"change_type": "delete_party", "id": 99}, 60003),
    ({"change_type": "update_tag"}, 40058),
    ({}, 40058),
])
def test_changes_wecom_would_refuse_are_refused(api: Any, receiver: Any, body: dict[str, Any],
                                                errcode: int) -> None:
    result = contact(api, **body)
    assert (result["http"], result["ok"], result["errcode"]) == (400, False, errcode)
    assert receiver.received == []
    assert len(userids(api)) == 15


def test_a_party_with_sub_departments_cannot_be_deleted(api: Any) -> None:
    contact(api, "create_party", id=6, name="法规科", parentid=5)
    assert contact(api, "delete_party", id=5)["errcode"] == 60006


def test_notify_false_changes_silently_and_raw_events_change_nothing(
        api: Any, receiver: Any) -> None:
    assert contact(api, "delete_user", userid="majun", notify=False) == {
        "http": 200, "ok": True, "notified": False}
    assert receiver.received == [] and "majun" not in userids(api)

    raw = contact(api, event={"ChangeType": "update_user", "Department": "x,,y"})
    assert raw["ok"] and raw["status"] == 200
    assert receiver.last()["msg"]["Department"] == "x,,y" and len(userids(api)) == 14
    assert contact(api, event={"bad tag": "1"})["http"] == 400
    assert contact(api, event=["ChangeType"])["http"] == 400
    calls = requests.get(f"{api.base}/sandbox/control/callbacks", timeout=5).json()
    assert [c["kind"] for c in calls["callbacks"]] == ["change_contact"]


def test_reset_restores_the_seeded_directory(api: Any) -> None:
    contact(api, "delete_user", userid="majun")
    contact(api, "create_party", name="法规科")
    api.control("reset")
    assert userids(api) == {m["userid"] for m in directory.MEMBERS}
    assert [d["id"] for d in api.get("department/list")["department"]] == [1, 2, 3, 4, 5]


def test_two_sandboxes_do_not_share_a_directory(api: Any, config: Any) -> None:
    from integrations.wecom.sandbox import SandboxThread

    contact(api, "delete_user", userid="majun")
    with SandboxThread(config) as other:
        assert other.state.directory.find_member("majun") is not None
    assert directory.find_member("majun") is not None  # the seed itself is never changed
