"""Statistics: the page `GET /admin/stats` and `GET /api/v1/stats`.

Query parameters (both): `from`, `to` (days of receipt, YYYY-MM-DD or dd/mm/yyyy; by default
the last 12 ISO weeks) and, for a province admin, `commune` (one commune of the province).
The numbers come from storage/stats.py, scoped to the caller's area. The page draws them as
inline SVG with the same numbers in tables; it has no script and fits a phone: on a narrow
screen each table row becomes a block of "label: value" lines, so nothing scrolls sideways.
Weeks are named in the panel's language ("Tuần 38", its dates), never as ISO codes.
`/admin/stats/export.csv` and `.xlsx` give the page's numbers, same query, as a file
(admin/stats_export.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from admin import access, charts, errors, filters, web
from content import areas, legal, tips
from content.i18n import translate
from content.legal import Rule
from handlers.deadlines import local_date
from handlers.errors import BadInput, Invalid
from handlers.people import AdminRole
from handlers.tips.words import Track
from storage import stats
from storage.stats import Compliance, Period, TipStats

router = APIRouter(prefix="/admin", include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["stats"])
PRESET_WEEKS = (4, 12, 26, 52)


def _(msgid: str) -> str:
    """Marks a catalog id chosen at run time, so that the catalog check sees it used."""
    return msgid


BUILT_IDS = (
    _("panel.error.period_order"),
    _("panel.error.period_long"),
    _("panel.error.period_future"),
    _("panel.error.commune"),
)
# Each track's name, in the table of tips by track and in the export's track column.
TRACK_NAMES: dict[str, str] = {
    Track.CRIME: _("panel.stats.track.crime"),
    Track.ADMINISTRATIVE: _("panel.stats.track.administrative"),
    Track.MEDIATION: _("panel.stats.track.mediation"),
    Track.VIOLENCE: _("panel.stats.track.violence"),
    Track.FIRE_RISK: _("panel.stats.track.fire_risk"),
}


def track_name(track: str, lang: str) -> str:
    msgid = TRACK_NAMES.get(track)
    return translate(msgid, lang) if msgid else track


@dataclass(frozen=True)
class Deadline:
    """One row of the compliance table: its bar and where the deadline comes from."""

    bar: charts.ComplianceBar
    citation: str


def _rule(rule_id: str) -> Rule:
    found = legal.rule(Track.CRIME, rule_id)
    if found is None:  # the pack's schema requires them on the crime track
        raise LookupError(f"the crime track has no {rule_id} rule")
    return found


def deadlines(result: TipStats, lang: str) -> list[Deadline]:
    """Acknowledgement, forward and decision, each with its source from the legal pack."""
    ack, forward, decision = _rule("ack"), _rule("forward"), _rule("decision")
    rows = (
        (translate("panel.stats.ack_on_time", lang), result.ack, ack),
        (
            translate("panel.stats.forward_on_time", lang, {"days": forward.n}),
            result.forward,
            forward,
        ),
        (translate("panel.stats.decision_on_time", lang), result.decision, decision),
    )
    return [
        Deadline(charts.compliance_bar(label, numbers), legal.citation(rule.source, lang))
        for label, numbers, rule in rows
    ]


def compliance_title(rows: list[Deadline], lang: str) -> str:
    """The compliance chart's title: each deadline's share on time."""
    ack, forward, decision = (
        translate("panel.stats.none", lang) if r.bar.percent is None else f"{r.bar.percent}%"
        for r in rows
    )
    params = {"ack": ack, "forward": forward, "decision": decision}
    return translate("panel.stats.compliance_title", lang, params)


def compliance_note(lang: str) -> str:
    """What is counted, and the deadlines' lengths and sources, read from the legal pack."""
    ack, forward, decision = _rule("ack"), _rule("forward"), _rule("decision")
    return translate(
        "panel.stats.compliance_note",
        lang,
        {
            "ack_days": ack.n,
            "ack_source": legal.citation(ack.source, lang),
            "forward_days": forward.n,
            "forward_source": legal.citation(forward.source, lang),
            "decision_days": decision.n,
            "decision_source": legal.citation(decision.source, lang),
        },
    )


