"""Who may do what to a task (docs/commands.md, "Verbs"): the authorization matrix.

Roles are relations between a person and a task, computed from the directory:
requester (提请人), holder (承办人), first responder (首问责任人), supervisor (科室负责人 of a
department the holder belongs to, or of one above it, or someone granted supervision of
it with `mashangban grant supervisor`), leader (负责人 of the top of the
tree), admin (MASHANGBAN_ADMINS). A refusal names the people who may, so nobody is left
wondering whom to ask.

Need to know: a refusal names people and states only to a participant of the task
(`takes_part`), someone with a role in it or whom the task has already reached; everyone
else is answered as if the task did not exist (tasks.verbs.record.load_task).
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from tasks.core.office_rules import OfficeRules
from tasks.errors import Refusal
from tasks.markup import plain_text
from tasks.models import (
    Card,
    Department,
    Holding,
    Leave,
    Membership,
    OutboxMessage,
    Person,
    SupervisorGrant,
    Task,
    TaskEvent,
    TaskOffer,
)

_MAX_BACKUP_HOPS = 5  # as far as work follows backups (tasks.routing.leave._MAX_HOPS)

REQUESTER, HOLDER, FIRST_RESPONDER = "requester", "holder", "first_responder"
SUPERVISOR, LEADER, ADMIN, CLAIMANT = "supervisor", "leader", "admin", "claimant"
LADDER = "ladder"

ROLE_LABELS = {
    REQUESTER: "提请人",
    HOLDER: "承办人",
    FIRST_RESPONDER: "首问责任人",
    SUPERVISOR: "科室负责人",
    LEADER: "领导",
    ADMIN: "管理员",
    CLAIMANT: "受理人员（任务待认领时）",
    LADDER: "突发事件的候班或督办人员",
}


@dataclass(frozen=True)
class Action:
    """One row of the authorization matrix: what is done to a task, its Chinese name (as a
    refusal says it: `无法催办`) and the roles that may do it.

    The rows are declared by the verbs (`tasks.verbs`, the `action` of each verb record) and
    installed here by the verb registry when it loads; card buttons ask for the same rows.
    """

    key: str
    name: str
    roles: tuple[str, ...]

    def roles_in_words(self) -> str:
        """`承办人、科室负责人、管理员`: the help's 谁可以用 line, in the matrix's own order."""
        return "、".join(ROLE_LABELS[role] for role in self.roles)


# action key → its row; filled by `declare` from the verb records (tasks.verbs.registry).
MATRIX: dict[str, Action] = {}


def declare(action: Action) -> None:
    """Install a verb's row; two verbs may share a row (同意延期/不同意延期) but not redefine it."""
    known = MATRIX.get(action.key)
    if known is not None and known != action:
        raise ValueError(f"action {action.key!r} is declared twice, differently: "
                         f"{known} and {action}")
    unknown = [role for role in action.roles if role not in ROLE_LABELS]
    if unknown:
        raise ValueError(f"action {action.key!r} names unknown roles {unknown}")
    MATRIX[action.key] = action


def withdraw(action: Action) -> None:
    """Remove a row again (a verb registered by a test is unregistered after it)."""
    if MATRIX.get(action.key) == action:
        del MATRIX[action.key]


