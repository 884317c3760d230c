"""What the police's actions tell the reporter: one message per notice, built from the
outbox payload (a tip code and parameters) and rendered in the resident's language when sent.

Each names what applies on the tip's track (handlers/tips/words.py): the procedure
(content/legal.py), the outcome in plain words, 113 and 111 for violence; an old row without
a track reads as a crime report's.

Pushed messages carry their own buttons ("answer:<code>", "rate:<code>:<n>"); the router
recognises those ids even when the chat has moved on, and the question says how to answer by
typing, for channels whose buttons cannot come back. No officer's name ever appears here.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from content import areas, legal
from content.tips import category
from handlers import scam_week
from handlers.common import choice
from handlers.model import CallAction, Choice, Localized, Msg, Reply
from handlers.tips.words import Protection, Resolution, Track

ANSWER_PREFIX = "answer:"
RATE_PREFIX = "rate:"
# Issue 20: the thank-you's buttons (handlers/honour.py): be named in the honour list, withdraw.
HONOUR_PREFIX = "honour:"
HONOUR_OUT_PREFIX = "honour-out:"
RATINGS = range(1, 6)


class Notice(StrEnum):
    ACKNOWLEDGED = "tip.acknowledged"
    QUESTION = "tip.question"
    FORWARDED = "tip.forwarded"
    EXTENDED = "tip.extended"
    CLOSED = "tip.closed"
    # Issue 17: the procedure changed, a mediation team took it, resolution suspended
    # (CPC art. 148) and resumed (art. 149).
    TRACK_CHANGED = "tip.track"
    MEDIATING = "tip.mediating"
    SUSPENDED = "tip.suspended"
    RESUMED = "tip.resumed"
    # Issue 20: the commune's chief thanks the reporter of a useful tip.
    THANKED = "tip.thanked"
    # To a leader's linked chat: the police's decision on their notice (no tip code).
    BROADCAST_APPROVED = "broadcast.approved"
    BROADCAST_REJECTED = "broadcast.rejected"
    # To an officer's or chief's linked chat (storage/officer_notifications.py): the tip's
    # code, category, deadline and a link to the panel; never the reporter nor their words.
    OFFICER_URGENT_TIP = "officer.urgent_tip"
    OFFICER_ANSWER = "officer.answer"
    OFFICER_PROTECTION = "officer.protection"  # a reporter asked for protection (chiefs)
    OFFICER_DIGEST = "officer.digest"  # the morning digest (handlers/officer_digest.py)
    WEEKLY_DIGEST = "weekly.digest"  # the scams of the week (handlers/scam_week.py)


BROADCAST_NOTICES = frozenset({Notice.BROADCAST_APPROVED, Notice.BROADCAST_REJECTED})
OFFICER_NOTICES = frozenset(
    {
        Notice.OFFICER_URGENT_TIP,
        Notice.OFFICER_ANSWER,
        Notice.OFFICER_PROTECTION,
        Notice.OFFICER_DIGEST,
    }
)
EXCERPT = 60
# The longest name of a receiving body the panel accepts (handlers/casework/rules.py MAX_BODY,
# not imported: casework imports this module).
MAX_BODY = 200


# How the tip was closed → the outcome in plain words, for every track's outcomes and for
# those of old tips (handlers/tips/words.py LEGACY_OUTCOMES).
OUTCOMES: dict[str, Msg] = {
    # Crime reports (CPC arts. 147-148).
    Resolution.PROSECUTED: Msg("notice.outcome_prosecuted"),
    Resolution.NOT_PROSECUTED: Msg("notice.outcome_not_prosecuted"),
    Resolution.SUSPENDED: Msg("notice.outcome_suspended"),
    # Administrative violations, violence, fire risks.
    Resolution.SANCTIONED: Msg("notice.outcome_sanctioned"),
    Resolution.NO_VIOLATION: Msg("notice.outcome_no_violation"),
    Resolution.PROTECTED: Msg("notice.outcome_protected"),
    Resolution.SAFE: Msg("notice.outcome_safe"),
    Resolution.FIXED: Msg("notice.outcome_fixed"),
    # Grassroots mediation.
    Resolution.AGREED: Msg("notice.outcome_agreed"),
    Resolution.NOT_AGREED: Msg("notice.outcome_not_agreed"),
    Resolution.WITHDRAWN: Msg("notice.outcome_withdrawn"),
    # Every track.
    Resolution.TRANSFERRED: Msg("notice.outcome_transferred"),
    Resolution.DUPLICATE: Msg("notice.outcome_duplicate"),
    # Old tips.
    Resolution.HANDLED: Msg("notice.outcome_handled"),
    Resolution.FORWARDED: Msg("notice.outcome_forwarded"),
    Resolution.UNFOUNDED: Msg("notice.outcome_unfounded"),
    Resolution.INSUFFICIENT: Msg("notice.outcome_insufficient"),
    Resolution.NOT_COMPETENT: Msg("notice.outcome_not_competent"),
}
# A domestic violence or child abuse report: 113 for danger now, 111 for a child.
VIOLENCE_HELP = Msg("tip.violence_help")
VIOLENCE_CALLS = (
    CallAction(Msg("emergency.call_113"), "113"),  # as handlers/emergency.py (a flow)
    CallAction(Msg("tip.call_111"), "111"),
)
# Where a forwarded tip went, when an old row does not say (or says it unreadably).
FORWARDED_ANYWHERE = Msg("notice.forwarded_anywhere")
PROTECTION_ASKED: dict[str, Msg] = {
    Protection.SECRET: Msg("officer.protection_secret"),
    Protection.THREATENED: Msg("officer.protection_threatened"),
}
OUTCOME_OTHER = Msg("notice.outcome_other")
STAR_LABELS = {
    1: Msg("notice.rate_1"),
    2: Msg("notice.rate_2"),
    3: Msg("notice.rate_3"),
    4: Msg("notice.rate_4"),
    5: Msg("notice.rate_5"),
}


class BadNotice(ValueError):
    """An outbox payload this code cannot turn into a message."""


def answer_choice(code: str) -> str:
    return f"{ANSWER_PREFIX}{code}"


def rate_choice(code: str, stars: int) -> str:
    return f"{RATE_PREFIX}{code}:{stars}"


def outcome(resolution: str) -> Msg:
    return OUTCOMES.get(resolution, OUTCOME_OTHER)


def track_of(params: dict[str, str]) -> Track:
    """The track a notice names; the crime report's for an old row that names none (or one
    this code does not know): the strictest procedure, as content/legal.py falls back."""
    try:
        return Track(params.get("track", ""))
    except ValueError:
        return Track.CRIME


def procedure(track: Track) -> Localized:
    """The name of the track's procedure, as the resident is told it applies."""
    said = legal.track(track.value).procedure
    return Localized(said.get("vi"), said.get("en"))


