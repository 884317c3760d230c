"""How every action starts: the caller's role may see tips at all (Forbidden otherwise), the
tip is in their area (NotFound otherwise, whatever the role, at every edge), then the
action's own check of the role, then the tip must still be open."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from handlers.casework.ports import CaseStore, CaseTip
from handlers.casework.rules import check_open
from handlers.people import Identity, check_sees_tips
from handlers.ports import utc_now


def now_or(now: datetime | None) -> datetime:
    return now or utc_now()


async def locked(store: CaseStore, actor: Identity, tip_id: str) -> CaseTip:
    check_sees_tips(actor)
    return await store.load(actor, tip_id, for_update=True)


async def working_on(
    store: CaseStore,
    actor: Identity,
    tip_id: str,
    may: Callable[[], None] = lambda: None,
) -> CaseTip:
    """The open tip, locked until the unit of work ends."""
    tip = await locked(store, actor, tip_id)
    may()
    check_open(tip.status)
    return tip
