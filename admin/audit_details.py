"""An audit row's detail and subject in words: counts and codes ("rows=12;fmt=csv") as a
phrase, a code of one action by its words, an area subject by its name, a panel export's
filters by their labels, a key rotation's counts from either of its forms. Used by the page
and the API (admin/audit.py) and by the sentences (admin/audit_words.py); it imports neither."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from admin import filters
from admin.api_chat_links import CHANNEL_NAMES
from admin.export import describe
from content import areas
from content.i18n import catalog, translate
from handlers.audit import (
    COMMUNE_SUBJECT,
    DETAIL_LENGTH,
    FACT_WORDS,
    LABELS,
    PROVINCE_SUBJECT,
    SYSTEM_ACTORS,
    AuditAction,
    Facts,
    facts_of,
)
from handlers.chat_links import Linked
from handlers.errors import BadInput


def _(msgid: str) -> str:
    """Marks a catalog id for extraction; the template translates it."""
    return msgid


# The count facts of handlers/audit.py FACT_WORDS ("{n} tip(s)"), in a singular and a plural:
# admin/audit.py `in_words` reads `<id>.one` and `<id>.other` when the catalog has them.
FACT_PLURALS = (
    _("panel.audit.fact.export.rows.one"),
    _("panel.audit.fact.export.rows.other"),
    _("panel.audit.fact.retention.contacts.one"),
    _("panel.audit.fact.retention.contacts.other"),
    _("panel.audit.fact.retention.files.one"),
    _("panel.audit.fact.retention.files.other"),
    _("panel.audit.fact.retention.states.one"),
    _("panel.audit.fact.retention.states.other"),
    _("panel.audit.fact.retention.inbox.one"),
    _("panel.audit.fact.retention.inbox.other"),
    _("panel.audit.fact.retention.scams.one"),
    _("panel.audit.fact.retention.scams.other"),
    _("panel.audit.fact.retention.blobs.one"),
    _("panel.audit.fact.retention.blobs.other"),
    _("panel.audit.fact.keys.contact.one"),
    _("panel.audit.fact.keys.contact.other"),
    _("panel.audit.fact.keys.reporter.one"),
    _("panel.audit.fact.keys.reporter.other"),
    _("panel.audit.fact.keys.owner.one"),
    _("panel.audit.fact.keys.owner.other"),
    _("panel.audit.fact.keys.totp.one"),
    _("panel.audit.fact.keys.totp.other"),
    _("panel.audit.fact.keys.zalo.one"),
    _("panel.audit.fact.keys.zalo.other"),
    _("panel.audit.fact.keys.honour.one"),
    _("panel.audit.fact.keys.honour.other"),
    _("panel.audit.fact.erase.tips.one"),
    _("panel.audit.fact.erase.tips.other"),
    _("panel.audit.fact.resident_export.tips.one"),
    _("panel.audit.fact.resident_export.tips.other"),
)


def plural_id(msgid: str, n: int, lang: str) -> str:
    """`msgid`.one or .other when the catalog has it, else `msgid` itself."""
    wanted = f"{msgid}.{'one' if n == 1 else 'other'}"
    return wanted if wanted in catalog(lang) else msgid


# --- a key rotation's detail -----------------------------------------------------------------
# storage/key_rotation.py writes one letter a kind ("c=3;r=6;o=6;t=1;z=1;h=1") since the honour
# list made six counts; older rows spell the kinds out ("contact=3 reporter=6 owner=6 ..."), and
# with the honour list's pair such a row could be cut at 64 characters inside its last pair.
ROTATION_KEYS = {
    "c": "contact",
    "r": "reporter",
    "o": "owner",
    "t": "totp",
    "z": "zalo",
    "h": "honour",
}
ROTATION_WORDS: Facts = {
    **FACT_WORDS[AuditAction.KEYS_ROTATE],
    "honour": _("panel.audit.fact.keys.honour"),
}
_COUNT = re.compile(r"([a-z]{1,16})=(\d{1,18})")


def rotation_facts(detail: str) -> dict[str, str]:
    """The counts of a key rotation's detail by their full names, from either form. A pair
    without words is left out, and so is the last pair of a spelled-out detail of exactly 64
    characters: it may have been cut ("honour=1" of "honour=12"), and a count read wrong is
    worse than none."""
    parts = [p for p in re.split(r"[;\s]+", detail.strip()) if p]
    spelled = any(p.partition("=")[0] in ROTATION_WORDS for p in parts)
    if spelled and len(detail) >= DETAIL_LENGTH:
        parts = parts[:-1]
    facts: dict[str, str] = {}
    for part in parts:
        if found := _COUNT.fullmatch(part):
            key = ROTATION_KEYS.get(found.group(1), found.group(1))
            if key in ROTATION_WORDS:
                facts[key] = found.group(2)
    return facts


# Every audit action in words, in both catalogs (handlers/audit.py LABELS, the one vocabulary;
# tests/panel/test_audit.py holds them to it).
ACTION_NAMES: dict[str, str] = {str(action): msgid for action, msgid in LABELS.items()}
# Details that are codes rather than free text, put in words.
DETAIL_NAMES = {
    "unknown_user": _("panel.audit.detail.unknown_user"),
    "bad_password": _("panel.audit.detail.bad_password"),
    "bad_code": _("panel.audit.detail.bad_code"),
    "locked": _("panel.audit.detail.locked"),
    "inactive": _("panel.audit.detail.inactive"),
    "self": _("panel.audit.detail.self"),
    "admin": _("panel.audit.detail.admin"),
    "everywhere": _("panel.audit.detail.everywhere"),
    "cli": _("panel.audit.detail.cli"),
    "whole_commune": _("panel.audit.detail.whole_commune"),
    "approval_on": _("panel.audit.detail.approval_on"),
    "approval_off": _("panel.audit.detail.approval_off"),
}
# Details that are codes of one action only, in that action's words: why a code typed to the
# bot was refused (handlers/chat_links.py `Linked`), and the channel of a chat unlinked.
ACTION_DETAILS: dict[str, dict[str, str]] = {
    AuditAction.CHAT_LINK_REFUSE: {
        Linked.UNKNOWN: _("panel.audit.detail.chat_link.unknown"),
        Linked.USED: _("panel.audit.detail.chat_link.used"),
        Linked.EXPIRED: _("panel.audit.detail.chat_link.expired"),
        Linked.NOT_LEADER: _("panel.audit.detail.chat_link.not_leader"),
        Linked.INACTIVE: _("panel.audit.detail.chat_link.inactive"),  # issue 15: officers
        Linked.OTHER_ACCOUNT: _("panel.audit.detail.chat_link.other_account"),
        Linked.LIMITED: _("panel.audit.detail.chat_link.limited"),
        Linked.PAUSED: _("panel.audit.detail.chat_link.paused"),
    },
    AuditAction.CHAT_UNLINK: CHANNEL_NAMES,
}


def detail_name(action: str, detail: str) -> str:
    """The words of a detail that is a code, or "" where it is free text."""
    return ACTION_DETAILS.get(action, {}).get(detail) or DETAIL_NAMES.get(detail, "")


_FACT_WORDS: dict[str, Facts] = {
    **{str(action): words for action, words in FACT_WORDS.items()},
    AuditAction.KEYS_ROTATE.value: ROTATION_WORDS,  # with the honour list's names (issue 20)
}
_LEGACY_ROWS = re.compile(r"(\d+) rows")


def _legacy_facts(action: str, detail: str) -> dict[str, str]:
    """Export details written before the compact pairs: "12 rows", "csv", "json,with_contact"."""
    if action != AuditAction.TIPS_EXPORT:
        return {}
    if found := _LEGACY_ROWS.fullmatch(detail):
        return {"rows": found.group(1)}
    fmt, _sep, contacts = detail.partition(",")
    if fmt in ("csv", "json") and contacts in ("", "with_contact"):
        return {"fmt": fmt, "contacts": "1" if contacts else "0"}
    return {}


def in_words(action: str, detail: str, lang: str) -> str:
    """A detail of counts and codes as a sentence in `lang`; "" when it is not one, or when
    no pair of it has words (the pairs themselves are never shown)."""
    if action == AuditAction.KEYS_ROTATE:  # one letter a kind, or spelled out in older rows
        pairs = rotation_facts(detail)
    else:
        pairs = facts_of(detail) or _legacy_facts(action, detail)
    table = _FACT_WORDS.get(action, {})
    phrases: list[str] = []
    for key, value in pairs.items():
        words = table.get(key)
        if isinstance(words, dict):
            if msgid := words.get(value):
                phrases.append(translate(msgid, lang))
        elif words and value.isdigit():
            n = int(value)  # "1 tip", "12 tips" where the catalog has both forms
            phrases.append(translate(plural_id(words, n, lang), lang, {"n": n}))
    text = "; ".join(phrases)
    return text[:1].upper() + text[1:]


def detail_text(action: str, detail: str, lang: str) -> str:
    """What the page shows of a detail: its words, or the free text; never raw pairs."""
    if not detail:
        return ""
    if words := in_words(action, detail, lang):
        return words
    if name := detail_name(action, detail):
        return translate(name, lang)
    return "" if facts_of(detail) else detail


def area_name(subject: str) -> str:
    """The name of the province or commune an area subject ("province:01") names, or ""."""
    kind, _sep, code = subject.partition(":")
    if kind + ":" == PROVINCE_SUBJECT:
        province = areas.province(code)
        return f"{province.name} ({code})" if province else code
    if kind + ":" == COMMUNE_SUBJECT:
        commune = areas.commune(code)
        return f"{commune.name} ({code})" if commune else code
    return ""


def actor_name(actor_id: int | None, username: str, lang: str) -> str:
    """The account's username, or in words the part of the system that acted."""
    if actor_id is None and username in SYSTEM_ACTORS:
        return translate(SYSTEM_ACTORS[username], lang)
    return username


def export_filters(action: str, reason: str, lang: str) -> str:
    """The filters of a panel export (kept as a query string in `reason`) by their labels."""
    if action != AuditAction.TIPS_EXPORT or not reason:
        return ""
    try:
        f = filters.parse_filter(dict(parse_qsl(reason)))
    except BadInput:
        return ""
    return "; ".join(f"{label}: {value}" for label, value in describe(f, lang))
