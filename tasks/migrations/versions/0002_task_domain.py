"""task domain: SLA policies (seeded), calendar corrections, task timers, extensions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 15:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The defaults of docs/sla.md as they stood when this migration was written; later
# changes to tasks.sla.DEFAULT_POLICIES do not alter what an installation was seeded with.
SEED = [
    # kind, label, first response, progress, completion, quiet hours
    ("general", "一般件", (2, "working_hours"), (10, "natural_days"), (10, "natural_days"), True),
    ("urgent", "急件", (15, "minutes"), None, (None, "same_working_day"), False),
    ("leader_call", "领导来电（一般事项）", (1, "minutes"), None, (10, "minutes"), False),
    ("leader_call_special", "领导来电（特殊事项）", (1, "minutes"), None, (3, "hours"), False),
    ("emergency", "突发事件信息", (1, "minutes"), (None, "instructed"), (None, "instructed"),
     False),
    ("draft_doc", "公文代拟", None, None, (3, "natural_days"), True),
    ("minutes", "会议纪要", None, None, (2, "natural_days"), True),
    ("consultation", "征求意见", None, None, (10, "natural_days"), True),
    ("approval", "送审报批", None, None, (2, "natural_days"), True),
    ("assigned", "领导/上级交办", (15, "minutes"), (None, "instructed"), (None, "assigner"), True),
    ("supervision", "督查事项", None, (None, "instructed"), (None, "assigner"), True),
]


def upgrade() -> None:
    policies = op.create_table(
        "sla_policies",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("first_response_amount", sa.Integer(), nullable=True),
        sa.Column("first_response_unit", sa.String(length=24), nullable=True),
        sa.Column("progress_amount", sa.Integer(), nullable=True),
        sa.Column("progress_unit", sa.String(length=24), nullable=True),
        sa.Column("completion_amount", sa.Integer(), nullable=True),
        sa.Column("completion_unit", sa.String(length=24), nullable=True),
        sa.Column("quiet_hours", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_sla_policies")),
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(policies, [_row(*seed, now) for seed in SEED])
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_years")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch:
        batch.alter_column("holder_id", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("first_responder_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("department_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("policy", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("first_response_due", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("progress_every", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("original_deadline", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("deadline_explicit", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("last_progress_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("transfer_count", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("reopen_count", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.create_foreign_key(op.f("fk_tasks_department_id_departments"), "departments",
                                 ["department_id"], ["id"])
        batch.create_index("ix_tasks_department_state", ["department_id", "state"])
    op.execute("UPDATE tasks SET original_deadline = deadline")
    op.create_table(
        "extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("previous_deadline", sa.DateTime(), nullable=True),
        sa.Column("requested_deadline", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["decided_by_id"], ["people.id"],
                                name=op.f("fk_extensions_decided_by_id_people")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["people.id"],
                                name=op.f("fk_extensions_requested_by_id_people")),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"],
                                name=op.f("fk_extensions_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extensions")),
    )
    with op.batch_alter_table("extensions", schema=None) as batch:
        batch.create_index(batch.f("ix_extensions_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("extensions", schema=None) as batch:
        batch.drop_index(batch.f("ix_extensions_task_id"))
    op.drop_table("extensions")
    with op.batch_alter_table("tasks", schema=None) as batch:
        batch.drop_index("ix_tasks_department_state")
        batch.drop_constraint(op.f("fk_tasks_department_id_departments"), type_="foreignkey")
        for column in ("reopen_count", "transfer_count", "cancelled_at", "last_progress_at",
                       "deadline_explicit", "original_deadline", "progress_every",
                       "first_response_due", "policy", "department_id"):
            batch.drop_column(column)
        batch.alter_column("first_responder_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("holder_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("calendar_years")
    op.drop_table("calendar_days")
    op.drop_table("sla_policies")


def _row(kind, label, first, progress, completion, quiet, now):  # noqa: ANN001, ANN202
    row = {"kind": kind, "label": label, "quiet_hours": quiet, "updated_at": now}
    for name, limit in (("first_response", first), ("progress", progress),
                        ("completion", completion)):
        row[f"{name}_amount"], row[f"{name}_unit"] = limit if limit else (None, None)
    return row
