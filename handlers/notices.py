"""What the police's actions tell the reporter: one message per notice, built from the
outbox payload (a tip code and parameters) and rendered in the resident's language when sent.

Pushed messages carry their own buttons ("answer:<code>", "rate:<code>:<n>"); the router
recognises those ids even when the chat has moved on, and the question says how to answer by
typing, for channels whose buttons cannot come back. No officer's name ever appears here.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from content.tips import category
from handlers import scam_week
from handlers.common import choice
from handlers.model import Choice, Localized, Msg, Reply
from handlers.tips.words import Resolution

ANSWER_PREFIX = "answer:"
RATE_PREFIX = "rate:"
RATINGS = range(1, 6)


class Notice(StrEnum):
    ACKNOWLEDGED = "tip.acknowledged"
    QUESTION = "tip.question"
    FORWARDED = "tip.forwarded"
    EXTENDED = "tip.extended"
    CLOSED = "tip.closed"
    # To a leader's linked chat: the police's decision on their notice (no tip code).
    BROADCAST_APPROVED = "broadcast.approved"
    BROADCAST_REJECTED = "broadcast.rejected"
    # To an officer's or chief's linked chat (storage/officer_notifications.py): the tip's
    # code, category, deadline and a link to the panel; never the reporter nor their words.
    OFFICER_URGENT_TIP = "officer.urgent_tip"
    OFFICER_ANSWER = "officer.answer"
    OFFICER_DIGEST = "officer.digest"  # the morning digest (handlers/officer_digest.py)
    WEEKLY_DIGEST = "weekly.digest"  # the scams of the week (handlers/scam_week.py)


BROADCAST_NOTICES = frozenset({Notice.BROADCAST_APPROVED, Notice.BROADCAST_REJECTED})
OFFICER_NOTICES = frozenset(
    {Notice.OFFICER_URGENT_TIP, Notice.OFFICER_ANSWER, Notice.OFFICER_DIGEST}
)
EXCERPT = 60


# How the tip was closed → the outcome in plain words.
OUTCOMES: dict[str, Msg] = {
    Resolution.HANDLED: Msg("notice.outcome_handled"),
    Resolution.FORWARDED: Msg("notice.outcome_forwarded"),
    Resolution.UNFOUNDED: Msg("notice.outcome_unfounded"),
    Resolution.INSUFFICIENT: Msg("notice.outcome_insufficient"),
    Resolution.DUPLICATE: Msg("notice.outcome_duplicate"),
    Resolution.NOT_COMPETENT: Msg("notice.outcome_not_competent"),
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
        return Reply(Msg("notice.acknowledged", {"code": code}))
    if notice is Notice.FORWARDED:
        return Reply(Msg("notice.forwarded", {"code": code}))
    if notice is Notice.EXTENDED:
        due = show_date(params.get("decision_due", ""))
        return Reply(Msg("notice.extended", {"code": code, "date": due}))
    if notice is Notice.QUESTION:
        return _question(code, params)
    if notice in OFFICER_NOTICES:
        return _told_officer(notice, code, params)
    return _closed(code, params)


def _question(code: str, params: dict[str, str]) -> Reply:
    question = params.get("question", "").strip()
    if not question:
        raise BadNotice("a question without text")
    text = Msg("notice.question", {"code": code, "question": question})
    return Reply(text, (choice(answer_choice(code), "notice.answer_button"),))


def _closed(code: str, params: dict[str, str]) -> Reply:
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
