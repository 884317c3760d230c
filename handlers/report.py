"""The resident's tip: notice and consent, category, what, when, where, files, details,
anonymity or contact, review, confirmation and receipt.

Nothing is a tip before the resident confirms. The draft lives in the conversation state;
the receipt code and PIN are drawn when the review is first shown, so that a retry after a
crash between the commit and the reply finds the stored tip and repeats the same receipt.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from content import areas, phones, scamcheck
from content.tips import categories, category, sounds_like_emergency
from handlers import deadlines, emergency, menu, receipt
from handlers.common import ask, choice, not_understood, say, with_nav
from handlers.context import Ctx
from handlers.model import Choice, Kind, Localized, Msg, Reply, Request
from handlers.ports import MediaUnavailable
from handlers.tipmodel import AttachmentIn, TipDraft

FLOW = "report"
CONSENT_VERSION = "2026-11"
MIN_DESCRIPTION = 15
MAX_DESCRIPTION = 8000
MAX_FIELD = 500
DETAIL_FIELDS = ("suspects", "vehicles", "witnesses", "how_known")
FRAUD_CATEGORIES = frozenset({"fraud_phone", "fraud_online"})
ANONYMOUS_FIELDS = ("suspects", "evidence")
DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?$")

Step = Callable[[Ctx], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class StepDef:
    prompt: Callable[[Ctx], Reply]
    on_event: Step


def _data(ctx: Ctx) -> dict[str, Any]:
    return ctx.state.data


def _go(ctx: Ctx, step: str) -> list[Reply]:
    """Move to a step; while editing from the review, a finished step returns to the review."""
    if _data(ctx).get("editing") and step not in _EDIT_STAY:
        _data(ctx)["editing"] = False
        step = "review"
    ctx.state.step = step
    return [STEPS[step].prompt(ctx)]


# -- entry ------------------------------------------------------------------------------------


async def begin(ctx: Ctx) -> list[Reply]:
    if _over_limit_cached(ctx):
        return [say("tip.limit", limit=ctx.config.max_tips_per_day), *menu.show(ctx)]
    ctx.state.go(FLOW, "", details={}, attachments=[], description=[])
    if ctx.profile.consent_version != CONSENT_VERSION:
        return _go(ctx, "consent")
    return _go(ctx, "category")


async def begin_with(ctx: Ctx, category_id: str, description: str) -> list[Reply]:
    """A tip started from elsewhere (the scam check): the category chosen and the description
    given; the resident goes on from the description, where they may add to it."""
    if _over_limit_cached(ctx):
        return [say("tip.limit", limit=ctx.config.max_tips_per_day), *menu.show(ctx)]
    ctx.state.go(
        FLOW,
        "",
        details={},
        attachments=[],
        description=[description[:MAX_DESCRIPTION]],
        category=category_id,
    )
    if ctx.profile.consent_version != CONSENT_VERSION:
        return _go(ctx, "consent")
    return _go(ctx, "description")


def _recent(ctx: Ctx) -> list[str]:
    """When this chat's last tips were sent, kept with the cached profile."""
    since = ctx.config.clock() - timedelta(days=1)
    sent = [t for t in ctx.state.profile.get("sent", []) if datetime.fromisoformat(t) > since]
    ctx.state.profile["sent"] = sent
    return sent


def _over_limit_cached(ctx: Ctx) -> bool:
    """A first look without the database, so the resident is told before filling a tip in
    vain; the count in the database decides at submission."""
    return len(_recent(ctx)) >= ctx.config.max_tips_per_day


async def _over_limit(ctx: Ctx) -> bool:
    since = ctx.config.clock() - timedelta(days=1)
    sent = await ctx.uow.tips.count_since(ctx.profile.resident_id, since)
    return sent >= ctx.config.max_tips_per_day


def prompt(ctx: Ctx) -> list[Reply]:
    step = STEPS.get(ctx.state.step)
    return [step.prompt(ctx)] if step else menu.show(ctx)


async def on_event(ctx: Ctx) -> list[Reply]:
    step = STEPS.get(ctx.state.step)
    if step is None:
        return menu.show(ctx)
    if ctx.event.kind is Kind.TEXT and sounds_like_emergency(ctx.event.text):
        _data(ctx)["urgent"] = True  # the router has already answered with the numbers
    return await step.on_event(ctx)


