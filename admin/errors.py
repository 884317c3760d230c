"""How the panel and the API answer a refusal: one table from the kinds of handlers/errors.py
to what each edge shows, registered once on the app (`install`).

The status is the same at both edges: NotFound 404, Forbidden 403, Conflict 409 (the thing is
not in a state for it: the client may not retry as is), BadInput 422 (what was sent is wrong).
A tip in another area is NotFound, never Forbidden. A refusal raised by a route under /api/ is
answered `{"error": {"code", "message"}}` (no-store, the message in the caller's language); any
other with the panel's error page, with the signed-in officer's menu when there is one. Routes
that show a form again with the reason catch `Invalid` themselves and take `status_of` it.

No bot column: the resident flows raise none of these kinds (they answer in words); one that
does gets its reply id beside the status here and a branch in bot/dispatcher.py's failure path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from admin import auth, web
from content.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate
from handlers.errors import BadInput, Conflict, DomainError, Forbidden, NotFound
from storage.blobs import BlobStoreUnavailable

API_PREFIX = "/api/"
STORE_DOWN = "store_unavailable"
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


@dataclass(frozen=True)
class Answer:
    status: int  # of the panel's error page and of the API's JSON alike
    page: str  # the page's words ("panel.error.<page>") when the code has none of its own


ANSWERS: dict[type[DomainError], Answer] = {
    NotFound: Answer(404, "not_found"),
    Forbidden: Answer(403, "forbidden"),
    Conflict: Answer(409, "generic"),
    BadInput: Answer(422, "generic"),
}


def answer_of(exc: DomainError) -> Answer:
    for kind in type(exc).__mro__:
        if kind in ANSWERS:
            return ANSWERS[kind]
    raise TypeError(f"{type(exc).__name__} is none of the kinds of handlers/errors.py")


def status_of(exc: DomainError) -> int:
    return answer_of(exc).status


class Unauthenticated(Exception):
    """An API call with no valid token, or no session (or a session without its CSRF header)."""


# -- the API's words --------------------------------------------------------------------------


def _(msgid: str) -> str:
    """Marks a catalog id for extraction; translated when the error is answered."""
    return msgid


MESSAGES = {
    "unauthorized": _("panel.error.unauthorized"),
    "store_unavailable": _("panel.error.store_unavailable"),
    "forbidden": _("panel.error.forbidden"),
    "not_found": _("panel.error.not_found"),
    "invalid_input": _("panel.error.invalid_input"),
    "filter": _("panel.error.filter"),
    "cursor": _("panel.error.cursor"),
    "transition": _("panel.error.transition"),
    "closed": _("panel.error.closed"),
    "anonymous": _("panel.error.anonymous"),
    "reveal_not_allowed": _("panel.error.reveal_not_allowed"),
    "contact_removed": _("panel.error.contact_removed"),
    "taken": _("panel.error.taken"),
    "reason": _("panel.error.reason"),
    "assignee": _("panel.error.assignee"),
    "question": _("panel.error.question"),
    "no_reporter": _("panel.error.no_reporter"),
    "forward_to": _("panel.error.forward_to"),
    "note": _("panel.error.note"),
    "extension_limit": _("panel.error.extension_limit"),
    "extension_late": _("panel.error.extension_late"),
    "resolution": _("panel.error.resolution"),
    "text": _("panel.error.text"),
    "text_length": _("panel.error.text_length"),
    "kind": _("panel.error.kind"),
    "communes": _("panel.error.communes"),
    "daily_limit": _("panel.error.daily_limit"),
    "broadcast_rejected": _("panel.error.broadcast_rejected"),
    "broadcast_sending": _("panel.error.broadcast_sending"),
    "broadcast_cancelled": _("panel.error.broadcast_cancelled"),
    "broadcast_decided": _("panel.error.broadcast_decided"),
    "neighbourhood_name": _("panel.error.neighbourhood_name"),
    "neighbourhood_code": _("panel.error.neighbourhood_code"),
    "neighbourhood_taken": _("panel.error.neighbourhood_taken"),
    "neighbourhood_taken_retired": _("panel.error.neighbourhood_taken_retired"),
    "neighbourhood_retired": _("panel.error.neighbourhood_retired"),
    "not_leader": _("panel.error.not_leader"),
}
GENERIC = {401: "unauthorized", 403: "forbidden", 404: "not_found"}


def api_lang(request: Request) -> str:
    """`?lang=` wins, then the best language of Accept-Language we have, then Vietnamese."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(request.headers.get("Accept-Language", "").split(",")[:20]):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, index, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def _has_words(msgid: str) -> bool:
    return translate(msgid, DEFAULT_LANGUAGE) != msgid


def error_message(code: str, status: int, lang: str, params: dict[str, Any] | None = None) -> str:
    """The catalog text of the code; a code without one gets its status's text."""
    msgid = MESSAGES.get(code) or f"panel.error.{code}"
    if not _has_words(msgid):
        msgid = MESSAGES[GENERIC.get(status, "invalid_input")]
    return translate(msgid, lang, params)


def error_response(
    request: Request,
    status: int,
    code: str,
    *,
    fields: Any = None,
    msgid: str = "",
    params: dict[str, Any] | None = None,
) -> JSONResponse:
    """The API's one error shape, {"error": {"code", "message"[, "fields"]}}, no-store.
    `msgid` gives a more specific message than the code's."""
    lang = api_lang(request)
    message = translate(msgid, lang, params) if msgid else error_message(code, status, lang, params)
    error: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    headers = dict(NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse({"error": error}, status_code=status, headers=headers)


# -- the handlers -----------------------------------------------------------------------------


def _page(
    request: Request, status: int, error: str, params: dict[str, Any] | None = None
) -> Response:
    """The panel's error page; `params` fill the message's placeholders ("{first}")."""
    user = web.current_user(request)
    said = {"error": error, "error_params": {k: str(v) for k, v in (params or {}).items()}}
    if user is None:
        return web.html("error.html", auth.request_lang(request), status, **said)
    return web.page(request, user, "error.html", status, **said)


async def _refusal(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    answer = answer_of(exc)
    if request.url.path.startswith(API_PREFIX):
        return error_response(request, answer.status, exc.code, params=exc.params)
    if _has_words(f"panel.error.{exc.code}"):
        return _page(request, answer.status, exc.code, exc.params)
    return _page(request, answer.status, answer.page)


async def _store_down(request: Request, exc: Exception) -> Response:
    """The file store (object storage) did not answer: 503, try again; the tip is there."""
    response: Response
    if request.url.path.startswith(API_PREFIX):
        response = error_response(request, 503, STORE_DOWN)
    else:
        response = _page(request, 503, STORE_DOWN)
    response.headers["Retry-After"] = "30"
    return response


async def _unauthenticated(request: Request, exc: Exception) -> Response:
    return error_response(request, 401, "unauthorized")


async def _csrf_refused(request: Request, exc: Exception) -> Response:
    """The form's own page, expired or forged: the panel's error page (403) saying so. Before
    sign-in it has no menu and the general words of a form that could not be sent."""
    assert isinstance(exc, web.CsrfRefused)
    if exc.user is None:
        return web.html("error.html", auth.request_lang(request), 403)
    return web.page(request, exc.user, "error.html", 403, error="csrf")


def install(app: FastAPI) -> None:
    for kind in ANSWERS:
        app.add_exception_handler(kind, _refusal)
    app.add_exception_handler(Unauthenticated, _unauthenticated)
    app.add_exception_handler(BlobStoreUnavailable, _store_down)
    app.add_exception_handler(web.CsrfRefused, _csrf_refused)
