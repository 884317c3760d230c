"""Every audit row as one plain sentence, in Vietnamese or English (issue 20).

Who did what to which tip or account, in the words the rest of the panel uses: a status, a
procedure or an outcome by its catalog label (panel.status., panel.track., panel.resolution.),
a role by admin.role., a scam indicator by its display form ("0912 345 678", looked up by the
row's subject, which never held the value), counts pluralised ("1 tip", "12 tips"). A tip
code is a link to the tip. A row written before these words, or with an action code this
module does not know, still reads as a generic sentence: a row never breaks the page.

A sentence is a tuple of parts, each text with an optional link, so that the page links the
tip while the CSV and XLSX exports take the same words as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import parse_qsl

from admin.api_chat_links import CHANNEL_NAMES
from admin.audit_details import area_name, detail_text, export_filters, in_words
from admin.timefmt import day
from content import areas
from content import campaigns as campaign_pack
from content.i18n import catalog, translate
from content.scamcheck.kinds import shown as indicator_shown
from handlers.audit import (
    LABELS,
    SYSTEM_ACTORS,
    AuditAction,
    facts_of,
)
from storage.audit import AuditFilter, AuditRow, InvalidFilter, Named, parse_filter


def _(msgid: str) -> str:
    """Marks a catalog id for extraction; `translate` reads it at render time."""
    return msgid


@dataclass(frozen=True, slots=True)
class Part:
    text: str
    href: str = ""


@dataclass(frozen=True, slots=True)
class Sentence:
    parts: tuple[Part, ...]

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts)


@dataclass(frozen=True, slots=True)
class Link:
    """A parameter of a sentence that the page shows as a link."""

    text: str
    href: str


@dataclass(frozen=True, slots=True)
class Ctx:
    row: AuditRow
    named: Named
    lang: str
    actor: str  # the actor in words

    def t(self, msgid: str, **params: Any) -> str:
        return translate(msgid, self.lang, params or None)


# What a builder returns: a catalog id and its parameters (text or Link), and the facts of
# the row in words ("" when none), added after a colon.
Said = tuple[str, dict[str, Any], str]
Builder = Callable[[Ctx], Said]

# --- counts --------------------------------------------------------------------------------

# Counts in words: "{n} tip" / "{n} tips"; Vietnamese has one form, kept twice.
COUNTS = {
    "tips": (_("panel.audit.says.count.tips.one"), _("panel.audit.says.count.tips.other")),
    "entries": (
        _("panel.audit.says.count.entries.one"),
        _("panel.audit.says.count.entries.other"),
    ),
    "messages": (
        _("panel.audit.says.count.messages.one"),
        _("panel.audit.says.count.messages.other"),
    ),
}


def counted(kind: str, n: int, lang: str) -> str:
    one, other = COUNTS[kind]
    return translate(one if n == 1 else other, lang, {"n": n})


# --- what the rows name ----------------------------------------------------------------------

INDICATOR_KINDS = {
    "phone": _("panel.audit.says.kind.phone"),
    "domain": _("panel.audit.says.kind.domain"),
    "url": _("panel.audit.says.kind.url"),
    "account": _("panel.audit.says.kind.account"),
}
BROADCAST_KINDS = {
    "alert": _("panel.audit.says.broadcast.alert"),
    "awareness": _("panel.audit.says.broadcast.awareness"),
}
ROLES = {
    "officer": _("admin.role.officer"),
    "chief": _("admin.role.chief"),
    "province_admin": _("admin.role.province_admin"),
    "leader": _("admin.role.leader"),
}
# Built at render time ("panel.status." + value): listed by admin/tip_words.py BUILT_IDS.
STATUS, TRACK, OUTCOME = "panel.status.", "panel.track.", "panel.resolution."


def _word(prefix: str, value: str, lang: str) -> str:
    """A status, track or outcome in its catalog words; the value itself if it has none."""
    msgid = prefix + value
    return translate(msgid, lang) if msgid in catalog(lang) else value


def _tip(c: Ctx) -> str | Link:
    code = c.row.subject
    if code in c.named.tips:
        return Link(code, f"/admin/tips/{code}")
    return code or c.t(_("panel.audit.says.a_tip"))


def _broadcast(c: Ctx) -> str | Link:
    kind = c.named.broadcasts.get(c.row.subject)
    words = c.t(BROADCAST_KINDS.get(kind or "", _("panel.audit.says.broadcast.some")))
    return Link(words, f"/admin/broadcasts/{c.row.subject}") if kind else words


def _place(code: str) -> str:
    commune = areas.commune(code)
    return f"{commune.name} ({code})" if commune else code


# --- one builder per action -------------------------------------------------------------------


def _plain(msgid: str) -> Builder:
    """A sentence naming only the actor, and the row's subject as {subject}."""
    return lambda c: (msgid, {"subject": c.row.subject}, "")


