"""Seeded office directory (departments and members) served by the sandbox contact APIs."""

from __future__ import annotations

from typing import Any

ROOT_DEPARTMENT_ID = 1

# The 带班领导 (duty leader) of the office: head of the root department.
DUTY_LEADER_USERID = "zhoujianguo"

DEPARTMENTS: list[dict[str, Any]] = [
    {"id": 1, "name": "某市人民政府办公室", "parentid": 0, "order": 100000000},
    {"id": 2, "name": "秘书科", "parentid": 1, "order": 99999000},
    {"id": 3, "name": "综合科", "parentid": 1, "order": 99998000},
    {"id": 4, "name": "督查科", "parentid": 1, "order": 99997000},
    {"id": 5, "name": "信息科", "parentid": 1, "order": 99996000},
]

# is_leader_in_dept is aligned with department, one flag per department (WeCom shape).
MEMBERS: list[dict[str, Any]] = [
    {
        "userid": "zhoujianguo",
        "name": "周建国",
        "department": [1],
        "is_leader_in_dept": [1],
        "position": "主任",
    },
    {
        "userid": "liuyang",
        "name": "刘洋",
        "department": [1, 4],
        "is_leader_in_dept": [1, 0],
        "position": "副主任",
    },
    {
        "userid": "zhangwei",
        "name": "张伟",
        "department": [2],
        "is_leader_in_dept": [1],
        "position": "秘书科科长",
    },
    {
        "userid": "lina",
        "name": "李娜",
        "department": [2],
        "is_leader_in_dept": [0],
        "position": "科员",
    },
    {
        "userid": "wangfang",
        "name": "王芳",
        "department": [2],
        "is_leader_in_dept": [0],
        "position": "科员",
    },
    {
        "userid": "chenjing",
        "name": "陈静",
        "department": [3],
        "is_leader_in_dept": [1],
        "position": "综合科科长",
    },
    {
        "userid": "yangfan",
        "name": "杨帆",
        "department": [3],
        "is_leader_in_dept": [0],
        "position": "科员",
    },
    {
        "userid": "zhaolei",
        "name": "赵磊",
        "department": [3],
        "is_leader_in_dept": [0],
        "position": "科员",
    },
    {
        "userid": "sunli",
        "name": "孙丽",
        "department": [4],
        "is_leader_in_dept": [1],
        "position": "督查科科长",
    },
    {
        "userid": "wangfang2",
        "name": "王芳",
        "department": [4],
        "is_leader_in_dept": [0],
        "position": "督查专员",
    },
    {
        "userid": "huangtao",
        "name": "黄涛",
        "department": [4],
        "is_leader_in_dept": [0],
        "position": "科员",
    },
    {
        "userid": "wuqiang",
        "name": "吴强",
        "department": [5],
        "is_leader_in_dept": [1],
        "position": "信息科科长",
    },
    {
        "userid": "zhengxue",
        "name": "郑雪",
        "department": [5],
        "is_leader_in_dept": [0],
        "position": "科员",
    },
    {
        "userid": "xuming",
        "name": "徐明",
        "department": [5],
        "is_leader_in_dept": [0],
        "position": "工程师",
    },
    {
        "userid": "majun",
        "name": "马骏",
        "department": [2],
        "is_leader_in_dept": [0],
        "position": "科员",
    },
]


def find_department(dept_id: int) -> dict[str, Any] | None:
    """Return the department with this id, or None."""
    return next((d for d in DEPARTMENTS if d["id"] == dept_id), None)


def find_member(userid: str) -> dict[str, Any] | None:
    """Return the member with this userid (case-sensitive, like WeCom), or None."""
    return next((m for m in MEMBERS if m["userid"] == userid), None)


def subtree_ids(dept_id: int) -> list[int]:
    """Ids of ``dept_id`` and all its descendants, parents before children."""
    result = [dept_id]
    for current in result:
        result.extend(d["id"] for d in DEPARTMENTS if d["parentid"] == current)
    return result


def department_leaders(dept_id: int) -> list[str]:
    """Userids flagged as leader of ``dept_id``."""
    leaders = []
    for member in MEMBERS:
        for dept, flag in zip(member["department"], member["is_leader_in_dept"], strict=True):
            if dept == dept_id and flag:
                leaders.append(member["userid"])
    return leaders


def department_json(dept: dict[str, Any]) -> dict[str, Any]:
    """A department as department/list returns it."""
    return {**dept, "department_leader": department_leaders(dept["id"])}


def member_json(member: dict[str, Any]) -> dict[str, Any]:
    """A member as user/get and user/list return it."""
    return {
        "userid": member["userid"],
        "name": member["name"],
        "department": list(member["department"]),
        "is_leader_in_dept": list(member["is_leader_in_dept"]),
        "main_department": member["department"][0],
        "position": member["position"],
        "status": 1,
    }


def members_of(dept_id: int, fetch_child: bool) -> list[dict[str, Any]]:
    """Members of a department (optionally of its whole subtree), each listed once."""
    wanted = set(subtree_ids(dept_id)) if fetch_child else {dept_id}
    return [m for m in MEMBERS if wanted.intersection(m["department"])]


def members_by_department() -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(department, members whose main department it is) pairs in tree order (chat picker)."""
    return [
        (find_department(i) or {}, [m for m in MEMBERS if m["department"][0] == i])
        for i in subtree_ids(ROOT_DEPARTMENT_ID)
    ]
