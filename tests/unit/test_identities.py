"""Person identities: the migration that seeds them, mobile hashing, and configured userids
(MASHANGBAN_ADMINS, roster files) meaning any identity, or one named `platform:userid`."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError

from tasks.directory.identity import attach, mobile_hash, normalise_mobile
from tasks.directory.lookup import person_by_userid
from tasks.models import Person, identity_filter, parse_ref
from workers.db import upgrade

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def migrated(tmp_path: Path):
    """A database at 0009 with people and departments, then upgraded to the newest."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0009")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO departments (id, platform_id, name, parent_platform_id, active) "
            "VALUES (1, '2', '秘书科', NULL, 1)")
        connection.exec_driver_sql(
            "INSERT INTO people (id, platform, userid, name, position, active) VALUES "
            "(1, 'wecom', 'lina', '李娜', '', 1), (2, 'wecom', 'zhangwei', '张伟', '', 0)")
    upgrade(url)
    yield engine
    engine.dispose()


def test_the_migration_gives_every_person_their_own_identity(migrated):
    with migrated.connect() as connection:
        identities = connection.execute(text(
            "SELECT person_id, platform, userid, linked_by FROM person_identities "
            "ORDER BY person_id")).all()
        departments = connection.execute(text(
            "SELECT platform, platform_id, name FROM departments")).all()
    assert identities == [(1, "wecom", "lina", "main"), (2, "wecom", "zhangwei", "main")]
    assert departments == [("wecom", "2", "秘书科")]


def test_a_department_id_is_unique_per_platform_and_an_identity_once(migrated):
    with migrated.begin() as connection:
        connection.execute(text("INSERT INTO departments (platform, platform_id, name, active) "
                                "VALUES ('dingtalk', '2', '督查室', 1)"))
    with pytest.raises(IntegrityError), migrated.begin() as connection:
        connection.execute(text("INSERT INTO person_identities (person_id, platform, userid, "
                                "linked_by) VALUES (2, 'wecom', 'lina', 'admin')"))


def test_mobiles_written_differently_are_one_number():
    same = {normalise_mobile(m) for m in ("13800138000", "+86 138-0013-8000",
                                          "8613800138000", "0086 13800138000", "(138)00138000")}
    assert same == {"13800138000"}
    assert mobile_hash("+86 13800138000") == mobile_hash("13800138000")
    assert len(mobile_hash("13800138000") or "") == 64 and "138" not in mobile_hash("13800138000")
    assert mobile_hash("") is None and mobile_hash(None) is None and mobile_hash(" - ") is None
    assert mobile_hash("+1 415 555 0100") != mobile_hash("14155550100")  # not China's: kept


def test_references_name_a_platform_or_any():
    assert parse_ref("wecom:lina") == ("wecom", "lina")
    assert parse_ref("lina") == (None, "lina")
    assert parse_ref("Lin:a") == (None, "Lin:a")  # not a platform name
    assert parse_ref("wecom:") == (None, "wecom:")


@pytest.fixture
def lina(sessions):
    """李娜: `lina` on WeCom, `manager4312` on DingTalk."""
    with sessions.begin() as session:
        person = Person(platform="wecom", userid="lina", name="李娜")
        session.add(person)
        session.add(Person(platform="dingtalk", userid="lina", name="另一个李娜"))
        session.flush()
        attach(session, person, "dingtalk", "manager4312", how="admin", now=NOW)
        return person.id


@pytest.mark.parametrize(("admins", "admin"), [
    ("manager4312", True),  # a bare userid: any identity
    ("dingtalk:manager4312", True),
    ("wecom:lina", True),
    ("wecom:manager4312", False),
    ("dingtalk:lina", False),  # the other 李娜
])
def test_admins_are_named_by_any_identity(sessions, lina, admins, admin):
    with sessions() as session:
        person = session.get(Person, lina)
        assert person.known_as({admins}) is admin  # authority's ADMIN role asks this
        found = session.scalars(select(Person.id).where(identity_filter([admins]))).all()
        assert (lina in found) is admin  # the admins told of parked messages, departures


def test_a_roster_userid_names_any_identity_or_one_platform(sessions, lina):
    with sessions() as session:
        assert person_by_userid(session, "manager4312").id == lina
        assert person_by_userid(session, "dingtalk:manager4312").id == lina
        assert person_by_userid(session, "wecom:manager4312") is None
        assert person_by_userid(session, "dingtalk:lina").name == "另一个李娜"
        assert person_by_userid(session, "manager4312", "dingtalk").id == lina
