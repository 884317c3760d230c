"""The unit's 19/8 honour list in the panel (issue 20): /admin/honour, and its export as
/admin/honour/export.csv and /admin/honour/export.xlsx, each for one year (`?year=`).

The commune's chief reads their commune's list, a province admin their province's; an officer
or a leader gets 403. The names are opened only to be shown here or put in the file, and every
reading (page or file) is written to the audit log with the year, the count and the form
(storage/honour.py). The list names people and their commune, nothing else: no tip, no date.

A year's list is the one for 19/8 of that year, a snapshot (handlers/honour_year.py): the
names given up to 31/7, readable from 1/8. Before that the page says when it opens and shows
neither names nor a count, and its files are refused. The page opens on the newest list
that is open. A year that is not one of the lists, or a file asked for too early, shows the
page again with the reason in words (its dates filled in) and the years to choose from.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from admin import auth, errors, web
from admin.audit_details import plural_id
from admin.export import CSV_TYPE, XLSX_TYPE
from content.i18n import translate
from handlers.errors import Invalid
from handlers.honour_year import last_day, window
from storage import honour
from storage.db import AsyncSession

router = APIRouter(prefix="/admin", include_in_schema=False)


def _(msgid: str) -> str:
    """Marks a catalog id chosen at run time, so that the catalog check sees it used."""
    return msgid


# Words found at run time: the tip page's "done" and the refusals (admin/errors.py).
BUILT_IDS = (
    _("panel.done.thank"),
    _("panel.error.thank_chief"),
    _("panel.error.thank_not_closed"),
    _("panel.error.thank_not_useful"),
    _("panel.error.thank_twice"),
    _("panel.error.honour_role"),
    _("panel.error.honour_year"),
    _("panel.error.honour_not_open"),
    # The audit log's count of names read (admin/audit.py `in_words`, admin/audit_words.py).
    _("panel.audit.fact.honour.rows.one"),
    _("panel.audit.fact.honour.rows.other"),
    # The page's counts, in words for one and for more (`_counted`).
    _("panel.honour.count"),
    _("panel.honour.unreadable"),
    _("panel.honour.count.one"),
    _("panel.honour.count.other"),
    _("panel.honour.unreadable.one"),
    _("panel.honour.unreadable.other"),
)
HEADER = (_("panel.honour.col.number"), _("panel.honour.col.name"), _("panel.honour.col.commune"))


async def _read(
    request: Request, db: AsyncSession, user: web.SignedIn, fmt: str
) -> honour.HonourList:
    now = datetime.now(UTC)
    honour.check_reads(user.identity)  # Forbidden before the year is even looked at
    year = honour.checked_year(request.query_params.get("year", ""), now)
    return await honour.honour_list(
        db,
        web.sealer(request),
        user.identity,
        year,
        fmt=fmt,
        ip=auth.client_ip(request),
        now=now,
    )


def _show(
    request: Request,
    user: web.SignedIn,
    found: honour.HonourList | None,
    *,
    status: int = 200,
    error: str = "",
) -> Response:
    """The page: one year's list (`found`), or none with the reason it is not shown."""
    latest = honour.latest_year(datetime.now(UTC))
    shown: dict[str, str] = {}
    if found is not None:
        start, _end = window(found.year)
        shown = {
            "since": start.strftime("%d/%m/%Y"),
            "until": last_day(found.year),
            "count_text": _counted("panel.honour.count", len(found.names), user.lang),
            "unreadable_text": _counted("panel.honour.unreadable", found.unreadable, user.lang),
        }
    return web.page(
        request,
        user,
        "honour/list.html",
        status,
        found=found,
        error=error,
        years=list(range(latest, honour.FIRST_YEAR - 1, -1)),
        province=user.identity.role.value == "province_admin",
        **shown,
    )


def _counted(msgid: str, count: int, lang: str) -> str:
    """ "1 name", "3 names": the catalog's `.one` or `.other` form (admin/audit_words.py)."""
    return translate(plural_id(msgid, count, lang), lang, {"count": count})


def _refused(request: Request, user: web.SignedIn, exc: Invalid) -> Response:
    """A year that is no list, a file of a list not open yet: the page and the reason, its
    parameters filled in (the panel's error page would show the bare placeholders)."""
    message = translate(f"panel.error.{exc.code}", user.lang, exc.params)
    return _show(request, user, None, status=errors.status_of(exc), error=message)


@router.get("/honour")
async def page(request: Request, db: web.Db, user: web.Officer) -> Response:
    try:
        found = await _read(request, db, user, "page")
    except Invalid as exc:
        return _refused(request, user, exc)
    return _show(request, user, found)


def _filename(found: honour.HonourList, user: web.SignedIn, extension: str) -> str:
    identity = user.identity
    area = (
        identity.province_code if identity.role.value == "province_admin" else identity.commune_code
    )
    return f"binhyen-honour-{area}-{found.year}.{extension}"


async def _export(request: Request, db: AsyncSession, user: web.SignedIn, fmt: str) -> Response:
    """Read and audit, then build the file away from the event loop; the audit row commits
    with the answer, before the file leaves."""
    try:
        found = await _read(request, db, user, fmt)
    except Invalid as exc:
        return _refused(request, user, exc)
    header = [translate(h, user.lang) for h in HEADER]
    name = _filename(found, user, fmt)
    headers = {**errors.NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        body = await asyncio.to_thread(honour.to_csv, found, header)
        return Response(body, media_type=CSV_TYPE, headers=headers)
    title = translate("panel.honour.sheet", user.lang, {"year": found.year})
    body = await asyncio.to_thread(honour.to_xlsx, found, header, title)
    return Response(body, media_type=XLSX_TYPE, headers=headers)


@router.get("/honour/export.csv")
async def export_csv(request: Request, db: web.Db, user: web.Officer) -> Response:
    return await _export(request, db, user, "csv")


@router.get("/honour/export.xlsx")
async def export_xlsx(request: Request, db: web.Db, user: web.Officer) -> Response:
    return await _export(request, db, user, "xlsx")
