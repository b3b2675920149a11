"""inbox retries: a message whose handling fails is retried with backoff, then parked

`inbox.attempts` counts failed attempts, `next_attempt_at` is when a failed row may be
tried again and `parked_at` when it was set aside for an admin (`mashangban inbox`).
`people.position` widens to WeCom's 128 characters, so a directory change or sync with a
long 职务 stores instead of failing.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch mode: SQLite cannot alter a column in place, so the table is copied
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        # the server default stays: the callback's insert names only the columns it fills
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False,
                                      server_default=sa.text("0")))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("parked_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.alter_column("position", existing_type=sa.String(length=64),
                              type_=sa.String(length=128), existing_nullable=False)


def downgrade() -> None:
    op.execute(sa.text("UPDATE people SET position = substr(position, 1, 64)"))
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.alter_column("position", existing_type=sa.String(length=128),
                              type_=sa.String(length=64), existing_nullable=False)
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_column("parked_at")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