def _on_tip(msgid: str) -> Builder:
    return lambda c: (msgid, {"tip": _tip(c)}, "")


def _signin_failure(c: Ctx) -> Said:
    why = detail_text(c.row.action, c.row.detail, c.lang)
    if not c.row.actor_username:
        return _("panel.audit.says.signin.failure.unknown"), {"why": why}, ""
    if why:
        return _("panel.audit.says.signin.failure"), {"why": why}, ""
    return _("panel.audit.says.signin.failure.plain"), {}, ""


def _signout(c: Ctx) -> Said:
    if c.row.detail == "everywhere":
        return _("panel.audit.says.signout.everywhere"), {}, ""
    return _("panel.audit.says.signout"), {}, ""


_MOVE = re.compile(r"([a-z_]+)>([a-z_]+)")


def _tip_status(c: Ctx) -> Said:
    found = _MOVE.fullmatch(c.row.detail)
    if not found:
        return _("panel.audit.says.tip.status.plain"), {"tip": _tip(c)}, ""
    old, new = (_word(STATUS, s, c.lang) for s in found.groups())
    named = c.named.tips.get(c.row.subject)
    if found.group(2) == "closed" and named and named.resolution:
        outcome = _word(OUTCOME, named.resolution, c.lang)
        params = {"tip": _tip(c), "old": old, "outcome": outcome}
        return _("panel.audit.says.tip.status.closed"), params, ""
    return _("panel.audit.says.tip.status"), {"tip": _tip(c), "old": old, "new": new}, ""


def _tip_track(c: Ctx) -> Said:
    found = _MOVE.fullmatch(c.row.detail)
    if not found:
        return _("panel.audit.says.tip.track.plain"), {"tip": _tip(c)}, ""
    old, new = (_word(TRACK, s, c.lang) for s in found.groups())
    return _("panel.audit.says.tip.track"), {"tip": _tip(c), "old": old, "new": new}, ""


def _tip_assign(c: Ctx) -> Said:
    who = c.row.detail
    if who in ("", "-"):
        return _("panel.audit.says.tip.unassign"), {"tip": _tip(c)}, ""
    return _("panel.audit.says.tip.assign"), {"tip": _tip(c), "who": who}, ""


def _tip_urgency(c: Ctx) -> Said:
    msgid = {
        "urgent": _("panel.audit.says.tip.urgent"),
        "normal": _("panel.audit.says.tip.not_urgent"),
    }.get(c.row.detail, _("panel.audit.says.tip.urgency"))
    return msgid, {"tip": _tip(c)}, ""


def _iso_day(text: str) -> str:
    try:
        return day(date.fromisoformat(text))
    except ValueError:
        return text


def _tip_extend(c: Ctx) -> Said:
    # "<extensions>:<YYYY-MM-DD>[:<decision number>]" (handlers/casework/actions.py)
    count, _sep, rest = c.row.detail.partition(":")
    due, _sep, number = rest.partition(":")
    if not count.isdigit() or not due:
        return _("panel.audit.says.tip.extend.plain"), {"tip": _tip(c)}, ""
    params = {"tip": _tip(c), "n": int(count), "due": _iso_day(due), "number": number}
    if number:
        return _("panel.audit.says.tip.extend.decision"), params, ""
    return _("panel.audit.says.tip.extend"), params, ""


