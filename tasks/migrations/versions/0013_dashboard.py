"""dashboard indexes: what the supervisor's dashboard reads, indexed for a large office

The dashboard (`tasks/reports/dashboard.py`) groups open tasks by holder and department
with their deadlines, lists overdue tasks by deadline, and counts the tasks created, the
closures and the flags of a period. On 1,000,000 tasks these are the indexes that keep
every page under 300 ms (docs/performance.md, "Dashboard"):

- `ix_tasks_open_deadline`: the open tasks only (partial), by deadline, with holder and
  department, so the workload and the overdue list read a small index and not the table;
- `ix_tasks_created_at`: tasks created in a period, with holder and department;
- `ix_closures_period`: closures of a period with the columns the figures group by;
- `ix_ratings_closure_state`: each closure's rating state and level, read from the
  index alone (without it PostgreSQL joins the period's closures to every rating by a
  sequential scan);
- `ix_task_flags_raised_at`: flags raised in a period.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("state IN ('pending', 'accepted')")

# name, table, columns, partial condition: the benchmark drops and recreates these by name
INDEXES: tuple[tuple[str, str, tuple[str, ...], sa.TextClause | None], ...] = (
    ("ix_tasks_open_deadline", "tasks", ("deadline", "holder_id", "department_id"), OPEN),
    ("ix_tasks_created_at", "tasks", ("created_at", "holder_id", "department_id"), None),
    ("ix_closures_period", "closures",
     ("closed_at", "department_id", "holder_id", "on_time_original", "on_time_extended",
      "first_response_minutes", "id"), None),
    ("ix_ratings_closure_state", "ratings", ("closure_id", "state", "level"), None),
    ("ix_task_flags_raised_at", "task_flags", ("raised_at", "flag"), None),
)


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        op.create_index(name, table, list(columns), unique=False,
                        postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    for name, table, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
