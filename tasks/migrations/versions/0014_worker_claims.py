"""worker claims: workers share the inbox in batches, and the rate check reads an index

- `inbox.sender`: whose message a row is, so one sender's messages are handled in order
  while workers share the inbox (`tasks.handling.inbox.claim`); filled by the callback,
  and here for the rows still waiting;
- `inbox.claimed_by`, `inbox.claimed_until`: a worker's claim on a batch of rows and when
  it lapses (a worker killed mid-batch leaves its rows to another after that);
- `ix_inbox_sender`: the "is an earlier message of this sender waiting" check;
- `ix_outbox_recipient_recent`: one recipient's rows of the last minutes, which the
  per-member rate check and the repeat check read (before, they scanned every row sent
  in the last six minutes).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SENDER_LONGEST = 200


def upgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sender", sa.String(length=SENDER_LONGEST),
                                      nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(), nullable=True))
    op.create_index("ix_inbox_sender", "inbox", ["platform", "sender", "id"], unique=False)
    op.create_index("ix_outbox_recipient_recent", "outbox",
                    ["platform", "recipient", "next_attempt_at"], unique=False)
    _fill_waiting_senders()


def _fill_waiting_senders() -> None:
    """The rows not yet handled get their sender, so they keep their order too; handled
    rows never need it."""
    inbox = sa.table("inbox", sa.column("id", sa.Integer), sa.column("payload", sa.JSON),
                     sa.column("sender", sa.String), sa.column("processed_at", sa.DateTime))
    bind = op.get_bind()
    waiting = bind.execute(sa.select(inbox.c.id, inbox.c.payload)
                           .where(inbox.c.processed_at.is_(None))).all()
    for row_id, payload in waiting:
        sender = payload.get("sender") if isinstance(payload, dict) else None
        if isinstance(sender, str) and sender:
            bind.execute(sa.update(inbox).where(inbox.c.id == row_id)
                         .values(sender=sender[:SENDER_LONGEST]))


def downgrade() -> None:
    op.drop_index("ix_outbox_recipient_recent", table_name="outbox")
    op.drop_index("ix_inbox_sender", table_name="inbox")
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("sender")
