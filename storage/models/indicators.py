"""Reported phone numbers, accounts and links, and the tips that name them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class Indicator(Base):
    """Something a scam points at, normalised (content.scamcheck): "+84912345678",
    "evil.xyz", "bit.ly/abc", an account number with its bank. Tips report it (`reports`
    counts distinct residents), imports list it, the police confirm or reject it."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(500))
    bank: Mapped[str] = mapped_column(String(16), default="", server_default="")
    status: Mapped[str] = mapped_column(String(16), default="reported", server_default="reported")
    source: Mapped[str] = mapped_column(String(200), default="", server_default="")
    reports: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str] = mapped_column(String(64), default="", server_default="")

    __table_args__ = (
        UniqueConstraint("kind", "value", name="uq_indicators_kind_value"),
        Index("ix_indicators_status_last_seen", "status", "last_seen"),
        Index("ix_indicators_status_reports", "status", "reports", "id"),
    )


class IndicatorTip(Base):
    """Which tips reported an indicator: a tip counts once, a resident once per indicator."""

    __tablename__ = "indicator_tips"

    indicator_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("indicators.id", ondelete="CASCADE"),
        primary_key=True,
    )
    tip_id: Mapped[str] = mapped_column(
        ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
