"""The sandbox corp's directory: the seeded office, and a mutable copy per sandbox.

`DEPARTMENTS` and `MEMBERS` are the seed (`integrations.sandbox_office`, which the
DingTalk sandbox seeds from too). Each running sandbox holds its own `Directory`
(`SandboxState.directory`), which the contact APIs and the chat page read and
`/sandbox/control/contact` changes; a reset puts the seed back.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from integrations.sandbox_office import DEPARTMENTS, MEMBERS

ROOT_DEPARTMENT_ID = 1

# The 带班领导 (duty leader) of the office: head of the root department.
DUTY_LEADER_USERID = "zhoujianguo"


class Directory:
    """A mutable copy of the seeded directory, safe to read and change from any thread.

    Readers get copies. Changes are made by `integrations.wecom.sandbox.contacts` while it
    holds `lock`, so a check and the change it allows happen together.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.departments: list[dict[str, Any]] = []
        self.members: list[dict[str, Any]] = []
        self.reset()

    def reset(self) -> None:
        """Back to the seeded office."""
        with self.lock:
            self.departments = copy.deepcopy(DEPARTMENTS)
            self.members = copy.deepcopy(MEMBERS)

    def find_department(self, dept_id: int) -> dict[str, Any] | None:
        """A copy of the department with this id, or None."""
        with self.lock:
            found = _find_department(self.departments, dept_id)
            return copy.deepcopy(found) if found else None

    def find_member(self, userid: str) -> dict[str, Any] | None:
        """A copy of the member with this userid (case-sensitive, like WeCom), or None."""
        with self.lock:
            found = _find_member(self.members, userid)
            return copy.deepcopy(found) if found else None

    def subtree_ids(self, dept_id: int) -> list[int]:
        """Ids of ``dept_id`` and all its descendants, parents before children."""
        with self.lock:
            return _subtree_ids(self.departments, dept_id)

    def department_leaders(self, dept_id: int) -> list[str]:
        """Userids flagged as leader of ``dept_id``."""
        with self.lock:
            return _department_leaders(self.members, dept_id)

    def department_json(self, dept_id: int) -> dict[str, Any] | None:
        """A department as department/list returns it, or None."""
        with self.lock:
            dept = _find_department(self.departments, dept_id)
            if dept is None:
                return None
            return {**copy.deepcopy(dept),
                    "department_leader": _department_leaders(self.members, dept_id)}

    def members_of(self, dept_id: int, fetch_child: bool) -> list[dict[str, Any]]:
        """Copies of the members of a department (or of its subtree), each listed once."""
        with self.lock:
            return copy.deepcopy(_members_of(self.departments, self.members, dept_id,
                                             fetch_child))

    def userids(self) -> list[str]:
        """Every member's userid (message/send to ``@all``)."""
        with self.lock:
            return [m["userid"] for m in self.members]

    def members_by_department(self) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """(department, members whose main department it is) pairs in tree order."""
        with self.lock:
            return copy.deepcopy(_members_by_department(self.departments, self.members))


def _find_department(departments: list[dict[str, Any]], dept_id: int) -> dict[str, Any] | None:
    return next((d for d in departments if d["id"] == dept_id), None)


def _find_member(members: list[dict[str, Any]], userid: str) -> dict[str, Any] | None:
    return next((m for m in members if m["userid"] == userid), None)


def _subtree_ids(departments: list[dict[str, Any]], dept_id: int) -> list[int]:
    result = [dept_id]
    for current in result:
        result.extend(d["id"] for d in departments if d["parentid"] == current)
    return result


def _department_leaders(members: list[dict[str, Any]], dept_id: int) -> list[str]:
    leaders = []
    for member in members:
        for dept, flag in zip(member["department"], member["is_leader_in_dept"], strict=True):
            if dept == dept_id and flag:
                leaders.append(member["userid"])
    return leaders


def _members_of(departments: list[dict[str, Any]], members: list[dict[str, Any]],
                dept_id: int, fetch_child: bool) -> list[dict[str, Any]]:
    wanted = set(_subtree_ids(departments, dept_id)) if fetch_child else {dept_id}
    return [m for m in members if wanted.intersection(m["department"])]


def _members_by_department(departments: list[dict[str, Any]], members: list[dict[str, Any]]
                           ) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    return [
        (_find_department(departments, i) or {}, [m for m in members if m["department"][0] == i])
        for i in _subtree_ids(departments, ROOT_DEPARTMENT_ID)
    ]


# The seeded office, read directly (tests and documentation examples).


def find_department(dept_id: int) -> dict[str, Any] | None:
    """Return the seeded department with this id, or None."""
    return _find_department(DEPARTMENTS, dept_id)


def find_member(userid: str) -> dict[str, Any] | None:
    """Return the seeded member with this userid, or None."""
    return _find_member(MEMBERS, userid)


def subtree_ids(dept_id: int) -> list[int]:
    """Ids of seeded ``dept_id`` and all its descendants, parents before children."""
    return _subtree_ids(DEPARTMENTS, dept_id)


def department_leaders(dept_id: int) -> list[str]:
    """Userids flagged as leader of seeded ``dept_id``."""
    return _department_leaders(MEMBERS, dept_id)


def department_json(dept: dict[str, Any]) -> dict[str, Any]:
    """A seeded department as department/list returns it."""
    return {**dept, "department_leader": department_leaders(dept["id"])}


def member_json(member: dict[str, Any]) -> dict[str, Any]:
    """A member as user/get and user/list return it."""
    return {
        "userid": member["userid"],
        "name": member["name"],
        "department": list(member["department"]),
        "is_leader_in_dept": list(member["is_leader_in_dept"]),
        "main_department": member["department"][0] if member["department"] else 1,
        "position": member["position"],
        "status": member.get("status", 1),
        **({"mobile": member["mobile"]} if member.get("mobile") else {}),
    }


def members_of(dept_id: int, fetch_child: bool) -> list[dict[str, Any]]:
    """Seeded members of a department (optionally of its whole subtree), each listed once."""
    return _members_of(DEPARTMENTS, MEMBERS, dept_id, fetch_child)


def members_by_department() -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(department, members whose main department it is) pairs of the seed, in tree order."""
    return _members_by_department(DEPARTMENTS, MEMBERS)
