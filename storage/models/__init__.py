"""SQLAlchemy 2 models, one module per aggregate. The schema is built only by the Alembic
migrations; importing this package registers every table with `Base.metadata`."""

from __future__ import annotations

from storage.models.accounts import AdminSession, AdminUser, ApiToken, AuditLog
from storage.models.base import Base
from storage.models.broadcasts import (
    Broadcast,
    BroadcastCommune,
    CommuneSetting,
    LeaderNeighbourhood,
    Neighbourhood,
    ResidentNeighbourhood,
)
from storage.models.campaigns import CampaignSetting, ScheduledSend
from storage.models.commune_pages import CommuneContact, CommunePage
from storage.models.indicators import Indicator, IndicatorTip
from storage.models.leader_chats import LeaderChat, LeaderChatCode
from storage.models.officer_notifications import OfficerNotificationPrefs
from storage.models.outbox import OutboxMessage, OwedReply
from storage.models.residents import AwarenessProgress, ChannelIdentity, Resident, Subscription
from storage.models.scam_checks import ScamCheckCount
from storage.models.tips import (
    OPEN_TIP,
    POSTGRES_ONLY_INDEXES,
    HonourEntry,
    MediationTeam,
    Tip,
    TipAttachment,
    TipEvent,
    TipTerm,
)
from storage.models.zalo import ZaloOaInteraction, ZaloOaToken

__all__ = [
    "OPEN_TIP",
    "POSTGRES_ONLY_INDEXES",
    "AdminSession",
    "AdminUser",
    "ApiToken",
    "AuditLog",
    "AwarenessProgress",
    "Base",
    "Broadcast",
    "BroadcastCommune",
    "CampaignSetting",
    "ChannelIdentity",
    "CommuneContact",
    "CommunePage",
    "CommuneSetting",
    "HonourEntry",
    "Indicator",
    "IndicatorTip",
    "LeaderChat",
    "LeaderChatCode",
    "LeaderNeighbourhood",
    "MediationTeam",
    "Neighbourhood",
    "OfficerNotificationPrefs",
    "OutboxMessage",
    "OwedReply",
    "Resident",
    "ResidentNeighbourhood",
    "ScamCheckCount",
    "ScheduledSend",
    "Subscription",
    "Tip",
    "TipAttachment",
    "TipEvent",
    "TipTerm",
    "ZaloOaInteraction",
    "ZaloOaToken",
]
