"""A fake Zalo Bot Platform API (`{api_base}/bot{token}/{method}`), served over real HTTP.

`FakeZaloBot` holds the state and records every call; its Starlette app runs under uvicorn
on 127.0.0.1 (a free port) in a background thread::

    with FakeZaloBot() as fake:                      # or fake.start() / fake.stop()
        client = ZaloBotClient(fake.token, fake.api_base)
        await client.send_message("6ede9afa66b88fe6d6a9", "xin chào")
        assert fake.sent_texts("6ede9afa66b88fe6d6a9") == ["xin chào"]

What it enforces, as the documentation describes the platform (docs: bot.zaloplatforms.com):

- the token in the path (401 `Unauthorized` otherwise), the nine methods (404 otherwise);
- JSON bodies (form bodies too, as python-zalo-bot sends), no unknown parameters, the
  required ones present and strings;
- text and caption 1-2,000 characters; sendPhoto's `photo` an http(s) URL; setWebhook's
  `url` https and its `secret_token` 8-256 characters; sendChatAction's `action` typing;
- getUpdates: one queued update per call, wrapped in `{ok, result}`; with none, error 408
  "Request timeout" after the long-poll wait (capped at `max_long_poll`, 0.5 s); refused
  (409) while a webhook is set;
- getWebhookInfo answers 404 while no webhook is set.

Errors are `{"ok": false, "error_code": N, "description": ...}` with HTTP status N (or 200
with `errors_as_http_200 = True`, which Zalo is also reported to do). Failures can be
injected (`fail_next`, `block_chat`); image bytes are served at `/files/<name>`
(`add_file`), so that photo URLs in updates point at the fake; `Updates` builds update
payloads (text, image, sticker, voice, unsupported; bare or wrapped; private or group).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.server import ApiCall, CallRecorder, ThreadedServer

DEFAULT_TOKEN = "1459232241454765289:fake-zalo-bot-secret"
MAX_TEXT = 2000
SECRET_RANGE = (8, 256)
CHAT_ACTIONS = frozenset({"typing", "upload_photo"})
METHODS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # method: (required, optional)
    "getMe": (frozenset(), frozenset()),
    "getUpdates": (frozenset(), frozenset({"timeout"})),
    "setWebhook": (frozenset({"url", "secret_token"}), frozenset()),
    "deleteWebhook": (frozenset(), frozenset()),
    "getWebhookInfo": (frozenset(), frozenset()),
    "sendMessage": (frozenset({"chat_id", "text"}), frozenset()),
    "sendPhoto": (frozenset({"chat_id", "photo"}), frozenset({"caption"})),
    "sendSticker": (frozenset({"chat_id", "sticker"}), frozenset()),
    "sendChatAction": (frozenset({"chat_id", "action"}), frozenset()),
}
_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: the user has blocked the bot",
    404: "Not Found",
    408: "Request timeout",
    409: "Conflict: getUpdates is not available while a webhook is set",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
GATEWAY_HTML = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


class ApiError(Exception):
    def __init__(
        self, code: int, description: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description or _DESCRIPTIONS.get(code, f"Error {code}")
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class Call(ApiCall):
    """One request the fake answered. `at` is time.monotonic() at arrival; `transport` is
    "json", "form" or "" (no body)."""

    transport: str = ""

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")


@dataclass
class _Failure:
    method: str
    error: ApiError
    remaining: int
    html: bool = False


@dataclass
class _File:
    content: bytes
    content_type: str


def _hex_id(n: int = 20) -> str:
    return secrets.token_hex(n // 2)


class Updates:
    """Update payloads as Zalo sends them (bare: `{event_name, message}`); `wrapped()` puts
    one in the documented `{ok, result}` envelope."""

    def event(
        self,
        event_name: str,
        chat_id: str,
        *,
        chat_type: str = "PRIVATE",
        user_id: str | None = None,
        display_name: str = "Người dân",
        message_id: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": message_id or _hex_id(),
            "date": int(time.time() * 1000),
            "chat": {"id": chat_id, "chat_type": chat_type},
            "from": {"id": user_id or chat_id, "display_name": display_name, "is_bot": False},
            **{k: v for k, v in fields.items() if v is not None},
        }
        return {"event_name": event_name, "message": message}

    def text(self, chat_id: str, text: str, **kw: Any) -> dict[str, Any]:
        return self.event("message.text.received", chat_id, text=text, **kw)

    def image(
        self,
        chat_id: str,
        url: str,
        *,
        caption: str | None = None,
        legacy: bool = False,
        **kw: Any,
    ) -> dict[str, Any]:
        """An image: `photo_url` (current), or `photo` (older bots) with `legacy=True`."""
        key = "photo" if legacy else "photo_url"
        return self.event("message.image.received", chat_id, caption=caption, **{key: url}, **kw)

    def sticker(self, chat_id: str, sticker: str = "bfe9e1fa9cbd75e32cac", **kw: Any) -> Any:
        url = f"https://zalo-api.zadn.vn/api/emoticon/sticker/webpc?eid={sticker}"
        return self.event("message.sticker.received", chat_id, sticker=sticker, url=url, **kw)

    def voice(self, chat_id: str, url: str, **kw: Any) -> dict[str, Any]:
        return self.event("message.voice.received", chat_id, voice_url=url, **kw)

    def unsupported(self, chat_id: str, **kw: Any) -> dict[str, Any]:
        return self.event("message.unsupported.received", chat_id, **kw)

    def group_text(self, group_id: str, user_id: str, text: str) -> dict[str, Any]:
        return self.text(group_id, text, chat_type="GROUP", user_id=user_id)

    @staticmethod
    def wrapped(update: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "result": update}


class FakeZaloBot(ThreadedServer, CallRecorder[Call]):
    """State, recorder and HTTP server of the fake. Thread-safe: the server runs in its own
    thread and event loop; tests arrange and read state from theirs."""

    server_name = "Zalo Bot"

    def __init__(self, token: str = DEFAULT_TOKEN, *, max_long_poll: float = 0.5) -> None:
        super().__init__()
        self.token = token
        self.bot_id = token.split(":", 1)[0]
        self._default_long_poll = max_long_poll
        self.updates = Updates()
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
                Route("/files/{name}", self._file, methods=["GET"]),
                Route("/{rest:path}", self._not_found, methods=["GET", "POST"]),
            ]
        )
        self.reset()

    # ---- arranging state ------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything: calls, files, updates, webhook, failures, blocks."""
        with self._lock:
            self._calls = []
            self._files: dict[str, _File] = {}
            self._downloads: list[str] = []
            self._queue: list[dict[str, Any]] = []
            self._webhook: dict[str, Any] = {"url": "", "secret_token": "", "updated_at": 0}
            self._failures: list[_Failure] = []
            self._blocked: set[str] = set()
            self._message_ids: Iterator[int] = itertools.count(1)
            self.max_long_poll = self._default_long_poll
            self.errors_as_http_200 = False

    def clear(self) -> None:
        """Forget the recorded calls (and downloads) only."""
        with self._lock:
            super().clear()
            self._downloads.clear()

    def add_file(self, name: str, content: bytes, content_type: str = "image/jpeg") -> str:
        """Serve `content` at /files/<name>; returns its URL (for photo_url in an update)."""
        with self._lock:
            self._files[name] = _File(content, content_type)
        return self.file_url(name)

    def file_url(self, name: str) -> str:
        return f"{self.api_base}/files/{name}"

    @property
    def downloads(self) -> list[str]:
        """Names of the files fetched from /files, in order."""
        with self._lock:
            return list(self._downloads)

    def queue_update(self, update: dict[str, Any]) -> None:
        """Queue an update (bare) for getUpdates, which hands out one per call."""
        with self._lock:
            self._queue.append(update)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._queue)

    @property
    def webhook(self) -> dict[str, Any]:
        """What setWebhook stored: url ("" when none), secret_token, updated_at (ms)."""
        with self._lock:
            return dict(self._webhook)

    def set_webhook_state(self, url: str, secret_token: str = "s3cret-token") -> None:
        """Arrange a webhook as if setWebhook had been called (not recorded as a call)."""
        with self._lock:
            self._webhook = {
                "url": url,
                "secret_token": secret_token if url else "",
                "updated_at": int(time.time() * 1000),
            }

    def webhook_headers(self) -> dict[str, str]:
        """The header Zalo sends with each webhook request."""
        secret = self.webhook.get("secret_token")
        return {"X-Bot-Api-Secret-Token": secret} if secret else {}

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        times: int = 1,
        *,
        retry_after: float | None = None,
        html: bool = False,
    ) -> None:
        """Answer the next `times` valid calls of `method` ("*": any method) with an error.
        `retry_after` adds parameters.retry_after (Zalo publishes none); `html` answers a
        gateway's HTML page with HTTP status `error_code` instead of the JSON envelope."""
        if method != "*" and method not in METHODS:
            raise ValueError(f"{method!r} is not a Zalo Bot API method")
        with self._lock:
            error = ApiError(error_code, description, retry_after)
            self._failures.append(_Failure(method, error, times, html))

    def block_chat(self, chat_id: str) -> None:
        """Every send to this chat answers 403 "the user has blocked the bot"."""
        with self._lock:
            self._blocked.add(str(chat_id))

    def unblock_chat(self, chat_id: str) -> None:
        with self._lock:
            self._blocked.discard(str(chat_id))

    # ---- reading the record ---------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "account_name": "bot.BinhYen",
            "account_type": "BASIC",
            "can_join_groups": False,
        }

    def sent_texts(self, chat_id: str | None = None) -> list[str]:
        """Texts of the successful sendMessage calls, in order (optionally to one chat)."""
        return [
            c.params["text"]
            for c in self.calls("sendMessage", ok=True)
            if chat_id is None or c.chat_id == chat_id
        ]

    # ---- HTTP -----------------------------------------------------------------------------

    def _answer(self, error: ApiError) -> Response:
        status = 200 if self.errors_as_http_200 else error.code
        if not 400 <= status <= 599:
            status = 200
        return JSONResponse(error.body(), status_code=status)

    async def _api(self, request: Request) -> Response:
        method: str = request.path_params["method"]
        call = Call(method=method, params={}, at=time.monotonic())
        try:
            call.params, call.transport = await _read_params(request)
            if request.path_params["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if method not in METHODS:
                raise ApiError(404, "Not Found")
            if request.method != "POST":
                raise ApiError(405, "Method Not Allowed")
            _check(method, call.params)
            self._injected(method, call.params)
            if method == "getUpdates":
                call.result = await self._get_updates(call.params)
            else:
                call.result = self._dispatch(method, call.params)
        except Exception as exc:
            error = exc if isinstance(exc, ApiError) else ApiError(500, f"fake crashed: {exc!r}")
            call.ok, call.error_code, call.description = False, error.code, error.description
            self._record(call)
            if isinstance(exc, _HtmlFailure):
                return Response(GATEWAY_HTML, status_code=error.code, media_type="text/html")
            return self._answer(error)
        self._record(call)
        if method == "sendChatAction":
            return JSONResponse({"ok": True})
        return JSONResponse({"ok": True, "result": call.result})

    def _injected(self, method: str, params: dict[str, Any]) -> None:
        """Raise an injected failure, or 403 for a send to a blocked chat."""
        with self._lock:
            if method.startswith("send") and str(params.get("chat_id")) in self._blocked:
                raise ApiError(403)
            for failure in self._failures:
                if failure.method in ("*", method):
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        self._failures.remove(failure)
                    if failure.html:
                        raise _HtmlFailure(failure.error)
                    raise failure.error

    def _dispatch(self, method: str, p: dict[str, Any]) -> Any:
        with self._lock:
            if method == "getMe":
                return self.me()
            if method == "setWebhook":
                self._webhook = {
                    "url": p["url"],
                    "secret_token": p["secret_token"],
                    "updated_at": int(time.time() * 1000),
                }
                return {"url": p["url"], "updated_at": self._webhook["updated_at"]}
            if method == "deleteWebhook":
                self._webhook = {"url": "", "secret_token": "", "updated_at": 0}
                return {"url": "", "updated_at": int(time.time() * 1000)}
            if method == "getWebhookInfo":
                if not self._webhook["url"]:
                    raise ApiError(404, "Not Found")
                return {"url": self._webhook["url"], "updated_at": self._webhook["updated_at"]}
            # sendMessage, sendPhoto, sendSticker
            return {
                "message_id": f"{next(self._message_ids):020x}",
                "date": int(time.time() * 1000),
            }

    async def _get_updates(self, p: dict[str, Any]) -> dict[str, Any]:
        wait = float(p.get("timeout") or 30)
        deadline = time.monotonic() + min(max(wait, 0.0), self.max_long_poll)
        while True:
            with self._lock:
                if self._webhook["url"]:
                    raise ApiError(409)
                if self._queue:
                    return self._queue.pop(0)
            if time.monotonic() >= deadline:
                raise ApiError(408, "Request timeout")
            await asyncio.sleep(0.01)

    async def _file(self, request: Request) -> Response:
        name = request.path_params["name"]
        with self._lock:
            stored = self._files.get(name)
            if stored is not None:
                self._downloads.append(name)
        if stored is None:
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(stored.content, media_type=stored.content_type)

    async def _not_found(self, request: Request) -> Response:
        return JSONResponse(ApiError(404).body(), status_code=404)


class _HtmlFailure(ApiError):
    def __init__(self, error: ApiError) -> None:
        super().__init__(error.code, error.description, error.retry_after)


async def _read_params(request: Request) -> tuple[dict[str, Any], str]:
    raw = await request.body()
    if not raw.strip():
        return {}, ""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True)), "form"
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError(400, "Bad Request: the body is not JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Bad Request: the body is not a JSON object")
    return body, "json"


