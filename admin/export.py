"""Export of the filtered queue for periodic reports: `GET /admin/tips/export.csv`,
`GET /admin/tips/export.xlsx` and `GET /api/v1/tips/export?format=csv|xlsx`.

The queue's filters apply (admin/filters.py), the rows come from `casework.export_rows`
(scoped to the caller's area, at most 100,000, audited with the filters used and the area
covered as the subject, so the commune's chief or the province's admins read it), and the
route's unit of work (`web.Db`) commits that audit row before the file leaves. Headers and
values are in the panel's language (Vietnamese unless English was chosen); dates are
dd/mm/yyyy and times Vietnam time.

CSV is UTF-8 with a byte order mark so that Excel reads the Vietnamese right, and a cell that
starts with = + - @ tab or CR gets a leading apostrophe: residents write free text, and a
spreadsheet must never run it as a formula. XLSX has typed cells (text is never a formula,
dates are dates), a bold frozen header, column widths, and a second sheet with the filters
and the time of the export.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from admin import access, auth, errors, filters, web
from admin.stats import track_name
from content import areas, tips
from content.i18n import translate
from handlers.audit import commune_subject, province_subject
from handlers.deadlines import LOCAL_TZ, local_date
from handlers.errors import BadInput
from handlers.people import AdminRole, Identity
from storage import casework
from storage.casework import ExportRow, QueueFilter
from storage.db import AsyncSession
from storage.tips_export import spreadsheet_safe

router = APIRouter(prefix="/admin", include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["export"])
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
# Characters a worksheet may not hold (openpyxl refuses them).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
DAY_FORMAT = "DD/MM/YYYY"
MOMENT_FORMAT = "DD/MM/YYYY HH:MM"


def _(msgid: str) -> str:
    """Marks a catalog id chosen at run time, so that the catalog check sees it used."""
    return msgid


@dataclass(frozen=True)
class Column:
    title: str  # catalog id of the header
    width: int  # characters, in the XLSX
    value: Callable[[ExportRow, str], Any]  # the cell's value in a language


def _yes_no(value: bool, lang: str) -> str:
    return translate("panel.export.yes", lang) if value else translate("panel.export.no", lang)


def _category(row: ExportRow, lang: str) -> str:
    found = tips.category(row.category)
    return found.label(lang) if found else row.category


def _commune(row: ExportRow, _lang: str) -> str:
    found = areas.commune(row.commune_code)
    return found.name if found else row.commune_code


def _moment(value: datetime | None) -> datetime | None:
    """Vietnam wall-clock time, without a zone (a spreadsheet cell has none)."""
    return None if value is None else value.astimezone(LOCAL_TZ).replace(tzinfo=None)


def _resolution(row: ExportRow, lang: str) -> str:
    return translate(f"panel.resolution.{row.resolution}", lang) if row.resolution else ""


COLUMNS = (
    Column(_("panel.export.col.code"), 12, lambda r, _l: r.code),
    Column(_("panel.export.col.received_on"), 12, lambda r, _l: r.received_on),
    Column(_("panel.export.col.category"), 28, _category),
    Column(
        _("panel.export.col.status"),
        22,
        lambda r, lang: translate(f"panel.status.{r.status.value}", lang),
    ),
    Column(_("panel.export.col.track"), 26, lambda r, lang: track_name(r.track, lang)),
    Column(_("panel.export.col.urgent"), 9, lambda r, lang: _yes_no(r.urgent, lang)),
    Column(_("panel.export.col.commune_code"), 9, lambda r, _l: r.commune_code),
    Column(_("panel.export.col.commune"), 22, _commune),
    Column(_("panel.export.col.ack_due"), 12, lambda r, _l: r.ack_due),
    Column(_("panel.export.col.forward_due"), 12, lambda r, _l: r.forward_due),
    Column(_("panel.export.col.forwarded_at"), 17, lambda r, _l: _moment(r.forwarded_at)),
    # Empty on a track with no decision deadline (the stored NO_DUE is never shown).
    Column(_("panel.export.col.decision_due"), 12, lambda r, _l: r.decision_due),
    Column(_("panel.export.col.extension_decision"), 20, lambda r, _l: r.extension_decision),
    Column(_("panel.export.col.extension_decision_on"), 12, lambda r, _l: r.extension_decision_on),
    Column(_("panel.export.col.next_due"), 12, lambda r, _l: r.next_due),
    Column(_("panel.export.col.acknowledged_at"), 17, lambda r, _l: _moment(r.acknowledged_at)),
    Column(_("panel.export.col.closed_at"), 17, lambda r, _l: _moment(r.closed_at)),
    Column(_("panel.export.col.resolution"), 30, _resolution),
    Column(_("panel.export.col.assignee"), 18, lambda r, _l: r.assignee),
    Column(_("panel.export.col.forwarded_to"), 24, lambda r, _l: r.forwarded_to),
    Column(_("panel.export.col.rating"), 9, lambda r, _l: r.rating),
    Column(_("panel.export.col.anonymous"), 9, lambda r, lang: _yes_no(r.anonymous, lang)),
    # Whether the reporter asked for protection: yes or no, never what they asked.
    Column(_("panel.export.col.protection"), 9, lambda r, lang: _yes_no(r.protection, lang)),
    Column(_("panel.export.col.address"), 30, lambda r, _l: r.address),
    Column(_("panel.export.col.description"), 60, lambda r, _l: r.description),
)


BUILT_IDS = (_("panel.error.format"),)


def header(lang: str) -> list[str]:
    return [translate(c.title, lang) for c in COLUMNS]


def text_cell(value: Any) -> str:
    """A value as CSV text: dd/mm/yyyy dates, and never something a spreadsheet runs."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return spreadsheet_safe(str(value))


