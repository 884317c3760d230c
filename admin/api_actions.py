"""The actions on a tip in the JSON API (/api/v1/tips/{tip_id}/...): each parses its body,
runs the casework use case (handlers/casework/) on the request's session and answers with the
tip as it is now; the reveal answers with the contact details. Authentication, the error shape
and the body limit are the rest of the API's (admin/api.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request

from admin import api, web
from admin.api_models import (
    AssignIn,
    CloseIn,
    ContactOut,
    ExtendIn,
    ForwardIn,
    NoteIn,
    QuestionIn,
    RevealIn,
    TipOut,
    UrgencyIn,
)
from handlers import casework as cases
from handlers.people import Identity
from storage.casework import SqlCaseStore
from storage.db import AsyncSession

router = api.new_router()


def _action(path: str, summary: str, **extra: Any) -> Callable[[Any], Any]:
    return router.post(
        f"/tips/{{tip_id}}/{path}",
        summary=summary,
        response_model=TipOut,
        responses=api.ACTION_ERRORS,
        tags=["actions"],
        **extra,
    )


async def _act(
    request: Request,
    db: AsyncSession,
    caller: Identity,
    tip_id: str,
    action: Callable[..., Awaitable[object]],
    *args: object,
) -> TipOut:
    """Run one casework action, `action(store, caller, tip_id, *args, ip=...)`, and answer with
    the tip as it is now. Outside the caller's area the action itself answers NotFound."""
    await action(SqlCaseStore(db), caller, tip_id, *args, ip=api.client_ip(request))
    return await api.detail_out(db, caller, tip_id)


@_action("take", "Take the tip on (officers and chiefs)")
async def take(request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId) -> TipOut:
    return await _act(request, db, caller, tip_id, cases.take)


@_action("assign", "Give the tip to a colleague, or to nobody (chiefs and province admins)")
async def assign(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId, body: AssignIn
) -> TipOut:
    return await _act(request, db, caller, tip_id, cases.assign, body.assignee_id)


@_action("urgency", "Mark the tip urgent or not")
async def urgency(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId, body: UrgencyIn
) -> TipOut:
    return await _act(request, db, caller, tip_id, cases.set_urgency, body.urgent)


@_action("acknowledge", "Acknowledge the tip; the reporter is told it is being handled")
async def acknowledge(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId
) -> TipOut:
    return await _act(request, db, caller, tip_id, cases.acknowledge)


@_action("verify", "Start the preliminary check of an acknowledged tip")
async def verify(request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId) -> TipOut:
    return await _act(request, db, caller, tip_id, cases.verify)


@_action("questions", "Ask the reporter a question; the bot relays it under the tip code")
async def ask(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId, body: QuestionIn
) -> TipOut:
    return await _act(request, db, caller, tip_id, cases.ask_reporter, body.question)


@_action("forward", "Forward the tip to the competent investigation body")
async def forward(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId, body: ForwardIn
) -> TipOut:
    return await _act(request, db, caller, tip_id, cases.forward, body.to, body.note)


@_action("extend", "Extend the decision deadline, for a reason (at most twice)")
async def extend(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId, body: ExtendIn
) -> TipOut:
    return await _act(request, db, caller, tip_id, cases.extend_deadline, body.reason)


@_action("close", "Close the tip with a resolution; the reporter is told and asked to rate")
async def close(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId, body: CloseIn
) -> TipOut:
    return await _act(request, db, caller, tip_id, cases.close, body.resolution, body.note)


@_action("notes", "Add an internal note (never shown to the reporter)")
async def note(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId, body: NoteIn
) -> TipOut:
    return await _act(request, db, caller, tip_id, cases.add_note, body.body)


@router.post(
    "/tips/{tip_id}/reveal",
    summary="The reporter's contact details, for a reason written to the audit log",
    response_model=ContactOut,
    responses=api.ACTION_ERRORS,
    tags=["actions"],
)
async def reveal(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId, body: RevealIn
) -> ContactOut:
    contact = await cases.reveal_identity(
        SqlCaseStore(db),
        caller,
        tip_id,
        body.reason,
        web.sealer(request),
        ip=api.client_ip(request),
    )
    return ContactOut.model_validate(contact)
