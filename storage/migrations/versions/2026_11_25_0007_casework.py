"""Casework: what the police panel adds to tips, two-factor sign-in, API tokens, the outbox.

Revision ID: 2026_11_25_0007
Revises: 2026_11_25_0006
Create Date: 2026-11-25

- tips: who works on it, when it was acknowledged and closed, the resolution and the
  reporter's rating, where it was forwarded, `next_due` (the deadline that matters now:
  acknowledgement while new, the decision after) and `search_text` (code, description,
  address and details folded to lower case without diacritics). The queue reads them through
  partial indexes on open tips in (urgent first, next deadline, id) order, the keyset.
- admin_users: an optional TOTP secret (sealed).
- audit_log: `reason`, the free text an identity reveal or an extension must give.
- api_tokens: bearer tokens for /api/v1, stored as keyed hashes.
- outbox: messages to residents, written in the same transaction as the action that causes
  them and sent by the delivery worker; a crash between the two loses nothing.
"""

import json
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "2026_11_25_0007"
down_revision = "2026_11_25_0006"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OPEN = "status <> 'closed'"
SEARCH_INDEX = "ix_tips_search_trgm"  # PostgreSQL only: not in the models (storage.models)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _backfill() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, code, description, address, details, status, ack_due, decision_due"
            " FROM tips"
        )
    ).all()
    for row in rows:
        details = json.loads(row.details) if isinstance(row.details, str) else row.details
        values = list((details or {}).values())
        parts = (row.code, row.description, row.address, *values)
        text = " ".join(str(part) for part in parts if part)
        due = row.ack_due if row.status == "new" else row.decision_due
        bind.execute(
            sa.text("UPDATE tips SET search_text = :s, next_due = :d WHERE id = :i"),
            {"s": _fold(text), "d": due, "i": row.id},
        )


def _search_index() -> None:
    """On PostgreSQL with pg_trgm (in the standard contrib package), a trigram index lets the
    queue's search (`search_text LIKE '%word%'`) skip the rows without the word. Without the
    extension the search still works, scanning the area's tips."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    available = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).first()
    if available is None:
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(f"CREATE INDEX {SEARCH_INDEX} ON tips USING gin (search_text gin_trgm_ops)")


def upgrade() -> None:
    with op.batch_alter_table("tips") as batch:
        batch.add_column(
            sa.Column(
                "assignee_id",
                sa.Integer,
                sa.ForeignKey("admin_users.id", name="fk_tips_assignee"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("resolution", sa.String(32), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("resolution_note", sa.Text, nullable=False, server_default="")
        )
        batch.add_column(sa.Column("forwarded_to", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("rating", sa.SmallInteger, nullable=True))
        batch.add_column(sa.Column("next_due", sa.Date, nullable=True))
        batch.add_column(sa.Column("search_text", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("reporter_replied_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_check_constraint("ck_tips_rating", "rating IS NULL OR rating BETWEEN 1 AND 5")
    _backfill()
    queue = ["urgent DESC", "next_due", "id"]
    op.create_index(
        "ix_tips_queue_commune",
        "tips",
        [sa.text(c) for c in ["commune_code", *queue]],
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )
    op.create_index(
        "ix_tips_queue_province",
        "tips",
        [sa.text(c) for c in ["province_code", *queue]],
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )
    op.create_index(
        "ix_tips_commune_status_queue",
        "tips",
        [sa.text(c) for c in ["commune_code", "status", *queue]],
    )
    op.create_index("ix_tips_commune_created", "tips", ["commune_code", "created_at"])
    op.create_index("ix_tips_assignee_id", "tips", ["assignee_id"])
    # The status tabs of a province admin's queue count by (province, status).
    op.create_index("ix_tips_province_status", "tips", ["province_code", "status"])
    _search_index()
    # The indicator review lists one status, most reported first.
    op.create_index("ix_indicators_status_reports", "indicators", ["status", "reports", "id"])

    with op.batch_alter_table("admin_users") as batch:
        batch.add_column(sa.Column("totp_sealed", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("display_name", sa.String(100), nullable=False, server_default=""))

    # add_column only: a batch rebuild would drop the append-only triggers.
    op.add_column("audit_log", sa.Column("reason", sa.Text, nullable=False, server_default=""))

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("admin_users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])

    op.create_table(
        "outbox",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column(
            "resident_id",
            sa.String(36),
            sa.ForeignKey("residents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "tip_id", sa.String(36), sa.ForeignKey("tips.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False, server_default=""),
        sa.Column("last_error", sa.String(200), nullable=False, server_default=""),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'unreachable')", name="ck_outbox_status"
        ),
    )
    op.create_index(
        "ix_outbox_pending_due",
        "outbox",
        ["due_at"],
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_outbox_resident", "outbox", ["resident_id", "status"])
    op.create_index("ix_outbox_tip_id", "outbox", ["tip_id"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("api_tokens")
    op.drop_column("audit_log", "reason")
    with op.batch_alter_table("admin_users") as batch:
        batch.drop_column("display_name")
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_sealed")
    op.drop_index("ix_indicators_status_reports", table_name="indicators")
    op.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
    for name in (
        "ix_tips_province_status",
        "ix_tips_assignee_id",
        "ix_tips_commune_created",
        "ix_tips_commune_status_queue",
        "ix_tips_queue_province",
        "ix_tips_queue_commune",
    ):
        op.drop_index(name, table_name="tips")
    with op.batch_alter_table("tips") as batch:
        batch.drop_constraint("ck_tips_rating", type_="check")
        for column in (
            "updated_at",
            "reporter_replied_at",
            "search_text",
            "next_due",
            "rating",
            "forwarded_to",
            "resolution_note",
            "resolution",
            "closed_at",
            "acknowledged_at",
            "assignee_id",
        ):
            batch.drop_column(column)
