"""Contact APIs serve the seeded office directory in WeCom's shapes."""

from __future__ import annotations

from typing import Any

from integrations.wecom.sandbox import directory


def test_department_list_all(api: Any) -> None:
    result = api.get("department/list")
    assert result["errcode"] == 0
    depts = {d["id"]: d for d in result["department"]}
    assert set(depts) == {1, 2, 3, 4, 5}
    assert depts[1]["name"] == "某市人民政府办公室" and depts[1]["parentid"] == 0
    assert depts[4]["name"] == "督查科" and depts[4]["parentid"] == 1
    assert set(depts[1]["department_leader"]) == {"zhoujianguo", "liuyang"}
    assert depts[2]["department_leader"] == ["zhangwei"]
    assert all(d["department_leader"] for d in depts.values())
    assert {"id", "name", "parentid", "order", "department_leader"} <= set(depts[3])


def test_department_subtree_and_unknown(api: Any) -> None:
    assert [d["id"] for d in api.get("department/list", id=3)["department"]] == [3]
    assert api.get("department/list", id=99)["errcode"] == 60123


def test_user_list(api: Any) -> None:
    direct = api.get("user/list", department_id=1, fetch_child=0)["userlist"]
    assert {u["userid"] for u in direct} == {"zhoujianguo", "liuyang"}
    everyone = api.get("user/list", department_id=1, fetch_child=1)["userlist"]
    assert len(everyone) == len(directory.MEMBERS) == 15
    liuyang = next(u for u in everyone if u["userid"] == "liuyang")
    assert liuyang["department"] == [1, 4] and liuyang["is_leader_in_dept"] == [1, 0]
    assert liuyang["status"] == 1 and liuyang["position"] == "副主任"
    inspection = api.get("user/list", department_id=4)["userlist"]
    assert {u["userid"] for u in inspection} == {"liuyang", "sunli", "wangfang2", "huangtao"}
    assert api.get("user/list", department_id=77)["errcode"] == 60123


def test_same_name_members(api: Any) -> None:
    everyone = api.get("user/simplelist", department_id=1, fetch_child=1)["userlist"]
    namesakes = sorted(u["userid"] for u in everyone if u["name"] == "王芳")
    assert namesakes == ["wangfang", "wangfang2"]


def test_user_get(api: Any) -> None:
    boss = api.get("user/get", userid="zhoujianguo")
    assert boss["errcode"] == 0 and boss["name"] == "周建国" and boss["position"] == "主任"
    assert boss["is_leader_in_dept"] == [1]
    assert api.get("user/get", userid="nobody")["errcode"] == 60111


def test_every_department_has_a_leader_and_staff() -> None:
    for dept in directory.DEPARTMENTS:
        assert directory.department_leaders(dept["id"])
        assert len(directory.members_of(dept["id"], False)) >= 2
    assert directory.find_member(directory.DUTY_LEADER_USERID)["position"] == "主任"