def _string(p: dict[str, Any], name: str) -> str:
    value = p[name]
    if not isinstance(value, str):
        raise ApiError(400, f"Bad Request: {name} must be a string")
    return value


def _web_url(value: str, *, https_only: bool = False) -> bool:
    parts = urlsplit(value)
    schemes = ("https",) if https_only else ("http", "https")
    return parts.scheme in schemes and bool(parts.hostname)


def _check(method: str, p: dict[str, Any]) -> None:
    """The documented parameters of each method, and their ranges."""
    required, optional = METHODS[method]
    for name in p:
        if name not in required | optional:
            raise ApiError(400, f"Bad Request: unknown parameter {name}")
    for name in sorted(required):
        if name not in p:
            raise ApiError(400, f"Bad Request: {name} is required")
    for name in p:
        if name != "timeout":
            _string(p, name)
    if "chat_id" in p and not p["chat_id"].strip():
        raise ApiError(400, "Bad Request: chat_id is empty")
    for name in ("text", "caption"):
        if name in p and not 1 <= len(p[name]) <= MAX_TEXT:
            raise ApiError(400, f"Bad Request: {name} must be 1-{MAX_TEXT} characters")
    if method == "sendPhoto" and not _web_url(p["photo"]):
        raise ApiError(400, "Bad Request: photo must be an http(s) URL")
    if method == "sendChatAction" and p["action"] not in CHAT_ACTIONS:
        raise ApiError(400, "Bad Request: unknown action")
    if method == "setWebhook":
        if not _web_url(p["url"], https_only=True):
            raise ApiError(400, "Bad Request: url must be an https URL")
        low, high = SECRET_RANGE
        if not low <= len(p["secret_token"]) <= high:
            raise ApiError(400, f"Bad Request: secret_token must be {low}-{high} characters")
    if method == "getUpdates" and "timeout" in p:
        timeout = p["timeout"]
        if isinstance(timeout, bool) or not (
            isinstance(timeout, int) or (isinstance(timeout, str) and timeout.isdigit())
        ):
            raise ApiError(400, "Bad Request: timeout must be a number of seconds")