def _not_understood(ctx: Ctx) -> list[Reply]:
    return [not_understood(ctx.event.kind), *prompt(ctx)]


def _chosen(ctx: Ctx) -> str:
    return ctx.event.choice if ctx.event.kind is Kind.CHOICE else ""


# -- consent ----------------------------------------------------------------------------------


def _consent_prompt(ctx: Ctx) -> Reply:
    items = [
        choice("tip:consent_yes", "tip.consent_yes"),
        choice("tip:consent_no", "tip.consent_no"),
    ]
    return with_nav(ask(Msg("tip.consent"), items))


async def _on_consent(ctx: Ctx) -> list[Reply]:
    if _chosen(ctx) == "tip:consent_no":
        ctx.state.go("")
        return [say("tip.consent_declined"), *menu.show(ctx)]
    if _chosen(ctx) != "tip:consent_yes":
        return _not_understood(ctx)
    ctx.profile.consent_version = CONSENT_VERSION
    await ctx.uow.residents.accept_consent(
        ctx.profile.resident_id, CONSENT_VERSION, ctx.config.clock()
    )
    await ctx.save_profile()
    return _go(ctx, "description" if _data(ctx).get("category") else "category")


# -- category ---------------------------------------------------------------------------------


def _category_prompt(ctx: Ctx) -> Reply:
    items = [
        Choice(f"cat:{c.id}", Localized(c.vi, c.en))
        for c in categories()
        if not (c.in_progress and _data(ctx).get("urgent"))
    ]
    return with_nav(ask(Msg("tip.ask_category"), items))


async def _on_category(ctx: Ctx) -> list[Reply]:
    found = category(_chosen(ctx).removeprefix("cat:")) if _chosen(ctx) else None
    if found is None:
        return _not_understood(ctx)
    if found.in_progress:
        _data(ctx)["urgent"] = True
        return [
            emergency.numbers(can_go_back=False),
            say("tip.urgent_continue"),
            *_go(ctx, "category"),
        ]
    _data(ctx)["category"] = found.id
    return _go(ctx, "description")


# -- description ------------------------------------------------------------------------------


def _description_prompt(ctx: Ctx) -> Reply:
    parts: list[str] = _data(ctx).get("description", [])
    if not parts:
        return with_nav(ask(Msg("tip.ask_description"), []))
    done = [choice("tip:done", "tip.description_done")]
    return with_nav(ask(Msg("tip.description_more", {"count": len(parts)}), done))


async def _on_description(ctx: Ctx) -> list[Reply]:
    parts: list[str] = _data(ctx).setdefault("description", [])
    if _chosen(ctx) == "tip:done":
        if len(" ".join(parts)) < MIN_DESCRIPTION:
            return [say("tip.description_short", minimum=MIN_DESCRIPTION), _description_prompt(ctx)]
        return _go(ctx, "when")
    if ctx.event.kind is not Kind.TEXT or not ctx.event.text:
        return _not_understood(ctx)
    if len("\n".join([*parts, ctx.event.text])) > MAX_DESCRIPTION:
        return [say("tip.description_full", limit=MAX_DESCRIPTION), *_go(ctx, "when")]
    if _data(ctx).get("editing") and not _data(ctx).get("replacing"):
        parts.clear()
        _data(ctx)["replacing"] = True
    parts.append(ctx.event.text)
    return [_description_prompt(ctx)]


# -- when -------------------------------------------------------------------------------------


def _when_prompt(ctx: Ctx) -> Reply:
    items = [
        choice("when:now", "tip.when_now"),
        choice("when:today", "tip.when_today"),
        choice("when:date", "tip.when_date"),
        choice("when:unknown", "tip.when_unknown"),
    ]
    return with_nav(ask(Msg("tip.ask_when"), items))


async def _on_when(ctx: Ctx) -> list[Reply]:
    picked = _chosen(ctx).removeprefix("when:")
    if picked == "date":
        ctx.state.step = "when_date"
        return [_when_date_prompt(ctx)]
    if picked not in ("now", "today", "unknown"):
        return _not_understood(ctx)
    _data(ctx)["when"], _data(ctx)["date"] = picked, ""
    return _go(ctx, "where")


def _when_date_prompt(ctx: Ctx) -> Reply:
    return with_nav(ask(Msg("tip.ask_date"), [choice("when:unknown", "tip.when_unknown")]))


