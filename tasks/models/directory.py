"""The office directory: departments, people and who leads which department."""

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasks.models.base import Base


class Department(Base):
    """A department (科室) as the platform knows it, kept in a tree by platform ids."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    parent_platform_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="department")


# The platform of rows written before there was more than one (migration 0006).
DEFAULT_PLATFORM = "wecom"


class Person(Base):
    """A member of the office, addressed on `platform` by `userid`.

    The identity is the pair: two platforms may each have a `zhangwei`, and an office moving
    from one platform to the other keeps the old record (and its history) beside the new.
    Someone known on two platforms is two records today; making them one person is a later
    change (a `person_identities` table of (platform, userid) → person, see
    docs/architecture.md, "Identity"). People who leave are deactivated, never deleted: their
    history must stay readable.
    """

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("platform", "userid", name="uq_people_platform_userid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), default=DEFAULT_PLATFORM)
    userid: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64), index=True)
    position: Mapped[str] = mapped_column(String(128), default="")  # WeCom allows 128
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )

    @property
    def department_names(self) -> list[str]:
        return [m.department.name for m in self.memberships]


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
