"""Search by number, account and link; thanking reporters; the 19/8 honour list (issue 20).

- `tip_terms`: the phone numbers (E.164), bank accounts (digits), domains, messenger links
  and receipt code found in a tip, one row each, so that the panel's search finds "0889 123
  456" from "+84889123456" by an index lookup instead of a LIKE over every tip's text. The
  tips stored before are read here, by the reader new tips go through
  (storage/search_terms.py), and their search text gets their numbers' national digits
  joined, as a new tip's does.
- `tips.thanked_at`: when the chief sent the reporter a thank-you for a useful tip.
- `honour_entries`: reporters who chose to be named in their unit's honour list for the
  day of the movement (19/8): the name they gave, sealed, withdrawn by deleting the row.

How long it takes: reading the tips is the cost. Measured on PostgreSQL, 10,000 tips each
with a number, an account and a link: ~900 tips a second on a busy 2-vCPU machine (438
before the reading skipped the scam check's wording rules, which the terms do not need), so
some 19 minutes per 1,000,000 tips, in one transaction (README, `binhyen migrate`).
Safe to run again: on SQLite a `CREATE TABLE` is committed at once,
outside the migration's transaction, so an interrupted run leaves `tip_terms` behind. Each
step is skipped when already done, the backfill inserts ignoring rows already there and
resumes with the tips that have no terms yet, and the digits are appended only where the
search text lacks them.

Revision ID: 2026_12_05_0018
Revises: 2026_12_05_0017
Create Date: 2026-12-05
"""

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.search_terms import spoken_digits, term_rows, tip_terms

revision = "2026_12_05_0018"
down_revision = "2026_12_05_0017"
branch_labels = None
depends_on = None

BATCH = 1_000  # tips read, and their terms written, at a time


def _details(value: Any) -> dict[str, Any]:
    """A tip's details as the driver hands them back: SQLite's JSON comes as text."""
    found = json.loads(value) if isinstance(value, str) else value
    return found if isinstance(found, dict) else {}


def _backfill_terms() -> None:
    """The terms of the tips stored before this revision, read by the same reader as a new
    tip's (storage/search_terms.py), a batch of tips at a time in id order (keyset: each
    batch costs the same, and a million tips never sit in memory). Every tip has at least
    its code's term, so a tip with none is one an interrupted run did not reach."""
    bind = op.get_bind()
    select_batch = sa.text(
        "SELECT id, code, description, address, details, search_text FROM tips"
        " WHERE id > :after"
        " AND NOT EXISTS (SELECT 1 FROM tip_terms WHERE tip_terms.tip_id = tips.id)"
        " ORDER BY id LIMIT :n"
    )
    insert = sa.text(
        "INSERT INTO tip_terms (tip_id, kind, value) VALUES (:tip_id, :kind, :value)"
        " ON CONFLICT DO NOTHING"
    )
    spoken = sa.text("UPDATE tips SET search_text = search_text || :digits WHERE id = :id")
    after = ""
    while True:
        tips = bind.execute(select_batch, {"after": after, "n": BATCH}).all()
        if not tips:
            return
        rows, texts = [], []
        for tip in tips:
            details = _details(tip.details)
            terms = tip_terms(tip.code, tip.description or "", tip.address or "", details)
            rows += term_rows(tip.id, terms)
            digits = spoken_digits(terms, tip.search_text or "")
            if digits:
                texts.append({"id": tip.id, "digits": " " + digits})
        bind.execute(insert, rows)  # never empty: every tip has its code
        if texts:
            bind.execute(spoken, texts)
        after = tips[-1].id


def _tables() -> set[str]:
    return set(sa.inspect(op.get_bind()).get_table_names())


def _indexes(table: str) -> set[str]:
    return {str(ix["name"]) for ix in sa.inspect(op.get_bind()).get_indexes(table)}


def upgrade() -> None:
    if "tip_terms" not in _tables():
        op.create_table(
            "tip_terms",
            sa.Column(
                "tip_id",
                sa.String(36),
                sa.ForeignKey("tips.id", ondelete="CASCADE"),
                nullable=False,
            ),
            sa.Column("kind", sa.String(8), nullable=False),
            sa.Column("value", sa.String(255), nullable=False),
            sa.PrimaryKeyConstraint("tip_id", "kind", "value", name="pk_tip_terms"),
        )
    _backfill_terms()  # before the search index: built once over the rows, not row by row
    if "ix_tip_terms_value" not in _indexes("tip_terms"):
        op.create_index("ix_tip_terms_value", "tip_terms", ["value", "kind"])
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("tips")}
    if "thanked_at" not in columns:
        op.add_column("tips", sa.Column("thanked_at", sa.DateTime(timezone=True), nullable=True))
    if "honour_entries" not in _tables():
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
    if "ix_honour_entries_commune" not in _indexes("honour_entries"):
        op.create_index(
            "ix_honour_entries_commune", "honour_entries", ["commune_code", "opted_in_at"]
        )


def downgrade() -> None:
    op.drop_table("honour_entries")
    # A plain DROP COLUMN (SQLite has it since 3.35): a batch rebuild of `tips` would make its
    # queue indexes again without their `urgent DESC`.
    op.execute("ALTER TABLE tips DROP COLUMN thanked_at")
    op.drop_table("tip_terms")
