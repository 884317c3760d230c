"""What a Zalo Official Account needs kept: its tokens and each follower's last interaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class ZaloOaToken(Base):
    """The OA's OAuth pair, one row per app, sealed (storage.sealing). The refresh token is
    single-use: a refresh stores the new pair under this row's lock before it is used.
    `seed_digest` tells a pair given in the environment apart from one stored before."""

    __tablename__ = "zalo_oa_tokens"

    app_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tokens_sealed: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    seed_digest: Mapped[str] = mapped_column(String(64), default="", server_default="")
    refreshes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ZaloOaInteraction(Base):
    """When a Zalo user last wrote to (or followed) the OA: consultation messages may be sent
    only within 7 days of it."""

    __tablename__ = "zalo_oa_interactions"

    app_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
