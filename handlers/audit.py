"""What the audit log records: every action, in one enum, and one vocabulary to read it by.

The panel's audit page offers the actions in this order as its filter and names each with
`LABELS`; a detail made of counts and codes (`compact`) is put in words with `FACT_WORDS`;
`TIP_ACTIONS`, `SYSTEM_ACTIONS` and the area subjects say who reads a row (storage/audit.py).
"""

from __future__ import annotations

import enum
import re


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
    TIP_THANK = "tip.thank"  # the chief thanked the reporter of a useful tip (issue 20)
    HONOUR_READ = "honour.read"  # the unit's 19/8 honour list read or exported (issue 20)
    MEDIATION_TEAMS = "mediation.teams"  # a commune's mediation teams changed
    COMMUNE_PAGE = "commune.page"  # a commune's page for residents changed (issue 21)
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
    # Issue 18: privacy
    RETENTION_RUN = "retention.run"  # what a retention run removed (actor "retention" or "cli")
    KEYS_ROTATE = "keys.rotate"  # every sealed value sealed again under the newest key
    RESIDENT_ERASE = "resident.erase"  # a resident erased their account (no identity kept)
    RESIDENT_EXPORT = "resident.export"  # a resident took a copy of their data
    AUDIT_EXPORT = "audit.export"  # the audit log itself exported for an inspection (issue 20)


def _(msgid: str) -> str:
    """Marks a catalog id for extraction; the panel translates it."""
    return msgid


# --- One vocabulary: every action in words, in both catalogs ----------------------------------
# The panel's page, its filter and GET /api/v1/audit name each action with these ids
# (tests/panel/test_audit.py holds every action to a label in Vietnamese and English).
LABELS: dict[AuditAction, str] = {
    AuditAction.SIGNIN_SUCCESS: _("panel.audit.action.signin.success"),
    AuditAction.SIGNIN_FAILURE: _("panel.audit.action.signin.failure"),
    AuditAction.SIGNOUT: _("panel.audit.action.signout"),
    AuditAction.TIP_STATUS: _("panel.audit.action.tip.status"),
    AuditAction.TIP_ASSIGN: _("panel.audit.action.tip.assign"),
    AuditAction.TIP_URGENCY: _("panel.audit.action.tip.urgency"),
    AuditAction.TIP_EXTEND: _("panel.audit.action.tip.extend"),
    AuditAction.TIP_REVEAL: _("panel.audit.action.tip.reveal"),
    AuditAction.TIP_QUESTION: _("panel.audit.action.tip.question"),
    AuditAction.TIP_TRACK: _("panel.audit.action.tip.track"),
    AuditAction.TIP_PROTECT: _("panel.audit.action.tip.protect"),
    AuditAction.TIP_THANK: _("panel.audit.action.tip.thank"),
    AuditAction.HONOUR_READ: _("panel.audit.action.honour.read"),
    AuditAction.MEDIATION_TEAMS: _("panel.audit.action.mediation.teams"),
    AuditAction.COMMUNE_PAGE: _("panel.audit.action.commune.page"),
    AuditAction.TIPS_EXPORT: _("panel.audit.action.tips.export"),
    AuditAction.INDICATOR_CONFIRM: _("panel.audit.action.indicator.confirm"),
    AuditAction.INDICATOR_REJECT: _("panel.audit.action.indicator.reject"),
    AuditAction.USER_CREATE: _("panel.audit.action.user.create"),
    AuditAction.USER_DEACTIVATE: _("panel.audit.action.user.deactivate"),
    AuditAction.USER_ACTIVATE: _("panel.audit.action.user.activate"),
    AuditAction.USER_UNLOCK: _("panel.audit.action.user.unlock"),
    AuditAction.USER_PASSWORD: _("panel.audit.action.user.password"),
    AuditAction.TOTP_ENABLE: _("panel.audit.action.totp.enable"),
    AuditAction.TOTP_DISABLE: _("panel.audit.action.totp.disable"),
    AuditAction.TOKEN_CREATE: _("panel.audit.action.token.create"),
    AuditAction.TOKEN_REVOKE: _("panel.audit.action.token.revoke"),
    AuditAction.BROADCAST_CREATE: _("panel.audit.action.broadcast.create"),
    AuditAction.BROADCAST_APPROVE: _("panel.audit.action.broadcast.approve"),
    AuditAction.BROADCAST_REJECT: _("panel.audit.action.broadcast.reject"),
    AuditAction.BROADCAST_CANCEL: _("panel.audit.action.broadcast.cancel"),
    AuditAction.NEIGHBOURHOOD_ADD: _("panel.audit.action.neighbourhood.add"),
    AuditAction.NEIGHBOURHOOD_RENAME: _("panel.audit.action.neighbourhood.rename"),
    AuditAction.NEIGHBOURHOOD_RETIRE: _("panel.audit.action.neighbourhood.retire"),
    AuditAction.NEIGHBOURHOOD_RESTORE: _("panel.audit.action.neighbourhood.restore"),
    AuditAction.LEADER_AREAS: _("panel.audit.action.leader.areas"),
    AuditAction.COMMUNE_APPROVAL: _("panel.audit.action.commune.approval"),
    AuditAction.CHAT_LINK_CREATE: _("panel.audit.action.chat_link.create"),
    AuditAction.CHAT_LINK_USE: _("panel.audit.action.chat_link.use"),
    AuditAction.CHAT_LINK_REFUSE: _("panel.audit.action.chat_link.refuse"),
    AuditAction.CHAT_UNLINK: _("panel.audit.action.chat_link.unlink"),
    AuditAction.CAMPAIGN_ON: _("panel.audit.action.campaign.on"),
    AuditAction.CAMPAIGN_OFF: _("panel.audit.action.campaign.off"),
    AuditAction.RETENTION_RUN: _("panel.audit.action.retention.run"),
    AuditAction.KEYS_ROTATE: _("panel.audit.action.keys.rotate"),
    AuditAction.RESIDENT_ERASE: _("panel.audit.action.resident.erase"),
    AuditAction.RESIDENT_EXPORT: _("panel.audit.action.resident.export"),
    AuditAction.AUDIT_EXPORT: _("panel.audit.action.audit.export"),
}

