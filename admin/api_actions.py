"""The actions on a tip in the JSON API (/api/v1/tips/{tip_id}/...): each parses its body,
runs the casework use case (handlers/casework/) on the request's session and answers with the
tip as it is now; the reveal answers with the contact details. Authentication, the error shape
and the body limit are the rest of the API's (admin/api.py). A refusal is a 4xx with a code
and changes nothing: the session is rolled back (web.Db). Deadlines are counted on the same
holiday calendar as the bot's (`workdays`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request

from admin import api, web
from admin.api_models import (
    AssignIn,
    CloseIn,
    ContactOut,
    ErrorBody,
    ExtendIn,
    ForwardIn,
    MediateIn,
    NoteIn,
    ProtectIn,
    QuestionIn,
    ResumeIn,
    RevealIn,
    TipOut,
    TrackIn,
    UrgencyIn,
)
from handlers import casework as cases
from handlers.people import Identity
from storage.casework import SqlCaseStore
from storage.db import AsyncSession

router = api.new_router()


def _errors(conflict: str = "", bad: str = "") -> api.Responses:
    """The action's refusals, with the codes it may answer (beside the general ones)."""
    found = dict(api.ACTION_ERRORS)
    for status, codes in ((409, conflict), (422, bad)):
        if codes:
            found[status] = {
                "model": ErrorBody,
                "description": f"{api.ACTION_ERRORS[status]['description']} Codes: {codes}.",
            }
    return found


def _action(
    path: str, summary: str, conflict: str = "", bad: str = "", **extra: Any
) -> Callable[[Any], Any]:
    return router.post(
        f"/tips/{{tip_id}}/{path}",
        summary=summary,
        response_model=TipOut,
        responses=_errors(conflict, bad),
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
    **kwargs: object,
) -> TipOut:
    """Run one casework action, `action(store, caller, tip_id, *args, ip=..., **kwargs)`, and
    answer with the tip as it is now. Outside the caller's area the action itself answers
    NotFound."""
    await action(
        SqlCaseStore(db, web.sealer(request)),
        caller,
        tip_id,
        *args,
        ip=api.client_ip(request),
        **kwargs,
    )
    return await api.detail_out(db, caller, tip_id)


@_action("take", "Take the tip on (officers and chiefs)")
async def take(request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId) -> TipOut:
    return await _act(request, db, caller, tip_id, cases.take)


@_action("assign", "Give the tip to a colleague, or to nobody (chiefs and province admins)")
async def assign(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId, body: AssignIn
) -> TipOut:
    return await _act(request, db, caller, tip_id, cases.assign, body.assignee_id)


@_action(
    "urgency",
    "Mark the tip urgent or not; the acknowledgement and forward deadlines are counted again",
    conflict="`closed`, `urgent_threatened` (the reporter said they are threatened)",
)
async def urgency(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId, body: UrgencyIn
) -> TipOut:
    return await _act(
        request, db, caller, tip_id, cases.set_urgency, body.urgent, workdays=web.workdays(request)
    )


@_action(
    "acknowledge",
    "Acknowledge the tip; the reporter is told it is received and under which procedure",
    conflict="`transition`",
)
async def acknowledge(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId
) -> TipOut:
    return await _act(request, db, caller, tip_id, cases.acknowledge)


@_action(
    "verify",
    "Start the preliminary check of an acknowledged tip (fire risks: the fire-safety check)",
    conflict="`transition` (a mediation is never verified)",
)
async def verify(request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId) -> TipOut:
    return await _act(request, db, caller, tip_id, cases.verify)


@_action("questions", "Ask the reporter a question; the bot relays it under the tip code")
async def ask(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId, body: QuestionIn
) -> TipOut:
    return await _act(request, db, caller, tip_id, cases.ask_reporter, body.question)


@_action(
    "forward",
    "Forward the tip to the competent body, named in `to`; the reporter is told where it went",
    conflict="`transition`, `suspended` (resume it first)",
    bad="`forward_to` (no receiving body), `forward_to_phone` (a phone number in the body's"
    " name), `note`",
)
async def forward(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId, body: ForwardIn
) -> TipOut:
    return await _act(
        request,
        db,
        caller,
        tip_id,
        cases.forward,
        body.to,
        body.note,
        workdays=web.workdays(request),
    )