def _tip_protect(c: Ctx) -> Said:
    msgid = f"panel.protection.{c.row.detail}"
    if c.row.detail not in ("secret", "threatened"):
        return _("panel.audit.says.tip.protect.plain"), {"tip": _tip(c)}, ""
    return _("panel.audit.says.tip.protect"), {"tip": _tip(c), "what": c.t(msgid)}, ""


def _mediation(c: Ctx) -> Said:
    change, sep, name = c.row.detail.partition(":")
    msgid = {
        "add": _("panel.audit.says.mediation.add"),
        "edit": _("panel.audit.says.mediation.edit"),
        "off": _("panel.audit.says.mediation.off"),
        "on": _("panel.audit.says.mediation.on"),
    }.get(change)
    if not sep or msgid is None:
        return _("panel.audit.says.mediation.plain"), {}, ""
    return msgid, {"name": name}, ""


def _commune_page(c: Ctx) -> Said:
    """A commune's page for residents (issue 21): "page", or a contact's "add:", "edit:",
    "remove:" and its name (handlers/commune_page.py)."""
    change, sep, name = c.row.detail.partition(":")
    commune = area_name(c.row.subject)
    if change == "page" and not sep and commune:
        return _("panel.audit.says.commune_page.page"), {"commune": commune}, ""
    msgid = {
        "add": _("panel.audit.says.commune_page.add"),
        "edit": _("panel.audit.says.commune_page.edit"),
        "remove": _("panel.audit.says.commune_page.remove"),
    }.get(change)
    if not sep or msgid is None or not commune:
        return _("panel.audit.says.commune_page.plain"), {}, ""
    return msgid, {"name": name, "commune": commune}, ""


def _facts(c: Ctx) -> str:
    return in_words(c.row.action, c.row.detail, c.lang)


def _tips_export(c: Ctx) -> Said:
    area = area_name(c.row.subject)
    if area:
        return _("panel.audit.says.tips.export.area"), {"area": area}, _facts(c)
    return _("panel.audit.says.tips.export"), {}, _facts(c)


def _audit_export(c: Ctx) -> Said:
    facts = facts_of(c.row.detail)
    words = []
    if facts.get("rows", "").isdigit():
        words.append(counted("entries", int(facts["rows"]), c.lang))
    fmt = {"csv": _("panel.audit.fact.fmt.csv"), "xlsx": _("panel.audit.fact.fmt.xlsx")}
    if facts.get("fmt") in fmt:
        words.append(c.t(fmt[facts["fmt"]]))
    return _("panel.audit.says.audit.export"), {}, ", ".join(words)


def _indicator(confirm: bool) -> Builder:
    def build(c: Ctx) -> Said:
        found = c.named.indicators.get(c.row.subject)
        kind = found.kind if found else c.row.detail
        kind_words = c.t(INDICATOR_KINDS[kind]) if kind in INDICATOR_KINDS else kind
        if found is None:
            msgid = (
                _("panel.audit.says.indicator.confirm.gone")
                if confirm
                else _("panel.audit.says.indicator.reject.gone")
            )
            return msgid, {"kind": kind_words, "id": c.row.subject}, ""
        value = indicator_shown(found.kind, found.value, found.bank)
        msgid = (
            _("panel.audit.says.indicator.confirm")
            if confirm
            else _("panel.audit.says.indicator.reject")
        )
        return msgid, {"kind": kind_words, "value": value}, ""

    return build


def _user_create(c: Ctx) -> Said:
    role = ROLES.get(c.row.detail)
    if role is None:
        return _("panel.audit.says.user.create.plain"), {"subject": c.row.subject}, ""
    return _("panel.audit.says.user.create"), {"subject": c.row.subject, "role": c.t(role)}, ""


def _by_self_or_admin(own: str, other: str) -> Builder:
    """An account change made by its holder (detail "self") or by an administrator."""

    def build(c: Ctx) -> Said:
        mine = c.row.detail == "self" or c.row.subject in ("", c.row.actor_username)
        return (own if mine else other), {"subject": c.row.subject}, ""

    return build


def _unlock(c: Ctx) -> Said:
    if c.row.detail == "cli":
        return _("panel.audit.says.user.unlock.cli"), {"subject": c.row.subject}, ""
    return _("panel.audit.says.user.unlock"), {"subject": c.row.subject}, ""


