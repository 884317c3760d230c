"""The JSON API under /api/v1: the queue, a tip, its attachments and every action on it.

Each route is one unit of work over the same use cases as the panel (handlers/casework/, reads from
storage/casework/):
authenticate (`auth.api_identity`: a Bearer API token, or the panel's session cookie with an
X-CSRF-Token header on unsafe methods), call the use case, answer; `web.Db` commits once the
answer is ready, or rolls back when the route raised. Errors are always
`{"error": {"code", "message"}}` with the message from the catalogs ("panel.error.<code>") in
the language asked (`?lang=`, then Accept-Language, Vietnamese by default), and the status of
the refusal's kind (admin/errors.py, the same as the panel's). A tip outside the caller's area
is 404 on every route, exactly as a tip that does not exist, even where the caller's role could
not have acted on it anyway; a role that may not do something is 403. Every answer is
`Cache-Control: no-store`: no copy of a tip is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException  # what FastAPI raises; its own is a subclass

from admin import auth, errors, filters, web
from admin.api_models import (
    TRACKS,
    AttachmentOut,
    ColleagueOut,
    ErrorBody,
    ExtensionDecisionOut,
    Me,
    TipList,
    TipOut,
    TipSummary,
)
from admin.files import attachment_response
from handlers import casework as cases
from handlers.deadlines import Due
from handlers.errors import BadInput, NotFound
from handlers.people import Identity
from storage import casework
from storage.casework import QueueFilter, SqlCaseStore, TipDetail
from storage.db import AsyncSession

# Bodies past this are refused (413) before they are read whole. The largest valid one, a
# forward (200 + 4,000 characters, even all \u-escaped), fits.
MAX_BODY = 64 * 1024


BODY_UNREADABLE = [{"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"}]


def _fields(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Never the input itself: it may be a resident's words.
    return [
        {
            "loc": [p for p in e["loc"] if isinstance(p, str | int)],
            "msg": e["msg"],
            "type": e["type"],
        }
        for e in exc.errors()
    ]


class ApiRoute(APIRoute):
    """Answers invalid input in the API's one JSON shape, and marks every answer no-store.
    Refusals (handlers/errors.py) and 401 are answered by admin/errors.py."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                response = await handler(request)
            except RequestValidationError as exc:
                return errors.error_response(request, 422, "invalid_input", fields=_fields(exc))
            except HTTPException as exc:
                if exc.status_code != 400:
                    raise
                # FastAPI's own answer to a body it cannot read at all (not UTF-8, nested past
                # what json reads), in its shape: the API's instead, as for any other bad JSON.
                return errors.error_response(request, 422, "invalid_input", fields=BODY_UNREADABLE)
            for name, value in errors.NO_STORE.items():
                response.headers.setdefault(name, value)
            return response

        return guarded


Responses = dict[int | str, dict[str, Any]]
UNAUTHORIZED: Responses = {
    401: {"model": ErrorBody, "description": "No valid API token, or no session (with CSRF)."},
}
# The error answers of a route that reads with filters (other modules' API routes use it too).
ERRORS: Responses = {
    **UNAUTHORIZED,
    403: {"model": ErrorBody, "description": "The caller's role may not do this."},
    422: {"model": ErrorBody, "description": "The input is not valid (`fields` says where)."},
}
TIP_ERRORS: Responses = {
    **ERRORS,
    404: {"model": ErrorBody, "description": "No such tip in the caller's area."},
}
ACTION_ERRORS: Responses = {
    **TIP_ERRORS,
    409: {
        "model": ErrorBody,
        "description": "It is not in a state for this action; `code` says why (e.g."
        " `transition`, `closed`). Nothing was changed.",
    },
    422: {
        "model": ErrorBody,
        "description": "The input is not valid: `invalid_input` with `fields` where the body"
        " does not parse (a malformed date, a missing field), otherwise the rule's own code"
        " (e.g. `reason`, `note`). Nothing was changed.",
    },
}


