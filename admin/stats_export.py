"""The statistics page as a file: `GET /admin/stats/export.csv` and `/admin/stats/export.xlsx`
(routes in admin/stats.py), with the page's period and commune.

The file holds what the page shows, in the panel's language: the figures, the deadlines with
their legal source, tips by week and category, and the counts by status, resolution and track.
Only counts leave, never a tip: nothing here names a reporter. CSV is one sheet of titled
sections, UTF-8 with a byte order mark so that Excel reads the Vietnamese; XLSX has a sheet
per part, typed cells (dates are dates, text never a formula) and bold headers. Every text
cell goes through the queue export's guard (admin/export.py): a commune or category name is
ours, but a spreadsheet must never run one as a formula.
"""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from admin import access, charts, errors, export, stats, web

# The queue export's cells: its formula guard, dd/mm/yyyy dates, typed XLSX cells.
from admin.export import text_cell, xlsx_cell
from content import areas
from content.i18n import translate
from handlers.deadlines import LOCAL_TZ, local_date
from handlers.people import AdminRole
from storage import stats as storage_stats
from storage.db import AsyncSession
from storage.stats import TipStats, Week


@dataclass(frozen=True)
class Table:
    """A titled table of one sheet: a header row, then rows of typed values."""

    title: str
    header: list[str]
    rows: list[list[Any]]
    widths: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Sheet:
    name: str
    tables: list[Table]


@dataclass(frozen=True)
class About:
    """Where the numbers come from: the area, the moment and who asked."""

    area: str
    at: datetime  # Vietnam wall-clock time
    username: str
    note: str = ""  # the end asked for was cut to today (admin/stats.py `cut_note`)


def _about(result: TipStats, about: About, lang: str) -> Table:
    commune = areas.commune(result.commune or "")
    rows: list[list[Any]] = [
        [translate("panel.export.area", lang), about.area],
        [translate("panel.stats.from", lang), result.period.start],
        [translate("panel.stats.to", lang), result.period.end],
        [translate("panel.export.exported_at", lang), about.at],
        [translate("panel.export.exported_by", lang), about.username],
    ]
    if commune:
        rows.insert(1, [translate("panel.stats.commune", lang), f"{commune.code} {commune.name}"])
    if about.note:  # beside the end date, so that nobody takes the file for the whole period
        at = next(i for i, row in enumerate(rows) if row[1] == result.period.end) + 1
        rows.insert(at, [translate("panel.stats.note", lang), about.note])
    return Table(translate("panel.stats.title", lang), [], rows, [34, 40])


def _figures(result: TipStats, lang: str) -> Table:
    hours = None if result.median_ack_hours is None else round(result.median_ack_hours, 1)
    average = None if result.rating_average is None else round(result.rating_average, 2)
    rows: list[list[Any]] = [
        [translate("panel.stats.total", lang), result.total],
        [translate("panel.stats.export.acknowledged", lang), result.acknowledged],
        [translate("panel.stats.export.median_ack_hours", lang), hours],
        [translate("panel.stats.overdue_now", lang), result.overdue_now],
        [translate("panel.stats.messages_waiting", lang), result.messages_waiting],
        [translate("panel.stats.export.ratings", lang), result.ratings],
        [translate("panel.stats.export.rating_average", lang), average],
    ]
    header = [
        translate("panel.stats.export.figure", lang),
        translate("panel.stats.export.value", lang),
    ]
    return Table(translate("panel.stats.export.figures", lang), header, rows, [34, 40])


def _deadlines(result: TipStats, lang: str) -> Table:
    header = [
        translate("panel.stats.deadline", lang),
        translate("panel.stats.due", lang),
        translate("panel.stats.on_time", lang),
        translate("panel.stats.late", lang),
        translate("panel.stats.export.share_percent", lang),
        translate("panel.stats.export.source", lang),
    ]
    rows = [_deadline_row(row) for row in stats.deadlines(result, lang)]
    return Table(translate("panel.stats.compliance", lang), header, rows, [34, 12, 12, 12, 14, 50])


def _deadline_row(row: stats.Deadline) -> list[Any]:
    bar = row.bar
    return [bar.label, bar.on_time + bar.late, bar.on_time, bar.late, bar.percent, row.citation]


def _weeks(result: TipStats, lang: str) -> Table:
    order = charts.category_order(list(result.by_category))
    names = [stats.category_name(c, lang) for c in order]
    header = [
        translate("panel.stats.week", lang),
        translate("panel.stats.from", lang),
        translate("panel.stats.to", lang),
        *names,
        translate("panel.stats.sum", lang),
    ]
    period = result.period
    rows: list[list[Any]] = [
        # The days of the week that the period counts: its first and last weeks may be cut.
        [charts.week_tick(w, lang), max(w.start, period.start), min(_sunday(w), period.end)]
        + [w.counts.get(c, 0) for c in order]
        + [w.total]
        for w in result.weeks
    ]
    totals = [result.by_category[c] for c in order]
    rows.append([translate("panel.stats.sum", lang), result.period.start, result.period.end])
    rows[-1] += [*totals, result.total]
    widths = [12, 12, 12, *(max(10, min(len(n) + 2, 28)) for n in names), 10]
    return Table(translate("panel.stats.by_week", lang), header, rows, widths)


