"""A fake Zalo Official Account server: the Open API v3 paths the bot uses and OAuth v4, on
one free 127.0.0.1 port (point both BINHYEN_ZALO_OA_API_BASE and _OAUTH_BASE at `api_base`),
served by uvicorn in a background thread::

    with FakeZaloOA() as fake:
        fake.interact(USER)                        # USER wrote to the OA just now
        ...                                        # the bot sends CS messages
        assert fake.texts(USER) == ["Xin chào"]

Like Zalo, errors come with HTTP 200 and `{"error": code, "message": ...}`:

- `POST /v3.0/oa/message/cs`: the `access_token` header must be the current token (-216 when
  missing, wrong, or expired by `expire_token()`); `recipient.user_id` and a `message` with a
  text of at most 2,000 characters and/or an attachment (-201 otherwise); buttons of the
  types oa.open.url / oa.query.show / oa.query.hide / oa.open.phone / oa.open.sms, each with
  a title (at most 35 characters, counted as UTF-16 units) and a payload of its type's shape
  (-201); the user must have interacted within 7 days (`interact()`; -230 otherwise).
- `POST /v3.0/oa/quota/message` (`{"user_id"}`): the last interaction, as Zalo reports it.
- `GET /v2.0/oa/getoa`: the OA's profile.
- `POST /v4/oa/access_token`: form body `app_id`, `grant_type=refresh_token`, `refresh_token`
  and the app secret in the `secret_key` header. Refresh tokens are single-use and rotate:
  each refresh answers a new pair (`acc-N`, `ref-N`, `expires_in` "90000") and kills the old
  refresh token. `oauth_delay` holds each answer back (to make refreshes overlap).
- `GET /files/<name>`: bytes added with `add_file()`.

`fail_next(what, error_code, message, times, http_status)` answers the next calls of a kind
("cs", "oauth", "quota", "getoa", "*") with an error. Every request is recorded (`calls()`).
`Webhooks` builds the event bodies Zalo posts and signs them (`sign`); `WORKED_EXAMPLE` is the
signature example of reference/zalo.md §3.3.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.server import ThreadedServer

APP_ID = "1163843031413526746"
OA_ID = "2197174064623873199"
OA_SECRET_KEY = "TEST_OA_SECRET"
APP_SECRET = "test-app-secret"
TEXT_LIMIT = 2000
TITLE_LIMIT = 35
WINDOW = 7 * 24 * 3600
BUTTON_TYPES = frozenset(
    {"oa.open.url", "oa.query.show", "oa.query.hide", "oa.open.phone", "oa.open.sms"}
)
INVALID_TOKEN = -216
BAD_PARAMETER = -201
OUTSIDE_WINDOW = -230
OAUTH_BAD_REFRESH = -14014
OAUTH_BAD_SECRET = -14002
KINDS = {
    "/v3.0/oa/message/cs": "cs",
    "/v3.0/oa/quota/message": "quota",
    "/v2.0/oa/getoa": "getoa",
    "/v4/oa/access_token": "oauth",
}

WORKED_EXAMPLE = {
    "app_id": APP_ID,
    "timestamp": "1609984527175",
    "secret": "TEST_OA_SECRET",
    "body": (
        b'{"app_id":"1163843031413526746","user_id_by_app":"2372735685249892743",'
        b'"event_name":"user_send_text","timestamp":"1609984527175",'
        b'"sender":{"id":"4339761418830368433"},"recipient":{"id":"2197174064623873199"},'
        b'"message":{"msg_id":"This is message id","text":"This is testing message"}}'
    ),
    "signature": "mac=2055f5b2faff80a2c78407e2a4d5f6a84957884907614adff1478e02d50c936a",
}


class ZaloFail(Exception):
    def __init__(self, code: int, message: str, http_status: int = 200) -> None:
        super().__init__(f"{code} {message}")
        self.code, self.message, self.http_status = code, message, http_status


@dataclass(slots=True)
class Call:
    """One request: `kind` is "cs", "oauth", "quota", "getoa" or "file"; `body` the decoded
    JSON or form; `token` the access_token header; `error` 0 when it succeeded."""

    kind: str
    path: str
    body: dict[str, Any]
    token: str
    at: float
    error: int = 0
    message: str = "Success"
    http_status: int = 200

    @property
    def ok(self) -> bool:
        return self.error == 0 and self.http_status == 200

    @property
    def user_id(self) -> str:
        return str((self.body.get("recipient") or {}).get("user_id", ""))

    @property
    def message_body(self) -> dict[str, Any]:
        value = self.body.get("message")
        return value if isinstance(value, dict) else {}


@dataclass(slots=True)
class _Failure:
    kind: str
    error: ZaloFail
    remaining: int


@dataclass
class _State:
    access_token: str
    refresh_token: str
    expired: bool = False
    generation: int = 0
    interactions: dict[str, float] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    failures: list[_Failure] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)


class FakeZaloOA(ThreadedServer):
    server_name = "Zalo OA"

    def __init__(
        self,
        app_id: str = APP_ID,
        app_secret: str = APP_SECRET,
        access_token: str = "acc-0",
        refresh_token: str = "ref-0",
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self._initial = (access_token, refresh_token)
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self.oauth_delay = 0.0
        self.reset()
        self.app = Starlette(
            routes=[
                Route("/v3.0/oa/message/cs", self._cs, methods=["POST"]),
                Route("/v3.0/oa/quota/message", self._quota, methods=["POST"]),
                Route("/v2.0/oa/getoa", self._getoa, methods=["GET"]),
                Route("/v4/oa/access_token", self._oauth, methods=["POST"]),
                Route("/files/{name}", self._file, methods=["GET"]),
                Route("/{rest:path}", self._unknown, methods=["GET", "POST"]),
            ]
        )

    # ---- arranging state ------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the first token pair; forget calls, interactions, failures and files."""
        with self._lock:
            self._state = _State(*self._initial)
            self.oauth_delay = 0.0

    @property
    def access_token(self) -> str:
        with self._lock:
            return self._state.access_token

    @property
    def refresh_token(self) -> str:
        with self._lock:
            return self._state.refresh_token

    def expire_token(self) -> None:
        """The current access token now answers -216 (a refresh gives a working one)."""
        with self._lock:
            self._state.expired = True

    def interact(self, user_id: str, at: float | None = None) -> None:
        """`user_id` interacted with the OA at `at` (epoch seconds; default now)."""
        with self._lock:
            self._state.interactions[user_id] = time.time() if at is None else at

    def add_file(self, name: str, content: bytes) -> str:
        """Serve `content` at /files/<name>; returns its URL."""
        with self._lock:
            self._state.files[name] = content
        return f"{self.api_base}/files/{name}"

    def fail_next(
        self,
        what: str,
        error_code: int,
        message: str = "injected failure",
        *,
        times: int = 1,
        http_status: int = 200,
    ) -> None:
        """Answer the next `times` calls of a kind ("cs", "oauth", "quota", "getoa", "*")
        or path with `{"error": error_code}` (HTTP 200 unless `http_status` says otherwise;
        a 5xx answers a plain-text body)."""
        kind = KINDS.get(what, what)
        with self._lock:
            self._state.failures.append(
                _Failure(kind, ZaloFail(error_code, message, http_status), times)
            )

    # ---- reading the record ---------------------------------------------------------------

    def calls(self, kind: str | None = None, *, ok: bool | None = None) -> list[Call]:
        with self._lock:
            return [
                c
                for c in self._state.calls
                if (kind is None or c.kind == kind) and (ok is None or c.ok == ok)
            ]

    def sent(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """The CS `message` objects delivered, in order (optionally to one user)."""
        return [
            c.message_body
            for c in self.calls("cs", ok=True)
            if user_id is None or c.user_id == user_id
        ]

    def texts(self, user_id: str | None = None) -> list[str]:
        return [m["text"] for m in self.sent(user_id) if "text" in m]

    # ---- HTTP -----------------------------------------------------------------------------

    def _record(self, call: Call) -> None:
        with self._lock:
            self._state.calls.append(call)

    def _injected(self, kind: str) -> None:
        with self._lock:
            for failure in self._state.failures:
                if failure.remaining > 0 and failure.kind in ("*", kind):
                    failure.remaining -= 1
                    if failure.remaining == 0:
                        self._state.failures.remove(failure)
                    raise failure.error

    async def _answer(
        self, request: Request, kind: str, body: dict[str, Any], handler: Any
    ) -> Response:
        token = request.headers.get("access_token", "")
        call = Call(kind, request.url.path, body, token, time.monotonic())
        try:
            self._injected(kind)
            data = handler(call)
        except ZaloFail as fail:
            call.error, call.message, call.http_status = fail.code, fail.message, fail.http_status
            self._record(call)
            if fail.http_status >= 500:
                return Response("upstream error", status_code=fail.http_status)
            return JSONResponse(
                {"error": fail.code, "message": fail.message}, status_code=fail.http_status
            )
        self._record(call)
        return JSONResponse({"error": 0, "message": "Success", "data": data})

    def _check_token(self, call: Call) -> None:
        with self._lock:
            valid = call.token == self._state.access_token and not self._state.expired
        if not valid:
            raise ZaloFail(INVALID_TOKEN, "Access token is invalid")

    async def _json(self, request: Request) -> dict[str, Any]:
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        return body if isinstance(body, dict) else {"_invalid": True}

    async def _cs(self, request: Request) -> Response:
        return await self._answer(request, "cs", await self._json(request), self._send)

    def _send(self, call: Call) -> dict[str, Any]:
        self._check_token(call)
        user = call.user_id
        message = call.body.get("message")
        if not user or not isinstance(message, dict):
            raise ZaloFail(BAD_PARAMETER, "Parameters are invalid")
        problem = _message_problem(message)
        if problem:
            raise ZaloFail(BAD_PARAMETER, f"Parameters are invalid: {problem}")
        with self._lock:
            last = self._state.interactions.get(user)
        if last is None or time.time() - last > WINDOW:
            raise ZaloFail(OUTSIDE_WINDOW, "User has not interacted with the OA in 7 days")
        return {"message_id": uuid.uuid4().hex, "user_id": user}

    async def _quota(self, request: Request) -> Response:
        def quota(call: Call) -> dict[str, Any]:
            self._check_token(call)
            with self._lock:
                last = self._state.interactions.get(str(call.body.get("user_id", "")))
            if last is None:
                raise ZaloFail(-232, "User has no interaction")
            return {
                "last_interaction": str(int(last * 1000)),
                "cs_reply": {"remain": 8, "total": 8},
            }

        return await self._answer(request, "quota", await self._json(request), quota)

    async def _getoa(self, request: Request) -> Response:
        def getoa(call: Call) -> dict[str, Any]:
            self._check_token(call)
            return {"oa_id": OA_ID, "name": "Bình Yên (thử nghiệm)", "is_verified": True}

        return await self._answer(request, "getoa", {}, getoa)

    async def _oauth(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        secret = request.headers.get("secret_key", "")
        if self.oauth_delay:
            await asyncio.sleep(self.oauth_delay)
        call = Call("oauth", request.url.path, form, "", time.monotonic())
        try:
            self._injected("oauth")
            pair = self._rotate(form, secret)
        except ZaloFail as fail:
            call.error, call.message, call.http_status = fail.code, fail.message, fail.http_status
            self._record(call)
            if fail.http_status >= 500:
                return Response("upstream error", status_code=fail.http_status)
            body = {"error": fail.code, "error_name": fail.message, "error_description": ""}
            return JSONResponse(body, status_code=fail.http_status)
        self._record(call)
        return JSONResponse(pair)

    def _rotate(self, form: dict[str, str], secret: str) -> dict[str, str]:
        if secret != self.app_secret or form.get("app_id") != self.app_id:
            raise ZaloFail(OAUTH_BAD_SECRET, "Invalid app_id or secret_key")
        if form.get("grant_type") != "refresh_token":
            raise ZaloFail(-14001, "Unsupported grant_type")
        with self._lock:
            state = self._state
            if form.get("refresh_token") != state.refresh_token:
                raise ZaloFail(OAUTH_BAD_REFRESH, "Invalid refresh token")
            state.generation += 1
            state.access_token = f"acc-{state.generation}"
            state.refresh_token = f"ref-{state.generation}"
            state.expired = False
            return {
                "access_token": state.access_token,
                "refresh_token": state.refresh_token,
                "expires_in": "90000",
            }

    async def _file(self, request: Request) -> Response:
        name = request.path_params["name"]
        with self._lock:
            content = self._state.files.get(name)
        self._record(Call("file", request.url.path, {}, "", time.monotonic()))
        if content is None:
            return Response(status_code=404)
        return Response(content, media_type="application/octet-stream")

    async def _unknown(self, request: Request) -> Response:
        return JSONResponse({"error": -404, "message": "Unknown API"}, status_code=404)


def _message_problem(message: dict[str, Any]) -> str:
    text = message.get("text")
    attachment = message.get("attachment")
    if text is None and attachment is None:
        return "message needs a text or an attachment"
    if text is not None and (not isinstance(text, str) or not text.strip()):
        return "text must be a non-empty string"
    if isinstance(text, str) and len(text) > TEXT_LIMIT:
        return f"text longer than {TEXT_LIMIT} characters"
    if attachment is None:
        return ""
    if not isinstance(attachment, dict) or attachment.get("type") != "template":
        return "attachment must be a template"
    payload = attachment.get("payload")
    if not isinstance(payload, dict):
        return "attachment payload missing"
    if "buttons" in payload:
        return _buttons_problem(payload["buttons"])
    if payload.get("template_type") == "media":
        elements = payload.get("elements")
        ok = isinstance(elements, list) and len(elements) == 1
        return "" if ok and ("url" in elements[0]) != ("attachment_id" in elements[0]) else "media"
    return "unknown template"


def _buttons_problem(buttons: Any) -> str:
    if not isinstance(buttons, list) or not buttons:
        return "buttons must be a non-empty list"
    for button in buttons:
        if not isinstance(button, dict) or button.get("type") not in BUTTON_TYPES:
            return "unknown button type"
        title = button.get("title")
        if not isinstance(title, str) or not title.strip():
            return "button title missing"
        if len(title.encode("utf-16-le")) // 2 > TITLE_LIMIT:  # counted strictly
            return "button title longer than 35 characters"
        payload, kind = button.get("payload"), button["type"]
        if kind.startswith("oa.query.") and not (isinstance(payload, str) and payload):
            return "query payload must be a string"
        if kind == "oa.open.url" and not (isinstance(payload, dict) and payload.get("url")):
            return "url payload needs url"
        if kind in ("oa.open.phone", "oa.open.sms") and not (
            isinstance(payload, dict) and str(payload.get("phone_code", "")).isdigit()
        ):
            return "phone payload needs phone_code digits"
    return ""


# ---- webhooks ---------------------------------------------------------------------------------


class Webhooks:
    """Webhook bodies as Zalo posts them (ids and timestamps are strings) and their signature.
    `at` is the event time in epoch seconds (default now)."""

    def __init__(
        self, app_id: str = APP_ID, oa_id: str = OA_ID, secret: str = OA_SECRET_KEY
    ) -> None:
        self.app_id, self.oa_id, self.secret = app_id, oa_id, secret
        self._ids: Iterator[int] = itertools.count(1)

    def msg_id(self) -> str:
        return f"{next(self._ids):04d}{uuid.uuid4().hex}"

    @staticmethod
    def stamp(at: float | None = None) -> str:
        return str(int((time.time() if at is None else at) * 1000))

    def message_event(
        self,
        name: str,
        user: str,
        message: dict[str, Any],
        *,
        at: float | None = None,
        msg_id: str | None = None,
    ) -> dict[str, Any]:
        return {
            "app_id": self.app_id,
            "user_id_by_app": f"7{user[-18:]}",
            "event_name": name,
            "timestamp": self.stamp(at),
            "sender": {"id": user},
            "recipient": {"id": self.oa_id},
            "message": {"msg_id": msg_id or self.msg_id(), **message},
        }

    def text(self, user: str, text: str, **kw: Any) -> dict[str, Any]:
        return self.message_event("user_send_text", user, {"text": text}, **kw)

    def _attached(
        self, name: str, user: str, kind: str, payload: dict[str, Any], text: str = "", **kw: Any
    ) -> dict[str, Any]:
        message: dict[str, Any] = {"attachments": [{"type": kind, "payload": payload}]}
        if text:
            message["text"] = text
        return self.message_event(name, user, message, **kw)

    def image(self, user: str, url: str, text: str = "", **kw: Any) -> dict[str, Any]:
        payload = {"url": url, "thumbnail": url}
        return self._attached("user_send_image", user, "image", payload, text, **kw)

    def gif(self, user: str, url: str, **kw: Any) -> dict[str, Any]:
        payload = {"url": url, "thumbnail": url}
        return self._attached("user_send_gif", user, "gif", payload, **kw)

    def file(self, user: str, url: str, name: str, size: int, **kw: Any) -> dict[str, Any]:
        payload = {
            "url": url,
            "size": str(size),
            "name": name,
            "checksum": hashlib.md5(url.encode()).hexdigest(),
            "type": name.rsplit(".", 1)[-1],
        }
        return self._attached("user_send_file", user, "file", payload, **kw)

    def audio(self, user: str, url: str, **kw: Any) -> dict[str, Any]:
        return self._attached("user_send_audio", user, "audio", {"url": url}, **kw)

    def video(self, user: str, url: str, **kw: Any) -> dict[str, Any]:
        payload = {"url": url, "thumbnail": url, "description": "video"}
        return self._attached("user_send_video", user, "video", payload, **kw)

    def sticker(self, user: str, **kw: Any) -> dict[str, Any]:
        payload = {"id": "bfe458bf64fa8da4d4eb", "url": "https://zalo.example/sticker.png"}
        return self._attached("user_send_sticker", user, "sticker", payload, **kw)

    def link(self, user: str, url: str, **kw: Any) -> dict[str, Any]:
        payload = {"url": url, "thumbnail": "", "description": "a link"}
        return self._attached("user_send_link", user, "link", payload, **kw)

    def location(self, user: str, lat: float, lon: float, **kw: Any) -> dict[str, Any]:
        payload = {"coordinates": {"latitude": str(lat), "longitude": str(lon)}}
        return self._attached("user_send_location", user, "location", payload, **kw)

    def _follower(self, name: str, user: str, at: float | None) -> dict[str, Any]:
        return {
            "oa_id": self.oa_id,
            "follower": {"id": user},
            "user_id_by_app": f"7{user[-18:]}",
            "event_name": name,
            "source": "oa_profile",
            "app_id": self.app_id,
            "timestamp": self.stamp(at),
        }

    def follow(self, user: str, at: float | None = None) -> dict[str, Any]:
        return self._follower("follow", user, at)

    def unfollow(self, user: str, at: float | None = None) -> dict[str, Any]:
        return self._follower("unfollow", user, at)

    def submit_info(
        self, user: str, phone: str, name: str = "Nguyễn Văn An", at: float | None = None
    ) -> dict[str, Any]:
        return {
            "sender": {"id": user},
            "recipient": {"id": self.oa_id},
            "event_name": "user_submit_info",
            "app_id": self.app_id,
            "timestamp": self.stamp(at),
            "info": {
                "name": name,
                "phone": phone,
                "full_address": {"user_city": "Hà Nội", "user_ward": "Ba Đình"},
            },
        }

    def oa_echo(self, user: str, text: str, at: float | None = None) -> dict[str, Any]:
        """The OA's own message, as Zalo echoes it (sender and recipient swapped)."""
        event = self.message_event("oa_send_text", user, {"text": text}, at=at)
        event["sender"], event["recipient"] = {"id": self.oa_id}, {"id": user}
        return event

    def group_text(self, group: str, user: str, text: str) -> dict[str, Any]:
        event = self.message_event("user_send_group_text", user, {"text": text})
        event["recipient"] = {"id": group}
        return event

    def other(self, name: str, **fields: Any) -> dict[str, Any]:
        return {"app_id": self.app_id, "event_name": name, "timestamp": self.stamp(), **fields}

    def sign(
        self, event: dict[str, Any] | bytes, *, secret: str | None = None, app_id: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The body bytes and headers Zalo would post (a signature over exactly these bytes)."""
        if isinstance(event, bytes):
            body, stamp = event, str(json.loads(event).get("timestamp", ""))
        else:
            body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
            stamp = str(event.get("timestamp", ""))
        mac = signature(app_id or self.app_id, body, stamp, secret or self.secret)
        return body, {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}


def signature(app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    """Computed here independently of the adapter, so that tests check one against the other."""
    return hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode()).hexdigest()