@dataclass(frozen=True)
class Query:
    """The period and commune asked for. An end after today is cut to today: the days to come
    have no tips yet, and a file "to 31/12" taken on 6/12 would look complete."""

    period: Period
    commune: str | None
    cut_from: date | None = None  # the end asked for, when it was after today


def parse_query(params: Mapping[str, str], today: date) -> Query:
    """The period and commune asked for; `BadInput` names what is wrong."""
    # One at a time, so that a period the wrong way round gets its own message.
    start = filters.parse_filter({"from": params.get("from", "")}).received_from
    asked = filters.parse_filter({"to": params.get("to", "")}).received_to or today
    end = min(asked, today)
    commune = filters.parse_filter({"commune": params.get("commune", "")}).commune
    start = start or stats.default_period(end).start
    if start > today:
        raise BadInput("period_future", "the period starts after today")
    return Query(stats.check_period(Period(start, end)), commune, asked if asked > end else None)


def cut_note(query: Query, lang: str) -> str:
    """ "The end date asked for is still to come: the figures run to today, 06/12/2026"."""
    if query.cut_from is None:
        return ""
    params = {"asked": charts.day(query.cut_from), "today": charts.day(query.period.end)}
    return translate("panel.stats.cut_to_today", lang, params)


def category_name(category: str, lang: str) -> str:
    found = tips.category(category)
    return found.label(lang) if found else category


def _communes(user: web.SignedIn) -> list[areas.Commune]:
    if user.identity.role is AdminRole.PROVINCE_ADMIN:
        return list(areas.communes_of(user.identity.province_code))
    return []


def _presets(today: date) -> list[tuple[int, str, str]]:
    """(weeks, from, to) of the quick links: the last n ISO weeks, this one included."""
    monday = today - timedelta(days=today.weekday())
    return [
        (weeks, (monday - timedelta(weeks=weeks - 1)).isoformat(), today.isoformat())
        for weeks in PRESET_WEEKS
    ]


def _context(result: TipStats, lang: str) -> dict[str, Any]:
    order = charts.category_order(list(result.by_category))
    names = {c: category_name(c, lang) for c in order}
    commune = areas.commune(result.commune or "")
    rows = deadlines(result, lang)
    return {
        "stats": result,
        "commune_name": commune.name if commune else "",
        "order": order,
        "names": names,
        "palette": charts.colours(order),
        "chart": charts.weekly_bars(result.weeks, order, names, lang=lang),
        "deadlines": rows,
        "bars": [row.bar for row in rows],
        "compliance_note": compliance_note(lang),
        "compliance_title": compliance_title(rows, lang),
        "track_names": {t.value: track_name(t, lang) for t in Track},
        "on_time_colour": charts.ON_TIME,
        "late_colour": charts.LATE,
        "number": lambda value, digits=0: charts.number(value, lang, digits),
        "day": charts.day,
    }


@router.get("/stats")
async def stats_page(request: Request, db: web.Db, user: web.Officer) -> Response:
    access.require_police(user.identity)
    today = local_date(datetime.now(UTC))
    params = request.query_params
    status, error, note = 200, "", ""
    try:
        query = parse_query(params, today)
        note = cut_note(query, user.lang)
        result = await stats.tip_stats(db, user.identity, query.period, commune=query.commune)
    except Invalid as exc:
        # Show what was asked with the reason, and the default period's numbers beneath.
        status, error = errors.status_of(exc), access.error_message(exc.code, user.lang)
        result = await stats.tip_stats(db, user.identity)
    form = {k: params.get(k, "") for k in ("from", "to", "commune")}
    if not error:
        form["from"], form["to"] = result.period.start.isoformat(), result.period.end.isoformat()
    return web.page(
        request,
        user,
        "stats/index.html",
        status,
        error=error,
        cut_note=note,
        form=form,
        communes=_communes(user),
        presets=_presets(today),
        export_query=export_query(result),
        **_context(result, user.lang),
    )


