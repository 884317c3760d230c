"""Tips, their attachments and their timeline."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base

OPEN_TIP = "status <> 'closed'"
UNPURGED_CLOSED = "closed_at IS NOT NULL AND personal_data_purged_at IS NULL"
# Indexes the migrations make on PostgreSQL only (a trigram index for the queue's search).


POSTGRES_ONLY_INDEXES = frozenset({"ix_tips_search_trgm"})


class Tip(Base):
    """A tip. No platform id lives here; contact details only encrypted (contact_sealed)."""

    __tablename__ = "tips"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    pin_hash: Mapped[str] = mapped_column(String(64))
    pin_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pin_locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resident_id: Mapped[str | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    incident_when: Mapped[str] = mapped_column(String(8))
    incident_date: Mapped[date | None] = mapped_column(Date)
    province_code: Mapped[str] = mapped_column(String(2))
    commune_code: Mapped[str] = mapped_column(String(5))
    address: Mapped[str] = mapped_column(String(500), default="", server_default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    contact_sealed: Mapped[str] = mapped_column(Text, default="", server_default="")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(16), default="new", server_default="new")
    details: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_on: Mapped[date] = mapped_column(Date)
    ack_due: Mapped[date] = mapped_column(Date)
    decision_due: Mapped[date] = mapped_column(Date)
    extensions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    outcome_due: Mapped[date | None] = mapped_column(Date)
    # Casework (migration 0007).
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("admin_users.id", name="fk_tips_assignee"), index=True
    )
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str] = mapped_column(String(32), default="", server_default="")
    resolution_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    forwarded_to: Mapped[str] = mapped_column(String(200), default="", server_default="")
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    # The deadline that matters now: the acknowledgement while new, then the decision.
    next_due: Mapped[date | None] = mapped_column(Date)
    # Code, description, address and details, lower case without diacritics (content.text.fold).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    reporter_replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Tracks (migration 0014, issue 17). decision_due holds handlers.deadlines.NO_DUE on a
    # track with no decision deadline.
    track: Mapped[str] = mapped_column(String(16), default="crime", server_default="crime")
    forward_due: Mapped[date | None] = mapped_column(Date)
    forwarded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the decision was recorded: closed or suspended (CPC art. 148); None once resumed.
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Resumed after a suspension (CPC art. 149): its month is never extended.
    resumed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The deadlines missed so far, comma-separated ("ack,forward"): kept whatever changes.
    missed: Mapped[str] = mapped_column(String(32), default="", server_default="")
    extension_decision: Mapped[str] = mapped_column(String(64), default="", server_default="")
    extension_decision_on: Mapped[date | None] = mapped_column(Date)
    mediation_team: Mapped[str] = mapped_column(String(200), default="", server_default="")
    protection: Mapped[str] = mapped_column(String(16), default="", server_default="")
    # Issue 18: who sent it, only through the service's key (storage/owners.py): a keyed
    # HMAC of the resident's id to find their tips, the id sealed to send them the police's
    # messages. `resident_id` above is kept empty.
    owner_ref: Mapped[str | None] = mapped_column(String(64))
    reporter_sealed: Mapped[str] = mapped_column(Text, default="", server_default="")
    # When retention removed the contact details and files of the closed tip.
    personal_data_purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Issue 20: when the chief thanked the reporter for a useful tip.
    thanked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_tips_commune_status_due", "commune_code", "status", "decision_due"),
        Index("ix_tips_resident_created", "resident_id", "created_at"),
        Index(
            "ix_tips_queue_commune",
            "commune_code",
            urgent.desc(),
            "next_due",
            "id",
            postgresql_where=text(OPEN_TIP),
            sqlite_where=text(OPEN_TIP),
        ),
        Index(
            "ix_tips_queue_province",
            "province_code",
            urgent.desc(),
            "next_due",
            "id",
            postgresql_where=text(OPEN_TIP),
            sqlite_where=text(OPEN_TIP),
        ),
        Index(
            "ix_tips_commune_status_queue",
            "commune_code",
            "status",
            urgent.desc(),
            "next_due",
            "id",
        ),
        Index("ix_tips_commune_created", "commune_code", "created_at"),
        Index("ix_tips_province_status", "province_code", "status"),
        Index("ix_tips_commune_track", "commune_code", "track"),
        Index("ix_tips_owner_created", "owner_ref", "created_at"),
        Index(
            "ix_tips_retention",
            "closed_at",
            postgresql_where=text(UNPURGED_CLOSED),
            sqlite_where=text(UNPURGED_CLOSED),
        ),
    )


class MediationTeam(Base):
    """A commune's grassroots mediation team (tổ hòa giải, Luật Hòa giải ở cơ sở 2013 art.
    12): contacts the chief keeps, to whom a neighbourhood dispute is handed."""

    __tablename__ = "mediation_teams"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    commune_code: Mapped[str] = mapped_column(String(5), index=True)
    name: Mapped[str] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(String(200), default="", server_default="")
    members: Mapped[str] = mapped_column(Text, default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("commune_code", "name", name="uq_mediation_teams_name"),)


class TipAttachment(Base):
    __tablename__ = "tip_attachments"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    tip_id: Mapped[str] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    ref: Mapped[str] = mapped_column(String(500))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Issue 18: when metadata was removed (an anonymous reporter's photo), what was received
    # beside what is stored above, and a short summary of what was found.
    received_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    received_size: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite")
    )
    metadata_summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    metadata_removed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class TipTerm(Base):
    """A phone number (E.164), bank account (digits), domain or receipt code found in a tip,
    for the panel's search (migration 0018)."""

    __tablename__ = "tip_terms"

    tip_id: Mapped[str] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), primary_key=True)

    __table_args__ = (Index("ix_tip_terms_value", "value", "kind"),)


class HonourEntry(Base):
    """A reporter who chose to be named in the unit's 19/8 honour list, for one useful tip:
    the name they gave, sealed. Withdrawing deletes the row."""

    __tablename__ = "honour_entries"

    tip_id: Mapped[str] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True)
    commune_code: Mapped[str] = mapped_column(String(5))
    name_sealed: Mapped[str] = mapped_column(Text)
    opted_in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_honour_entries_commune", "commune_code", "opted_in_at"),)


class TipEvent(Base):
    """The tip's timeline. Append-only: triggers refuse UPDATE and DELETE."""

    __tablename__ = "tip_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    tip_id: Mapped[str] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(32))
    visibility: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text, default="", server_default="")
    actor: Mapped[str] = mapped_column(String(64), default="", server_default="")
