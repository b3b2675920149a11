"""The sandbox organisation's directory in DingTalk's shapes (topapi/v2), and its changes.

Seeded from the office both sandboxes share (`integrations.sandbox_office`): the same
userids, departments and leaders as the WeCom sandbox. A department's leaders are its
managers (`dept_manager_userid_list`) and are flagged on each of them (`leader_in_dept`).
`/sandbox/control/contact` changes it through `apply_change`, which names the contact event
DingTalk would push for the change.
"""

from __future__ import annotations

import copy
import re
import threading
from typing import Any

from integrations.sandbox_office import DEPARTMENTS, MEMBERS

ROOT_DEPARTMENT_ID = 1
USER_EVENTS = ("user_add_org", "user_modify_org", "user_leave_org")
DEPARTMENT_EVENTS = ("org_dept_create", "org_dept_modify", "org_dept_remove")
_USERID = re.compile(r"[A-Za-z0-9_\-.@]{1,64}")


class ContactError(ValueError):
    """A change DingTalk's admin console would refuse; `errcode` as its API would say."""

    def __init__(self, errcode: int, message: str):
        super().__init__(message)
        self.errcode = errcode
        self.message = message


def _seed_departments() -> list[dict[str, Any]]:
    return [{"dept_id": d["id"], "name": d["name"], "parent_id": d["parentid"] or None}
            for d in DEPARTMENTS]


def _seed_users() -> list[dict[str, Any]]:
    users = []
    for index, member in enumerate(MEMBERS):
        users.append({
            "userid": member["userid"],
            "name": member["name"],
            "dept_id_list": list(member["department"]),
            "leader_in_dept": [{"dept_id": dept, "leader": bool(flag)} for dept, flag
                               in zip(member["department"], member["is_leader_in_dept"],
                                      strict=True)],
            "title": member["position"],
            "mobile": f"1380000{index + 1:04d}",
            "active": True,
        })
    return users


