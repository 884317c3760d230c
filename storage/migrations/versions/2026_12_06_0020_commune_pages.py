"""The commune's own page (issue 21): how residents reach their commune police.

- `commune_pages`: one row per commune whose police filled it in, kept by the chief in the
  panel (/admin/commune-page): the unit's phone (E.164), address, opening hours and a short
  note, and who changed it last, when.
- `commune_contacts`: the public contacts the chief lists beside it, the neighbourhood
  leaders and the grassroots mediation teams residents may call (`kind`), each with its
  name, the area it covers, its phone (E.164) and its place in the list (`position`).

Everything here is shown to every resident of the commune: the panel says so, and asks for
the person's agreement before a personal number is listed. Nothing existed before this
revision, so there is nothing to fill in.

Revision ID: 2026_12_06_0020
Revises: 2026_12_05_0019
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_06_0020"
down_revision = "2026_12_05_0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "commune_pages",
        sa.Column("commune_code", sa.String(5), primary_key=True),
        sa.Column("phone", sa.String(16), nullable=False, server_default=""),
        sa.Column("address", sa.String(150), nullable=False, server_default=""),
        sa.Column("hours", sa.String(100), nullable=False, server_default=""),
        sa.Column("note", sa.String(200), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False, server_default=""),
    )
    op.create_table(
        "commune_contacts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("commune_code", sa.String(5), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("area", sa.String(80), nullable=False, server_default=""),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('leader', 'mediation', 'other')", name="ck_commune_contacts_kind"
        ),
    )
    op.create_index(
        "ix_commune_contacts_commune", "commune_contacts", ["commune_code", "position"]
    )


def downgrade() -> None:
    op.drop_table("commune_contacts")
    op.drop_table("commune_pages")