def parse_date(text: str, today: date) -> date | None:
    """A day the resident typed: 5/11, 05/11/2026, 5-11-26. None when it is not a real past day."""
    found = DATE.match(text.strip())
    if not found:
        return None
    day, month, year_text = int(found[1]), int(found[2]), found[3]
    year = today.year if not year_text else int(year_text) + (2000 if len(year_text) == 2 else 0)
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    if not year_text and value > today:
        value = value.replace(year=year - 1)
    if value > today or value < today - timedelta(days=365 * 20):
        return None
    return value


async def _on_when_date(ctx: Ctx) -> list[Reply]:
    if _chosen(ctx) == "when:unknown":
        _data(ctx)["when"], _data(ctx)["date"] = "unknown", ""
        return _go(ctx, "where")
    today = deadlines.local_date(ctx.config.clock())
    value = parse_date(ctx.event.text, today) if ctx.event.kind is Kind.TEXT else None
    if value is None:
        return [say("tip.date_invalid"), _when_date_prompt(ctx)]
    _data(ctx)["when"], _data(ctx)["date"] = "date", value.isoformat()
    return _go(ctx, "where")


# -- where ------------------------------------------------------------------------------------


def _commune_name(ctx: Ctx) -> str:
    found = areas.commune(ctx.profile.commune_code)
    return found.name if found else ""


def _where_prompt(ctx: Ctx) -> Reply:
    items = [choice("where:commune", "tip.where_commune", commune=_commune_name(ctx))]
    reply = with_nav(ask(Msg("tip.ask_where"), items))
    return Reply(reply.text, reply.choices, Request.LOCATION)


async def _on_where(ctx: Ctx) -> list[Reply]:
    event = ctx.event
    if event.kind is Kind.LOCATION and event.lat is not None and event.lon is not None:
        if not (-90 <= event.lat <= 90 and -180 <= event.lon <= 180):
            return _not_understood(ctx)
        _data(ctx).update(lat=event.lat, lon=event.lon, address="")
    elif _chosen(ctx) == "where:commune":
        _data(ctx).update(lat=None, lon=None, address="")
    elif event.kind is Kind.TEXT and event.text:
        _data(ctx).update(lat=None, lon=None, address=event.text[:MAX_FIELD])
    else:
        return _not_understood(ctx)
    return _go(ctx, "media")


# -- files ------------------------------------------------------------------------------------


def _media_prompt(ctx: Ctx) -> Reply:
    count = len(_data(ctx).get("attachments", []))
    if count:
        done = choice("tip:media_done", "tip.media_done")
        return with_nav(ask(Msg("tip.media_more", {"count": count}), [done]))
    size = ctx.config.max_attachment_bytes // (1024 * 1024)
    skip = choice("tip:media_done", "tip.media_skip")
    return with_nav(ask(Msg("tip.ask_media", {"size": size}), [skip]))


async def _on_media(ctx: Ctx) -> list[Reply]:
    if _chosen(ctx) == "tip:media_done":
        return _go(ctx, "details_offer")
    media = ctx.event.media
    if ctx.event.kind is not Kind.MEDIA or media is None:
        return _not_understood(ctx)
    attachments: list[dict[str, Any]] = _data(ctx).setdefault("attachments", [])
    limit_mb = ctx.config.max_attachment_bytes // (1024 * 1024)
    if media.type.value not in ctx.config.attachment_types:
        return [say("tip.media_type"), _media_prompt(ctx)]
    if len(attachments) >= ctx.config.max_attachments:
        return [say("tip.media_count", limit=ctx.config.max_attachments), _media_prompt(ctx)]
    if media.size is not None and media.size > ctx.config.max_attachment_bytes:
        return [say("tip.media_size", limit=limit_mb), _media_prompt(ctx)]
    try:
        stored = await ctx.media.keep(ctx.event.channel, ctx.event.account, media)
    except MediaUnavailable:
        return [say("tip.media_failed", limit=limit_mb), _media_prompt(ctx)]
    attachments.append(
        {
            "kind": media.type.value,
            "ref": stored.ref,
            "mime": stored.mime,
            "size": stored.size,
            "sha256": stored.sha256,
            "received_at": ctx.config.clock().isoformat(),
        }
    )
    if media.caption:
        _data(ctx).setdefault("description", []).append(media.caption[:MAX_FIELD])
    return [_media_prompt(ctx)]


