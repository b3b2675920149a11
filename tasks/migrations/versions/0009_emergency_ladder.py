"""emergency ladder: who an emergency was sent to and who it climbs to, by role

`tasks.ladder` keeps, for an emergency (突发事件), the userids of the duty officer(s) it
was sent to (`duty`), the standby officer(s) (`standby`, 候班), the supervisors it climbs
to (`supervisors`, 督办) and the leader on duty told at once (`lead`, 带班). The flat
`tasks.escalation` list stays the order the task climbs in; the roles say who gets which
notice and who may take the emergency over (docs/routing.md, "The emergency ladder").

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch:
        batch.add_column(sa.Column("ladder", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch:
        batch.drop_column("ladder")
