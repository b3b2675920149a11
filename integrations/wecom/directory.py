"""Turning WeCom's department/list and user/list answers into a neutral directory snapshot."""

from typing import Any

from tasks.messaging.channel import DirectoryDepartment, DirectoryMember, DirectorySnapshot

# user/get: 60111 userid not found; department/list?id=: 60123 invalid (unknown) department.
NOT_FOUND = (60111, 60123)

# user/list `status`: 2 disabled (禁用), 5 left the corp (退出企业); such people cannot be
# reached, so the snapshot leaves them out and the sync deactivates them.
UNREACHABLE = (2, 5)


def snapshot_from(departments: list[dict[str, Any]], users: list[dict[str, Any]]
                  ) -> DirectorySnapshot:
    """Leaders come from both `department_leader` and each user's `is_leader_in_dept`."""
    leaders = {str(d["id"]): set(d.get("department_leader") or []) for d in departments}
    known = {str(d["id"]) for d in departments}
    return DirectorySnapshot(
        departments=tuple(
            DirectoryDepartment(
                platform_id=str(d["id"]),
                name=d.get("name", str(d["id"])),
                parent_platform_id=str(d["parentid"]) if str(d.get("parentid")) in known else None,
                leader_userids=tuple(sorted(leaders[str(d["id"])])),
            )
            for d in departments
        ),
        members=tuple(_member(user, leaders) for user in users
                      if user.get("status", 1) not in UNREACHABLE),
    )


def _member(user: dict[str, Any], leaders: dict[str, set[str]]) -> DirectoryMember:
    department_ids = tuple(str(d) for d in user.get("department") or [])
    flags = list(user.get("is_leader_in_dept") or [])
    leads = {dept for dept, flag in zip(department_ids, flags, strict=False) if flag}
    leads |= {dept for dept in department_ids if user["userid"] in leaders.get(dept, set())}
    return DirectoryMember(
        userid=user["userid"],
        name=user.get("name") or user["userid"],
        department_ids=department_ids,
        leads_department_ids=tuple(sorted(leads)),
        position=user.get("position") or "",
        mobile=user.get("mobile") or "",
    )


def member_from(user: dict[str, Any]) -> DirectoryMember | None:
    """One user/get answer as a member; None for someone who cannot be reached."""
    if user.get("status", 1) in UNREACHABLE:
        return None
    return _member(user, {})


def department_from(departments: list[dict[str, Any]], platform_id: str
                    ) -> DirectoryDepartment | None:
    """The department `platform_id` out of a department/list?id= answer (its subtree)."""
    found = next((d for d in departments if str(d["id"]) == platform_id), None)
    if found is None:
        return None
    parent = found.get("parentid")
    return DirectoryDepartment(
        platform_id=platform_id,
        name=found.get("name", platform_id),
        parent_platform_id=str(parent) if parent else None,
        leader_userids=tuple(sorted(found.get("department_leader") or [])),
    )
