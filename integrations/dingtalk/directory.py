"""Turning DingTalk's contact answers (topapi/v2) into the neutral directory types.

`department/get` gives a department with `dept_manager_userid_list` (its 部门主管);
`user/list` gives the people of one department with `dept_id_list` and `leader` (a
manager of that department; the channel turns it into a `leader_in_dept` entry), and
`user/get` one person with `leader_in_dept` (`[{"dept_id", "leader"}]`). A leader is any.
People who left the organisation are in no listing (and `user/get` answers 60121), so a
full sync deactivates them.
"""

from typing import Any

from tasks.messaging.channel import DirectoryDepartment, DirectoryMember, DirectorySnapshot

ROOT_DEPARTMENT_ID = 1  # DingTalk's root department (the organisation itself)


def department_from(raw: dict[str, Any], known: set[str] | None = None) -> DirectoryDepartment:
    """A department from `department/get`'s result; its parent is None at the root (or,
    with `known`, when the parent is outside the departments read)."""
    dept_id = str(raw["dept_id"])
    parent = raw.get("parent_id")
    parent_id = str(parent) if parent not in (None, 0, "0") else None
    if known is not None and parent_id not in known:
        parent_id = None
    return DirectoryDepartment(
        platform_id=dept_id,
        name=str(raw.get("name") or dept_id),
        parent_platform_id=parent_id,
        leader_userids=tuple(sorted(_strings(raw.get("dept_manager_userid_list")))),
    )


def member_from(raw: dict[str, Any], managers: dict[str, set[str]] | None = None
                ) -> DirectoryMember:
    """A person from `user/list`'s or `user/get`'s result; `managers` (department id →
    its managers' userids) adds the departments they are named manager of."""
    userid = str(raw["userid"])
    departments = tuple(str(d) for d in raw.get("dept_id_list") or [])
    leads = {str(item.get("dept_id")) for item in raw.get("leader_in_dept") or []
             if isinstance(item, dict) and item.get("leader")}
    leads |= {d for d in departments if userid in (managers or {}).get(d, set())}
    return DirectoryMember(
        userid=userid,
        name=str(raw.get("name") or userid),
        department_ids=departments,
        leads_department_ids=tuple(sorted(leads & set(departments))),
        position=str(raw.get("title") or ""),
        mobile=str(raw.get("mobile") or ""),
    )


def snapshot_from(departments: list[dict[str, Any]], users: list[dict[str, Any]]
                  ) -> DirectorySnapshot:
    """The whole directory from every department's `department/get` result and every
    person listed (each once)."""
    known = {str(d["dept_id"]) for d in departments}
    parsed = [department_from(d, known) for d in departments]
    managers = {d.platform_id: set(d.leader_userids) for d in parsed}
    members = [member_from(user, managers) for user in users]
    # a leader flagged only on the person (leader_in_dept) leads the department as well
    for member in members:
        for dept in member.leads_department_ids:
            managers.setdefault(dept, set()).add(member.userid)
    return DirectorySnapshot(
        departments=tuple(
            DirectoryDepartment(d.platform_id, d.name, d.parent_platform_id,
                                tuple(sorted(managers.get(d.platform_id, set()))))
            for d in parsed),
        members=tuple(members),
    )


def _strings(value: object) -> list[str]:
    return [str(v) for v in value if isinstance(v, str | int)] if isinstance(value, list) else []
