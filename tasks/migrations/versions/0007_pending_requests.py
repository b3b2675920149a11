"""pending requests: natural requests waiting for 创建 on their confirmation card

A confirmation card is about a request, not yet a task, so `cards.task_id` becomes
nullable and a card may name the pending request it shows instead.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sender_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("command", sa.JSON(), nullable=False),
        sa.Column("deadline", sa.DateTime(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("task_ids", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_pending_requests_sender_id", "pending_requests", ["sender_id"])
    # batch mode: SQLite cannot alter a column in place, so the table is copied
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.alter_column("task_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("request_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_cards_request_id", "pending_requests",
                                    ["request_id"], ["id"])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM cards WHERE task_id IS NULL"))
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_constraint("fk_cards_request_id", type_="foreignkey")
        batch_op.drop_column("request_id")
        batch_op.alter_column("task_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index("ix_pending_requests_sender_id", table_name="pending_requests")
    op.drop_table("pending_requests")