def _sunday(week: Week) -> date:
    return week.start + timedelta(days=6)


def _counts(title: str, label: str, counts: dict[str, int], lang: str) -> Table:
    header = [translate(label, lang), translate("panel.stats.count", lang)]
    return Table(translate(title, lang), header, [[k, v] for k, v in counts.items()], [34, 12])


def _resolution(resolution: str, lang: str) -> str:
    if resolution == "none":
        return translate("panel.stats.resolution_none", lang)
    return translate(f"panel.resolution.{resolution}", lang)


def sheets(result: TipStats, about: About, lang: str) -> list[Sheet]:
    """What the page shows, table by table, in `lang`."""
    statuses = {translate(f"panel.status.{s}", lang): n for s, n in result.by_status.items()}
    resolutions = {_resolution(r, lang): n for r, n in result.by_resolution.items()}
    tracks = {stats.track_name(t, lang): n for t, n in result.by_track.items()}
    breakdown = [
        _counts("panel.stats.by_status", "panel.stats.status", statuses, lang),
        _counts("panel.stats.by_resolution", "panel.stats.resolution", resolutions, lang),
        _counts("panel.stats.by_track", "panel.stats.track", tracks, lang),
    ]
    return [
        Sheet(
            translate("panel.stats.export.sheet_summary", lang),
            [_about(result, about, lang), _figures(result, lang), _deadlines(result, lang)],
        ),
        Sheet(translate("panel.stats.export.sheet_weeks", lang), [_weeks(result, lang)]),
        Sheet(translate("panel.stats.export.sheet_breakdown", lang), breakdown),
    ]


def to_csv(parts: list[Sheet]) -> bytes:
    """Every table one after the other: its title, its header, its rows, a blank line."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    for sheet in parts:
        for table in sheet.tables:
            writer.writerow([text_cell(table.title)])
            if table.header:
                writer.writerow([text_cell(h) for h in table.header])
            for row in table.rows:
                writer.writerow([_csv_value(v) for v in row])
            writer.writerow([])
    return out.getvalue().encode("utf-8")


def _csv_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return text_cell(value)


def to_xlsx(parts: list[Sheet]) -> bytes:
    book = Workbook(write_only=True)
    for part in parts:
        sheet = book.create_sheet(part.name[:31])
        widths = [max(w) for w in _columns(part.tables)]
        for index, width in enumerate(widths, 1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        for number, table in enumerate(part.tables):
            if number:
                sheet.append([])
            sheet.append([xlsx_cell(sheet, table.title, bold=True)])
            if table.header:
                sheet.append([xlsx_cell(sheet, h, bold=True) for h in table.header])
            for row in table.rows:
                sheet.append([xlsx_cell(sheet, v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _columns(tables: list[Table]) -> list[list[int]]:
    """Each column's widths over the sheet's tables (12 where a table gives none)."""
    count = max(len(t.widths) for t in tables)
    return [[t.widths[i] if i < len(t.widths) else 12 for t in tables] for i in range(count)]


def filename(area: str, start: date, end: date, extension: str) -> str:
    """binhyen-stats-<area code>-<from>-<to>.<ext>."""
    return f"binhyen-stats-{area}-{start.isoformat()}-{end.isoformat()}.{extension}"


# -- the routes ------------------------------------------------------------------------------

router = APIRouter(prefix="/admin", include_in_schema=False)


def _area_code(user: web.SignedIn, commune: str | None) -> str:
    identity = user.identity
    if identity.role is AdminRole.PROVINCE_ADMIN:
        return commune or identity.province_code
    return identity.commune_code


async def _export(request: Request, db: AsyncSession, user: web.SignedIn, fmt: str) -> Response:
    """The page's numbers as a file: the same scope and query, an invalid one refused (422)
    rather than silently replaced by the default period as on the page."""
    access.require_police(user.identity)
    now = datetime.now(UTC)
    query = stats.parse_query(request.query_params, local_date(now))
    period, commune = query.period, query.commune
    result = await storage_stats.tip_stats(db, user.identity, period, commune=commune, now=now)
    about = About(
        web.area_name(user.identity),
        now.astimezone(LOCAL_TZ).replace(tzinfo=None, second=0, microsecond=0),
        user.identity.username,
        stats.cut_note(query, user.lang),
    )
    parts = sheets(result, about, user.lang)
    name = filename(_area_code(user, commune), period.start, period.end, fmt)
    headers = {**errors.NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        body = await asyncio.to_thread(to_csv, parts)
        return Response(body, media_type=export.CSV_TYPE, headers=headers)
    body = await asyncio.to_thread(to_xlsx, parts)
    return Response(body, media_type=export.XLSX_TYPE, headers=headers)


@router.get("/stats/export.csv")
async def export_csv(request: Request, db: web.Db, user: web.Officer) -> Response:
    return await _export(request, db, user, "csv")


@router.get("/stats/export.xlsx")
async def export_xlsx(request: Request, db: web.Db, user: web.Officer) -> Response:
    return await _export(request, db, user, "xlsx")
