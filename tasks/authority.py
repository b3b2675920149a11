"""Who may do what to a task (product.md §1 and §3): the authorization matrix.

Roles are relations between a person and a task, computed from the directory:
requester (提请人), holder (承办人), first responder (首问责任人), supervisor (科室负责人 of a
department the holder belongs to, or of one above it), leader (负责人 of the top of the
tree), admin (MASHANGBAN_ADMINS). A refusal names the people who may, so nobody is left
wondering whom to ask.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks.errors import Refusal
from tasks.models import Department, Membership, Person, Task
from tasks.rules import OfficeRules

REQUESTER, HOLDER, FIRST_RESPONDER = "requester", "holder", "first_responder"
SUPERVISOR, LEADER, ADMIN, CLAIMANT = "supervisor", "leader", "admin", "claimant"

ROLE_LABELS = {
    REQUESTER: "提请人",
    HOLDER: "承办人",
    FIRST_RESPONDER: "首问责任人",
    SUPERVISOR: "科室负责人",
    LEADER: "领导",
    ADMIN: "管理员",
    CLAIMANT: "任务所派部门的成员（待认领时）",
}

# action → (its Chinese name, the roles that may do it)
MATRIX: dict[str, tuple[str, tuple[str, ...]]] = {
    "accept": ("接办", (HOLDER, CLAIMANT)),
    "progress": ("报告进展", (HOLDER,)),
    "close": ("办结", (HOLDER,)),
    "transfer": ("转办", (HOLDER, SUPERVISOR, ADMIN)),
    "request_extension": ("申请延期", (HOLDER,)),
    "decide_extension": ("审批延期", (SUPERVISOR, LEADER, ADMIN)),
    "chase": ("催办", (SUPERVISOR, LEADER, ADMIN)),
    "cancel": ("撤销", (REQUESTER, SUPERVISOR, ADMIN)),
    "reopen": ("重办", (REQUESTER, SUPERVISOR, LEADER, ADMIN)),
    "change_kind": ("修改类型", (REQUESTER, SUPERVISOR, ADMIN)),
    "view": ("查询", (REQUESTER, HOLDER, FIRST_RESPONDER, CLAIMANT, SUPERVISOR, LEADER, ADMIN)),
}

# The chat verbs that act on an existing task, and the action of the matrix each one asks for.
VERB_ACTIONS = {
    "接办": "accept", "进展": "progress", "办结": "close", "转办": "transfer",
    "延期": "request_extension", "同意延期": "decide_extension",
    "不同意延期": "decide_extension", "催办": "chase", "撤销": "cancel", "重办": "reopen",
    "类型": "change_kind", "查询": "view",
}


def who_may(verb: str) -> str | None:
    """The roles that may use a verb, in words, so help can never disagree with the matrix."""
    action = VERB_ACTIONS.get(verb)
    if action is None:
        return None
    return "、".join(ROLE_LABELS[role] for role in MATRIX[action][1])


@dataclass(frozen=True)
class Authority:
    """Answers role questions for one message; built per message from the session and rules."""

    session: Session
    rules: OfficeRules

    def roles(self, person: Person, task: Task) -> set[str]:
        found = set()
        if person.id == task.requester_id:
            found.add(REQUESTER)
        if task.holder_id is not None and person.id == task.holder_id:
            found.add(HOLDER)
        if person.id == task.first_responder_id:
            found.add(FIRST_RESPONDER)
        if task.holder_id is None and task.department_id in self._department_ids(person):
            found.add(CLAIMANT)
        if person.id in {p.id for p in self.supervisors(task)}:
            found.add(SUPERVISOR)
        if self.is_leader(person):
            found.add(LEADER)
        if person.userid in self.rules.admins:
            found.add(ADMIN)
        return found

    def require(self, action: str, person: Person, task: Task) -> None:
        """Raise a Refusal that names who may, unless `person` holds one of the action's roles."""
        name, allowed = MATRIX[action]
        if self.roles(person, task) & set(allowed):
            return
        raise Refusal(f"无法{name}：任务 #{task.id} 只有{self._who(allowed, task)}可以{name}。")

    def supervisors(self, task: Task) -> list[Person]:
        """Leaders of the holder's departments and of every department above them."""
        if task.holder is not None:
            departments = [m.department for m in task.holder.memberships]
        else:
            departments = [task.department] if task.department else []
        return self._leaders_above(departments)

    def approvers(self, task: Task) -> list[Person]:
        """Who decides on the holder's requests (延期): the nearest leaders other than the holder.

        Walks up from the holder's departments and stops at the first level that has one,
        so a section's requests go to its head, and the head's own go to the office's.
        """
        departments = [m.department for m in task.holder.memberships] if task.holder else []
        for department in self._with_ancestors(departments):
            leaders = [m.person for m in department.memberships
                       if m.is_leader and m.person.active and m.person_id != task.holder_id]
            if leaders:
                return leaders
        return []

    def is_leader(self, person: Person) -> bool:
        return any(m.is_leader and self._is_top(m.department) for m in person.memberships)

    def _who(self, allowed: tuple[str, ...], task: Task) -> str:
        parts = []
        for role in allowed:
            names = self._names(role, task)
            label = ROLE_LABELS[role]
            parts.append(f"{label}（{names}）" if names else label)
        return "、".join(parts[:-1]) + ("或" if len(parts) > 1 else "") + parts[-1]

    def _names(self, role: str, task: Task) -> str:
        people: list[Person] = {
            REQUESTER: [task.requester],
            HOLDER: [task.holder] if task.holder else [],
            FIRST_RESPONDER: [task.first_responder] if task.first_responder else [],
            SUPERVISOR: self.supervisors(task)[:3],
        }.get(role, [])
        return "、".join(p.name for p in people)

    def _leaders_above(self, departments: list[Department]) -> list[Person]:
        chain = self._with_ancestors(departments)
        if not chain:
            return []
        leaders = self.session.scalars(
            select(Person).join(Membership).where(
                Membership.department_id.in_([d.id for d in chain]), Membership.is_leader,
                Person.active,
            ).order_by(Person.id)
        ).unique().all()
        # nearest department's leaders first, so refusals name the most relevant person
        order = {d.id: i for i, d in enumerate(chain)}
        return sorted(leaders, key=lambda p: min(
            (order[m.department_id] for m in p.memberships if m.department_id in order
             and m.is_leader), default=len(order)))

    def _with_ancestors(self, departments: list[Department]) -> list[Department]:
        by_platform = {d.platform_id: d for d in self.session.scalars(select(Department))}
        chain: list[Department] = []
        for department in departments:
            current: Department | None = department
            while current is not None and current not in chain:
                chain.append(current)
                current = by_platform.get(current.parent_platform_id or "")
        return chain

    def _is_top(self, department: Department) -> bool:
        parent = department.parent_platform_id
        if not parent:
            return True
        return self.session.scalar(
            select(Department.id).where(Department.platform_id == parent)) is None

    def _department_ids(self, person: Person) -> set[int]:
        return {m.department_id for m in person.memberships}
