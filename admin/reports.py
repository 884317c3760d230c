"""The movement's reports in the panel: `GET /admin/reports` (the printable page) and
`GET /admin/reports/report.xlsx` (the same report as a spreadsheet).

Query parameters: `period` ("2026-H2", "2026", "2026-Q3", "2026-07"; by default the last
half-year that is over), `cutoff` ("calendar", the default, or "decree09": the closing days
of Decree 09/2019/NĐ-CP art. 12, handlers/movement/period.py `Cutoff`) and, for a province
admin, `commune` (one commune of the province; none: the whole province). An officer or a
chief always gets their commune. An area outside the caller's scope is refused with the
panel's 403 page (handlers/movement/scope.py), never an empty report; a malformed or future
period, or an unknown cut-off, shows the form again with the reason.

The page prints on A4 (the browser's "Save as PDF" is the PDF: no PDF library is installed):
the menu, the form and the links are left out, each section kept on one page when it fits.
On a phone the tables stack, one figure a block, with no sideways scrolling."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response

from admin import errors, report_sheet, web
from content import areas
from handlers.deadlines import local_date
from handlers.errors import Invalid
from handlers.movement import period as periods
from handlers.movement import report, scope
from handlers.movement.period import Cutoff, Kind, Period
from handlers.movement.report import Report
from handlers.movement.scope import Area
from handlers.people import AdminRole, Identity
from storage.db import AsyncSession
from storage.movement import SqlMovementFigures

router = APIRouter(prefix="/admin", include_in_schema=False)
YEARS_OFFERED = 3  # this year and the two before, in the period picker


def asked(params: Mapping[str, str], actor: Identity, today: date) -> tuple[Period, Area]:
    """The period and area of the query, the area checked against the caller's scope:
    `Forbidden` outside it, `BadInput` for what cannot be read."""
    scope.check_police(actor)
    cut = periods.cutoff(params.get("cutoff") or "")
    text = (params.get("period") or "").strip() or periods.default(today, cut).code
    period = periods.parse(text, cut)
    commune = (params.get("commune") or "").strip()
    area = scope.commune_area(commune) if commune else scope.home(actor)
    scope.check_reach(actor, area)
    return period, area


def choices(
    today: date, lang: str, cut: Cutoff = Cutoff.CALENDAR
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The periods offered, grouped by year (newest first), only those that have begun by
    their days under `cut` (Decree 09's year 2027 begins on 15/12/2026)."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for year in range(today.year + 1, today.year - YEARS_OFFERED, -1):
        offered = [Period(Kind.YEAR, year, cutoff=cut)]
        offered += [Period(Kind.HALF, year, i, cut) for i in (1, 2)]
        offered += [Period(Kind.QUARTER, year, i, cut) for i in range(1, 5)]
        offered += [Period(Kind.MONTH, year, i, cut) for i in range(1, 13)]
        begun = [(p.code, report_sheet.period_name(p, lang)) for p in offered if p.start <= today]
        if begun or year <= today.year:
            groups.append((str(year), begun))
    return groups


def cutoffs(lang: str) -> list[tuple[str, str]]:
    """The ways of counting a period's days the form offers, the calendar first."""
    return [(c.value, report_sheet.cutoff_name(c, lang)) for c in Cutoff]


def typed(
    code: str, offered: list[tuple[str, list[tuple[str, str]]]], lang: str
) -> tuple[str, str] | None:
    """The period typed in the address when the picker does not offer it (a year before
    those offered, one not begun, a malformed one), named as well as it can be, to be shown
    selected rather than the picker's first period."""
    code = code.strip()
    if not code or any(code == value for _, group in offered for value, _name in group):
        return None
    try:
        return code, report_sheet.period_name(periods.parse(code), lang)
    except Invalid:
        return code, code[:16]


def _communes(actor: Identity) -> list[areas.Commune]:
    if actor.role is AdminRole.PROVINCE_ADMIN:
        return list(areas.communes_of(actor.province_code))
    return []


async def _report(db: AsyncSession, area: Area, period: Period) -> Report:
    return await report.make(SqlMovementFigures(db), area, period, datetime.now(UTC))


async def _attempt(
    request: Request, db: AsyncSession, user: web.SignedIn, today: date
) -> tuple[Report | None, int, str]:
    """The report asked for, or the status and words of why not (`Forbidden` is raised)."""
    try:
        period, area = asked(request.query_params, user.identity, today)
        return await _report(db, area, period), 200, ""
    except Invalid as exc:
        return None, errors.status_of(exc), report_sheet.refusal(exc, user.lang)


def _page(
    request: Request, user: web.SignedIn, today: date, made: Report | None, status: int, error: str
) -> Response:
    params, lang = request.query_params, user.lang
    form = {
        "period": params.get("period", ""),
        "commune": params.get("commune", ""),
        "cutoff": params.get("cutoff", ""),
    }
    if made is not None:
        period = made.span.period
        form = {
            "period": period.code,
            "commune": made.area.commune_code,
            "cutoff": period.cutoff.value,
        }
    offered = choices(today, lang, _cutoff_or_calendar(form["cutoff"]))
    return web.page(
        request,
        user,
        "reports/index.html",
        status,
        error=error,
        form=form,
        choices=offered,
        typed=typed(form["period"], offered, lang),
        communes=_communes(user.identity),
        report=made,
        heading=report_sheet.title(lang),
        unit=report_sheet.unit(made, lang) if made else "",
        span=report_sheet.span_name(made.span, lang) if made else "",
        cutoff=report_sheet.cutoff_line(made, lang) if made else "",
        cutoffs=cutoffs(lang),
        made_on=report_sheet.made(made, lang) if made else "",
        columns=report_sheet.columns(made, lang) if made else (),
        sections=report_sheet.lines(made, lang) if made else [],
        notes=report_sheet.notes(made, lang) if made else [],
        shown=lambda value: report_sheet.shown(value, lang),
        shown_change=lambda line: report_sheet.shown_change(line, lang),
        download=f"/admin/reports/report.xlsx?{urlencode(_query(form))}" if made else "",
    )


def _cutoff_or_calendar(text: str) -> Cutoff:
    """The form's cut-off; one that cannot be read was refused already: the calendar's."""
    try:
        return periods.cutoff(text)
    except Invalid:
        return Cutoff.CALENDAR


def _query(form: dict[str, str]) -> dict[str, str]:
    """The download's query: the calendar, the default, is left out."""
    return {k: v for k, v in form.items() if not (k == "cutoff" and v == Cutoff.CALENDAR)}


@router.get("/reports")
async def reports_page(request: Request, db: web.Db, user: web.Officer) -> Response:
    today = local_date(datetime.now(UTC))
    made, status, error = await _attempt(request, db, user, today)
    return _page(request, user, today, made, status, error)


@router.get("/reports/report.xlsx")
async def report_xlsx(request: Request, db: web.Db, user: web.Officer) -> Response:
    """The spreadsheet; what cannot be read gets the page with the reason instead."""
    today = local_date(datetime.now(UTC))
    made, status, error = await _attempt(request, db, user, today)
    if made is None:
        return _page(request, user, today, made, status, error)
    body = await asyncio.to_thread(report_sheet.to_xlsx, made, user.lang)
    name = report_sheet.filename(made)
    headers = {**errors.NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=report_sheet.XLSX_TYPE, headers=headers)
