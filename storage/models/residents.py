"""Residents and what hangs off them: their platform accounts, awareness progress, subscriptions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class Resident(Base):
    """A resident under an internal id; no platform id lives here."""

    __tablename__ = "residents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), default="", server_default="")
    province_code: Mapped[str] = mapped_column(String(2), default="", server_default="")
    commune_code: Mapped[str] = mapped_column(String(5), default="", server_default="", index=True)
    consent_version: Mapped[str] = mapped_column(String(16), default="", server_default="")
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class ChannelIdentity(Base):
    """Adapter-owned link from a platform account to a resident."""

    __tablename__ = "channel_identities"
    __table_args__ = (
        UniqueConstraint("channel", "account", "platform_user_id", name="uq_channel_identity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(64))
    platform_user_id: Mapped[str] = mapped_column(String(128))
    resident_id: Mapped[str] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    reachable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AwarenessProgress(Base):
    """One resident's way through one awareness topic. Card ids, not counts, so that a pack
    that gains or loses cards still counts right."""

    __tablename__ = "awareness_progress"

    resident_id: Mapped[str] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    cards_seen: Mapped[list[str]] = mapped_column(JSON, default=list)
    best_score: Mapped[int | None] = mapped_column(Integer)
    quiz_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_score: Mapped[int | None] = mapped_column(Integer)
    last_quiz_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Subscription(Base):
    """An opt-in to messages: awareness tips (commune_code "") or one commune's alerts. A row
    per opt-in; `until` is set when it stops, so at most one row per resident, kind and
    commune is active (a partial unique index)."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    resident_id: Mapped[str] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    commune_code: Mapped[str] = mapped_column(String(5), default="", server_default="")
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index(
            "uq_subscriptions_active",
            "resident_id",
            "kind",
            "commune_code",
            unique=True,
            sqlite_where=until.is_(None),
            postgresql_where=until.is_(None),
        ),
        Index(
            "ix_subscriptions_active_by_commune",
            "kind",
            "commune_code",
            sqlite_where=until.is_(None),
            postgresql_where=until.is_(None),
        ),
    )
