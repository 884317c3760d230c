"""The reveal of who sent a tip: only by the tip's assigned officer or the commune's chief
(issue 18), only when the reporter left contact details instead of staying anonymous, only
for a stated reason, and always written to the audit log and the
tip's (police-only) timeline before the details are shown."""

from __future__ import annotations

from datetime import datetime

from handlers.audit import AuditAction
from handlers.casework import rules
from handlers.casework.load import now_or
from handlers.casework.ports import CaseStore, Contact, ContactOpener
from handlers.errors import Conflict, Forbidden
from handlers.people import Identity, check_sees_tips, may_reveal
from handlers.tipmodel import Visibility


async def reveal_identity(
    store: CaseStore,
    actor: Identity,
    tip_id: str,
    reason: str,
    opener: ContactOpener,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> Contact:
    """The reporter's contact details, for a stated reason that goes to the audit log."""
    check_sees_tips(actor)
    tip = await store.load(actor, tip_id)
    if not tip.contact_sealed:
        if tip.contact_removed:
            raise Conflict("contact_removed", "retention removed the contact details")
        raise Conflict("anonymous", "the reporter chose to stay anonymous")
    if not may_reveal(actor, tip.assignee_id):
        raise Forbidden("reveal_not_allowed", "only the assigned officer or the chief")
    reason = rules.checked_reason(reason)
    contact = opener.open(tip.contact_sealed)
    now = now_or(now)
    await store.audit(actor, AuditAction.TIP_REVEAL, tip, ip=ip, reason=reason, now=now)
    await store.add_event(tip, "revealed", Visibility.INTERNAL, "", actor, now)
    return Contact(contact.get("name", ""), contact.get("phone", ""))
