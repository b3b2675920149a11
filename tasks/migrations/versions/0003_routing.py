"""routing: supervisor grants, intake rules, duty roster, leave, offers, ledger, task flags

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 15:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, **kwargs: Any) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"), **kwargs)


def upgrade() -> None:
    op.create_table(
        "supervisor_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        _fk("supervisor_grants", "person_id", "people", ondelete="CASCADE"),
        _fk("supervisor_grants", "department_id", "departments", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervisor_grants")),
        sa.UniqueConstraint("person_id", "department_id",
                            name=op.f("uq_supervisor_grants_person_id")),
    )
    op.create_table(
        "routing_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        _fk("routing_rules", "department_id", "departments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rules")),
    )
    op.create_table(
        "duty_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        _fk("duty_shifts", "department_id", "departments"),
        _fk("duty_shifts", "person_id", "people"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_shifts")),
    )
    op.create_index("ix_duty_shifts_span", "duty_shifts", ["starts_at", "ends_at"])
    op.create_table(
        "leaves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("backup_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        _fk("leaves", "person_id", "people"),
        _fk("leaves", "backup_id", "people"),
        _fk("leaves", "created_by_id", "people"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leaves")),
    )
    op.create_index("ix_leaves_person_span", "leaves", ["person_id", "starts_at", "ends_at"])
    op.create_table(
        "holdings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("stand_in_for_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_by", sa.String(length=16), nullable=True),
        _fk("holdings", "task_id", "tasks"),
        _fk("holdings", "person_id", "people"),
        _fk("holdings", "department_id", "departments"),
        _fk("holdings", "stand_in_for_id", "people"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holdings")),
    )
    op.create_index(op.f("ix_holdings_task_id"), "holdings", ["task_id"])
    op.create_table(
        "task_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("offered_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        _fk("task_offers", "task_id", "tasks"),
        _fk("task_offers", "person_id", "people"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_offers")),
    )
    op.create_index(op.f("ix_task_offers_task_id"), "task_offers", ["task_id"])
    op.create_index("ix_task_offers_person_open", "task_offers", ["person_id", "withdrawn_at"])
    op.create_table(
        "task_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("flag", sa.String(length=24), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        _fk("task_flags", "task_id", "tasks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_flags")),
        sa.UniqueConstraint("task_id", "flag", "key", name=op.f("uq_task_flags_task_id")),
    )
    op.create_index(op.f("ix_task_flags_task_id"), "task_flags", ["task_id"])
    with op.batch_alter_table("tasks", schema=None) as batch:
        batch.add_column(sa.Column("stand_in_for_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("escalation", sa.JSON(), nullable=False,
                                   server_default="[]"))
        batch.add_column(sa.Column("bounce_count", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.create_foreign_key(op.f("fk_tasks_stand_in_for_id_people"), "people",
                                 ["stand_in_for_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch:
        batch.drop_constraint(op.f("fk_tasks_stand_in_for_id_people"), type_="foreignkey")
        for column in ("bounce_count", "escalation", "stand_in_for_id"):
            batch.drop_column(column)
    for table in ("task_flags", "task_offers", "holdings", "leaves", "duty_shifts", "routing_rules",
                  "supervisor_grants"):
        op.drop_table(table)
