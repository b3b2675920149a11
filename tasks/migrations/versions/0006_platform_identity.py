"""platform identity: people are (platform, userid); outbox rows name their platform

People and outbox rows written before this revision were all WeCom's, so they get
`platform = 'wecom'`. The card update credential is renamed to what the domain calls it,
an opaque update handle, and group-robot outbox kinds to the domain's group posts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (("robot_markdown", "group_markdown"), ("robot_image", "group_image"))


def upgrade() -> None:
    # batch mode: SQLite cannot alter a constraint in place, so the table is copied
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform", sa.String(length=16), nullable=False,
                                      server_default="wecom"))
        batch_op.drop_constraint("uq_people_userid", type_="unique")
        batch_op.create_unique_constraint("uq_people_platform_userid", ["platform", "userid"])
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.alter_column("platform", server_default=None)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform", sa.String(length=16), nullable=False,
                                      server_default="wecom"))
        batch_op.alter_column("response_code", new_column_name="update_handle",
                              existing_type=sa.String(length=256), existing_nullable=True)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("platform", server_default=None)
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.alter_column("response_code", new_column_name="update_handle",
                              existing_type=sa.String(length=256), existing_nullable=True)
    for old, new in KINDS:
        op.execute(sa.text("UPDATE outbox SET kind = :new WHERE kind = :old")
                   .bindparams(old=old, new=new))
    op.execute(sa.text("UPDATE outbox SET recipient = 'group:' || substr(recipient, 7) "
                       "WHERE recipient LIKE 'robot:%'"))


def downgrade() -> None:
    op.execute(sa.text("UPDATE outbox SET recipient = 'robot:' || substr(recipient, 7) "
                       "WHERE recipient LIKE 'group:%'"))
    for old, new in KINDS:
        op.execute(sa.text("UPDATE outbox SET kind = :old WHERE kind = :new")
                   .bindparams(old=old, new=new))
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.alter_column("update_handle", new_column_name="response_code",
                              existing_type=sa.String(length=256), existing_nullable=True)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("update_handle", new_column_name="response_code",
                              existing_type=sa.String(length=256), existing_nullable=True)
        batch_op.drop_column("platform")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_constraint("uq_people_platform_userid", type_="unique")
        batch_op.create_unique_constraint("uq_people_userid", ["userid"])
        batch_op.drop_column("platform")
