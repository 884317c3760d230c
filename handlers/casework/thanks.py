"""Thanking a reporter (issue 20): when a tip is closed as useful, the commune's chief sends
the reporter a thank-you from the unit, through the bot, under the tip code. Sending it
reveals nothing of the reporter to the officer; an anonymous reporter is thanked as any other,
and only they are told that the police do not know who they are.

A tip is useful when it was closed with one of handlers/tips/words.py USEFUL_OUTCOMES, or when
a scam indicator it reported was confirmed by the police. It is thanked once: `thanked_at`
says when (the movement's report counts thanked tips by it). The thank-you invites the
reporter, if they wish, to be named in the unit's honour list for the 19/8 day
(handlers/honour.py); nothing of that is asked of the police."""

from __future__ import annotations

from datetime import datetime

from handlers.audit import AuditAction
from handlers.casework.load import locked, now_or
from handlers.casework.ports import CaseStore, CaseTip
from handlers.errors import Conflict, DomainError, Forbidden
from handlers.notices import Notice
from handlers.people import AdminRole, Identity
from handlers.tipmodel import Visibility
from handlers.tips.words import USEFUL_OUTCOMES, TipStatus

EVENT = "thanked"  # the timeline's entry, shown to the reporter under "my tips"


def anonymous(tip: CaseTip) -> bool:
    """The reporter stayed anonymous: no contact details, and none removed by retention (a
    named reporter's, gone with time, do not make them anonymous)."""
    return not tip.contact_sealed and not tip.contact_removed


def is_useful(tip: CaseTip, confirmed_indicator: bool) -> bool:
    """Closed with an outcome that led somewhere, or with a scam indicator confirmed."""
    if tip.status is not TipStatus.CLOSED:
        return False
    return tip.resolution in USEFUL_OUTCOMES or confirmed_indicator


def refusal(actor: Identity, tip: CaseTip, confirmed_indicator: bool) -> DomainError | None:
    """Why `actor` may not thank the reporter of `tip` now; None when they may. The tip is
    already known to be in the actor's area (the store found it). The chief speaks for the
    unit: an officer or a province admin does not thank in the commune police's name."""
    if actor.role is not AdminRole.CHIEF:
        return Forbidden("thank_chief", "only the commune's chief thanks a reporter")
    if tip.status is not TipStatus.CLOSED:
        return Conflict("thank_not_closed", "only a closed tip is thanked")
    if not is_useful(tip, confirmed_indicator):
        return Conflict("thank_not_useful", "only a tip that proved useful is thanked")
    if tip.thanked_at is not None:
        return Conflict("thank_twice", "the reporter of this tip was already thanked")
    if not tip.has_reporter:
        return Conflict("no_reporter", "the reporter's account no longer exists")
    return None


async def may_thank(store: CaseStore, actor: Identity, tip: CaseTip) -> bool:
    """Whether the tip page offers the thank-you to this actor (the same rule as `thank`)."""
    if actor.role is not AdminRole.CHIEF or tip.status is not TipStatus.CLOSED:
        return False  # no indicator lookup for a page that cannot offer it anyway
    return refusal(actor, tip, await store.confirmed_indicator(tip)) is None


async def thank(
    store: CaseStore,
    actor: Identity,
    tip_id: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Thank the reporter of a closed, useful tip, once: the time is kept, the timeline says
    so to the reporter, the audit log to the police, and the thank-you waits in the outbox
    like any message of the police (sent when the reporter can be reached)."""
    tip = await locked(store, actor, tip_id)
    refused = refusal(actor, tip, await store.confirmed_indicator(tip))
    if refused is not None:
        raise refused
    now = now_or(now)
    tip.thanked_at = now
    tip.updated_at = now
    await store.save(tip)
    await store.add_event(tip, EVENT, Visibility.REPORTER, "", actor, now)
    await store.audit(actor, AuditAction.TIP_THANK, tip, ip=ip, now=now)
    said = {"commune": tip.commune_code, "anonymous": "1" if anonymous(tip) else "0"}
    await store.notify(tip, Notice.THANKED, said, now)
