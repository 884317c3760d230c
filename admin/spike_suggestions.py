"""Spike suggestions on the panel's broadcasts page, and the compose form they prefill.

When tips of one kind rise clearly above a commune's usual level (handlers/spikes.py, the
rule in content/packs/spike_rules.yaml), the commune's chief and the province admin see a
suggestion on the broadcasts list: how many tips of which kind, against what usual level, and
a button "Soạn thông báo" that opens the new-broadcast form (`GET /admin/broadcasts/new` with
`from_spike`, `scam_type` and `commune`) with an awareness notice drawn from the kind's card
already typed. The chief edits and sends it as any notice: nothing is sent without a person.

Who sees them (SHOWN_TO): the chief of the commune and the province admin of its province.
Officers do not: what goes to a whole commune is the chief's call, and one suggestion seen by
every officer would be sent more than once. Leaders never do (they see no tips).

The suggestions are computed on the page's request, over the caller's area (the chief's
commune, or every commune of the province), and kept in this process for CACHE_SECONDS per
area and day: a spike is a matter of days, and the list page is opened often.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from admin import web
from admin.broadcast_forms import Typed
from content import areas, awareness, scamcheck, spikes, tips
from content.i18n import DEFAULT_LANGUAGE, translate
from content.schema.spikes import SpikeRules
from handlers.broadcasts.words import BroadcastKind
from handlers.deadlines import local_date
from handlers.people import AdminRole, Identity
from handlers.spikes import Suggestion, run
from storage.db import AsyncSession
from storage.spikes import SqlSpikeSource

SHOWN_TO = frozenset({AdminRole.CHIEF, AdminRole.PROVINCE_ADMIN})
CACHE_SECONDS = 600
MAX_CACHED = 1000  # areas kept at once (a province admin's, a chief's), the oldest dropped
NEW = "/admin/broadcasts/new"


def shown_to(identity: Identity) -> bool:
    return identity.role in SHOWN_TO


def _communes(identity: Identity) -> list[str]:
    """The communes whose suggestions the caller sees."""
    if identity.role is AdminRole.PROVINCE_ADMIN:
        return [c.code for c in areas.communes_of(identity.province_code)]
    return [identity.commune_code]


def _mine(identity: Identity, commune_code: str) -> bool:
    if identity.role is AdminRole.PROVINCE_ADMIN:
        found = areas.commune(commune_code)
        return found is not None and found.province_code == identity.province_code
    return commune_code == identity.commune_code


# -- the cache ----------------------------------------------------------------------------------


@dataclass
class _Cache:
    """Suggestions per area and day, each kept CACHE_SECONDS (one per app: app.state)."""

    kept: dict[tuple[str, str, date], tuple[float, list[Suggestion]]] = field(default_factory=dict)

    def get(self, key: tuple[str, str, date], now: float) -> list[Suggestion] | None:
        found = self.kept.get(key)
        return found[1] if found is not None and found[0] > now else None

    def put(self, key: tuple[str, str, date], value: list[Suggestion], now: float) -> None:
        self.kept = {k: v for k, v in self.kept.items() if v[0] > now}
        while len(self.kept) >= MAX_CACHED:
            del self.kept[next(iter(self.kept))]
        self.kept[key] = (now + CACHE_SECONDS, value)


def _cache(request: Request) -> _Cache:
    found = getattr(request.app.state, "spike_suggestions", None)
    if not isinstance(found, _Cache):
        found = _Cache()
        request.app.state.spike_suggestions = found
    return found


async def suggestions(
    request: Request, db: AsyncSession, identity: Identity, today: date
) -> list[Suggestion]:
    """The suggestions of the caller's area on `today`, from the cache when fresh."""
    province = identity.role is AdminRole.PROVINCE_ADMIN
    area = ("p", identity.province_code) if province else ("c", identity.commune_code)
    key, now, cache = (*area, today), time.monotonic(), _cache(request)
    found = cache.get(key, now)
    if found is None:
        found = await run(SqlSpikeSource(db), spikes.rules(), today, _communes(identity))
        cache.put(key, found, now)
    return found


# -- the box on the list page -------------------------------------------------------------------


def decimal(value: float, lang: str) -> str:
    """0.375 → "0,4" in Vietnamese, "0.4" in English; a whole number without decimals."""
    shown = f"{value:.1f}".removesuffix(".0")
    return shown.replace(".", ",") if lang == "vi" else shown