def to_csv(rows: Sequence[ExportRow], lang: str) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header(lang))
    for row in rows:
        writer.writerow([text_cell(c.value(row, lang)) for c in COLUMNS])
    return out.getvalue().encode("utf-8")


@dataclass(frozen=True)
class ExportInfo:
    """What the second sheet says about the export."""

    at: datetime
    username: str
    area: str
    rows: int
    filters: list[tuple[str, str]]  # (label, value) of each filter in use


def xlsx_cell(ws: Any, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, str):
        value = _ILLEGAL.sub("", value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text stays text, even "=1+1"
    elif isinstance(value, datetime):
        cell.number_format = MOMENT_FORMAT
    elif isinstance(value, date):
        cell.number_format = DAY_FORMAT
    if bold:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    return cell


def to_xlsx(rows: Sequence[ExportRow], lang: str, info: ExportInfo) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(translate("panel.export.sheet_tips", lang)[:31])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.append([xlsx_cell(sheet, h, bold=True) for h in header(lang)])
    for row in rows:
        sheet.append([xlsx_cell(sheet, c.value(row, lang)) for c in COLUMNS])
    about = book.create_sheet(translate("panel.export.sheet_filters", lang)[:31])
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 60
    lines: list[tuple[str, Any]] = [
        (translate("panel.export.exported_at", lang), _moment(info.at)),
        (translate("panel.export.exported_by", lang), info.username),
        (translate("panel.export.area", lang), info.area),
        (translate("panel.export.rows", lang), info.rows),
    ]
    lines += info.filters or [(translate("panel.export.no_filter", lang), "")]
    for label, value in lines:
        about.append([xlsx_cell(about, label, bold=True), xlsx_cell(about, value)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- the filters, described --------------------------------------------------------------


def describe(f: QueueFilter, lang: str) -> list[tuple[str, str]]:
    """(label, value) of each filter in use, in words."""
    if f.status == "all":
        status = translate("panel.export.every_status", lang)
    elif f.status:
        status = translate(f"panel.status.{f.status}", lang)
    else:
        status = translate("panel.export.open_only", lang)
    category = tips.category(f.category or "")
    commune = areas.commune(f.commune or "")
    yes = _yes_no(True, lang)
    pairs = [
        (_("panel.export.filter.status"), status),
        (_("panel.export.filter.category"), category.label(lang) if category else f.category),
        (_("panel.export.filter.urgent"), None if f.urgent is None else _yes_no(f.urgent, lang)),
        (_("panel.export.filter.overdue"), yes if f.overdue else None),
        (_("panel.export.filter.due_soon"), yes if f.due_soon else None),
        (_("panel.export.filter.assignee"), f.assignee),
        (_("panel.export.filter.from"), text_cell(f.received_from)),
        (_("panel.export.filter.to"), text_cell(f.received_to)),
        (_("panel.export.filter.q"), f.q),
        (_("panel.export.filter.commune"), f"{f.commune} {commune.name}" if commune else f.commune),
    ]
    return [(translate(label, lang), value) for label, value in pairs if value]


def filename(actor: Identity, f: QueueFilter, today: date, extension: str) -> str:
    """binhyen-tips-<area>-<YYYY-MM-DD>.<ext>: the commune's code, or the province's."""
    if actor.role is AdminRole.PROVINCE_ADMIN:
        area = f.commune or actor.province_code
    else:
        area = actor.commune_code
    return f"binhyen-tips-{area}-{today.isoformat()}.{extension}"


def audit_area(actor: Identity, f: QueueFilter) -> str:
    """The area an export covers, as its audit row's subject: an officer's or a chief's
    commune; the commune a province admin chose if it is theirs, or else their province.
    A filter never widens the export (the caller's area bounds the query), nor this."""
    if actor.role is AdminRole.PROVINCE_ADMIN:
        chosen = areas.commune(f.commune or "")
        if chosen and chosen.province_code == actor.province_code:
            return commune_subject(chosen.code)
        return province_subject(actor.province_code)
    return commune_subject(actor.commune_code)


def area_label(actor: Identity) -> str:
    if actor.role is AdminRole.PROVINCE_ADMIN:
        province = areas.province(actor.province_code)
        return province.name if province else actor.province_code
    commune = areas.commune(actor.commune_code)
    return f"{actor.commune_code} {commune.name}" if commune else actor.commune_code


async def export(
    request: Request, db: AsyncSession, actor: Identity, f: QueueFilter, fmt: str, lang: str
) -> Response:
    """Read and audit, then build the file away from the event loop; the audit row is
    committed with the answer, before the file is sent."""
    now = datetime.now(UTC)
    query = filters.filter_query(f)
    rows = await casework.export_rows(
        db,
        actor,
        f,
        ip=auth.client_ip(request),
        now=now,
        filters=urlencode(query),
        subject=audit_area(actor, f),
    )
    name = filename(actor, f, local_date(now), fmt)
    headers = {**errors.NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        body = await asyncio.to_thread(to_csv, rows, lang)
        return Response(body, media_type=CSV_TYPE, headers=headers)
    info = ExportInfo(now, actor.username, area_label(actor), len(rows), describe(f, lang))
    body = await asyncio.to_thread(to_xlsx, rows, lang, info)
    return Response(body, media_type=XLSX_TYPE, headers=headers)


async def _page_export(
    request: Request, db: AsyncSession, user: web.SignedIn, fmt: str
) -> Response:
    access.require_police(user.identity)
    f = filters.parse_filter(request.query_params)
    return await export(request, db, user.identity, f, fmt, user.lang)


@router.get("/tips/export.csv")
async def export_csv(request: Request, db: web.Db, user: web.Officer) -> Response:
    return await _page_export(request, db, user, "csv")


@router.get("/tips/export.xlsx")
async def export_xlsx(request: Request, db: web.Db, user: web.Officer) -> Response:
    return await _page_export(request, db, user, "xlsx")


@api_router.get(
    "/tips/export",
    responses={
        200: {
            "content": {CSV_TYPE: {}, XLSX_TYPE: {}},
            "description": "The file, as an attachment.",
        },
        401: {},
        403: {},
        422: {},
    },
    summary="The filtered queue as CSV or XLSX (audited)",
)
async def export_api(request: Request, db: web.Db, format: str = "csv") -> Response:
    caller = await access.api_police(request, db)
    if format not in ("csv", "xlsx"):
        raise BadInput("format", "csv or xlsx")
    f = filters.parse_filter(request.query_params)
    return await export(request, db, caller, f, format, errors.api_lang(request))
