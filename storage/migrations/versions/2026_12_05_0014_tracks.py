"""Casework that follows the law it runs under (issue 17): each tip runs on a track (crime,
administrative, mediation, violence, fire_risk) with its own deadlines; a crime report has a
forward deadline; the second extension records the procuracy's decision; a tip may go to a
neighbourhood's mediation team; the reporter's request for protection is kept. A commune's
mediation teams are contacts the chief keeps.

Existing tips get the track of their category and its deadlines as
content/packs/legal_rules.yaml had them when this was written: a crime report a forward
deadline (7 days from receipt, the next day when urgent) and, until it is forwarded, no
decision deadline (the investigation body's 20 days run from its receipt: an earlier forward
keeps the date it had, the stricter one); the other tracks the service's own aim for an
outcome (30 days, 7 for violence, 15 for a fire risk). Then the queue's sort key again.
`decision_due` stays NOT NULL: "none runs" is stored as 9999-12-31 (handlers.deadlines.NO_DUE,
read as none), which keeps the queue's and the statistics' comparisons and their indexes as
they were; the status check is rebuilt (below), the column's nullability is not.

Revision ID: 2026_12_05_0014
Revises: 2026_12_05_0013
Create Date: 2026-12-05
"""

import datetime as dt
import re

import sqlalchemy as sa
from alembic import op

revision = "2026_12_05_0014"
down_revision = "2026_12_05_0013"
branch_labels = None
depends_on = None