@dataclass(frozen=True)
class Authority:
    """Answers role questions for one message; built per message from the session and rules.

    The department tree and who supervises each department are read once per Authority,
    not once per question: a reminder round asks about hundreds of tasks, and the tree does
    not change within one message or round.
    """

    session: Session
    rules: OfficeRules
    _departments: dict[tuple[str, str], Department] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    _supervisors_of: dict[int, list[Person]] = field(default_factory=dict, init=False,
                                                     repr=False, compare=False)

    def roles(self, person: Person, task: Task) -> set[str]:
        found = set()
        if person.id == task.requester_id:
            found.add(REQUESTER)
        if task.holder_id is not None and person.id == task.holder_id:
            found.add(HOLDER)
        if person.id == task.first_responder_id:
            found.add(FIRST_RESPONDER)
        if task.holder_id is None and self._offered(task, person):
            found.add(CLAIMANT)
        if self._on_ladder(person, task):
            found.add(LADDER)
        if person.id in {p.id for p in self.supervisors(task)}:
            found.add(SUPERVISOR)
        if self.is_leader(person):
            found.add(LEADER)
        if person.known_as(self.rules.admins):
            found.add(ADMIN)
        return found

    @staticmethod
    def _on_ladder(person: Person, task: Task) -> bool:
        """Whether `person` is a rung of the emergency's ladder above the duty officer: a
        standby officer (候班) or a supervisor (督办) the notices ask to act. They may take
        the emergency over (接办) or pass it on (转办), as the notice tells them to."""
        ladder = task.ladder or {}
        return task.kind == "emergency" and any(
            person.userid in (ladder.get(role) or []) for role in ("standby", "supervisors"))

    def takes_part(self, person: Person, task: Task, now: datetime) -> bool:
        """Whether `person` is a participant of `task` (docs/commands.md, "Need to know"):
        someone with a role in it (`roles`: requester, holder, first responder, claimant,
        supervisor, leader, admin), or someone the task has already reached: the person a
        backup holds it for, the backup of its holder or claimants while they are away, the
        people on its escalation ladder, anyone it was ever offered to, held by or sent on a
        card to, anyone who acted on it, and anyone the assistant told about it.

        Only a participant may learn from a refusal who holds a task or what state it is in.
        """
        return bool(self.roles(person, task)) or person.id == task.stand_in_for_id \
            or person.userid in (task.escalation or []) \
            or self._reached(person, task) or self._stands_in_for_it(person, task, now)

    def require(self, action: str, person: Person, task: Task) -> None:
        """Raise a Refusal that names who may, unless `person` holds one of the action's roles."""
        row = MATRIX.get(action)
        if row is None:  # a programming error: the verb registry declares every row
            raise LookupError(f"no verb declares the action {action!r}; is tasks.verbs loaded?")
        name, allowed = row.name, row.roles
        if self.roles(person, task) & set(allowed):
            return
        raise Refusal(f"无法{name}：任务 #{task.id} 只有{self._who(allowed, task)}可以{name}。")

    def supervisors(self, task: Task) -> list[Person]:
        """Leaders and granted supervisors (督办权) of the task's departments and of every
        department above them: the holder's, or the one still to claim it."""
        return self._leaders_above(self._task_departments(task))

    def approvers(self, task: Task) -> list[Person]:
        """The nearest supervisors other than the holder: who decides on extensions (延期) and
        who hears first when the holder is late.

        Walks up from the holder's departments and stops at the first level that has one,
        so a section's requests go to its head, and the head's own go to the office's.
        """
        chain = self._with_ancestors(self._task_departments(task))
        self._supervising([d.id for d in chain])  # one read for the whole chain
        for department in chain:
            leaders = [p for _, p in self._supervising([department.id])
                       if p.id != task.holder_id]
            if leaders:
                return list({p.id: p for p in leaders}.values())
        return []

    def _task_departments(self, task: Task) -> list[Department]:
        if task.holder is not None:
            return [m.department for m in task.holder.memberships]
        return [task.department] if task.department else []

    def supervisors_of(self, person: Person) -> list[Person]:
        """Who supervises a person: the leaders and grantees above their departments."""
        return [p for p in self._leaders_above([m.department for m in person.memberships])
                if p.id != person.id]

    def supervisors_of_department(self, department: Department) -> list[Person]:
        return self._leaders_above([department])

    def is_leader(self, person: Person) -> bool:
        return any(m.is_leader and self._is_top(m.department) for m in person.memberships)

    def _who(self, allowed: tuple[str, ...], task: Task) -> str:
        parts = []
        for role in allowed:
            if role == LADDER and task.kind != "emergency":
                continue  # only an emergency has a ladder; naming it elsewhere misleads
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
            LADDER: self._ladder_people(task)[:3],
        }.get(role, [])
        return "、".join(plain_text(p.name) for p in people)  # a text message

    def _ladder_people(self, task: Task) -> list[Person]:
        ladder = task.ladder or {}
        userids = [*(ladder.get("standby") or []), *(ladder.get("supervisors") or [])]
        if task.kind != "emergency" or not userids:
            return []
        found = {p.userid: p for p in self.session.scalars(
            select(Person).where(Person.userid.in_(userids), Person.active))}
        return [found[u] for u in dict.fromkeys(userids) if u in found]

    def _leaders_above(self, departments: list[Department]) -> list[Person]:
        chain = self._with_ancestors(departments)
        if not chain:
            return []
        order = {d.id: i for i, d in enumerate(chain)}
        rank: dict[int, tuple[int, Person]] = {}
        for department_id, person in self._supervising(list(order)):
            level = order[department_id]
            if person.id not in rank or level < rank[person.id][0]:
                rank[person.id] = (level, person)
        # nearest department's first, so refusals name the most relevant person
        return [person for _, person in sorted(rank.values(), key=lambda r: (r[0], r[1].id))]

    def _supervising(self, department_ids: list[int]) -> list[tuple[int, Person]]:
        """(department, person) for the platform's leaders and the local grants (督办权)."""
        missing = [d for d in department_ids if d not in self._supervisors_of]
        if missing:
            for department_id in missing:
                self._supervisors_of[department_id] = []
            leaders = self.session.execute(
                select(Membership.department_id, Person).join(Person).where(
                    Membership.department_id.in_(missing), Membership.is_leader,
                    Person.active)).all()
            granted = self.session.execute(
                select(SupervisorGrant.department_id, Person).join(Person).where(
                    SupervisorGrant.department_id.in_(missing), Person.active)).all()
            for department_id, person in [*leaders, *granted]:
                self._supervisors_of[department_id].append(person)
        return [(d, person) for d in department_ids for person in self._supervisors_of[d]]

    def _by_platform(self) -> dict[tuple[str, str], Department]:
        """Departments by (platform, platform id): a parent is one of its own platform's."""
        if not self._departments:
            self._departments.update(
                ((d.platform, d.platform_id), d) for d in self.session.scalars(select(Department)))
        return self._departments

    def _with_ancestors(self, departments: list[Department]) -> list[Department]:
        by_platform = self._by_platform()
        chain: list[Department] = []
        for department in departments:
            current: Department | None = department
            while current is not None and current not in chain:
                chain.append(current)
                current = by_platform.get((current.platform, current.parent_platform_id or ""))
        return chain

    def _is_top(self, department: Department) -> bool:
        parent = department.parent_platform_id
        return not parent or (department.platform, parent) not in self._by_platform()

    def _reached(self, person: Person, task: Task) -> bool:
        """Whether the task's own records show it reached `person`, in one query: an offer
        (withdrawn too: whoever lost the race to accept saw the card), a stretch of holding
        it, a card, an event they caused, or a message the assistant sent them about it."""
        return bool(self.session.scalar(select(or_(
            exists().where(TaskOffer.task_id == task.id, TaskOffer.person_id == person.id),
            exists().where(Holding.task_id == task.id, or_(
                Holding.person_id == person.id, Holding.stand_in_for_id == person.id)),
            exists().where(Card.task_id == task.id, Card.recipient_id == person.id),
            exists().where(TaskEvent.task_id == task.id, TaskEvent.actor_id == person.id),
            exists().where(OutboxMessage.task_id == task.id, or_(*(
                and_(OutboxMessage.recipient == userid, OutboxMessage.platform == platform)
                for platform, userid in _addresses(person)))),
        ))))

    def _stands_in_for_it(self, person: Person, task: Task, now: datetime) -> bool:
        """Whether `person` is, right now, the backup (补位) of the task's holder or of
        someone it is offered to: their reminders about it come to `person`."""
        away = self._covered_by(person, now)
        if not away:
            return False
        if task.holder_id is not None:
            return task.holder_id in away
        return self.session.scalar(select(TaskOffer.id).where(
            TaskOffer.task_id == task.id, TaskOffer.person_id.in_(away),
            TaskOffer.withdrawn_at.is_(None)).limit(1)) is not None

    def _covered_by(self, person: Person, now: datetime) -> set[int]:
        """The people away now whose work reaches `person`, directly or through a backup
        who is away too."""
        covered: set[int] = set()
        backups = {person.id}
        for _ in range(_MAX_BACKUP_HOPS):
            absent = set(self.session.scalars(select(Leave.person_id).where(
                Leave.backup_id.in_(backups), Leave.starts_at <= now, Leave.ends_at > now,
                Leave.ended_at.is_(None)))) - covered - {person.id}
            if not absent:
                break
            covered |= absent
            backups = absent
        return covered

    def _offered(self, task: Task, person: Person) -> bool:
        return self.session.scalar(select(TaskOffer.id).where(
            TaskOffer.task_id == task.id, TaskOffer.person_id == person.id,
            TaskOffer.withdrawn_at.is_(None)).limit(1)) is not None


def _addresses(person: Person) -> set[tuple[str, str]]:
    """Every (platform, userid) a message to `person` may have gone to."""
    return {(i.platform, i.userid) for i in person.identities} | {
        (person.platform, person.userid)}
