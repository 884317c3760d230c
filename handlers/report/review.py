"""The review, the edit of one step, and the confirmation that stores the tip and gives its
receipt.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from content import legal, phones, scamcheck
from content.i18n import translate
from content.tips import category
from handlers import deadlines, menu, receipt
from handlers.common import ask, choice, say, with_nav
from handlers.context import Ctx
from handlers.deadlines import Deadlines
from handlers.model import Label, Localized, Msg, Reply
from handlers.notices import VIOLENCE_CALLS, VIOLENCE_HELP, procedure
from handlers.report import attachments as files
from handlers.report import sealed
from handlers.report.base import (
    STEPS,
    chosen,
    data_of,
    note_sent,
    origin_allows,
    over_limit,
    unclear,
)
from handlers.report.when_where import PART_MSG, commune_name, day_label
from handlers.tipmodel import AttachmentIn, TipDraft, track_of
from handlers.tips.words import Protection, Track

FRAUD_CATEGORIES = frozenset({"fraud_phone", "fraud_online"})
# What the receipt says of each track's procedure: only a crime report carries the decision
# deadline of CPC art. 147(1); the others name their procedure and the acknowledgement.
RECEIPT_MSG = {
    Track.CRIME: Msg("tip.receipt_crime"),
    Track.ADMINISTRATIVE: Msg("tip.receipt_administrative"),
    Track.MEDIATION: Msg("tip.receipt_mediation"),
    Track.VIOLENCE: Msg("tip.receipt_violence"),
    Track.FIRE_RISK: Msg("tip.receipt_fire_risk"),
}
PROTECTION_MSG: dict[str, Msg] = {
    Protection.SECRET: Msg("tip.protection_secret"),
    Protection.THREATENED: Msg("tip.protection_threatened"),
}


def when_label(data: dict[str, Any]) -> Msg:
    when = data.get("when", "unknown")
    if when == "date" and data.get("date"):
        return day_label(data)
    return {
        "now": Msg("tip.when_now"),
        "today": Msg("tip.when_today"),
    }.get(when, Msg("tip.when_unknown"))


def where_label(ctx: Ctx) -> Msg:
    data = data_of(ctx)
    if data.get("lat") is not None:
        return Msg("tip.where_point", {"lat": f"{data['lat']:.5f}", "lon": f"{data['lon']:.5f}"})
    if data.get("address"):
        return Msg("tip.where_address", {"address": data["address"], "commune": commune_name(ctx)})
    return Msg("tip.where_commune", {"commune": commune_name(ctx)})


def review_prompt(ctx: Ctx) -> Reply:
    data = data_of(ctx)
    data.setdefault("submission", uuid.uuid4().hex)
    data.setdefault("pin", receipt.new_pin())
    found = category(str(data.get("category", "")))
    details = "; ".join(f"{v}" for v in data.get("details", {}).values() if v) or "—"
    contact = sealed.opened(data, ctx.config.pin_secret)
    who: Msg = (
        Msg("tip.review_anonymous")
        if data.get("anonymous", True)
        else Msg(
            "tip.review_named",
            {"name": contact["name"], "phone": phones.shown(contact["phone"])},
        )
    )
    asked = PROTECTION_MSG.get(str(data.get("protection", "")))
    if asked is not None:  # the request for protection the police are told of (CPC art. 484)
        who = Msg("tip.review_protected", {"who": who, "protection": asked})
    summary = Msg(
        "tip.review",
        {
            "category": Localized(found.vi, found.en) if found else "",
            "description": "\n".join(data.get("description", [])),
            "when": when_label(data),
            "where": where_label(ctx),
            "files": files.files_sent(data),
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


async def on_review(ctx: Ctx) -> list[Reply]:
    picked = chosen(ctx)
    if picked == "tip:confirm":
        return await submit(ctx)
    if picked == "tip:edit":
        ctx.state.step = "edit"
        return [edit_prompt(ctx)]
    if picked == "tip:cancel":
        ctx.state.go("")
        return [say("tip.cancelled"), *menu.show(ctx)]
    return unclear(ctx)


EDITABLE = ("category", "description", "when", "where", "media", "details_offer", "identity")


def edit_prompt(ctx: Ctx) -> Reply:
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


async def on_edit(ctx: Ctx) -> list[Reply]:
    target = chosen(ctx).removeprefix("edit:")
    if target == "review":
        ctx.state.step = "review"
        return [review_prompt(ctx)]
    if target not in EDITABLE:
        return unclear(ctx)
    data_of(ctx)["replacing"] = False
    ctx.state.step = target
    data_of(ctx)["editing"] = True
    return [STEPS[target].prompt(ctx)]


def draft(ctx: Ctx) -> TipDraft:
    data = data_of(ctx)
    contact = sealed.opened(data, ctx.config.pin_secret)
    track = legal.track_of(str(data["category"]))
    protection = str(data.get("protection", ""))
    return TipDraft(
        category=str(data["category"]),
        track=track,
        protection=protection,
        description="\n".join(data.get("description", [])),
        commune_code=ctx.profile.commune_code,
        province_code=ctx.profile.province_code,
        incident_when=str(data.get("when", "unknown")),
        incident_date=date.fromisoformat(data["date"]) if data.get("date") else None,
        address=str(data.get("address", "")),
        lat=data.get("lat"),
        lon=data.get("lon"),
        anonymous=bool(data.get("anonymous", True)),
        contact_name=contact["name"],
        contact_phone=contact["phone"],
        # Domestic violence and child abuse are urgent by default; so is a threatened reporter.
        urgent=bool(data.get("urgent", False))
        or track == Track.VIOLENCE
        or protection == Protection.THREATENED,
        details=_details(data),
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


def initial_deadlines(tip: TipDraft, now: datetime, workdays: deadlines.Calendar) -> Deadlines:
    """The deadlines of the tip about to be stored, on its track."""
    return deadlines.initial(now, workdays, track_of(tip), urgent=tip.urgent)


async def submit(ctx: Ctx) -> list[Reply]:
    data = data_of(ctx)
    tips = ctx.uow.tips
    told: list[Msg] = []  # of the files: their metadata removed, any not kept (issue 18)
    # A retry of a tip already stored (a crash before its receipt, the page sending again)
    # gets its receipt, and is counted against no limit: looked up before any is.
    tip = await tips.find_submission(data["submission"])
    if tip is None and await over_limit(ctx):
        return [say("tip.limit", limit=ctx.config.max_tips_per_day), review_prompt(ctx)]
    if tip is None and not await origin_allows(ctx):
        return [say("tip.limit_origin"), review_prompt(ctx)]
    if tip is None:
        now = ctx.config.clock()
        tip_draft = draft(ctx)
        tip_draft.attachments, told = await files.settle_all(ctx, tip_draft.anonymous)
        # The submission key makes this idempotent: a retry gets the tip stored before.
        tip, created = await tips.submit(
            submission_key=data["submission"],
            resident_id=ctx.profile.resident_id,
            draft=tip_draft,
            pin=data["pin"],
            deadlines=initial_deadlines(tip_draft, now, ctx.config.holidays),
            now=now,
            new_code=receipt.new_code,
        )
        if created:
            await report_indicators(ctx, tip.id, now)
    note_sent(ctx)
    # The track the tip was stored on is its category's (a retry's is the same draft's).
    track = _track(track_of(draft(ctx)))
    said = receipt_reply(tip.code, data["pin"], track, tip.ack_due, tip.forward_due)
    if data.get("protection"):  # asked for: said again, with who is told
        text = said.text if isinstance(said.text, tuple) else (said.text,)
        said = replace(said, text=(*text, Msg("tip.receipt_protection")))
    said = files.told_with(said, told)
    ctx.state.go("")
    return [said, *menu.show(ctx)]


def receipt_reply(
    code: str, pin: str, track: Track, ack_due: date, forward_due: date | None
) -> Reply:
    """The receipt: the code and PIN, then the procedure the tip runs under and the deadlines
    that apply to it; for violence, the numbers to call. A crime report's: acknowledged, then
    forwarded to the investigation body, which decides within its days of receiving it (CPC
    art. 147(1)): the commune's deadlines are promised, the body's only described."""
    params: dict[str, object] = {
        "procedure": procedure(track),
        "ack_due": ack_due.strftime("%d/%m/%Y"),
    }
    if track is Track.CRIME:
        rule = legal.rule(track.value, "decision")
        params["days"] = rule.n if rule is not None else ""
        params["forward_due"] = forward_due.strftime("%d/%m/%Y") if forward_due else "—"
    text: list[Label] = [Msg("tip.receipt", {"code": code, "pin": pin})]
    text.append(Msg(RECEIPT_MSG[track].id, params))
    if track is Track.VIOLENCE:
        return Reply((*text, VIOLENCE_HELP), calls=VIOLENCE_CALLS)
    return Reply(tuple(text))


def _track(value: str) -> Track:
    try:
        return Track(value)
    except ValueError:
        return Track.CRIME


async def report_indicators(ctx: Ctx, tip_id: str, now: datetime) -> None:
    """A fraud tip's numbers, links and accounts count as reported (the reporter's own contact
    number excepted), in the same transaction as the tip."""
    data = data_of(ctx)
    if data.get("category") not in FRAUD_CATEGORIES:
        return
    text = "\n".join([*data.get("description", []), data.get("details", {}).get("suspects", "")])
    own = sealed.opened(data, ctx.config.pin_secret)["phone"]
    found = [f for f in scamcheck.extract(text).found() if f.value != own]
    if found:
        await ctx.uow.indicators.report_from_tip(tip_id, found, now)


def _details(data: dict[str, Any]) -> dict[str, str]:
    """What the resident told in the detail steps, the time of day they gave with the date,
    and the words that made the tip urgent (the officer sees these; the resident's review
    shows the time with the date and does not list the rest as details)."""
    details = {k: str(v) for k, v in data.get("details", {}).items() if v}
    at = _time_of_day(data)
    if at:
        details["incident_time"] = at
    if data.get("urgent") and data.get("urgent_words"):
        details["urgent_words"] = str(data["urgent_words"])
    return details


def _time_of_day(data: dict[str, Any]) -> str:
    """'21:00', or the part of the day in Vietnamese ('buổi tối'), when the date came with one:
    the tip keeps only the day, so the officer reads the time among the details."""
    if data.get("when") != "date":
        return ""
    if data.get("time"):
        return str(data["time"])
    part = PART_MSG.get(str(data.get("part", "")))
    return translate(part.id, "vi") if part is not None else ""
