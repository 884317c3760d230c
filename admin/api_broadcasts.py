"""The broadcasts in the JSON API (/api/v1/broadcasts): make one, decide on a leader's,
cancel one, read one with its counts, list them. Each route runs the use case
(handlers/broadcasts/) on the request's session over `SqlBroadcastStore`; authentication,
the error shape and the body limit are the rest of the API's (admin/api.py), but for the
making of one, whose body may carry a photo in base64 (api_broadcast_models.py). An area or a
broadcast outside the caller's reach is 404, as a tip is."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Protocol

from fastapi import Path, Query, Request

from admin import api, web
from admin.api_broadcast_models import (
    BroadcastIn,
    BroadcastList,
    BroadcastOut,
    BroadcastSummary,
    CountsOut,
    Created,
    RejectIn,
)
from handlers.broadcasts import compose, decide, read
from handlers.broadcasts.photo import MAX_PHOTO_BYTES
from handlers.broadcasts.ports import Broadcast
from handlers.broadcasts.words import Counts, MessageState
from storage.broadcasts import SqlBroadcastStore, photos

router = api.new_router()
BroadcastId = Annotated[str, Path(description="The broadcast's id.", max_length=36)]
ERRORS: api.Responses = {**api.ACTION_ERRORS}
ERRORS[404] = {**ERRORS[404], "description": "No such broadcast or area in the caller's reach."}
ERRORS[409] = {**ERRORS[409], "description": "Decided already, cancelled, or over the daily limit."}
TAGS: list[str | Enum] = ["broadcasts"]
# A new broadcast's body: the API's limit, and room for a photo in base64 (4 characters for 3
# bytes) well past its own limit, so that one a little too large is answered photo_size (the
# limit named), not cut off with 413.
MAX_CREATE_BODY = api.MAX_BODY + 3 * MAX_PHOTO_BYTES


class _Settings(Protocol):
    @property
    def leader_broadcasts_per_day(self) -> int: ...


def limits_of(request: Request) -> compose.Limits:
    """The service's limits on broadcasts (bot/settings.py, in app.state.settings)."""
    settings: _Settings = request.app.state.settings
    return compose.Limits(settings.leader_broadcasts_per_day)


def _counts(found: dict[MessageState, int]) -> CountsOut:
    return CountsOut(**{state.value: found.get(state, 0) for state in MessageState})


def broadcast_out(progress: read.Progress) -> BroadcastOut:
    b, counts = progress.broadcast, progress.counts
    return BroadcastOut(
        id=b.id,
        status=progress.shown_status,
        kind=b.kind,
        text=b.text,
        sender_id=b.sender_id,
        sender_role=b.sender_role,
        communes=list(b.communes),
        neighbourhoods=list(b.neighbourhoods),
        created_at=b.created_at,
        decided_at=b.decided_at,
        reject_reason=b.reject_reason,
        recipients=b.recipients,
        photo=bool(b.photo_ref),
        counts=_counts(counts.total),
        by_channel={channel: _counts(c) for channel, c in counts.by_channel.items()},
    )


def _progress_of(broadcast: Broadcast, counts: Counts) -> BroadcastOut:
    return broadcast_out(read.Progress(broadcast, counts))


@router.post(
    "/broadcasts",
    summary="Make a broadcast; a leader's awaits approval where the commune asks for it",
    response_model=Created,
    status_code=201,
    responses=ERRORS,
    tags=TAGS,
    max_body_size=MAX_CREATE_BODY,
)
async def create(request: Request, caller: api.Caller, db: web.Db, body: BroadcastIn) -> Created:
    limits = limits_of(request)
    data, ref, mime = body.photo(), "", ""
    if data is not None:  # checked and kept first: BadInput (422) for no JPEG/PNG, or too large
        ref, mime = await photos.keep(request.app.state.runtime.media.store, data)
    draft = compose.Draft(body.text, body.kind.value, body.communes, body.neighbourhoods, ref, mime)
    made = await compose.compose(
        SqlBroadcastStore(db), caller, draft, limits=limits, ip=api.client_ip(request)
    )
    return Created(id=made.id, status=made.status.value)


@router.get(
    "/broadcasts",
    summary="Broadcasts the caller may see, newest first",
    response_model=BroadcastList,
    responses=api.ERRORS,
    tags=TAGS,
)
async def listing(
    caller: api.Caller,
    db: web.Db,
    status: Annotated[
        str, Query(max_length=16, description="pending, rejected, sending or cancelled")
    ] = "",
    before: Annotated[str, Query(max_length=36, description="From next_before")] = "",
    limit: Annotated[int, Query(ge=1, le=read.MAX_LIST)] = 50,
) -> BroadcastList:
    found = await read.listing(
        SqlBroadcastStore(db), caller, status=status, before=before, limit=limit + 1
    )
    items = [
        BroadcastSummary(
            id=b.id,
            status=b.status.value,
            kind=b.kind,
            text=b.text,
            sender_role=b.sender_role,
            communes=list(b.communes),
            created_at=b.created_at,
            recipients=b.recipients,
            photo=bool(b.photo_ref),
        )
        for b in found[:limit]
    ]
    more = len(found) > limit
    return BroadcastList(items=items, next_before=items[-1].id if more else None)


@router.get(
    "/broadcasts/{broadcast_id}",
    summary="One broadcast and what became of its messages, per channel",
    response_model=BroadcastOut,
    responses=ERRORS,
    tags=TAGS,
)
async def one(caller: api.Caller, db: web.Db, broadcast_id: BroadcastId) -> BroadcastOut:
    return broadcast_out(await read.progress(SqlBroadcastStore(db), caller, broadcast_id))


async def _answer(store: SqlBroadcastStore, broadcast: Broadcast) -> BroadcastOut:
    return _progress_of(broadcast, await store.counts(broadcast.id))


@router.post(
    "/broadcasts/{broadcast_id}/approve",
    summary="Approve a leader's notice (police of its area); its messages are queued",
    response_model=BroadcastOut,
    responses=ERRORS,
    tags=TAGS,
)
async def approve(
    request: Request, caller: api.Caller, db: web.Db, broadcast_id: BroadcastId
) -> BroadcastOut:
    store = SqlBroadcastStore(db)
    done = await decide.approve(store, caller, broadcast_id, ip=api.client_ip(request))
    return await _answer(store, done)


@router.post(
    "/broadcasts/{broadcast_id}/reject",
    summary="Reject a leader's notice, with a reason the leader reads",
    response_model=BroadcastOut,
    responses=ERRORS,
    tags=TAGS,
)
async def reject(
    request: Request, caller: api.Caller, db: web.Db, broadcast_id: BroadcastId, body: RejectIn
) -> BroadcastOut:
    store = SqlBroadcastStore(db)
    done = await decide.reject(store, caller, broadcast_id, body.reason, ip=api.client_ip(request))
    return await _answer(store, done)


@router.post(
    "/broadcasts/{broadcast_id}/cancel",
    summary="Stop a broadcast: what is sent stays sent, nothing more goes out",
    response_model=BroadcastOut,
    responses=ERRORS,
    tags=TAGS,
)
async def cancel(
    request: Request, caller: api.Caller, db: web.Db, broadcast_id: BroadcastId
) -> BroadcastOut:
    store = SqlBroadcastStore(db)
    done = await decide.cancel(store, caller, broadcast_id, ip=api.client_ip(request))
    return await _answer(store, done)
