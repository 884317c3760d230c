"""Seasonal awareness campaigns in the panel (/admin/campaigns): every campaign, whether it is
on for the reader's area and whose decision that is, a button to turn it on or off, and what
goes out when over the next days, in the very words residents get.

For a chief (their commune) and a province admin (their province) only: the use cases of
handlers/campaigns.py refuse anyone else (Forbidden, 403 through admin/errors.py), and the menu
offers the page to those two roles only. A commune's own setting wins over its province's;
with none, a campaign is off. Turning one on or off is `campaigns.turn` (audited), then back
to the page with a note; an unknown campaign is the panel's 404.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request, Response

from admin import charts, web
from admin.timefmt import day
from content import areas
from content import campaigns as packs
from content.i18n import translate
from handlers import campaigns
from handlers.campaigns import FIRST_HOUR, LAST_HOUR, Running, Scope
from handlers.deadlines import local_date
from handlers.errors import BadInput, NotFound
from handlers.people import Identity
from storage.campaigns import SqlCampaignStore
from storage.db import AsyncSession

router = APIRouter(prefix="/admin", include_in_schema=False)
Db = web.Db
BASE = "/admin/campaigns"
HORIZON_DAYS = 60  # the schedule shown: today and the 59 days after it
# Longer than any campaign's name (content/schema: an id), so a longer one is simply unknown.
Name = Annotated[str, Path(max_length=100)]


def _(msgid: str) -> str:
    """Marks a catalog id for extraction; the template translates it."""
    return msgid


# Whose decision a campaign's state is, for the reader's area (handlers.campaigns.Running).
STATES: dict[tuple[Scope | None, bool], str] = {
    (Scope.PROVINCE, True): _("panel.campaigns.state.province_on"),
    (Scope.PROVINCE, False): _("panel.campaigns.state.province_off"),
    (Scope.COMMUNE, True): _("panel.campaigns.state.commune_on"),
    (Scope.COMMUNE, False): _("panel.campaigns.state.commune_off"),
    (None, False): _("panel.campaigns.state.none"),
}
# The button, by where the reader decides and what it does.
BUTTONS: dict[tuple[Scope, bool], str] = {
    (Scope.COMMUNE, True): _("panel.campaigns.turn_on.commune"),
    (Scope.COMMUNE, False): _("panel.campaigns.turn_off.commune"),
    (Scope.PROVINCE, True): _("panel.campaigns.turn_on.province"),
    (Scope.PROVINCE, False): _("panel.campaigns.turn_off.province"),
}
DONE = {"on": _("panel.campaigns.done.on"), "off": _("panel.campaigns.done.off")}
MENU = _("panel.nav.campaigns")  # the menu entry admin/web.py offers chiefs and admins


def today() -> date:
    """The local date the schedule starts from (a function, for the tests to fix it)."""
    return local_date(datetime.now(UTC))


def _day_month(when: packs.MonthDay) -> str:
    return f"{when.day:02d}/{when.month:02d}"


def runs_text(runs: packs.Runs, lang: str) -> str:
    """When a campaign is on, in words: every year (between two days, or some months), or
    once between two dates; days first, as the panel writes them."""
    if runs.months is not None:
        months = ", ".join(str(m) for m in runs.months)
        return translate("panel.campaigns.runs.months", lang, {"months": months})
    start, end = runs.start, runs.end
    if isinstance(start, packs.MonthDay) and isinstance(end, packs.MonthDay):
        params = {"start": _day_month(start), "end": _day_month(end)}
        return translate("panel.campaigns.runs.yearly", lang, params)
    assert isinstance(start, date) and isinstance(end, date)
    return translate("panel.campaigns.runs.once", lang, {"start": day(start), "end": day(end)})


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def sendings(campaign: packs.Campaign, start: date) -> list[dict[str, str]]:
    """What the campaign sends from `start` over the horizon: the day and the words residents
    get (in Vietnamese, as the broadcasts are sent)."""
    end = start + timedelta(days=HORIZON_DAYS - 1)
    shown = []
    for sending in packs.schedule(campaign, start, end):
        text = packs.notice(sending.message, "vi")
        shown.append(
            {
                "id": sending.message.id,
                "day": day(sending.day),
                "first": _first_line(text),
                "text": text,
            }
        )
    return shown


async def _overrides(
    store: SqlCampaignStore, identity: Identity, scope: Scope
) -> dict[str, dict[bool, list[str]]]:
    """For a province admin: by campaign, the communes of the province that decided for
    themselves (turned on, turned off), whatever the province decides."""
    if scope is not Scope.PROVINCE:
        return {}
    names = {c.code: c.name for c in areas.communes_of(identity.province_code)}
    found: dict[str, dict[bool, list[str]]] = {}
    for s in await store.settings():
        if s.scope is Scope.COMMUNE and s.area_code in names:
            decided = found.setdefault(s.campaign, {True: [], False: []})
            decided[s.enabled].append(names[s.area_code])
    for decided in found.values():
        for communes in decided.values():
            communes.sort()
    return found


def _shown(
    running: Running, scope: Scope, start: date, lang: str, overrides: dict[bool, list[str]]
) -> dict[str, Any]:
    campaign = running.campaign
    following = packs.next_sending(campaign, start)
    return {
        "name": campaign.name,
        "title": campaign.title.get(lang),
        "runs": runs_text(campaign.runs, lang),
        "enabled": running.enabled,
        "state": STATES[(running.decided_by, running.enabled)],
        "button": BUTTONS[(scope, not running.enabled)],
        "turn_to": "0" if running.enabled else "1",
        "sendings": sendings(campaign, start),
        "next_day": day(following.day) if following else "",
        "communes_on": ", ".join(overrides.get(True, [])),
        "communes_off": ", ".join(overrides.get(False, [])),
    }


def _done(request: Request, lang: str) -> str:
    """The note after a change: which campaign was turned on or off."""
    msgid = DONE.get(request.query_params.get("done", ""), "")
    found = packs.campaign(request.query_params.get("campaign", "")[:100])
    if not msgid or found is None:
        return ""
    return translate(msgid, lang, {"title": found.title.get(lang)})


async def _page(request: Request, db: AsyncSession, user: web.SignedIn) -> Response:
    identity = user.identity
    store = SqlCampaignStore(db)
    running = await campaigns.for_area(store, identity)  # Forbidden for other roles
    scope, area = campaigns.scope_of(identity)
    start = today()
    overrides = await _overrides(store, identity, scope)
    audience = await store.audience(area) if scope is Scope.COMMUNE else None
    return web.page(
        request,
        user,
        "campaigns/page.html",
        campaigns=[
            _shown(r, scope, start, user.lang, overrides.get(r.campaign.name, {})) for r in running
        ],
        scope=scope.value,
        done=_done(request, user.lang),
        days=HORIZON_DAYS,
        first=f"{FIRST_HOUR:02d}:00",
        last=f"{LAST_HOUR:02d}:00",
        audience=None if audience is None else charts.number(audience, user.lang),
    )


@router.get("/campaigns")
async def page(request: Request, db: Db, user: web.Officer) -> Response:
    return await _page(request, db, user)


@router.get("/campaigns/{name}")
async def one(user: web.Officer, name: Name) -> Response:
    """A campaign's place on the page (a link to it); an unknown one is the panel's 404."""
    campaigns.scope_of(user.identity)  # Forbidden for other roles
    if packs.campaign(name) is None:
        raise NotFound(detail="no such campaign")
    return web.redirect(f"{BASE}#campaign-{name}")


@router.post("/campaigns/{name}")
async def turn(request: Request, db: Db, user: web.FormOfficer, name: Name) -> Response:
    """Turn a campaign on (enabled=1) or off (enabled=0) where the reader decides."""
    campaigns.scope_of(user.identity)  # Forbidden for other roles, whatever the name
    form = await request.form()
    enabled = form.get("enabled")
    if enabled not in ("0", "1"):
        raise BadInput(detail="enabled is 1 or 0")
    on = enabled == "1"
    await campaigns.turn(SqlCampaignStore(db), user.identity, name, on, datetime.now(UTC))
    query = urlencode({"done": "on" if on else "off", "campaign": name})
    return web.redirect(f"{BASE}?{query}#campaign-{name}")