# -- optional details -------------------------------------------------------------------------


def _details_offer_prompt(ctx: Ctx) -> Reply:
    items = [
        choice("tip:details_yes", "tip.details_yes"),
        choice("tip:details_no", "tip.details_no"),
    ]
    return with_nav(ask(Msg("tip.details_offer"), items))


async def _on_details_offer(ctx: Ctx) -> list[Reply]:
    if _chosen(ctx) == "tip:details_yes":
        _data(ctx)["detail_index"] = 0
        return _go(ctx, "detail")
    if _chosen(ctx) == "tip:details_no":
        return _go(ctx, "identity")
    return _not_understood(ctx)


def _detail_msg(field: str) -> Msg:
    return {
        "suspects": Msg("tip.detail_suspects"),
        "vehicles": Msg("tip.detail_vehicles"),
        "witnesses": Msg("tip.detail_witnesses"),
        "how_known": Msg("tip.detail_how_known"),
        "evidence": Msg("tip.detail_evidence"),
    }[field]


def _detail_prompt(ctx: Ctx) -> Reply:
    field = DETAIL_FIELDS[int(_data(ctx).get("detail_index", 0))]
    return with_nav(ask(_detail_msg(field), [choice("tip:skip", "tip.skip")]))


async def _on_detail(ctx: Ctx) -> list[Reply]:
    index = int(_data(ctx).get("detail_index", 0))
    if ctx.event.kind is Kind.TEXT and ctx.event.text:
        _data(ctx)["details"][DETAIL_FIELDS[index]] = ctx.event.text[:MAX_FIELD]
    elif _chosen(ctx) != "tip:skip":
        return _not_understood(ctx)
    if index + 1 < len(DETAIL_FIELDS):
        _data(ctx)["detail_index"] = index + 1
        return [_detail_prompt(ctx)]
    return _go(ctx, "identity")


# -- anonymity or contact ---------------------------------------------------------------------


def _identity_prompt(ctx: Ctx) -> Reply:
    items = [choice("id:anonymous", "tip.anonymous"), choice("id:named", "tip.named")]
    return with_nav(ask(Msg("tip.ask_identity"), items))


async def _on_identity(ctx: Ctx) -> list[Reply]:
    if _chosen(ctx) == "id:anonymous":
        _data(ctx).update(anonymous=True, name="", phone="")
        missing = [f for f in ANONYMOUS_FIELDS if not _data(ctx)["details"].get(f)]
        if missing:
            _data(ctx)["anon_missing"] = missing
            ctx.state.step = "anon_detail"
            return [say("tip.anonymous_needs"), _anon_prompt(ctx)]
        return _go(ctx, "review")
    if _chosen(ctx) == "id:named":
        _data(ctx)["anonymous"] = False
        ctx.state.step = "contact_name"
        return [_contact_name_prompt(ctx)]
    return _not_understood(ctx)


def _anon_prompt(ctx: Ctx) -> Reply:
    field = _data(ctx)["anon_missing"][0]
    return with_nav(ask(_detail_msg(field), [choice("tip:skip", "tip.skip")]))


async def _on_anon_detail(ctx: Ctx) -> list[Reply]:
    missing: list[str] = _data(ctx).get("anon_missing", [])
    if not missing:
        return _go(ctx, "review")
    if ctx.event.kind is Kind.TEXT and ctx.event.text:
        _data(ctx)["details"][missing[0]] = ctx.event.text[:MAX_FIELD]
    elif _chosen(ctx) != "tip:skip":
        return _not_understood(ctx)
    missing.pop(0)
    if missing:
        return [_anon_prompt(ctx)]
    _data(ctx)["editing"] = False
    ctx.state.step = "review"
    return [_review_prompt(ctx)]


def _contact_name_prompt(ctx: Ctx) -> Reply:
    return with_nav(ask(Msg("tip.ask_name"), []))


async def _on_contact_name(ctx: Ctx) -> list[Reply]:
    if ctx.event.kind is not Kind.TEXT or not ctx.event.text:
        return _not_understood(ctx)
    _data(ctx)["name"] = ctx.event.text[:100]
    ctx.state.step = "contact_phone"
    return [_contact_phone_prompt(ctx)]


def _contact_phone_prompt(ctx: Ctx) -> Reply:
    reply = with_nav(ask(Msg("tip.ask_phone"), []))
    return Reply(reply.text, reply.choices, Request.CONTACT)


