"""What the audit log records: every action, in one enum. The panel's audit page offers them
in this order as its filter and names each in words (admin/audit.py)."""

from __future__ import annotations

import enum


class AuditAction(enum.StrEnum):
    SIGNIN_SUCCESS = "signin.success"
    SIGNIN_FAILURE = "signin.failure"
    SIGNOUT = "signout"
    TIP_STATUS = "tip.status"
    TIP_ASSIGN = "tip.assign"
    TIP_URGENCY = "tip.urgency"
    TIP_EXTEND = "tip.extend"
    TIP_REVEAL = "tip.reveal"
    TIP_QUESTION = "tip.question"
    TIP_TRACK = "tip.track"  # the procedure changed (issue 17)
    TIP_PROTECT = "tip.protect"  # the reporter's protection recorded
    MEDIATION_TEAMS = "mediation.teams"  # a commune's mediation teams changed
    TIPS_EXPORT = "tips.export"  # from the panel or `binhyen tips export` (actor "cli")
    INDICATOR_CONFIRM = "indicator.confirm"
    INDICATOR_REJECT = "indicator.reject"
    TOTP_ENABLE = "totp.enable"
    TOTP_DISABLE = "totp.disable"
    USER_CREATE = "user.create"
    USER_DEACTIVATE = "user.deactivate"
    USER_ACTIVATE = "user.activate"
    USER_UNLOCK = "user.unlock"
    USER_PASSWORD = "user.password"
    TOKEN_CREATE = "token.create"
    TOKEN_REVOKE = "token.revoke"
    BROADCAST_CREATE = "broadcast.create"
    BROADCAST_APPROVE = "broadcast.approve"
    BROADCAST_REJECT = "broadcast.reject"
    BROADCAST_CANCEL = "broadcast.cancel"
    NEIGHBOURHOOD_ADD = "neighbourhood.add"
    NEIGHBOURHOOD_RENAME = "neighbourhood.rename"
    NEIGHBOURHOOD_RETIRE = "neighbourhood.retire"
    NEIGHBOURHOOD_RESTORE = "neighbourhood.restore"
    LEADER_AREAS = "leader.areas"
    COMMUNE_APPROVAL = "commune.approval"
    CHAT_LINK_CREATE = "chat_link.create"  # a leader asked for a code to link a chat
    CHAT_LINK_USE = "chat_link.use"  # a chat linked with a code
    CHAT_LINK_REFUSE = "chat_link.refuse"  # a code typed that was unknown, used or expired
    CHAT_UNLINK = "chat_link.unlink"  # a leader's chat unlinked (by the leader or a manager)
    CAMPAIGN_ON = "campaign.on"  # a campaign turned on for a commune or a province
    CAMPAIGN_OFF = "campaign.off"