class Directory:
    """A mutable copy of the seeded organisation; readers get copies."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.departments: list[dict[str, Any]] = []
        self.users: list[dict[str, Any]] = []
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.departments = _seed_departments()
            self.users = _seed_users()

    # -- reading -------------------------------------------------------------------------
    def department(self, dept_id: int) -> dict[str, Any] | None:
        """A department as department/get answers it (with its managers), or None."""
        with self.lock:
            found = next((d for d in self.departments if d["dept_id"] == dept_id), None)
            if found is None:
                return None
            result = copy.deepcopy(found)
            if result["parent_id"] is None:
                del result["parent_id"]
            result["dept_manager_userid_list"] = self._managers(dept_id)
            return result

    def children(self, dept_id: int) -> list[dict[str, Any]]:
        """department/listsub: the direct sub-departments."""
        with self.lock:
            return [{"dept_id": d["dept_id"], "name": d["name"], "parent_id": d["parent_id"]}
                    for d in self.departments if d["parent_id"] == dept_id]

    def user(self, userid: str) -> dict[str, Any] | None:
        with self.lock:
            found = next((u for u in self.users if u["userid"] == userid), None)
            return copy.deepcopy(found) if found else None

    def users_of(self, dept_id: int) -> list[dict[str, Any]]:
        """user/list: the people directly in a department (not its sub-departments)."""
        with self.lock:
            return [copy.deepcopy(u) for u in self.users if dept_id in u["dept_id_list"]]

    def userids(self) -> set[str]:
        with self.lock:
            return {u["userid"] for u in self.users}

    def users_by_department(self) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """(department, people whose first department it is), in the tree's order."""
        with self.lock:
            order, pending = [], [ROOT_DEPARTMENT_ID]
            while pending:
                dept_id = pending.pop(0)
                order.append(dept_id)
                pending.extend(d["dept_id"] for d in self.departments
                               if d["parent_id"] == dept_id)
            return [(copy.deepcopy(next(d for d in self.departments if d["dept_id"] == i)),
                     [copy.deepcopy(u) for u in self.users
                      if u["dept_id_list"] and u["dept_id_list"][0] == i])
                    for i in order]

    def _managers(self, dept_id: int) -> list[str]:
        return [u["userid"] for u in self.users
                if any(item["dept_id"] == dept_id and item["leader"]
                       for item in u["leader_in_dept"])]

    # -- changing ------------------------------------------------------------------------
    def apply_change(self, change: dict[str, Any]) -> tuple[str, dict[str, list[Any]]]:
        """Apply one admin change and return the contact event DingTalk pushes for it:
        (EventType, {"UserId": [...]} or {"DeptId": [...]}).

        `{"event": "user_add_org", "userid", "name", "dept_id_list": [2], "leader": [2],
        "title", "mobile"}`; `user_modify_org` with any of those; `user_leave_org`
        `{"userid"}`; `org_dept_create` `{"dept_id", "name", "parent_id"}`,
        `org_dept_modify` `{"dept_id", "name"?, "parent_id"?}`, `org_dept_remove`
        `{"dept_id"}` (refused while people are in it, as DingTalk does).
        """
        event = change.get("event")
        with self.lock:
            if event in USER_EVENTS:
                return event, {"UserId": [self._change_user(event, change)]}
            if event in DEPARTMENT_EVENTS:
                return event, {"DeptId": [self._change_department(event, change)]}
        raise ContactError(400, f"event must be one of {USER_EVENTS + DEPARTMENT_EVENTS}")

    def _change_user(self, event: str, change: dict[str, Any]) -> str:
        userid = change.get("userid")
        if not isinstance(userid, str) or not _USERID.fullmatch(userid):
            raise ContactError(40031, "userid required: letters, digits, _-.@")
        found = next((u for u in self.users if u["userid"] == userid), None)
        if event == "user_leave_org":
            if found is None:
                raise ContactError(60121, "找不到该用户")
            self.users.remove(found)
            return userid
        if event == "user_add_org" and found is not None:
            raise ContactError(60102, "userid 在公司中已存在")
        if event == "user_modify_org" and found is None:
            raise ContactError(60121, "找不到该用户")
        user = found or {"userid": userid, "name": userid, "dept_id_list": [1],
                         "leader_in_dept": [], "title": "", "mobile": "", "active": True}
        self._fill_user(user, change)
        if found is None:
            self.users.append(user)
        return userid

    def _fill_user(self, user: dict[str, Any], change: dict[str, Any]) -> None:
        for name in ("name", "title", "mobile"):
            if isinstance(change.get(name), str):
                user[name] = change[name]
        depts = change.get("dept_id_list")
        if depts is not None:
            if not isinstance(depts, list) or not depts or not all(
                    isinstance(d, int) and self._has_department(d) for d in depts):
                raise ContactError(60003, "部门不存在")
            user["dept_id_list"] = list(depts)
        leads = change.get("leader", [item["dept_id"] for item in user["leader_in_dept"]
                                      if item["leader"]])
        if not isinstance(leads, list):
            raise ContactError(400, "leader must be a list of department ids")
        user["leader_in_dept"] = [{"dept_id": d, "leader": d in leads}
                                  for d in user["dept_id_list"]]

    def _change_department(self, event: str, change: dict[str, Any]) -> int:
        dept_id = change.get("dept_id")
        if not isinstance(dept_id, int) or dept_id < 1:
            raise ContactError(400, "dept_id required: a positive integer")
        found = next((d for d in self.departments if d["dept_id"] == dept_id), None)
        if event == "org_dept_create" and found is not None:
            raise ContactError(60008, "部门已存在")
        if event != "org_dept_create" and found is None:
            raise ContactError(60003, "部门不存在")
        if event == "org_dept_remove":
            if dept_id == ROOT_DEPARTMENT_ID or any(
                    d["parent_id"] == dept_id for d in self.departments) or any(
                    dept_id in u["dept_id_list"] for u in self.users):
                raise ContactError(60005, "部门中存在员工或子部门，不能删除")
            self.departments.remove(found)  # type: ignore[arg-type]
            return dept_id
        department = found or {"dept_id": dept_id, "name": str(dept_id),
                               "parent_id": ROOT_DEPARTMENT_ID}
        if isinstance(change.get("name"), str) and change["name"].strip():
            department["name"] = change["name"].strip()
        parent = change.get("parent_id")
        if parent is not None:
            if not isinstance(parent, int) or not self._has_department(parent) \
                    or parent == dept_id:
                raise ContactError(60003, "父部门不存在")
            department["parent_id"] = parent
        if found is None:
            self.departments.append(department)
        return dept_id

    def _has_department(self, dept_id: int) -> bool:
        return any(d["dept_id"] == dept_id for d in self.departments)
