"""Changes to the sandbox directory, as an admin makes them in WeCom's console.

Each change is checked the way WeCom's contact API checks it, applied to the sandbox's
`Directory`, and described as the elements of the ``change_contact`` event WeCom then
pushes to the app (only the elements that apply, like WeCom).
"""

from __future__ import annotations

from typing import Any

from .directory import ROOT_DEPARTMENT_ID, Directory, _find_department, _find_member
from .web import as_int

Fields = list[tuple[str, object]]


class ContactError(Exception):
    """A change WeCom would refuse; ``errcode`` is the code its contact API answers."""

    def __init__(self, errcode: int, message: str) -> None:
        super().__init__(message)
        self.errcode = errcode
        self.message = message


def apply_change(directory: Directory, body: dict[str, Any]) -> Fields:
    """Apply ``{"change_type": …, …}`` to ``directory``; the event's elements, in order."""
    change = body.get("change_type")
    handlers = {
        "create_user": _create_user,
        "update_user": _update_user,
        "delete_user": _delete_user,
        "create_party": _create_party,
        "update_party": _update_party,
        "delete_party": _delete_party,
    }
    handler = handlers.get(change) if isinstance(change, str) else None
    if handler is None:
        raise ContactError(40058, f"change_type must be one of {', '.join(handlers)}")
    with directory.lock:
        return [("ChangeType", change), *handler(directory, body)]