def show_date(iso: str) -> str:
    """'2026-12-21' → '21/12/2026', the way dates are written in Vietnam."""
    try:
        return date.fromisoformat(iso).strftime("%d/%m/%Y")
    except ValueError as exc:
        raise BadNotice("decision_due is not an ISO date") from exc


_CODE = re.compile(r"BY-[0-9A-Z]{4}-[0-9A-Z]{2}")


def excerpt(text: str) -> str:
    """The start of a notice, enough for its sender to know which one is meant."""
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1].rstrip() + "…"


def message(kind: str, code: str, params: dict[str, str]) -> Reply:
    """The reply a resident gets for one notice; BadNotice for a payload that does not fit."""
    if kind in BROADCAST_NOTICES:
        return _decided(Notice(kind), params)
    if kind == Notice.OFFICER_DIGEST:  # about a commune's tips, none by its code
        return _digest(params, params.get("link", "").strip())
    if kind == Notice.WEEKLY_DIGEST:  # about a province's scams, no tip's code
        try:
            return scam_week.message(params)
        except scam_week.BadDigest as exc:
            raise BadNotice(str(exc)) from exc
    if not _CODE.fullmatch(code):
        raise BadNotice("not a tip code")
    try:
        notice = Notice(kind)
    except ValueError as exc:
        raise BadNotice("unknown notice kind") from exc
    if notice is Notice.ACKNOWLEDGED:
        track = track_of(params)
        named = procedure(track)
        if track is Track.CRIME:  # the commune receives, checks and forwards (CPC art. 146(3))
            return Reply(Msg("notice.acknowledged_crime", {"code": code, "procedure": named}))
        return Reply(Msg("notice.acknowledged", {"code": code, "procedure": named}))
    if notice is Notice.FORWARDED:
        return Reply(Msg("notice.forwarded", {"code": code, "to": _forwarded_to(params)}))
    if notice is Notice.EXTENDED:
        due = show_date(params.get("decision_due", ""))
        return Reply(Msg("notice.extended", {"code": code, "date": due}))
    if notice is Notice.TRACK_CHANGED:
        return _track_changed(code, params)
    if notice is Notice.MEDIATING:
        return Reply(Msg("notice.mediating", {"code": code}))
    if notice is Notice.SUSPENDED:  # no rating: the tip is not decided yet (CPC art. 148)
        return Reply(Msg("notice.suspended", {"code": code}))
    if notice is Notice.RESUMED:
        due = show_date(params.get("decision_due", ""))
        return Reply(Msg("notice.resumed", {"code": code, "date": due}))
    if notice is Notice.QUESTION:
        return _question(code, params)
    if notice is Notice.THANKED:
        return thanked(code, params)
    if notice in OFFICER_NOTICES:
        return _told_officer(notice, code, params)
    return _closed(code, params)


def _forwarded_to(params: dict[str, str]) -> Msg | str:
    """The body the tip went to, as the officer named it; "the competent body" for an old
    row without it, or a name longer than the panel accepts."""
    to = " ".join(params.get("to", "").split())
    return to if to and len(to) <= MAX_BODY else FORWARDED_ANYWHERE


