"""dashboard rollup: the closures of each Shanghai day summed per closing department

`dashboard_days` holds, per day, department (0: none) and holder (only for closures
without a department, else 0), the counts the dashboard's period figures add up: closed,
judged and on time against either deadline, each rating outcome, and the first-response
minutes of the same closures (packed four bytes each, little-endian, so the P90 stays exact
and a year of them decodes at C speed).
`dashboard_new_months` holds, per Shanghai month of creation, how many tasks each holder
and department (0: none) hold now: the dashboard's 新增 of whole months.
The dashboard reads a period's closure figures from these rows (docs/workbench.md,
"Dashboard"); `tasks.feedback.rollup` keeps them in step with every close and rating
change, in the same transaction.

The backfill sums the existing closures (`tasks.feedback.rollup.rebuild`: streamed, a
few seconds per million closures); `mashangban report rollup --check` compares.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ("closed", "with_deadline", "on_time", "with_deadline_extended", "on_time_extended",
          "rated_1", "rated_2", "rated_3", "rated_4", "rated_5", "not_rated", "waiting",
          "not_asked")


def upgrade() -> None:
    op.create_table(
        "dashboard_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.Column("minutes", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("day", "department_id", "holder_id",
                                name=op.f("pk_dashboard_days")))
    op.create_table(
        "dashboard_new_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "holder_id", "department_id",
                                name=op.f("pk_dashboard_new_months")))
    from tasks.feedback.rollup import rebuild  # the same sums the write path keeps

    session = Session(bind=op.get_bind())
    rebuild(session)
    session.flush()


def downgrade() -> None:
    op.drop_table("dashboard_new_months")
    op.drop_table("dashboard_days")