def _token_create(c: Ctx) -> Said:
    params = {"subject": c.row.subject, "name": c.row.detail}
    if c.row.detail == "cli":
        return _("panel.audit.says.token.create.cli"), params, ""
    if not c.row.detail:
        return _("panel.audit.says.token.create.plain"), params, ""
    return _("panel.audit.says.token.create"), params, ""


def _on_broadcast(msgid: str) -> Builder:
    return lambda c: (msgid, {"broadcast": _broadcast(c)}, "")


def _broadcast_cancel(c: Ctx) -> Said:
    queued = c.row.detail.removesuffix(" queued")
    params: dict[str, Any] = {"broadcast": _broadcast(c)}
    if queued.isdigit() and int(queued) > 0:
        params["count"] = counted("messages", int(queued), c.lang)
        return _("panel.audit.says.broadcast.cancel.queued"), params, ""
    return _("panel.audit.says.broadcast.cancel"), params, ""


def _named_thing(msgid: str) -> Builder:
    return lambda c: (msgid, {"name": c.row.detail}, "")


def _leader_areas(c: Ctx) -> Said:
    if c.row.detail in ("", "whole_commune"):
        return _("panel.audit.says.leader.areas.whole"), {"subject": c.row.subject}, ""
    params = {"subject": c.row.subject, "names": c.row.detail}
    return _("panel.audit.says.leader.areas"), params, ""


def _approval(c: Ctx) -> Said:
    msgid = (
        _("panel.audit.says.commune.approval.on")
        if c.row.detail == "approval_on"
        else _("panel.audit.says.commune.approval.off")
    )
    return msgid, {"commune": _place(c.row.subject)}, ""


def _chat_link_refuse(c: Ctx) -> Said:
    why = detail_text(c.row.action, c.row.detail, c.lang) or c.row.detail
    if c.row.actor_username:
        return _("panel.audit.says.chat_link.refuse.owner"), {"why": why}, ""
    return _("panel.audit.says.chat_link.refuse"), {"why": why}, ""


def _chat_unlink(c: Ctx) -> Said:
    channel = CHANNEL_NAMES.get(c.row.detail)
    words = c.t(channel) if channel else c.row.detail
    return _("panel.audit.says.chat_link.unlink"), {"channel": words, "subject": c.row.subject}, ""


def _campaign(on: bool) -> Builder:
    def build(c: Ctx) -> Said:
        found = campaign_pack.campaign(c.row.subject)
        title = found.title.get(c.lang) if found else c.row.subject
        msgid = _("panel.audit.says.campaign.on") if on else _("panel.audit.says.campaign.off")
        return msgid, {"campaign": title, "area": c.row.detail}, ""

    return build


def _honour_read(c: Ctx) -> Said:
    area = area_name(c.row.subject)
    if area:
        return _("panel.audit.says.honour.read.area"), {"area": area}, _facts(c)
    return _("panel.audit.says.honour.read"), {}, _facts(c)


def _system(msgid: str) -> Builder:
    return lambda c: (msgid, {}, _facts(c))


