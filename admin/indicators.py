"""Scam indicators under review: `GET /admin/indicators`, `POST /admin/indicators/{id}/confirm`
and `/reject`, and the same under /api/v1/indicators.

Police roles only (a leader gets 403). The list and the decisions are storage/
indicator_review.py; each decision is audited and the scam check answers by it at once.

Query parameters: `status` reported (default) / confirmed / rejected / all, `kind` phone /
domain / url / account, `q` (a number, account or link as written), `mine=1` (reported in a
tip of the caller's area), `cursor` (from the previous page), `limit` (API, at most 100).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from admin import access, auth, charts, errors, web
from admin.timefmt import day, local_date
from content import scamcheck, tips
from handlers.errors import BadInput, Invalid, NotFound
from handlers.tips.words import TipStatus
from storage import indicator_review as review
from storage.indicator_review import IndicatorFilter, IndicatorItem

router = APIRouter(prefix="/admin", include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["indicators"])
LIST = "/admin/indicators"
# A row's number past the database's integers is no row (it made the query fail, a 500).
IndicatorId = Annotated[int, Path(ge=-(2**31), le=2**31 - 1)]
KEEP = ("status", "kind", "q", "mine")  # what a decision's redirect keeps of the list


def _(msgid: str) -> str:
    """Marks a catalog id chosen at run time, so that the catalog check sees it used."""
    return msgid


BUILT_IDS = (
    _("panel.indicators.status.reported"),
    _("panel.indicators.status.confirmed"),
    _("panel.indicators.status.rejected"),
    _("panel.indicators.status.all"),
    _("panel.indicators.kind.phone"),
    _("panel.indicators.kind.domain"),
    _("panel.indicators.kind.url"),
    _("panel.indicators.kind.account"),
    _("panel.indicators.done.confirm"),
    _("panel.indicators.done.reject"),
    _("panel.indicators.not_found"),
)
NOT_FOUND = "panel.indicators.not_found"


def parse_filter(params: Mapping[str, str]) -> IndicatorFilter:
    """An IndicatorFilter from query parameters; `BadInput("filter")` when one is wrong."""
    mine = params.get("mine", "").strip().lower()
    if mine not in ("", "0", "1", "on", "true"):
        raise BadInput("filter", "mine must be 1 or 0")
    return review.check_filter(
        IndicatorFilter(
            status=params.get("status", "").strip() or "reported",
            kind=params.get("kind", "").strip() or None,
            q=params.get("q", "").strip()[: review.MAX_QUERY],
            mine=mine in ("1", "on", "true"),
        )
    )


def _query(f: IndicatorFilter, **more: str) -> str:
    params = {"status": f.status, "kind": f.kind or "", "q": f.q, "mine": "1" if f.mine else ""}
    return urlencode({k: v for k, v in {**params, **more}.items() if v})


@router.get("/indicators")
async def indicators_page(request: Request, db: web.Db, user: web.Officer) -> Response:
    access.require_police(user.identity)
    params = request.query_params
    status, error = 200, ""
    f = IndicatorFilter()
    try:
        f = parse_filter(params)
        page = await review.review_list(db, user.identity, f, cursor=params.get("cursor") or None)
    except Invalid as exc:
        status, error = errors.status_of(exc), access.error_message(exc.code, user.lang)
        page = await review.review_list(db, user.identity, IndicatorFilter())
    done = params.get("done", "")
    done_value = params.get("value", "")[:100] if done in review.DECISIONS else ""
    return web.page(
        request,
        user,
        "indicators/index.html",
        status,
        error=error,
        form={k: params.get(k, "") for k in KEEP},
        f=f,
        page=page,
        statuses=review.STATUS_FILTERS,
        kinds=scamcheck.KINDS,
        more_url=f"{LIST}?{_query(f, cursor=page.next_cursor)}" if page.next_cursor else "",
        back=_query(f),
        done=done if done_value else "",
        done_value=done_value,
        category_name=lambda c: _category(c, user.lang),
        day=local_date,
        short_day=day,
        number=lambda value: charts.number(value, user.lang),
    )


def _missing(request: Request, user: web.SignedIn) -> Response:
    return web.page(request, user, "indicators/missing.html", errors.ANSWERS[NotFound].status)


def _category(category: str, lang: str) -> str:
    found = tips.category(category)
    return found.label(lang) if found else category


@router.post("/indicators/{indicator_id}/{decision}")
async def decide_form(
    request: Request,
    db: web.Db,
    user: web.FormOfficer,
    indicator_id: IndicatorId,
    decision: str,
    back: Annotated[str, Form()] = "",
) -> Response:
    access.require_police(user.identity)
    if decision not in review.DECISIONS:
        return _missing(request, user)
    try:
        item = await review.decide(
            db, user.identity, indicator_id, decision, ip=auth.client_ip(request)
        )
    except NotFound:
        await db.rollback()
        return _missing(request, user)
    try:
        kept = _query(parse_filter(dict(_pairs(back))), done=decision, value=item.shown)
    except Invalid:
        kept = urlencode({"done": decision, "value": item.shown})
    return web.redirect(f"{LIST}?{kept}")


def _pairs(query: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in parse_qsl(query[:1000]) if k in KEEP]


# -- JSON -----------------------------------------------------------------------------------


class ReportingTipOut(BaseModel):
    id: str
    code: str
    category: str
    status: TipStatus
    commune_code: str
    received_on: date = Field(description="Vietnam date of receipt.")


class IndicatorOut(BaseModel):
    id: int
    kind: str = Field(description="phone, domain, url or account.")
    value: str = Field(description="Normalised: +84912345678, evil.xyz, bit.ly/abc, 0123456789.")
    bank: str = Field(description="Bank code of an account; empty otherwise.")
    shown: str = Field(description="As a resident writes it: 0912345678, VCB 0123456789.")
    status: str = Field(description="reported, confirmed or rejected.")
    source: str
    reports: int = Field(description="Distinct residents who reported it, nationwide.")
    first_seen: datetime
    last_seen: datetime
    decided_at: datetime | None
    decided_by: str
    tips: list[ReportingTipOut] = Field(description="Reporting tips in the caller's area.")
    tips_in_area: int


class IndicatorList(BaseModel):
    items: list[IndicatorOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


def _out(item: IndicatorItem) -> dict[str, Any]:
    return IndicatorOut.model_validate(item, from_attributes=True).model_dump(mode="json")


@api_router.get(
    "/indicators",
    response_model=IndicatorList,
    responses={401: {}, 403: {}, 422: {}},
    summary="Scam indicators, most reported first",
)
async def indicators_api(request: Request, db: web.Db) -> Response:
    caller = await access.api_police(request, db)
    params = request.query_params
    try:
        limit = int(params.get("limit") or review.PAGE_SIZE)
    except ValueError:
        raise BadInput("filter", "limit must be a number") from None
    page = await review.review_list(
        db, caller, parse_filter(params), cursor=params.get("cursor") or None, limit=limit
    )
    body = {"items": [_out(i) for i in page.items], "next_cursor": page.next_cursor}
    return JSONResponse(body, headers=errors.NO_STORE)


async def _decide_api(request: Request, db: web.Db, indicator_id: int, decision: str) -> Response:
    caller = await access.api_police(request, db)
    try:
        item = await review.decide(db, caller, indicator_id, decision, ip=auth.client_ip(request))
    except NotFound as exc:  # answered with the indicators' own words
        await db.rollback()
        return errors.error_response(request, errors.status_of(exc), exc.code, msgid=NOT_FOUND)
    return JSONResponse(_out(item), headers=errors.NO_STORE)


@api_router.post(
    "/indicators/{indicator_id}/confirm",
    response_model=IndicatorOut,
    responses={401: {}, 403: {}, 404: {}},
    summary="Confirm that an indicator serves a scam (audited)",
)
async def confirm_api(request: Request, db: web.Db, indicator_id: IndicatorId) -> Response:
    return await _decide_api(request, db, indicator_id, "confirm")


@api_router.post(
    "/indicators/{indicator_id}/reject",
    response_model=IndicatorOut,
    responses={401: {}, 403: {}, 404: {}},
    summary="Reject an indicator: the reports were unfounded (audited)",
)
async def reject_api(request: Request, db: web.Db, indicator_id: IndicatorId) -> Response:
    return await _decide_api(request, db, indicator_id, "reject")