async def _on_contact_phone(ctx: Ctx) -> list[Reply]:
    given = ctx.event.phone if ctx.event.kind is Kind.CONTACT else ctx.event.text
    number = phones.parse(given) if given else None
    if number is not None and number.spoofed:  # "+84 0912…": the 0 after +84 is one too many
        return [say("tip.phone_extra_zero"), _contact_phone_prompt(ctx)]
    if number is None:
        return [say("tip.phone_invalid"), _contact_phone_prompt(ctx)]
    if not number.vietnamese:
        # The commune police call the reporter back from a Vietnamese line.
        return [say("tip.phone_foreign"), _contact_phone_prompt(ctx)]
    if not number.personal:
        return [say("tip.phone_service"), _contact_phone_prompt(ctx)]
    _data(ctx)["phone"] = number.e164
    _data(ctx)["editing"] = False
    ctx.state.step = "review"
    return [_review_prompt(ctx)]


# -- review, edit, confirm --------------------------------------------------------------------


def _when_label(data: dict[str, Any]) -> Msg:
    when = data.get("when", "unknown")
    if when == "date" and data.get("date"):
        return Msg("tip.when_on", {"date": date.fromisoformat(data["date"]).strftime("%d/%m/%Y")})
    return {
        "now": Msg("tip.when_now"),
        "today": Msg("tip.when_today"),
    }.get(when, Msg("tip.when_unknown"))


def _where_label(ctx: Ctx) -> Msg:
    data = _data(ctx)
    if data.get("lat") is not None:
        return Msg("tip.where_point", {"lat": f"{data['lat']:.5f}", "lon": f"{data['lon']:.5f}"})
    if data.get("address"):
        return Msg("tip.where_address", {"address": data["address"], "commune": _commune_name(ctx)})
    return Msg("tip.where_commune", {"commune": _commune_name(ctx)})


def _review_prompt(ctx: Ctx) -> Reply:
    data = _data(ctx)
    data.setdefault("submission", uuid.uuid4().hex)
    data.setdefault("pin", receipt.new_pin())
    found = category(str(data.get("category", "")))
    details = "; ".join(f"{v}" for v in data.get("details", {}).values() if v) or "—"
    who = (
        Msg("tip.review_anonymous")
        if data.get("anonymous", True)
        else Msg(
            "tip.review_named",
            {"name": data.get("name", ""), "phone": phones.shown(str(data.get("phone", "")))},
        )
    )
    summary = Msg(
        "tip.review",
        {
            "category": Localized(found.vi, found.en) if found else "",
            "description": "\n".join(data.get("description", [])),
            "when": _when_label(data),
            "where": _where_label(ctx),
            "files": len(data.get("attachments", [])),
            "details": details,
            "who": who,
        },
    )
    items = [
        choice("tip:confirm", "tip.confirm"),
        choice("tip:edit", "tip.edit"),
        choice("tip:cancel", "tip.cancel"),
    ]
    return with_nav(ask(summary, items))


async def _on_review(ctx: Ctx) -> list[Reply]:
    picked = _chosen(ctx)
    if picked == "tip:confirm":
        return await _submit(ctx)
    if picked == "tip:edit":
        ctx.state.step = "edit"
        return [_edit_prompt(ctx)]
    if picked == "tip:cancel":
        ctx.state.go("")
        return [say("tip.cancelled"), *menu.show(ctx)]
    return _not_understood(ctx)


EDITABLE = ("category", "description", "when", "where", "media", "details_offer", "identity")


def _edit_prompt(ctx: Ctx) -> Reply:
    items = [
        choice("edit:category", "tip.edit_category"),
        choice("edit:description", "tip.edit_description"),
        choice("edit:when", "tip.edit_when"),
        choice("edit:where", "tip.edit_where"),
        choice("edit:media", "tip.edit_media"),
        choice("edit:details_offer", "tip.edit_details"),
        choice("edit:identity", "tip.edit_identity"),
        choice("edit:review", "tip.edit_back"),
    ]
    return with_nav(ask(Msg("tip.ask_edit"), items))


async def _on_edit(ctx: Ctx) -> list[Reply]:
    target = _chosen(ctx).removeprefix("edit:")
    if target == "review":
        ctx.state.step = "review"
        return [_review_prompt(ctx)]
    if target not in EDITABLE:
        return _not_understood(ctx)
    _data(ctx)["replacing"] = False
    ctx.state.step = target
    _data(ctx)["editing"] = True
    return [STEPS[target].prompt(ctx)]


