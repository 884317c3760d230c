"""Scam checks counted (issue 20): `scam_check_counts`, how many checks the residents of a
commune ran on one Vietnam day with one verdict level, for the movement's reports.

Only counts: no resident, no checked text. `commune_code` is the resident's commune, "" for
one who has not chosen it; `outcome` the verdict's level (content.scamcheck.Level). A check
adds one to its row (storage/scam_checks.py). Nothing was counted before this revision: the
reports say from which day counting began (the first row's day, found by its index).

Revision ID: 2026_12_05_0019
Revises: 2026_12_05_0018
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_05_0019"
down_revision = "2026_12_05_0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scam_check_counts",
        sa.Column("commune_code", sa.String(5), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("checks", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("commune_code", "day", "outcome", name="pk_scam_check_counts"),
    )
    op.create_index("ix_scam_check_counts_day", "scam_check_counts", ["day"])


def downgrade() -> None:
    op.drop_table("scam_check_counts")