def _track_changed(code: str, params: dict[str, str]) -> Reply:
    """The procedure the tip now runs under, in plain words; what the resident may expect of
    it (the mediation team's call), and the numbers for violence."""
    try:
        track = Track(params.get("track", ""))
    except ValueError as exc:
        raise BadNotice("a track change without a known track") from exc
    text = Msg("notice.track", {"code": code, "procedure": procedure(track)})
    if track is Track.MEDIATION:
        return Reply((text, Msg("notice.track_mediation")))
    if track is Track.VIOLENCE:
        return Reply((text, VIOLENCE_HELP), calls=VIOLENCE_CALLS)
    return Reply(text)


def _question(code: str, params: dict[str, str]) -> Reply:
    question = params.get("question", "").strip()
    if not question:
        raise BadNotice("a question without text")
    text = Msg("notice.question", {"code": code, "question": question})
    return Reply(text, (choice(answer_choice(code), "notice.answer_button"),))


def honour_choice(code: str) -> str:
    return f"{HONOUR_PREFIX}{code}"


def honour_out_choice(code: str) -> str:
    return f"{HONOUR_OUT_PREFIX}{code}"


def unit(commune_code: str) -> Msg:
    """The commune police as a unit ("Công an Phường Ba Đình"); a commune this code does not
    know (an old row) reads as the commune police in general."""
    found = areas.commune(commune_code)
    if found is None:
        return Msg("thanks.unit_any")
    return Msg("thanks.unit", {"commune": found.name})


def thanked(code: str, params: dict[str, str]) -> Reply:
    """The unit's thank-you, and the invitation to the 19/8 honour list: optional, off unless
    the reporter taps, withdrawable. Only a reporter who stayed anonymous is told that the
    police do not know who they are (`anonymous` "1"): a named reporter gave their name and
    phone with the tip, and an old row that does not say is told nothing of it."""
    said = {"code": code, "unit": unit(params.get("commune", ""))}
    text = [Msg("thanks.message", said)]
    if params.get("anonymous") == "1":
        text.append(Msg("thanks.anonymous"))
    text.append(Msg("thanks.invite", said))
    return Reply(tuple(text), (choice(honour_choice(code), "thanks.opt_in_button"),))


def _closed(code: str, params: dict[str, str]) -> Reply:
    if params.get("resolution") == Resolution.TRANSFERRED:
        # Passed on, not decided: the body it went to decides and tells the outcome (CPC
        # art. 145(4)); nothing to rate yet.
        return Reply(Msg("notice.closed_transferred", {"code": code}))
    text = (
        Msg("notice.closed", {"code": code, "outcome": outcome(params.get("resolution", ""))}),
        Msg("notice.rate_ask"),
    )
    buttons = tuple(Choice(rate_choice(code, n), STAR_LABELS[n]) for n in RATINGS)
    return Reply(text, buttons)


def _decided(notice: Notice, params: dict[str, str]) -> Reply:
    """The police's decision on a leader's notice; a rejection carries its reason."""
    quoted = params.get("excerpt", "").strip()
    if not quoted:
        raise BadNotice("a decision without the notice")
    if notice is Notice.BROADCAST_APPROVED:
        return Reply(Msg("leader.notice_approved", {"excerpt": quoted}))
    reason = params.get("reason", "").strip()
    if not reason:
        raise BadNotice("a rejection without its reason")
    return Reply(Msg("leader.notice_rejected", {"excerpt": quoted, "reason": reason}))


def _told_officer(notice: Notice, code: str, params: dict[str, str]) -> Reply:
    """An officer told of a tip in their linked chat: its code, category, deadline and the
    panel's link, and nothing a phone's lock screen must not show (no reporter, no text)."""
    link = params.get("link", "").strip()
    if not link:
        raise BadNotice("an officer's notice without its link")
    if notice is Notice.OFFICER_ANSWER:
        return Reply(Msg("officer.answer", {"code": code, "link": link}))
    found = category(params.get("category", ""))
    label = Localized(found.vi, found.en) if found else Msg("officer.category_other")
    if notice is Notice.OFFICER_PROTECTION:
        asked = PROTECTION_ASKED.get(params.get("protection", ""), Msg("officer.protection_any"))
        said = {"code": code, "category": label, "asked": asked, "link": link}
        return Reply(Msg("officer.protection", said))
    due = params.get("deadline", "")
    shown = show_date(due) if due else "—"
    text = {"code": code, "category": label, "deadline": shown, "link": link}
    return Reply(Msg("officer.urgent_tip", text))


def _digest(params: dict[str, str], link: str) -> Reply:
    """The morning digest: the commune, the day, and the counts; nothing of any tip."""
    if not link:
        raise BadNotice("a digest without its link")
    numbers = {}
    for name in ("new", "urgent", "ack_today", "overdue"):
        value = params.get(name, "")
        if not value.isdecimal():
            raise BadNotice(f"a digest without its {name} count")
        numbers[name] = int(value)
    words = {
        "commune": params.get("commune", ""),
        "date": show_date(params.get("date", "")),
        "link": link,
        **numbers,
    }
    if not any(numbers.values()):
        return Reply(Msg("officer.digest_quiet", words))
    return Reply(Msg("officer.digest", words))
