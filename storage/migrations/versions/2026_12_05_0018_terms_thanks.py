"""Search by number, account and link; thanking reporters; the 19/8 honour list (issue 20).

- `tip_terms`: the phone numbers (E.164), bank accounts (digits), domains and receipt code
  found in a tip, one row each, so that the panel's search finds "0889 123 456" from
  "+84889123456" by an index lookup instead of a LIKE over every tip's text.
- `tips.thanked_at`: when the chief sent the reporter a thank-you for a useful tip.
- `honour_entries`: reporters who chose to be named in their unit's honour list for the
  day of the movement (19/8): the name they gave, sealed, withdrawn by deleting the row.

Revision ID: 2026_12_05_0018
Revises: 2026_12_05_0017
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_05_0018"
down_revision = "2026_12_05_0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tip_terms",
        sa.Column(
            "tip_id", sa.String(36), sa.ForeignKey("tips.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("tip_id", "kind", "value", name="pk_tip_terms"),
    )
    op.create_index("ix_tip_terms_value", "tip_terms", ["value", "kind"])
    op.add_column("tips", sa.Column("thanked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "honour_entries",
        sa.Column(
            "tip_id",
            sa.String(36),
            sa.ForeignKey("tips.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("commune_code", sa.String(5), nullable=False),
        sa.Column("name_sealed", sa.Text, nullable=False),
        sa.Column("opted_in_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_honour_entries_commune", "honour_entries", ["commune_code", "opted_in_at"])


def downgrade() -> None:
    op.drop_table("honour_entries")
    with op.batch_alter_table("tips") as batch:
        batch.drop_column("thanked_at")
    op.drop_table("tip_terms")