# --- Who reads which rows (storage/audit.py) --------------------------------------------------
# Whose subject is a tip's receipt code: the tip's commune chief and province admins read them,
# whoever the actor (a reveal above all).
TIP_ACTIONS = frozenset(a for a in AuditAction if a.value.startswith("tip."))
# National work of the system, not of one area: every province admin reads them (there is no
# national role). Written with no actor id and no resident's identity.
SYSTEM_ACTIONS = frozenset(
    {
        AuditAction.RETENTION_RUN,
        AuditAction.KEYS_ROTATE,
        AuditAction.RESIDENT_ERASE,
        AuditAction.RESIDENT_EXPORT,
    }
)
# Who did it, for a row with no panel account behind it (actor_username, actor_id NULL).
SYSTEM_ACTORS = {
    "cli": _("panel.audit.actor.cli"),
    "retention": _("panel.audit.actor.retention"),
    "resident": _("panel.audit.actor.resident"),
}
# A row about an area rather than a tip or an account (a terminal export writes one per
# province and one per commune whose tips it held): that province's admins, or that commune's
# chief, read it.
PROVINCE_SUBJECT = "province:"
COMMUNE_SUBJECT = "commune:"


def province_subject(code: str) -> str:
    return PROVINCE_SUBJECT + code


def commune_subject(code: str) -> str:
    return COMMUNE_SUBJECT + code


# --- Compact details, put in words by the panel -----------------------------------------------
# A detail is at most 64 characters; counts and codes go in as "key=value" pairs joined by ";"
# (a space is read too), e.g. "rows=12;contacts=1;fmt=csv;out=file". The page never shows the
# pairs: each one below has words; a pair without words is left out.
DETAIL_LENGTH = 64
_FACT = re.compile(r"[a-z_]{1,16}")


def compact(**facts: int | str | bool) -> str:
    """A detail from counts and codes; ValueError past 64 characters or with a bad value."""
    parts = []
    for key, value in facts.items():
        text = str(int(value)) if isinstance(value, bool) else str(value)
        if not _FACT.fullmatch(key) or not re.fullmatch(r"[A-Za-z0-9_.-]{1,24}", text):
            raise ValueError(f"not a compact fact: {key}={text}")
        parts.append(f"{key}={text}")
    detail = ";".join(parts)
    if len(detail) > DETAIL_LENGTH:
        raise ValueError("detail longer than 64 characters")
    return detail


