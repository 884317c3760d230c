"""Campaigns in a commune or a province (content/campaigns.py holds the packs): whether each
runs there (handlers/campaigns.py); and the scheduled sends claimed, campaign messages and
officers' morning digests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class CampaignSetting(Base):
    """A campaign turned on or off for a commune (by its chief) or a province (by its admin).
    A commune's own setting wins over its province's; with neither, the campaign is off."""

    __tablename__ = "campaign_settings"
    __table_args__ = (
        CheckConstraint("scope IN ('commune', 'province')", name="ck_campaign_settings_scope"),
    )

    campaign: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    set_by: Mapped[int | None] = mapped_column(ForeignKey("admin_users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ScheduledSend(Base):
    """One scheduled send claimed: a campaign message (key campaign/message/day) in a commune
    (target: its code), an officer's morning digest (key digest/day, target: the account's
    id). The key and target are the primary key, so whichever process inserts first sends."""

    __tablename__ = "scheduled_sends"

    sending_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    target: Mapped[str] = mapped_column(String(16), primary_key=True)
    broadcast_id: Mapped[str | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