BUILDERS: dict[str, Builder] = {
    AuditAction.SIGNIN_SUCCESS: _plain(_("panel.audit.says.signin.success")),
    AuditAction.SIGNIN_FAILURE: _signin_failure,
    AuditAction.SIGNOUT: _signout,
    AuditAction.TIP_STATUS: _tip_status,
    AuditAction.TIP_ASSIGN: _tip_assign,
    AuditAction.TIP_URGENCY: _tip_urgency,
    AuditAction.TIP_EXTEND: _tip_extend,
    AuditAction.TIP_REVEAL: _on_tip(_("panel.audit.says.tip.reveal")),
    AuditAction.TIP_QUESTION: _on_tip(_("panel.audit.says.tip.question")),
    AuditAction.TIP_TRACK: _tip_track,
    AuditAction.TIP_PROTECT: _tip_protect,
    # Issue 20's thanks and honour list, by their codes (written by handlers/casework/thanks.py
    # and storage/honour.py).
    "tip.thank": _on_tip(_("panel.audit.says.tip.thank")),
    "honour.read": _honour_read,
    AuditAction.MEDIATION_TEAMS: _mediation,
    AuditAction.COMMUNE_PAGE: _commune_page,
    AuditAction.TIPS_EXPORT: _tips_export,
    AuditAction.INDICATOR_CONFIRM: _indicator(confirm=True),
    AuditAction.INDICATOR_REJECT: _indicator(confirm=False),
    AuditAction.TOTP_ENABLE: _plain(_("panel.audit.says.totp.enable")),
    AuditAction.TOTP_DISABLE: _by_self_or_admin(
        _("panel.audit.says.totp.disable.own"), _("panel.audit.says.totp.disable.other")
    ),
    AuditAction.USER_CREATE: _user_create,
    AuditAction.USER_DEACTIVATE: _plain(_("panel.audit.says.user.deactivate")),
    AuditAction.USER_ACTIVATE: _plain(_("panel.audit.says.user.activate")),
    AuditAction.USER_UNLOCK: _unlock,
    AuditAction.USER_PASSWORD: _by_self_or_admin(
        _("panel.audit.says.user.password.own"), _("panel.audit.says.user.password.other")
    ),
    AuditAction.TOKEN_CREATE: _token_create,
    AuditAction.TOKEN_REVOKE: _plain(_("panel.audit.says.token.revoke")),
    AuditAction.BROADCAST_CREATE: _on_broadcast(_("panel.audit.says.broadcast.create")),
    AuditAction.BROADCAST_APPROVE: _on_broadcast(_("panel.audit.says.broadcast.approve")),
    AuditAction.BROADCAST_REJECT: _on_broadcast(_("panel.audit.says.broadcast.reject")),
    AuditAction.BROADCAST_CANCEL: _broadcast_cancel,
    AuditAction.NEIGHBOURHOOD_ADD: _named_thing(_("panel.audit.says.neighbourhood.add")),
    AuditAction.NEIGHBOURHOOD_RENAME: _named_thing(_("panel.audit.says.neighbourhood.rename")),
    AuditAction.NEIGHBOURHOOD_RETIRE: _named_thing(_("panel.audit.says.neighbourhood.retire")),
    AuditAction.NEIGHBOURHOOD_RESTORE: _named_thing(_("panel.audit.says.neighbourhood.restore")),
    AuditAction.LEADER_AREAS: _leader_areas,
    AuditAction.COMMUNE_APPROVAL: _approval,
    AuditAction.CHAT_LINK_CREATE: _plain(_("panel.audit.says.chat_link.create")),
    AuditAction.CHAT_LINK_USE: _plain(_("panel.audit.says.chat_link.use")),
    AuditAction.CHAT_LINK_REFUSE: _chat_link_refuse,
    AuditAction.CHAT_UNLINK: _chat_unlink,
    AuditAction.CAMPAIGN_ON: _campaign(on=True),
    AuditAction.CAMPAIGN_OFF: _campaign(on=False),
    AuditAction.RETENTION_RUN: _system(_("panel.audit.says.retention.run")),
    AuditAction.KEYS_ROTATE: _system(_("panel.audit.says.keys.rotate")),
    AuditAction.RESIDENT_ERASE: _system(_("panel.audit.says.resident.erase")),
    AuditAction.RESIDENT_EXPORT: _system(_("panel.audit.says.resident.export")),
    AuditAction.AUDIT_EXPORT: _audit_export,
}


_LABEL_OF = {action.value: msgid for action, msgid in LABELS.items()}


def _unknown(c: Ctx) -> Said:
    """An action code no builder knows (an old or a newer row): its label, or the code."""
    msgid = _LABEL_OF.get(c.row.action)
    what = c.t(msgid) if msgid else c.row.action
    if c.row.subject:
        return _("panel.audit.says.unknown.subject"), {"what": what, "subject": c.row.subject}, ""
    return _("panel.audit.says.unknown"), {"what": what}, ""


# --- the sentence ------------------------------------------------------------------------------

_MARK = "\x00"


def actor_words(row: AuditRow, lang: str) -> str:
    """The account's username, a part of the system in words, or "someone" (a failed
    sign-in with a username that names no account keeps none)."""
    if row.actor_id is None and row.actor_username in SYSTEM_ACTORS:
        return translate(SYSTEM_ACTORS[row.actor_username], lang)
    return row.actor_username or translate(_("panel.audit.says.someone"), lang)


