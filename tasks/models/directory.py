"""The office directory: departments, people, the platform identities they answer to and
who leads which department."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ColumnElement,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    and_,
    event,
    false,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from tasks.models.base import Base, UTCDateTime

# The platform of rows written before there was more than one (migrations 0006, 0010).
DEFAULT_PLATFORM = "wecom"


class Department(Base):
    """A department (科室) as the platform knows it, kept in a tree by platform ids."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("platform", "platform_id",
                                       name="uq_departments_platform_platform_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Department ids are the platform's own: WeCom's 2 and DingTalk's 2 are two departments,
    # and a parent is looked up among its own platform's departments.
    platform: Mapped[str] = mapped_column(String(16), default=DEFAULT_PLATFORM)
    platform_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128))
    parent_platform_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="department")



class Person(Base):
    """A member of the office; `platform`/`userid` is their main identity.

    A person answers to every identity in `identities` ((platform, userid), unique across
    people): one person known on WeCom and on DingTalk is one record, with one history. The
    main identity is among them (seeded on insert, see `_seed_main_identity`). Messages go to
    `reply_platform`, the platform they last wrote from, when they have an identity there
    (`address`). `mobile_hash` is a SHA-256 of the normalised mobile number the directories
    report, only used to recognise the same person on a second platform; no number is kept.
    People who leave are deactivated, never deleted: their history must stay readable.
    """

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("platform", "userid", name="uq_people_platform_userid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), default=DEFAULT_PLATFORM)
    userid: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64), index=True)
    position: Mapped[str] = mapped_column(String(128), default="")  # WeCom allows 128
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    mobile_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    reply_platform: Mapped[str | None] = mapped_column(String(16))

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )
    identities: Mapped[list["PersonIdentity"]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="PersonIdentity.id"
    )

    @property
    def department_names(self) -> list[str]:
        return [m.department.name for m in self.memberships]

    def identity_on(self, platform: str) -> "PersonIdentity | None":
        """The person's identity on `platform` (at most one), if any."""
        return next((i for i in self.identities if i.platform == platform), None)

    def address(self) -> tuple[str, str]:
        """(platform, userid) a message to this person goes to: the platform they last wrote
        from if they still have an identity there, else their main identity."""
        if self.reply_platform and self.reply_platform != self.platform:
            identity = self.identity_on(self.reply_platform)
            if identity is not None:
                return identity.platform, identity.userid
        return self.platform or DEFAULT_PLATFORM, self.userid

    def known_as(self, refs: Iterable[str]) -> bool:
        """Whether one of `refs` (a bare userid: on any platform; or `platform:userid`)
        names one of this person's identities (or the main one, before it is flushed)."""
        mine = {(i.platform, i.userid) for i in self.identities}
        mine.add((self.platform or DEFAULT_PLATFORM, self.userid))
        for ref in refs:
            platform, userid = parse_ref(ref)
            if any(u == userid and (platform is None or p == platform) for p, u in mine):
                return True
        return False


class PersonIdentity(Base):
    """One (platform, userid) a person answers to; unique, so an account is one person.

    `linked_by` records how the identity joined its person: `main` (the person's own),
    `mobile` (a directory reported the same mobile number as another platform's person) or
    `admin` (`mashangban person link`), with `linked_at`.
    """

    __tablename__ = "person_identities"
    __table_args__ = (UniqueConstraint("platform", "userid",
                                       name="uq_person_identities_platform_userid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    platform: Mapped[str] = mapped_column(String(16))
    userid: Mapped[str] = mapped_column(String(64))
    linked_by: Mapped[str] = mapped_column(String(16), default="main")
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(back_populates="identities")


def parse_ref(ref: str) -> tuple[str | None, str]:
    """`wecom:lina` → ("wecom", "lina"); a bare `lina` → (None, "lina"), any platform.

    Platform names are lower-case letters, and no platform's userids we know contain a
    colon, so the first colon after such a name separates the two."""
    head, sep, tail = ref.partition(":")
    if sep and tail and head.isascii() and head.isalpha() and head.islower():
        return head, tail
    return None, ref


def identity_filter(refs: Iterable[str]) -> ColumnElement[bool]:
    """A condition on `Person` selecting the people one of `refs` names (see `parse_ref`):
    configured userids (MASHANGBAN_ADMINS, roster files) match any identity of a person."""
    conditions: list[ColumnElement[bool]] = []
    for ref in refs:
        platform, userid = parse_ref(ref)
        condition = PersonIdentity.userid == userid
        if platform is not None:
            condition = and_(condition, PersonIdentity.platform == platform)
        conditions.append(condition)
    if not conditions:
        return false()
    return Person.id.in_(select(PersonIdentity.person_id).where(or_(*conditions)))


@event.listens_for(Session, "before_flush")
def _seed_main_identity(session: Session, _context: object, _instances: object) -> None:
    """Every new person answers to their main identity: its row is added with them, so
    whoever creates a `Person` (a sync, a change event, a test) needs to know nothing of
    identities."""
    for item in list(session.new):
        if isinstance(item, Person) and not item.identities and item.userid:
            item.identities.append(PersonIdentity(
                platform=item.platform or DEFAULT_PLATFORM, userid=item.userid,
                linked_by="main"))


class Membership(Base):
    """A person's place in a department; `is_leader` marks the department leader (负责人)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("person_id", "department_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)

    person: Mapped[Person] = relationship(back_populates="memberships")
    department: Mapped[Department] = relationship(back_populates="memberships")
