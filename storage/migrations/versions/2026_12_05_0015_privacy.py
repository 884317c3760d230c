"""Privacy by design (issue 18).

- `tips.owner_ref`: a keyed HMAC of the reporting resident's id, for "my tips" and the daily
  limit; `tips.reporter_sealed`: the resident's id sealed, for the police's messages. Both need
  the service's key, so a database copy alone no longer ties a tip to a chat account. The old
  `tips.resident_id` is emptied by `storage/owners.py` when the service (which has the key)
  starts or runs `binhyen migrate`; the column stays, always NULL, until a later release.
- `tips.personal_data_purged_at`: when retention removed a closed tip's contact details and
  files (the tip and its audit trail stay).
- `tip_attachments`: what was received (`received_sha256`, `received_size`) beside what is
  stored (`sha256`, `size`) when metadata was removed from an anonymous reporter's photo,
  a short summary of the metadata found, and whether it was removed.

Revision ID: 2026_12_05_0015
Revises: 2026_12_05_0014
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_05_0015"
down_revision = "2026_12_05_0014"
branch_labels = None
depends_on = None

UNPURGED_CLOSED = sa.text("closed_at IS NOT NULL AND personal_data_purged_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("tips") as batch:
        batch.add_column(sa.Column("owner_ref", sa.String(64), nullable=True))
        batch.add_column(sa.Column("reporter_sealed", sa.Text, nullable=False, server_default=""))
        batch.add_column(
            sa.Column("personal_data_purged_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_index("ix_tips_owner_created", "tips", ["owner_ref", "created_at"])
    op.create_index(
        "ix_tips_retention",
        "tips",
        ["closed_at"],
        postgresql_where=UNPURGED_CLOSED,
        sqlite_where=UNPURGED_CLOSED,
    )
    with op.batch_alter_table("tip_attachments") as batch:
        batch.add_column(
            sa.Column("received_sha256", sa.String(64), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column(
                "received_size", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch.add_column(sa.Column("metadata_summary", sa.Text, nullable=False, server_default=""))
        batch.add_column(
            sa.Column("metadata_removed", sa.Boolean, nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("tip_attachments") as batch:
        for column in ("metadata_removed", "metadata_summary", "received_size", "received_sha256"):
            batch.drop_column(column)
    op.drop_index("ix_tips_retention", table_name="tips")
    op.drop_index("ix_tips_owner_created", table_name="tips")
    with op.batch_alter_table("tips") as batch:
        for column in ("personal_data_purged_at", "reporter_sealed", "owner_ref"):
            batch.drop_column(column)