def _said(c: Ctx) -> Said:
    build = BUILDERS.get(c.row.action, _unknown)
    try:
        return build(c)
    except (KeyError, ValueError, AttributeError):  # an odd old row: still a sentence
        return _unknown(c)


def sentence(row: AuditRow, named: Named, lang: str) -> Sentence:
    """The row in words, its links kept apart; the facts after a colon."""
    c = Ctx(row, named, lang, actor_words(row, lang))
    msgid, params, facts = _said(c)
    links: list[Link] = []
    flat: dict[str, Any] = {"actor": c.actor}
    for key, value in params.items():
        if isinstance(value, Link):
            flat[key] = f"{_MARK}{len(links)}{_MARK}"
            links.append(value)
        else:
            flat[key] = value
    text = translate(msgid, lang, flat)
    if facts:
        text = translate(_("panel.audit.says.with_facts"), lang, {"said": text, "facts": facts})
    parts: list[Part] = []
    for index, piece in enumerate(text.split(_MARK)):
        if index % 2 and piece.isdigit() and int(piece) < len(links):
            parts.append(Part(links[int(piece)].text, links[int(piece)].href))
        elif piece:
            parts.append(Part(piece))
    if parts and not parts[0].href and row.actor_username in SYSTEM_ACTORS:
        parts[0] = Part(parts[0].text[:1].upper() + parts[0].text[1:])
    return Sentence(tuple(parts))


def full_text(row: AuditRow, said: Sentence, when: str, lang: str) -> str:
    """The sentence an inspection reads in a spreadsheet: when, who, what, and the reason."""
    if row.reason and not filter_reason(row):
        params = {"time": when, "said": said.text, "reason": row.reason}
        return translate(_("panel.audit.says.full.reason"), lang, params)
    return translate(_("panel.audit.says.full"), lang, {"time": when, "said": said.text})


# --- a query string kept as `reason`: the filters of an export ---------------------------------

_QUERY = re.compile(r"[a-z_]+=[^&\s=]*(?:&[a-z_]+=[^&\s=]*)*")
FILTER_ACTIONS = frozenset({AuditAction.TIPS_EXPORT.value, AuditAction.AUDIT_EXPORT.value})


def filter_reason(row: AuditRow) -> bool:
    """Whether `reason` holds an export's filters (a query string), not a reason written."""
    if row.action in FILTER_ACTIONS:
        return True
    return row.action.endswith(".export") and bool(_QUERY.fullmatch(row.reason))


FILTER_LABELS = {
    "action": _("panel.audit.action"),
    "actor": _("panel.audit.filter.actor"),
    "tip": _("panel.audit.tip"),
    "from": _("panel.audit.from"),
    "to": _("panel.audit.to"),
}


def audit_filter_words(f: AuditFilter, lang: str) -> list[tuple[str, str]]:
    """(label, value) of each audit-log filter in use, in words."""
    action = _LABEL_OF.get(f.action)
    pairs = [
        ("action", translate(action, lang) if action else ""),
        ("actor", f.actor),
        ("tip", f.tip),
        ("from", day(f.date_from)),
        ("to", day(f.date_to)),
    ]
    return [(translate(FILTER_LABELS[key], lang), value) for key, value in pairs if value]


def filters_in_words(row: AuditRow, lang: str) -> str:
    """The filters an export kept in `reason`, by their labels; "" when there are none."""
    if not row.reason or not filter_reason(row):
        return ""
    if row.action == AuditAction.TIPS_EXPORT:
        return export_filters(row.action, row.reason, lang)
    pairs = dict(parse_qsl(row.reason))
    if row.action == AuditAction.AUDIT_EXPORT:
        try:
            words = audit_filter_words(parse_filter(pairs), lang)
        except InvalidFilter:
            words = []
        if words:
            return "; ".join(f"{label}: {value}" for label, value in words)
        return translate(_("panel.audit.says.no_filter"), lang)
    return "; ".join(f"{key}: {value}" for key, value in pairs.items())
