"""The commune's own page (issue 21): its police unit's details and the public contacts
residents reach from the bot's menu ("📞 Liên hệ Công an xã/phường")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class CommunePage(Base):
    """What a commune's police entered about their unit: shown to every resident of it."""

    __tablename__ = "commune_pages"

    commune_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), default="", server_default="")  # E.164
    address: Mapped[str] = mapped_column(String(150), default="", server_default="")
    hours: Mapped[str] = mapped_column(String(100), default="", server_default="")
    note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(64), default="", server_default="")


class CommuneContact(Base):
    """A public contact of the commune (a neighbourhood leader, a mediation team, another):
    listed with the person's agreement, removed for good when taken off."""

    __tablename__ = "commune_contacts"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('leader', 'mediation', 'other')", name="ck_commune_contacts_kind"
        ),
        Index("ix_commune_contacts_commune", "commune_code", "position"),
        # SQLite would give a removed contact's id to the next one added: an old button would
        # then act on another person (migration 0021).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    commune_code: Mapped[str] = mapped_column(String(5))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(80))
    area: Mapped[str] = mapped_column(String(80), default="", server_default="")
    phone: Mapped[str] = mapped_column(String(16))  # E.164
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