def _kind_name(kind: str, lang: str) -> str:
    found = tips.category(kind)
    return found.label(lang) if found else kind


def _scam_type_name(rule_id: str, lang: str) -> str:
    vi, en = scamcheck.rule_name(rule_id)
    return en if lang == "en" else vi


def _card_title(card_id: str, lang: str) -> str:
    found = awareness.find_card(card_id)
    return found[1].title.get(lang) if found else card_id


def _commune_name(code: str) -> str:
    found = areas.commune(code)
    return found.name if found else code


def compose_url(s: Suggestion) -> str:
    query = {"from_spike": s.kind, "commune": s.commune_code}
    if s.scam_type:
        query["scam_type"] = s.scam_type
    return f"{NEW}?{urlencode(query)}"


@dataclass(frozen=True)
class Shown:
    """One suggestion as the page says it: its words' parameters, in the reader's language."""

    suggestion: Suggestion
    params: dict[str, str]
    url: str

    @property
    def id(self) -> str:
        return f"{self.suggestion.commune_code}-{self.suggestion.kind}"


@dataclass(frozen=True)
class Box:
    """The suggestions and the rule's numbers, for broadcasts/_spikes.html."""

    items: list[Shown]
    rule: dict[str, str]


def _shown(s: Suggestion, rules: SpikeRules, lang: str) -> Shown:
    params = {
        "count": str(s.count),
        "kind": _kind_name(s.kind, lang),
        "days": str(rules.window_days),
        "commune": _commune_name(s.commune_code),
        "mean": decimal(s.baseline_mean, lang),
        "weeks": str(rules.baseline_weeks),
        "card": _card_title(s.card, lang),
        "scam_count": str(s.scam_count),
        "scam_type": _scam_type_name(s.scam_type, lang) if s.scam_type else "",
    }
    return Shown(s, params, compose_url(s))


def rule_words(rules: SpikeRules, lang: str) -> dict[str, str]:
    return {
        "min_count": str(rules.min_count),
        "days": str(rules.window_days),
        "factor": decimal(rules.factor, lang),
        "weeks": str(rules.baseline_weeks),
        "minutes": str(CACHE_SECONDS // 60),
    }


async def for_list(request: Request, db: AsyncSession, user: web.SignedIn) -> Box | None:
    """The box of the broadcasts list: None for whoever does not see suggestions, or when
    there is none."""
    if not shown_to(user.identity):
        return None
    rules = spikes.rules()
    found = await suggestions(request, db, user.identity, local_date(datetime.now(UTC)))
    if not found:
        return None
    return Box([_shown(s, rules, user.lang) for s in found], rule_words(rules, user.lang))


# -- the compose form, prefilled ------------------------------------------------------------------


def notice_text(kind: str, card_id: str) -> str:
    """The notice a suggestion prefills: a line saying why (the kind of tip; the card's title
    names the scam type when there is one), then the card (title, what to know, what to do),
    in Vietnamese as residents mostly read. The sender edits it."""
    what = _kind_name(kind, DEFAULT_LANGUAGE)
    lead = translate("panel.spikes.notice_lead", DEFAULT_LANGUAGE, {"what": what})
    found = awareness.find_card(card_id)
    if found is None:
        return lead
    card = found[1]
    return "\n\n".join((lead, f"{card.title.vi}\n{card.body.vi}", card.action.vi))


def prefilled(identity: Identity, params: Mapping[str, Any]) -> Typed | None:
    """The compose form of a suggestion (`?from_spike=KIND[&scam_type=RULE][&commune=CODE]`):
    the notice typed, the kind awareness, a province admin's commune ticked. None when the
    caller does not see suggestions or the kind is not watched (the empty form then)."""
    kind_id = str(params.get("from_spike", ""))[:32]
    kind = spikes.rules().kind(kind_id) if kind_id and shown_to(identity) else None
    if kind is None:
        return None
    card = kind.card
    rule = scamcheck.packs().rule(str(params.get("scam_type", ""))[:32])
    if kind.scam_types and rule is not None and not rule.advice:
        card = rule.card
    commune = str(params.get("commune", ""))[:8]
    communes = (
        (commune,) if identity.role is AdminRole.PROVINCE_ADMIN and _mine(identity, commune) else ()
    )
    return Typed(
        text=notice_text(kind.id, card),
        kind=BroadcastKind.AWARENESS.value,
        communes=communes,
    )