NO_DUE = dt.date(9999, 12, 31)
OLD_STATUSES = ("new", "acknowledged", "verifying", "forwarded", "closed")
STATUSES = (*OLD_STATUSES[:3], "mediating", "forwarded", "suspended", "closed")
TRACKS = ("crime", "administrative", "mediation", "violence", "fire_risk")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _checks(statuses: tuple[str, ...], tracks: tuple[str, ...] | None) -> None:
    """The tips' status check (migration 0003) allowing `statuses`, and a check of the track
    (none with `tracks` None). PostgreSQL alters the constraint; SQLite changes a check only
    by building the table anew: the same CREATE TABLE with the new check, the rows copied,
    the old table dropped, the copy renamed and the table's indexes made again from their
    own SQL. The migrations' connection has SQLite's foreign keys off (it is not the app's
    engine), so dropping the old table touches none of its children, whose references name
    the table and find the copy once renamed."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint("ck_tips_status", "tips", type_="check")
        op.create_check_constraint("ck_tips_status", "tips", _in("status", statuses))
        if tracks is None:
            op.drop_constraint("ck_tips_track", "tips", type_="check")
        else:
            op.create_check_constraint("ck_tips_track", "tips", _in("track", tracks))
        return
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("rebuilding tips needs SQLite's foreign keys off")
    table = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'tips'"
    ).scalar_one()
    others = [
        row[0]
        for row in bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'tips' AND type IN ('index', 'trigger')"
            " AND sql IS NOT NULL"
        )
    ]
    status = re.compile(r"CONSTRAINT ck_tips_status CHECK \(status IN \([^)]*\)\)")
    if len(status.findall(table)) != 1:
        raise RuntimeError("the tips' status check is not where migration 0003 put it")
    made = status.sub(f"CONSTRAINT ck_tips_status CHECK ({_in('status', statuses)})", table)
    made = re.sub(r",\s*CONSTRAINT ck_tips_track CHECK \(track IN \([^)]*\)\)", "", made)
    if tracks is not None:
        at = made.rstrip().rfind(")")
        made = f"{made[:at].rstrip()},\n\tCONSTRAINT ck_tips_track CHECK ({_in('track', tracks)})\n)"
    made = re.sub(r"^CREATE TABLE \"?tips\"?", "CREATE TABLE tips_next", made)
    op.execute(made)
    op.execute("INSERT INTO tips_next SELECT * FROM tips")
    op.execute("DROP TABLE tips")
    op.execute("ALTER TABLE tips_next RENAME TO tips")
    for sql in others:
        op.execute(sql)
TRACK_OF = {
    "neighbourhood_dispute": "mediation",
    "fire_risk": "fire_risk",
    "domestic_violence_child_abuse": "violence",
}
# The service's aim for an outcome, in days from receipt, of the tracks that are not crime.
SERVICE_DAYS = {"mediation": 30, "fire_risk": 15, "violence": 7}
OPEN = "status NOT IN ('closed')"


def upgrade() -> None:
    with op.batch_alter_table("tips") as batch:
        batch.add_column(
            sa.Column("track", sa.String(16), nullable=False, server_default="crime")
        )
        batch.add_column(sa.Column("forward_due", sa.Date, nullable=True))
        batch.add_column(sa.Column("forwarded_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("resumed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("missed", sa.String(32), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("extension_decision", sa.String(64), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("extension_decision_on", sa.Date, nullable=True))
        batch.add_column(
            sa.Column("mediation_team", sa.String(200), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("protection", sa.String(16), nullable=False, server_default=""))
    _checks(STATUSES, TRACKS)
    tips = sa.table(
        "tips",
        sa.column("category", sa.String),
        sa.column("track", sa.String),
        sa.column("status", sa.String),
        sa.column("urgent", sa.Boolean),
        sa.column("received_on", sa.Date),
        sa.column("ack_due", sa.Date),
        sa.column("decision_due", sa.Date),
        sa.column("extensions", sa.Integer),
        sa.column("next_due", sa.Date),
        sa.column("forward_due", sa.Date),
        sa.column("forwarded_at", sa.DateTime),
        sa.column("forwarded_to", sa.String),
        sa.column("updated_at", sa.DateTime),
        sa.column("closed_at", sa.DateTime),
        sa.column("decided_at", sa.DateTime),
    )
    postgres = op.get_bind().dialect.name == "postgresql"

    def days(n: int) -> sa.TextClause:
        return sa.text(f"received_on + {n}" if postgres else f"date(received_on, '+{n} days')")

    for category, track in TRACK_OF.items():
        aim = days(SERVICE_DAYS[track])
        op.execute(
            tips.update()
            .where(tips.c.category == category)
            .values(track=track, decision_due=aim, extensions=0)
        )
        # Acknowledged: the aim is what runs now.
        op.execute(
            tips.update()
            .where(tips.c.category == category, tips.c.status.notin_(["new", "closed"]))
            .values(next_due=tips.c.decision_due)
        )
    # A crime report not forwarded, never extended and still open: no decision runs yet.
    op.execute(
        tips.update()
        .where(
            tips.c.track == "crime",
            tips.c.forwarded_to == "",
            tips.c.extensions == 0,
            tips.c.status.in_(["new", "acknowledged", "verifying"]),
        )
        .values(decision_due=NO_DUE)
    )
    op.execute(
        tips.update().where(tips.c.forwarded_to != "").values(forwarded_at=tips.c.updated_at)
    )
    # A closed tip was decided when it was closed.
    op.execute(tips.update().where(tips.c.closed_at.isnot(None)).values(decided_at=tips.c.closed_at))
    # Crime reports: the forward deadline, and the queue's key where it comes first.
    # 7 days (TTLT 01/2017 art. 8(5)(b)); 24 hours, the next day, when urgent (point a).
    op.execute(
        tips.update()
        .where(tips.c.track == "crime")
        .values(forward_due=sa.case((tips.c.urgent, days(1)), else_=days(7)))
    )
    op.execute(
        tips.update()
        .where(
            tips.c.track == "crime",
            tips.c.status.in_(["acknowledged", "verifying"]),
        )
        .values(next_due=tips.c.forward_due)
    )
    op.execute(
        tips.update()
        .where(tips.c.track == "crime", tips.c.status == "new", tips.c.forward_due < tips.c.next_due)
        .values(next_due=tips.c.forward_due)
    )
    op.create_table(
        "mediation_teams",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("commune_code", sa.String(5), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("area", sa.String(200), nullable=False, server_default=""),
        sa.Column("members", sa.Text, nullable=False, server_default=""),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("commune_code", "name", name="uq_mediation_teams_name"),
    )
    op.create_index("ix_tips_commune_track", "tips", ["commune_code", "track"])


def downgrade() -> None:
    op.drop_index("ix_tips_commune_track", "tips")
    op.drop_table("mediation_teams")
    # Tips suspended or in mediation go back to the nearest status there was before.
    op.execute("UPDATE tips SET status = 'verifying' WHERE status IN ('mediating', 'suspended')")
    _checks(OLD_STATUSES, None)
    with op.batch_alter_table("tips") as batch:
        for column in (
            "protection",
            "mediation_team",
            "extension_decision_on",
            "extension_decision",
            "missed",
            "resumed_at",
            "decided_at",
            "forwarded_at",
            "forward_due",
            "track",
        ):
            batch.drop_column(column)
