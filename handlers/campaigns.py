"""Campaigns in communes: who turns them on, and queuing their messages (issue 15).

A campaign (content/campaigns.py) runs in a commune when the commune's chief turned it on
there, or the province's admin turned it on for the province and the commune's chief did not
turn it off: a commune's own setting wins, and with no setting a campaign is off. Nothing
goes out because a pack was shipped: a person chose it.

Each due message becomes one broadcast per commune, of the awareness kind, to the residents
subscribed to awareness messages there, through the broadcasts' own use case (compose): the
same fan-out, the same stop hint, the same outbox. It is sent in the name of the account that
turned the campaign on (the chief: "Công an <xã>"; a province admin: the province's police),
which must still be active. Messages go out between 08:00 and 20:00 local time, never at
night, on their day only: a day missed (the service down) is not made up later.

Queuing is once per commune and message, whichever process asks first: the store claims the
sending's key with the commune before the broadcast is made, in the same transaction. A
commune where nobody is subscribed to awareness messages gets no broadcast (a province's
campaign would otherwise leave an empty one in the list of each of its communes).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from content import areas
from content import campaigns as packs
from handlers.audit import AuditAction
from handlers.broadcasts.compose import Draft, compose
from handlers.broadcasts.ports import BroadcastStore
from handlers.broadcasts.words import BroadcastKind
from handlers.deadlines import LOCAL_TZ
from handlers.errors import DomainError, Forbidden, NotFound
from handlers.people import AdminRole, Identity

log = logging.getLogger("binhyen.campaigns")

FIRST_HOUR, LAST_HOUR = 8, 20  # local time: from 08:00, and nothing from 20:00


class Scope(StrEnum):
    COMMUNE = "commune"
    PROVINCE = "province"


@dataclass(frozen=True)
class Setting:
    campaign: str
    scope: Scope
    area_code: str
    enabled: bool
    set_by: int | None
    set_at: datetime


class CampaignStore(Protocol):
    async def settings(self, campaign: str = "") -> list[Setting]:
        """Every setting (of one campaign, or of all)."""
        ...

    async def put(self, setting: Setting) -> None:
        """Record a setting, replacing the one of the same campaign, scope and area."""
        ...

    async def account(self, user_id: int) -> Identity | None:
        """An active panel account; None for one deactivated or gone."""
        ...

    async def claim(self, sending_key: str, commune_code: str, now: datetime) -> bool:
        """Take a sending for a commune: True once, whichever process asks first (the caller
        commits with the broadcast it then makes)."""
        ...

    async def queued(self, sending_key: str, commune_code: str, broadcast_id: str) -> None:
        """Record the broadcast a claimed sending became."""
        ...

    async def audience(self, commune_code: str) -> int:
        """How many residents of the commune are subscribed to awareness messages."""
        ...

    async def claimed(self, sending_keys: list[str]) -> set[tuple[str, str]]:
        """The (sending key, commune) pairs already taken among these sendings."""
        ...

    async def audit(
        self, actor: Identity, action: AuditAction, subject: str, detail: str, now: datetime
    ) -> None: ...


# --- who turns a campaign on --------------------------------------------------------------


def scope_of(actor: Identity) -> tuple[Scope, str]:
    """Where the actor's setting applies: a chief's commune, a province admin's province;
    Forbidden for anyone else."""
    if actor.role is AdminRole.CHIEF and actor.commune_code:
        return Scope.COMMUNE, actor.commune_code
    if actor.role is AdminRole.PROVINCE_ADMIN and actor.province_code:
        return Scope.PROVINCE, actor.province_code
    raise Forbidden(detail="only a chief or a province admin turns campaigns on or off")


async def turn(
    store: CampaignStore, actor: Identity, campaign: str, enabled: bool, now: datetime
) -> Setting:
    """Turn a campaign on or off where the actor decides; audited."""
    if packs.campaign(campaign) is None:
        raise NotFound(detail="no such campaign")
    scope, area = scope_of(actor)
    setting = Setting(campaign, scope, area, enabled, actor.id, now)
    await store.put(setting)
    action = AuditAction.CAMPAIGN_ON if enabled else AuditAction.CAMPAIGN_OFF
    await store.audit(actor, action, campaign, area_name(scope, area), now)
    return setting


def area_name(scope: Scope, code: str) -> str:
    """The commune's or the province's name, as the audit log shows where a setting holds."""
    found = areas.commune(code) if scope is Scope.COMMUNE else areas.province(code)
    return found.name if found is not None else f"{scope.value} {code}"


@dataclass(frozen=True)
class Running:
    """A campaign as one commune has it: on or off, and whose setting decides."""

    campaign: packs.Campaign
    enabled: bool
    decided_by: Scope | None  # None: nobody turned it on or off (off)


def effective(settings: list[Setting], commune_code: str, province_code: str) -> dict[str, Setting]:
    """The setting that decides each campaign in a commune: its own, else its province's."""
    found: dict[str, Setting] = {}
    for s in settings:
        if s.scope is Scope.PROVINCE and s.area_code == province_code:
            found.setdefault(s.campaign, s)
    for s in settings:
        if s.scope is Scope.COMMUNE and s.area_code == commune_code:
            found[s.campaign] = s
    return found


