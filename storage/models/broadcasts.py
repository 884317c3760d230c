"""Broadcasts and the areas they go to: a commune's neighbourhoods (tổ dân phố, thôn, ấp),
which leaders speak for which of them, whether a commune's police approve leaders' notices,
and the broadcasts themselves. Each recipient's message is an outbox row (storage/models/
outbox.py) that names its broadcast, so counting, cancelling and never sending twice are
queries on one table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class Neighbourhood(Base):
    """A part of a commune residents may say they live in, and leaders speak for."""

    __tablename__ = "neighbourhoods"
    __table_args__ = (
        UniqueConstraint("commune_code", "name", name="uq_neighbourhoods_commune_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    commune_code: Mapped[str] = mapped_column(String(5), index=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(20), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LeaderNeighbourhood(Base):
    """A leader account speaks for this neighbourhood (a leader with none: the commune)."""

    __tablename__ = "leader_neighbourhoods"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("admin_users.id", ondelete="CASCADE"), primary_key=True
    )
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ResidentNeighbourhood(Base):
    """The neighbourhood a resident said they live in (optional, within their commune):
    whom a neighbourhood's notices reach. Gone with the neighbourhood or the resident."""

    __tablename__ = "resident_neighbourhoods"

    resident_id: Mapped[str] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True
    )
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE"), index=True
    )


class CommuneSetting(Base):
    """What a commune's chief chose; a commune without a row has the defaults."""

    __tablename__ = "commune_settings"

    commune_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    leader_approval: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[int | None] = mapped_column(
        ForeignKey("admin_users.id", ondelete="SET NULL")
    )


class Broadcast(Base):
    """One notice to the residents of an area. `communes` and `neighbourhoods` are the
    addressed area (no neighbourhood: the whole communes); the sender's account is kept for
    the panel and the audit log, and residents only ever see `sender_role` and the area."""

    __tablename__ = "broadcasts"
    __table_args__ = (
        CheckConstraint("kind IN ('alert', 'awareness')", name="ck_broadcasts_kind"),
        CheckConstraint(
            "status IN ('pending', 'rejected', 'sending', 'cancelled')",
            name="ck_broadcasts_status",
        ),
        Index("ix_broadcasts_sender_created", "sender_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    # An optional photo, kept in the blob store as tips' attachments are.
    photo_ref: Mapped[str] = mapped_column(String(200), default="", server_default="")
    photo_mime: Mapped[str] = mapped_column(String(64), default="", server_default="")
    status: Mapped[str] = mapped_column(String(16))
    sender_id: Mapped[int | None] = mapped_column(
        ForeignKey("admin_users.id", ondelete="SET NULL"), index=True
    )
    sender_role: Mapped[str] = mapped_column(String(16))
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    communes: Mapped[list[str]] = mapped_column(JSON)
    neighbourhoods: Mapped[list[int]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("admin_users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reject_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recipients: Mapped[int] = mapped_column(default=0, server_default="0")
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The campaign (content/packs/campaigns) whose message this is; "" for a written notice.
    campaign: Mapped[str] = mapped_column(String(64), default="", server_default="")


class BroadcastCommune(Base):
    """A commune a broadcast is addressed to: how the police of a commune find the
    broadcasts that reach it."""

    __tablename__ = "broadcast_communes"

    broadcast_id: Mapped[str] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), primary_key=True
    )
    commune_code: Mapped[str] = mapped_column(String(5), primary_key=True, index=True)