def new_router() -> APIRouter:
    """A router of the API: its errors in the one JSON shape, its bodies within MAX_BODY."""
    return APIRouter(
        prefix="/api/v1", route_class=ApiRoute, responses=UNAUTHORIZED, max_body_size=MAX_BODY
    )


router = new_router()


# -- who is calling -------------------------------------------------------------------------


# Declared for the OpenAPI document only: api_identity reads the headers itself.
_BEARER = HTTPBearer(auto_error=False, description="An API token made on the account page.")
_SESSION = APIKeyCookie(
    name=auth.SESSION_COOKIE,
    auto_error=False,
    description="The panel's session; unsafe methods also need the X-CSRF-Token header.",
)


async def _caller(
    request: Request,
    db: web.Db,
    _token: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
    _session: Annotated[str | None, Depends(_SESSION)],
) -> Identity:
    identity = await auth.api_identity(request, db)
    if identity is None:
        raise errors.Unauthenticated()
    return identity


Caller = Annotated[Identity, Depends(_caller)]
TipId = Annotated[
    str, Path(description="The tip's id (a UUID) or its receipt code.", max_length=64)
]
# The database's row numbers are 32-bit integers: a number past them is no row, and it made
# the query itself fail, a 500 (issue 19's schemathesis run).
RowId = Annotated[int, Path(description="The row's number.", ge=-(2**31), le=2**31 - 1)]


def client_ip(request: Request) -> str:
    return auth.client_ip(request)


@router.get("/me", summary="Who is calling", response_model=Me, tags=["account"])
async def me(caller: Caller) -> Me:
    return Me(
        id=caller.id,
        username=caller.username,
        display_name=caller.display_name,
        role=caller.role,
        commune=caller.commune_code,
        province=caller.province_code,
        area=web.area_name(caller),
    )


# -- the queue ------------------------------------------------------------------------------


def _queue_filter(
    status: Annotated[
        str,
        Query(
            description="new, acknowledged, verifying, mediating, forwarded, suspended, closed"
            " or all; absent: every open tip"
        ),
    ] = "",
    category: Annotated[str, Query(max_length=32)] = "",
    urgent: Annotated[str, Query(description="1 or 0")] = "",
    overdue: Annotated[str, Query(description="1: only tips past their deadline")] = "",
    due_soon: Annotated[str, Query(description="1: only tips due today or tomorrow")] = "",
    assignee: Annotated[str, Query(description="me, none or a user id", max_length=20)] = "",
    received_from: Annotated[
        str, Query(alias="from", description="received on or after, YYYY-MM-DD", max_length=10)
    ] = "",
    received_to: Annotated[
        str, Query(alias="to", description="received on or before, YYYY-MM-DD", max_length=10)
    ] = "",
    # No max_length: a long search is cut to its first 200 characters (admin/filters.py), as
    # on the panel, and answers an empty page rather than a 422 (issue 20).
    q: Annotated[str, Query(description="words, a phone number, account, link or tip code")] = "",
    commune: Annotated[
        str, Query(description="5-digit commune code (province admins)", max_length=5)
    ] = "",
    track: Annotated[
        str,
        Query(description="Only tips on this track: " + ", ".join(TRACKS), max_length=32),
    ] = "",
    protection: Annotated[
        str, Query(description="1: only tips whose reporter asked for protection")
    ] = "",
) -> QueueFilter:
    found = filters.parse_filter(
        {
            "status": status,
            "category": category,
            "urgent": urgent,
            "overdue": overdue,
            "due_soon": due_soon,
            "assignee": assignee,
            "from": received_from,
            "to": received_to,
            "q": q,
            "commune": commune,
            "track": track,
            "protection": protection,
        }
    )
    return replace(found, track=_track_filter(track), protection=_protection_filter(protection))


def _track_filter(value: str) -> str | None:
    value = value.strip()
    if value and value not in TRACKS:
        raise BadInput("filter", "unknown track")
    return value or None


def _protection_filter(value: str) -> bool:
    value = value.strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise BadInput("filter", "protection must be 1 or 0")


Filter = Annotated[QueueFilter, Depends(_queue_filter)]