async def for_area(store: CampaignStore, actor: Identity) -> list[Running]:
    """Every campaign as the actor's area has it (a province admin: the province's own
    settings, which its communes may override)."""
    scope, area = scope_of(actor)
    settings = await store.settings()
    if scope is Scope.PROVINCE:
        deciding = {
            s.campaign: s for s in settings if s.scope is Scope.PROVINCE and s.area_code == area
        }
    else:
        deciding = effective(settings, area, actor.province_code)
    running = []
    for c in packs.all_campaigns():
        decided = deciding.get(c.name)
        on = decided is not None and decided.enabled
        running.append(Running(c, on, decided.scope if decided else None))
    return running


# --- queuing what is due ------------------------------------------------------------------


def in_hours(now: datetime) -> bool:
    return FIRST_HOUR <= now.astimezone(LOCAL_TZ).hour < LAST_HOUR


def _communes(settings: list[Setting]) -> dict[str, Setting]:
    """Each commune where the campaign of `settings` runs, with the setting that turned it
    on there."""
    on: dict[str, Setting] = {}
    for s in settings:
        if s.scope is Scope.PROVINCE and s.enabled:
            for commune in areas.communes_of(s.area_code):
                on[commune.code] = s
    for s in settings:
        if s.scope is Scope.COMMUNE:
            if s.enabled:
                on[s.area_code] = s
            else:
                on.pop(s.area_code, None)
    return on


@dataclass(frozen=True)
class Due:
    """One campaign message to queue in one commune, in the name of `sender_id`."""

    sending: packs.Sending
    commune_code: str
    sender_id: int


async def due(store: CampaignStore, now: datetime) -> list[Due]:
    """What is to be queued now: nothing outside the hours; else today's messages of every
    campaign, in each commune where it runs."""
    if not in_hours(now):
        return []
    today = now.astimezone(LOCAL_TZ).date()
    sendings = packs.messages_on(today)
    if not sendings:
        return []
    settings = await store.settings()
    taken = await store.claimed([s.key for s in sendings])
    found: list[Due] = []
    for sending in sendings:
        mine = [s for s in settings if s.campaign == sending.campaign.name]
        for commune, setting in sorted(_communes(mine).items()):
            if setting.set_by is not None and (sending.key, commune) not in taken:
                found.append(Due(sending, commune, setting.set_by))
    return found


async def queue(
    store: CampaignStore, broadcasts: BroadcastStore, item: Due, now: datetime
) -> str | None:
    """Queue one campaign message in one commune: the broadcast's id, or None when another
    process queued it already or it cannot go (its sender no longer active, the commune
    outside their area: logged). The caller commits."""
    if not await store.claim(item.sending.key, item.commune_code, now):
        return None
    sender = await store.account(item.sender_id)
    if sender is None:  # claimed all the same: said once, not every minute of the day
        log.warning("campaign message not queued: the account that turned it on is inactive")
        return None
    if not await store.audience(item.commune_code):  # taken, so not asked again today
        return None  # a commune nobody there hears: no empty broadcast in its list
    message = item.sending.message
    draft = Draft(
        text=packs.notice(message, "vi"),
        kind=BroadcastKind.AWARENESS.value,
        communes=(item.commune_code,),
        campaign=campaign_ref(item.sending),
    )
    try:
        made = await compose(broadcasts, sender, draft, now=now)
    except DomainError as exc:
        log.warning("campaign message not queued: %s", exc.code)
        return None
    await store.queued(item.sending.key, item.commune_code, made.id)
    return made.id


def campaign_ref(sending: packs.Sending) -> str:
    """What a broadcast keeps of its campaign message: "campaign/message" (the day is in the
    broadcast's own date)."""
    return f"{sending.campaign.name}/{sending.message.id}"