def _draft(ctx: Ctx) -> TipDraft:
    data = _data(ctx)
    return TipDraft(
        category=str(data["category"]),
        description="\n".join(data.get("description", [])),
        commune_code=ctx.profile.commune_code,
        province_code=ctx.profile.province_code,
        incident_when=str(data.get("when", "unknown")),
        incident_date=date.fromisoformat(data["date"]) if data.get("date") else None,
        address=str(data.get("address", "")),
        lat=data.get("lat"),
        lon=data.get("lon"),
        anonymous=bool(data.get("anonymous", True)),
        contact_name=str(data.get("name", "")),
        contact_phone=str(data.get("phone", "")),
        urgent=bool(data.get("urgent", False)),
        details={k: str(v) for k, v in data.get("details", {}).items() if v},
        attachments=[
            AttachmentIn(
                kind=a["kind"],
                ref=a["ref"],
                mime=a["mime"],
                size=int(a["size"]),
                sha256=a["sha256"],
                received_at=datetime.fromisoformat(a["received_at"]),
            )
            for a in data.get("attachments", [])
        ],
    )


async def _submit(ctx: Ctx) -> list[Reply]:
    data = _data(ctx)
    tips = ctx.uow.tips
    tip = None
    if await _over_limit(ctx):
        # Only a retry of a tip already stored (a crash before its receipt) gets through.
        tip = await tips.find_submission(data["submission"])
        if tip is None:
            return [say("tip.limit", limit=ctx.config.max_tips_per_day), _review_prompt(ctx)]
    if tip is None:
        now = ctx.config.clock()
        # The submission key makes this idempotent: a retry gets the tip stored before.
        tip, created = await tips.submit(
            submission_key=data["submission"],
            resident_id=ctx.profile.resident_id,
            draft=_draft(ctx),
            pin=data["pin"],
            deadlines=deadlines.initial(now, ctx.config.holidays),
            now=now,
            new_code=receipt.new_code,
        )
        if created:
            await _report_indicators(ctx, tip.id, now)
    _recent(ctx).append(tip.created_at.isoformat())
    pin = data["pin"]
    ctx.state.go("")
    return [
        say(
            "tip.receipt",
            code=tip.code,
            pin=pin,
            ack_due=tip.ack_due.strftime("%d/%m/%Y"),
            decision_due=tip.decision_due.strftime("%d/%m/%Y"),
        ),
        *menu.show(ctx),
    ]


async def _report_indicators(ctx: Ctx, tip_id: str, now: datetime) -> None:
    """A fraud tip's numbers, links and accounts count as reported (the reporter's own contact
    number excepted), in the same transaction as the tip."""
    data = _data(ctx)
    if data.get("category") not in FRAUD_CATEGORIES:
        return
    text = "\n".join([*data.get("description", []), data.get("details", {}).get("suspects", "")])
    found = [f for f in scamcheck.extract(text).found() if f.value != data.get("phone")]
    if found:
        await ctx.uow.indicators.report_from_tip(tip_id, found, now)


STEPS: dict[str, StepDef] = {
    "consent": StepDef(_consent_prompt, _on_consent),
    "category": StepDef(_category_prompt, _on_category),
    "description": StepDef(_description_prompt, _on_description),
    "when": StepDef(_when_prompt, _on_when),
    "when_date": StepDef(_when_date_prompt, _on_when_date),
    "where": StepDef(_where_prompt, _on_where),
    "media": StepDef(_media_prompt, _on_media),
    "details_offer": StepDef(_details_offer_prompt, _on_details_offer),
    "detail": StepDef(_detail_prompt, _on_detail),
    "identity": StepDef(_identity_prompt, _on_identity),
    "anon_detail": StepDef(_anon_prompt, _on_anon_detail),
    "contact_name": StepDef(_contact_name_prompt, _on_contact_name),
    "contact_phone": StepDef(_contact_phone_prompt, _on_contact_phone),
    "review": StepDef(_review_prompt, _on_review),
    "edit": StepDef(_edit_prompt, _on_edit),
}
# Steps that lead on to sub-steps of their own: an edit there continues until they finish.
_EDIT_STAY = frozenset({"category", "detail", "when_date", "review"})
