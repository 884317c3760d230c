"""Tips, their attachments and timeline; the resident's consent to the tip notice.

Revision ID: 2026_11_25_0003
Revises: 2026_11_25_0002
Create Date: 2026-11-25

Timeline rows cannot be changed (a trigger refuses UPDATE); they go only with their tip, when
the retention period ends.
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_11_25_0003"
down_revision = "2026_11_25_0002"
branch_labels = None
depends_on = None

STATUSES = ("new", "acknowledged", "verifying", "forwarded", "closed")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

PG_FUNCTION = """
CREATE FUNCTION tip_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'tip_events is append-only';
END
$$
"""
PG_TRIGGER = (
    "CREATE TRIGGER tip_events_no_update BEFORE UPDATE ON tip_events "
    "FOR EACH ROW EXECUTE FUNCTION tip_events_append_only()"
)
SQLITE_TRIGGER = (
    "CREATE TRIGGER tip_events_no_update BEFORE UPDATE ON tip_events "
    "BEGIN SELECT RAISE(ABORT, 'tip_events is append-only'); END"
)


def upgrade() -> None:
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("consent_version", sa.String(16), nullable=False, server_default=""))
        batch.add_column(sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True))
    status_list = ", ".join(f"'{s}'" for s in STATUSES)
    op.create_table(
        "tips",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("submission_key", sa.String(64), nullable=False, unique=True),
        sa.Column("pin_hash", sa.String(64), nullable=False),
        sa.Column("pin_failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("pin_locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "resident_id",
            sa.String(36),
            sa.ForeignKey("residents.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("incident_when", sa.String(8), nullable=False),
        sa.Column("incident_date", sa.Date, nullable=True),
        sa.Column("province_code", sa.String(2), nullable=False),
        sa.Column("commune_code", sa.String(5), nullable=False),
        sa.Column("address", sa.String(500), nullable=False, server_default=""),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("contact_sealed", sa.Text, nullable=False, server_default=""),
        sa.Column("urgent", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("status", sa.String(16), nullable=False, server_default="new"),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("ack_due", sa.Date, nullable=False),
        sa.Column("decision_due", sa.Date, nullable=False),
        sa.Column("extensions", sa.Integer, nullable=False, server_default="0"),
        sa.Column("outcome_due", sa.Date, nullable=True),
        sa.CheckConstraint(f"status IN ({status_list})", name="ck_tips_status"),
        sa.CheckConstraint(
            "anonymous OR contact_sealed <> ''", name="ck_tips_contact_when_named"
        ),
    )
    op.create_index("ix_tips_resident_id", "tips", ["resident_id"])
    op.create_index("ix_tips_commune_status_due", "tips", ["commune_code", "status", "decision_due"])
    op.create_index("ix_tips_resident_created", "tips", ["resident_id", "created_at"])
    op.create_table(
        "tip_attachments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tip_id", sa.String(36), sa.ForeignKey("tips.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("ref", sa.String(500), nullable=False),
        sa.Column("mime", sa.String(100), nullable=False),
        sa.Column("size", BIG_ID, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_tip_attachments_tip_id", "tip_attachments", ["tip_id"])
    op.create_table(
        "tip_events",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("tip_id", sa.String(36), sa.ForeignKey("tips.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("visibility", sa.String(8), nullable=False),
        sa.Column("body", sa.Text, nullable=False, server_default=""),
        sa.Column("actor", sa.String(64), nullable=False, server_default=""),
        sa.CheckConstraint("visibility IN ('internal', 'reporter')", name="ck_tip_events_visibility"),
    )
    op.create_index("ix_tip_events_tip_id", "tip_events", ["tip_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    op.drop_table("tip_events")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS tip_events_append_only()")
    op.drop_table("tip_attachments")
    op.drop_table("tips")
    with op.batch_alter_table("residents") as batch:
        batch.drop_column("consent_at")
        batch.drop_column("consent_version")