@_action(
    "extend",
    "Extend the decision deadline of a forwarded crime report: the first time for a reason,"
    " the second only with the procuracy's decision (its number and date)",
    conflict="`closed`, `extension_none` (no decision deadline running: not forwarded yet,"
    " or suspended), `extension_late` (the deadline passed), `extension_limit` (no extension"
    " left), `extension_track` (the track's deadline is a service standard, never extended),"
    " `extension_request_late` (the second asked for too close to the end of the first)",
    bad="`reason`, `decision_number`, `decision_date`, `decision_date_future`,"
    " `decision_date_early`, `requested_on`",
)
async def extend(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId, body: ExtendIn
) -> TipOut:
    return await _act(
        request,
        db,
        caller,
        tip_id,
        cases.extend_deadline,
        body.reason,
        decision_number=body.decision_number,
        decision_date=body.decision_date,
        requested_on=body.requested_on,
        workdays=web.workdays(request),
    )


@_action(
    "track",
    "Run the tip on another track, for a reason: its deadlines are counted again from the"
    " day it was received, and the reporter is told which procedure now applies",
    conflict="`closed`, `track_locked` (forwarded or suspended), `track_extended` (its"
    " deadline was extended), `track_same`",
    bad="`track`, `reason`",
)
async def change_track(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId, body: TrackIn
) -> TipOut:
    return await _act(
        request,
        db,
        caller,
        tip_id,
        cases.change_track,
        body.track,
        body.reason,
        workdays=web.workdays(request),
    )


@_action(
    "mediate",
    "Hand a neighbourhood dispute to the commune's mediation team; the reporter is told",
    conflict="`transition` (not an acknowledged tip on the mediation track)",
    bad="`mediation_team`",
)
async def mediate(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId, body: MediateIn
) -> TipOut:
    return await _act(request, db, caller, tip_id, cases.mediate, body.team)


@_action(
    "resume",
    "Resume a suspended crime report, for a reason; a new decision deadline runs (back to"
    " `forwarded` when it had been forwarded)",
    conflict="`not_suspended`",
    bad="`reason`",
)
async def resume(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId, body: ResumeIn
) -> TipOut:
    return await _act(
        request, db, caller, tip_id, cases.resume, body.reason, workdays=web.workdays(request)
    )


@_action(
    "protect",
    "Record that the reporter asked for their identity to be kept secret, or is threatened"
    " (the tip becomes urgent); never lowered",
    conflict="`closed`",
    bad="`protection`",
)
async def protect(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId, body: ProtectIn
) -> TipOut:
    return await _act(
        request, db, caller, tip_id, cases.protect, body.protection, workdays=web.workdays(request)
    )


@_action(
    "close",
    "Decide the tip with an outcome of its track; the reporter is told and asked to rate it"
    " (`suspended` suspends a crime report instead)",
    conflict="`transition`, `transferred_unforwarded`, `decision_unforwarded` (the"
    " investigation body's decision, before the tip was forwarded)",
    bad="`resolution`, `resolution_track` (an outcome of another track)",
)
async def close(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId, body: CloseIn
) -> TipOut:
    return await _act(
        request,
        db,
        caller,
        tip_id,
        cases.close,
        body.resolution,
        body.note,
        workdays=web.workdays(request),
    )


@_action("notes", "Add an internal note (never shown to the reporter)")
async def note(
    request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId, body: NoteIn
) -> TipOut:
    return await _act(request, db, caller, tip_id, cases.add_note, body.body)


@_action(
    "thank",
    "Thank the reporter of a closed, useful tip in the commune police's name, once; the bot"
    " sends the thank-you by the tip code (the commune's chief)",
    conflict="`thank_not_closed`, `thank_not_useful`, `thank_twice`, `no_reporter`",
)
async def thank(request: Request, caller: api.Caller, db: web.Db, tip_id: api.TipId) -> TipOut:
    return await _act(request, db, caller, tip_id, cases.thank)


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
        SqlCaseStore(db, web.sealer(request)),
        caller,
        tip_id,
        body.reason,
        web.sealer(request),
        ip=api.client_ip(request),
    )
    return ContactOut.model_validate(contact)
