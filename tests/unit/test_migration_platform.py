"""Migration 0006 on a database that already has people, cards and outbox rows (SQLite)."""

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from workers.db import upgrade

ROWS = """
INSERT INTO departments (id, platform_id, name, parent_platform_id, active)
    VALUES (1, '3', '综合科', NULL, 1);
INSERT INTO people (id, userid, name, position, active) VALUES
    (1, 'lina', '李娜', '科员', 1), (2, 'zhangwei', '张伟', '', 0);
INSERT INTO memberships (id, person_id, department_id, is_leader) VALUES (1, 1, 1, 1);
INSERT INTO cards (id, platform_card_id, task_id, recipient_id, purpose, response_code,
                   created_at)
    VALUES (1, 'mt1-1', 1, 1, 'offer', 'rc-kept', '2026-12-01 01:00:00');
INSERT INTO outbox (id, created_at, recipient, kind, body, state, attempts, next_attempt_at,
                    response_code, dedupe)
    VALUES (1, '2026-12-01 01:00:00', 'lina', 'card_update', '{}', 'pending', 0,
            '2026-12-01 01:00:00', 'rc-row', 0),
           (2, '2026-12-01 01:00:00', 'robot:0123456789abcdef01234567', 'robot_markdown',
            '{"key": "K", "text": "t"}', 'pending', 0, '2026-12-01 01:00:00', NULL, 0);
"""


@pytest.fixture
def migrated(tmp_path: Path):
    """A database at 0005 holding rows, then upgraded to the newest schema."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0005")
    engine = create_engine(url)
    with engine.begin() as connection:
        statements = [s for s in ROWS.split(";") if s.strip()]
        for statement in statements[:3]:  # the directory, before the task that needs it
            connection.exec_driver_sql(statement)
        _insert_task(connection)
        for statement in statements[3:]:
            connection.exec_driver_sql(statement)
    upgrade(url)
    yield engine
    engine.dispose()


def _insert_task(connection) -> None:  # noqa: ANN001
    """Task 1, every required column filled with a plain value of its type."""
    plain = {"INTEGER": 1, "BOOLEAN": 0, "DATETIME": "2026-12-01 01:00:00", "JSON": "{}"}
    values = {column: plain.get(kind.split("(")[0], "x")
              for _, column, kind, notnull, default, _ in
              connection.exec_driver_sql("PRAGMA table_info(tasks)")
              if notnull and default is None}
    values["id"] = 1
    names = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    connection.execute(text(f"INSERT INTO tasks ({names}) VALUES ({marks})"), values)


def test_existing_people_become_wecom_people_and_keep_everything(migrated):
    with migrated.connect() as connection:
        people = connection.execute(text(
            "SELECT id, platform, userid, name, position, active FROM people ORDER BY id")).all()
        memberships = connection.execute(text(
            "SELECT person_id, department_id, is_leader FROM memberships")).all()
        card = connection.execute(text("SELECT update_handle FROM cards")).scalar_one()
        outbox = connection.execute(text(
            "SELECT platform, recipient, kind, update_handle FROM outbox ORDER BY id")).all()
    assert people == [(1, "wecom", "lina", "李娜", "科员", 1),
                      (2, "wecom", "zhangwei", "张伟", "", 0)]
    assert memberships == [(1, 1, 1)]
    assert card == "rc-kept"
    assert outbox == [("wecom", "lina", "card_update", "rc-row"),
                      ("wecom", "group:0123456789abcdef01234567", "group_markdown", None)]


def test_a_userid_is_unique_per_platform_not_across_platforms(migrated):
    with migrated.begin() as connection:
        connection.execute(text("INSERT INTO people (platform, userid, name, position, active) "
                                "VALUES ('dingtalk', 'lina', '李娜', '', 1)"))
    with pytest.raises(IntegrityError), migrated.begin() as connection:
        connection.execute(text("INSERT INTO people (platform, userid, name, position, active) "
                                "VALUES ('wecom', 'lina', '另一个李娜', '', 1)"))


def test_new_rows_default_to_wecom_only_through_the_models(migrated):
    """The migration leaves no server default behind: the models say what a row is."""
    with migrated.connect() as connection:
        people = {c[1]: c for c in connection.exec_driver_sql("PRAGMA table_info(people)")}
    assert people["platform"][3] == 1 and people["platform"][4] is None  # NOT NULL, no default


def test_the_downgrade_gives_back_the_old_names(migrated):
    from alembic import command

    from workers.db import alembic_config

    command.downgrade(alembic_config(str(migrated.url)), "0005")
    with migrated.connect() as connection:
        people = connection.execute(text("SELECT userid FROM people ORDER BY id")).scalars().all()
        card = connection.execute(text("SELECT response_code FROM cards")).scalar_one()
        outbox = connection.execute(text(
            "SELECT recipient, kind, response_code FROM outbox ORDER BY id")).all()
    assert people == ["lina", "zhangwei"] and card == "rc-kept"
    assert outbox == [("lina", "card_update", "rc-row"),
                      ("robot:0123456789abcdef01234567", "robot_markdown", None)]
