"""person identities: one person on several platforms; departments scoped per platform

`person_identities` maps each (platform, userid) to the person it belongs to, seeded from
every person's own main identity, so a person known on WeCom and on DingTalk can be one
record. People gain `mobile_hash` (a SHA-256 of the normalised mobile number, used only to
recognise the same person on a second platform) and `reply_platform` (the platform they
last wrote from, where messages to them go). Departments gain `platform` (existing rows
are WeCom's) and are unique per (platform, platform_id).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("userid", sa.String(length=64), nullable=False),
        sa.Column("linked_by", sa.String(length=16), nullable=False),
        sa.Column("linked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"],
                                name=op.f("fk_person_identities_person_id_people"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_identities")),
        sa.UniqueConstraint("platform", "userid",
                            name="uq_person_identities_platform_userid"),
    )
    op.create_index(op.f("ix_person_identities_person_id"), "person_identities",
                    ["person_id"], unique=False)
    op.execute(sa.text("INSERT INTO person_identities (person_id, platform, userid, linked_by) "
                       "SELECT id, platform, userid, 'main' FROM people"))
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mobile_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("reply_platform", sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_people_mobile_hash"), ["mobile_hash"],
                              unique=False)
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform", sa.String(length=16), nullable=False,
                                      server_default="wecom"))
        batch_op.drop_constraint("uq_departments_platform_id", type_="unique")
        batch_op.create_unique_constraint("uq_departments_platform_platform_id",
                                          ["platform", "platform_id"])
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.alter_column("platform", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.drop_constraint("uq_departments_platform_platform_id", type_="unique")
        batch_op.create_unique_constraint("uq_departments_platform_id", ["platform_id"])
        batch_op.drop_column("platform")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_mobile_hash"))
        batch_op.drop_column("reply_platform")
        batch_op.drop_column("mobile_hash")
    op.drop_index(op.f("ix_person_identities_person_id"), table_name="person_identities")
    op.drop_table("person_identities")