@router.get(
    "/tips",
    summary="The queue: tips in the caller's area, urgent and nearest deadline first",
    response_model=TipList,
    responses=ERRORS,
    tags=["tips"],
)
async def list_tips(
    caller: Caller,
    db: web.Db,
    f: Filter,
    cursor: Annotated[str | None, Query(max_length=200, description="From next_cursor")] = None,
    limit: Annotated[int, Query(ge=1, le=casework.MAX_PAGE_SIZE)] = casework.PAGE_SIZE,
) -> TipList:
    page = await casework.queue(db, caller, f, cursor=cursor or None, limit=limit)
    # The tabs' counts come with the first page only: a later page needs no new tabs.
    counts = None if cursor else await casework.status_counts(db, caller, f)
    return TipList(
        items=[TipSummary.model_validate(item) for item in page.items],
        next_cursor=page.next_cursor,
        counts=counts,
    )


# -- one tip --------------------------------------------------------------------------------


def _attachment_url(tip_id: str, attachment_id: int) -> str:
    return router.url_path_for("download_attachment", tip_id=tip_id, attachment_id=attachment_id)


# What tip_out makes itself rather than copying from TipDetail.
_MADE = frozenset({"attachments", "allowed", "next_kind", "extension_decision"})


def tip_out(detail: TipDetail) -> TipOut:
    data = {name: getattr(detail, name) for name in TipOut.model_fields if name not in _MADE}
    decision = None
    if detail.extension_decision and detail.extension_decision_on is not None:
        decision = ExtensionDecisionOut(
            number=detail.extension_decision, date=detail.extension_decision_on
        )
    return TipOut(
        **data,
        next_kind=Due(detail.next_kind) if detail.next_kind else None,
        extension_decision=decision,
        attachments=[
            AttachmentOut(
                id=a.id,
                kind=a.kind,
                mime=a.mime,
                size=a.size,
                sha256=a.sha256,
                received_at=a.received_at,
                url=_attachment_url(detail.id, a.id),
                metadata_summary=a.metadata_summary,
                metadata_removed=a.metadata_removed,
                received_sha256=a.received_sha256,
            )
            for a in detail.attachments
        ],
        allowed=sorted(detail.allowed),
    )


async def detail_out(db: AsyncSession, caller: Identity, tip_id: str) -> TipOut:
    return tip_out(await casework.tip_detail(db, caller, tip_id))


@router.get(
    "/tips/{tip_id}",
    summary="One tip: what the resident sent, timeline, attachments, related tips, actions",
    response_model=TipOut,
    responses=TIP_ERRORS,
    tags=["tips"],
)
async def get_tip(caller: Caller, db: web.Db, tip_id: TipId) -> TipOut:
    return await detail_out(db, caller, tip_id)


@router.get(
    "/tips/{tip_id}/attachments/{attachment_id}",
    summary="The bytes of one attachment (a download, never shown inline)",
    response_class=Response,
    responses={
        **TIP_ERRORS,
        200: {"content": {"application/octet-stream": {}}, "description": "The file."},
    },
    tags=["tips"],
)
async def download_attachment(
    request: Request, caller: Caller, db: web.Db, tip_id: TipId, attachment_id: RowId
) -> Response:
    ref = await casework.attachment(db, caller, tip_id, attachment_id)
    response = await attachment_response(request, ref, inline_images=False)
    if response is None:  # its bytes are gone from the store
        raise NotFound(detail="the file is gone")
    return response


@router.get(
    "/tips/{tip_id}/colleagues",
    summary="Who the tip can be assigned to: active officers and chiefs of its commune",
    response_model=list[ColleagueOut],
    responses=TIP_ERRORS,
    tags=["tips"],
)
async def tip_colleagues(caller: Caller, db: web.Db, tip_id: TipId) -> list[ColleagueOut]:
    detail = await casework.tip_detail(db, caller, tip_id)
    found = await cases.colleagues(SqlCaseStore(db), caller, detail.commune_code)
    return [ColleagueOut.model_validate(c) for c in found]