def _text(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise ContactError(40058, f"{name} must be a non-empty string")
    return value.strip()


def _joined(values: list[int]) -> str:
    return ",".join(str(v) for v in values)


# -- members ---------------------------------------------------------------------------------


def _departments(directory: Directory, body: dict[str, Any]) -> list[int] | None:
    raw = body.get("department")
    if raw is None:
        return None
    parsed = [as_int(d) for d in raw] if isinstance(raw, list) else []
    ids = [i for i in parsed if i is not None]
    if not ids or len(ids) != len(parsed) or len(set(ids)) != len(ids):
        raise ContactError(40058, "department must be a non-empty list of department ids")
    for dept_id in ids:
        if _find_department(directory.departments, dept_id) is None:
            raise ContactError(60003, f"department {dept_id} not found")
    return ids


def _leader_flags(body: dict[str, Any], count: int) -> list[int] | None:
    raw = body.get("is_leader_in_dept")
    if raw is None:
        return None
    flags = [as_int(f) for f in raw] if isinstance(raw, list) else []
    if len(flags) != count or any(f not in (0, 1) for f in flags):
        raise ContactError(40058, "is_leader_in_dept must be 0/1 flags aligned with department")
    return [int(f or 0) for f in flags]


def _member_fields(member: dict[str, Any]) -> Fields:
    return [
        ("Department", _joined(member["department"])),
        ("MainDepartment", member["department"][0]),
        ("IsLeaderInDept", _joined(member["is_leader_in_dept"])),
    ]


def _create_user(directory: Directory, body: dict[str, Any]) -> Fields:
    userid = _text(body, "userid", required=True) or ""
    name = _text(body, "name", required=True) or ""
    if _find_member(directory.members, userid) is not None:
        raise ContactError(60102, f"userid {userid} already exists")
    departments = _departments(directory, body)
    if departments is None:
        raise ContactError(40058, "department required")
    flags = _leader_flags(body, len(departments)) or [0] * len(departments)
    member = {
        "userid": userid,
        "name": name,
        "department": departments,
        "is_leader_in_dept": flags,
        "position": _text(body, "position") or "",
    }
    directory.members.append(member)
    return [("UserID", userid), ("Name", name), *_member_fields(member),
            ("Position", member["position"]), ("Status", 1)]


def _update_user(directory: Directory, body: dict[str, Any]) -> Fields:
    userid = _text(body, "userid", required=True) or ""
    member = _find_member(directory.members, userid)
    if member is None:
        raise ContactError(60111, f"userid {userid} not found")
    new_userid = _text(body, "new_userid")
    if new_userid and new_userid != userid and _find_member(directory.members, new_userid):
        raise ContactError(60102, f"userid {new_userid} already exists")
    name, position = _text(body, "name"), _text(body, "position")
    if name == "":
        raise ContactError(60112, "name must not be empty")
    departments = _departments(directory, body)
    flags = _leader_flags(body, len(departments or member["department"]))
    if departments is not None and flags is None:  # departments kept keep their leader flag
        was = dict(zip(member["department"], member["is_leader_in_dept"], strict=True))
        flags = [was.get(d, 0) for d in departments]

    fields: Fields = [("UserID", userid)]
    if new_userid and new_userid != userid:
        member["userid"] = new_userid
        fields.append(("NewUserID", new_userid))
    if name is not None:
        member["name"] = name
        fields.append(("Name", name))
    if departments is not None:
        member["department"] = departments
    if flags is not None:
        member["is_leader_in_dept"] = flags
        fields += _member_fields(member)
    if position is not None:
        member["position"] = position
        fields.append(("Position", position))
    enable = body.get("enable")
    if enable is not None:
        if as_int(enable) not in (0, 1):
            raise ContactError(40058, "enable must be 0 or 1")
        member["status"] = 1 if as_int(enable) == 1 else 2  # 已激活 / 已禁用
        fields.append(("Status", member["status"]))
    return fields


def _delete_user(directory: Directory, body: dict[str, Any]) -> Fields:
    userid = _text(body, "userid", required=True) or ""
    member = _find_member(directory.members, userid)
    if member is None:
        raise ContactError(60111, f"userid {userid} not found")
    directory.members.remove(member)
    return [("UserID", userid)]


# -- departments -----------------------------------------------------------------------------


def _party_id(directory: Directory, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    dept_id = as_int(body.get("id"))
    dept = _find_department(directory.departments, dept_id) if dept_id is not None else None
    if dept_id is None or dept is None:
        raise ContactError(60003, f"department {body.get('id')!r} not found")
    return dept_id, dept


def _parent(directory: Directory, body: dict[str, Any]) -> int | None:
    if body.get("parentid") is None:
        return None
    parent = as_int(body.get("parentid"))
    if parent is None or _find_department(directory.departments, parent) is None:
        raise ContactError(60004, f"parent department {body.get('parentid')!r} not found")
    return parent


def _check_name(directory: Directory, name: str, parent: int, dept_id: int) -> None:
    for other in directory.departments:
        if other["parentid"] == parent and other["name"] == name and other["id"] != dept_id:
            raise ContactError(60008, f"department {name} already exists under {parent}")


def _create_party(directory: Directory, body: dict[str, Any]) -> Fields:
    name = _text(body, "name", required=True) or ""
    parent = _parent(directory, body) or ROOT_DEPARTMENT_ID
    dept_id = as_int(body["id"]) if body.get("id") is not None else None
    if body.get("id") is None:
        dept_id = max(d["id"] for d in directory.departments) + 1
    elif dept_id is None or dept_id < 1:
        raise ContactError(40058, "id must be a positive integer")
    elif _find_department(directory.departments, dept_id) is not None:
        raise ContactError(60008, f"department id {dept_id} already exists")
    _check_name(directory, name, parent, dept_id)
    order = as_int(body.get("order")) or 0
    directory.departments.append({"id": dept_id, "name": name, "parentid": parent,
                                  "order": order})
    return [("Id", dept_id), ("Name", name), ("ParentId", parent), ("Order", order)]


def _update_party(directory: Directory, body: dict[str, Any]) -> Fields:
    dept_id, dept = _party_id(directory, body)
    name, parent = _text(body, "name"), _parent(directory, body)
    if name == "":
        raise ContactError(40058, "name must not be empty")
    if parent is not None and (dept_id == ROOT_DEPARTMENT_ID
                               or parent in directory.subtree_ids(dept_id)):
        raise ContactError(60010, "a department cannot move under itself")
    _check_name(directory, name or dept["name"], parent or dept["parentid"], dept_id)
    fields: Fields = [("Id", dept_id)]
    if name is not None:
        dept["name"] = name
        fields.append(("Name", name))
    if parent is not None:
        dept["parentid"] = parent
        fields.append(("ParentId", parent))
    return fields


def _delete_party(directory: Directory, body: dict[str, Any]) -> Fields:
    dept_id, dept = _party_id(directory, body)
    if dept_id == ROOT_DEPARTMENT_ID:
        raise ContactError(60007, "the root department cannot be deleted")
    if any(d["parentid"] == dept_id for d in directory.departments):
        raise ContactError(60006, "department has sub-departments")
    if any(dept_id in m["department"] for m in directory.members):
        raise ContactError(60005, "department has members")
    directory.departments.remove(dept)
    return [("Id", dept_id)]
