"""How many scam checks residents ran, per commune, Vietnam day and verdict (issue 20)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, Integer, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class ScamCheckCount(Base):
    """Checks run by the residents of a commune ("" for those who have not chosen one) on one
    Vietnam day with one verdict level (content.scamcheck.Level). Only counts: no resident,
    no checked text, nothing to erase or purge."""

    __tablename__ = "scam_check_counts"

    commune_code: Mapped[str] = mapped_column(String(5))
    day: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(16))
    checks: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        PrimaryKeyConstraint("commune_code", "day", "outcome", name="pk_scam_check_counts"),
        # The first day counted anywhere: when counting began (storage/movement.py).
        Index("ix_scam_check_counts_day", "day"),
    )