def facts_of(detail: str) -> dict[str, str]:
    """The pairs of a compact detail, or {} when it is something else (free text, a code)."""
    pairs: dict[str, str] = {}
    for part in re.split(r"[;\s]+", detail.strip()):
        key, sep, value = part.partition("=")
        if not sep or not _FACT.fullmatch(key) or not value:
            return {}
        pairs[key] = value
    return pairs


# key -> a catalog id taking {n} (a count), or value -> a catalog id (a code)
Facts = dict[str, str | dict[str, str]]
_EXPORT_FORMATS = {
    "csv": _("panel.audit.fact.fmt.csv"),
    "json": _("panel.audit.fact.fmt.json"),
    "xlsx": _("panel.audit.fact.fmt.xlsx"),
}
_CHANNELS = {
    "telegram": _("panel.audit.fact.channel.telegram"),
    "zalo_bot": _("panel.audit.fact.channel.zalo_bot"),
    "zalo_oa": _("panel.audit.fact.channel.zalo_oa"),
    "web": _("panel.audit.fact.channel.web"),
    "cli": _("panel.audit.fact.channel.cli"),
}
FACT_WORDS: dict[AuditAction, Facts] = {
    # rows: tips exported; contacts: 1 when names and phones went too; fmt; out: where to.
    AuditAction.TIPS_EXPORT: {
        "rows": _("panel.audit.fact.export.rows"),
        "contacts": {
            "1": _("panel.audit.fact.export.contacts.yes"),
            "0": _("panel.audit.fact.export.contacts.no"),
        },
        "fmt": _EXPORT_FORMATS,
        "out": {
            "file": _("panel.audit.fact.out.file"),
            "stdout": _("panel.audit.fact.out.stdout"),
            "download": _("panel.audit.fact.out.download"),
            "api": _("panel.audit.fact.out.api"),
        },
    },
    # What a retention run removed: contacts of closed tips, their attachments, conversation
    # states, web-chat inbox entries, scam-check texts cut down to their indicators.
    AuditAction.RETENTION_RUN: {
        "contacts": _("panel.audit.fact.retention.contacts"),
        "files": _("panel.audit.fact.retention.files"),
        "states": _("panel.audit.fact.retention.states"),
        "inbox": _("panel.audit.fact.retention.inbox"),
        "blobs": _("panel.audit.fact.retention.blobs"),
        "scams": _("panel.audit.fact.retention.scams"),
    },
    # What a key rotation sealed again (storage/key_rotation.py's Rotation.detail()).
    AuditAction.KEYS_ROTATE: {
        "contact": _("panel.audit.fact.keys.contact"),
        "reporter": _("panel.audit.fact.keys.reporter"),
        "owner": _("panel.audit.fact.keys.owner"),
        "totp": _("panel.audit.fact.keys.totp"),
        "zalo": _("panel.audit.fact.keys.zalo"),
    },
    # A resident's erasure: tips kept as police records, detached; the channel asked on.
    AuditAction.RESIDENT_ERASE: {
        "tips": _("panel.audit.fact.erase.tips"),
        "channel": _CHANNELS,
    },
    # The unit's 19/8 honour list read (issue 20): which year's, how many names, in what form.
    AuditAction.HONOUR_READ: {
        "year": _("panel.audit.fact.honour.year"),
        "rows": _("panel.audit.fact.honour.rows"),
        "fmt": {
            "page": _("panel.audit.fact.fmt.page"),
            "csv": _("panel.audit.fact.fmt.csv"),
            "xlsx": _("panel.audit.fact.fmt.xlsx"),
        },
    },
    # A resident's copy of their data: the channel and the form it took.
    AuditAction.RESIDENT_EXPORT: {
        "channel": _CHANNELS,
        "fmt": {
            "json": _("panel.audit.fact.fmt.json"),
            "summary": _("panel.audit.fact.fmt.summary"),
        },
        "tips": _("panel.audit.fact.resident_export.tips"),
    },
}