def export_query(result: TipStats) -> str:
    """The page's period and commune as the query of its export links."""
    query = {"from": result.period.start.isoformat(), "to": result.period.end.isoformat()}
    if result.commune:
        query["commune"] = result.commune
    return urlencode(query)


# -- JSON -----------------------------------------------------------------------------------


class ComplianceOut(BaseModel):
    due: int = Field(description="Tips whose deadline has come, met or missed.")
    on_time: int
    late: int
    share: float | None = Field(description="on_time / due; null when nothing was due.")


class WeekOut(BaseModel):
    week: str = Field(description="ISO week, e.g. 2026-W48.")
    start: date = Field(description="Its Monday.")
    counts: dict[str, int] = Field(description="Tips received that week, by category.")
    total: int


class StatsOut(BaseModel):
    period_from: date = Field(alias="from")
    period_to: date = Field(alias="to")
    commune: str | None
    today: date = Field(description="Vietnam's date when the numbers were taken.")
    total: int = Field(description="Tips received in the period.")
    weeks: list[WeekOut]
    by_category: dict[str, int]
    by_status: dict[str, int]
    by_resolution: dict[str, int] = Field(description="Closed tips by resolution.")
    by_track: dict[str, int] = Field(
        description="Tips received in the period by their current track (crime, "
        "administrative, mediation, violence, fire_risk), every track named."
    )
    acknowledged: int
    median_ack_hours: float | None = Field(
        description="Median hours from receipt to acknowledgement; null when none."
    )
    ack: ComplianceOut = Field(description="Acknowledged (or answered) by ack_due.")
    forward: ComplianceOut = Field(
        description="Crime reports forwarded to the investigation body by forward_due: a tip "
        "counts once forwarded or once its forward_due has passed; on time when the Vietnam "
        "date of forwarded_at is on or before forward_due."
    )
    decision: ComplianceOut = Field(
        description="Closed by decision_due; only tips whose track has a decision deadline, "
        "suspended tips not counted."
    )
    overdue_now: int = Field(description="Open tips of the area past their deadline, any age.")
    messages_waiting: int = Field(
        default=0,
        description="Messages to reporters of the area's tips (any age) waiting for them to "
        "come back: they blocked the bot or are outside Zalo OA's 7-day window; each goes out "
        "when they next write.",
    )
    ratings: int
    rating_average: float | None


def _compliance(c: Compliance) -> ComplianceOut:
    return ComplianceOut(due=c.due, on_time=c.on_time, late=c.late, share=c.share)


def stats_out(result: TipStats) -> StatsOut:
    return StatsOut.model_validate(
        {
            "from": result.period.start,
            "to": result.period.end,
            "commune": result.commune,
            "today": result.today,
            "total": result.total,
            "weeks": [
                WeekOut(week=w.label, start=w.start, counts=w.counts, total=w.total)
                for w in result.weeks
            ],
            "by_category": result.by_category,
            "by_status": result.by_status,
            "by_resolution": result.by_resolution,
            "by_track": result.by_track,
            "acknowledged": result.acknowledged,
            "median_ack_hours": result.median_ack_hours,
            "ack": _compliance(result.ack),
            "forward": _compliance(result.forward),
            "decision": _compliance(result.decision),
            "overdue_now": result.overdue_now,
            "messages_waiting": result.messages_waiting,
            "ratings": result.ratings,
            "rating_average": result.rating_average,
        }
    )


@api_router.get(
    "/stats",
    response_model=StatsOut,
    responses={401: {}, 403: {}, 422: {}},
    summary="Statistics of the caller's area over a period",
)
async def stats_api(request: Request, db: web.Db) -> Response:
    caller = await access.api_police(request, db)
    query = parse_query(request.query_params, local_date(datetime.now(UTC)))
    result = await stats.tip_stats(db, caller, query.period, commune=query.commune)
    body = stats_out(result).model_dump(mode="json", by_alias=True)
    return JSONResponse(body, headers=errors.NO_STORE)
