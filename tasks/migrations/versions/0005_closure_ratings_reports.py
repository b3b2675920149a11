"""closures, ratings and report runs: the closure record, 好差评 and scheduled reports

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("first_response_minutes", sa.Integer(), nullable=True),
        sa.Column("close_minutes", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.DateTime(), nullable=True),
        sa.Column("original_deadline", sa.DateTime(), nullable=True),
        sa.Column("on_time_original", sa.Boolean(), nullable=True),
        sa.Column("on_time_extended", sa.Boolean(), nullable=True),
        sa.Column("transfers", sa.Integer(), nullable=False),
        sa.Column("bounces", sa.Integer(), nullable=False),
        sa.Column("reminders_received", sa.Integer(), nullable=False),
        sa.Column("chases_received", sa.Integer(), nullable=False),
        sa.Column("holder_times", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_closures_task_id_tasks")),
        sa.ForeignKeyConstraint(["closed_by_id"], ["people.id"],
                                name=op.f("fk_closures_closed_by_id_people")),
        sa.ForeignKeyConstraint(["holder_id"], ["people.id"],
                                name=op.f("fk_closures_holder_id_people")),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"],
                                name=op.f("fk_closures_department_id_departments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closures")),
        sa.UniqueConstraint("task_id", "round", name="uq_closures_task_round"),
    )
    op.create_index(op.f("ix_closures_task_id"), "closures", ["task_id"])
    op.create_index(op.f("ix_closures_closed_at"), "closures", ["closed_at"])
    op.create_index(op.f("ix_closures_holder_id"), "closures", ["holder_id"])
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("closure_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("awaiting_reason", sa.Boolean(), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("rated_at", sa.DateTime(), nullable=True),
        sa.Column("card_id", sa.Integer(), nullable=True),
        sa.Column("followup", sa.String(length=16), nullable=True),
        sa.Column("followup_task_id", sa.Integer(), nullable=True),
        sa.Column("followup_by_id", sa.Integer(), nullable=True),
        sa.Column("followup_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_ratings_task_id_tasks")),
        sa.ForeignKeyConstraint(["closure_id"], ["closures.id"],
                                name=op.f("fk_ratings_closure_id_closures")),
        sa.ForeignKeyConstraint(["requester_id"], ["people.id"],
                                name=op.f("fk_ratings_requester_id_people")),
        sa.ForeignKeyConstraint(["holder_id"], ["people.id"],
                                name=op.f("fk_ratings_holder_id_people")),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], name=op.f("fk_ratings_card_id_cards")),
        sa.ForeignKeyConstraint(["followup_task_id"], ["tasks.id"],
                                name=op.f("fk_ratings_followup_task_id_tasks")),
        sa.ForeignKeyConstraint(["followup_by_id"], ["people.id"],
                                name=op.f("fk_ratings_followup_by_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("closure_id", name=op.f("uq_ratings_closure_id")),
    )
    for column in ("task_id", "requester_id", "holder_id", "state", "expires_at"):
        op.create_index(op.f(f"ix_ratings_{column}"), "ratings", [column])
    op.create_table(
        "report_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=64), nullable=False),
        sa.Column("ran_at", sa.DateTime(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_runs")),
        sa.UniqueConstraint("name", "period", name="uq_report_runs_name_period"),
    )


def downgrade() -> None:
    op.drop_table("report_runs")
    op.drop_table("ratings")
    op.drop_table("closures")
