"""A fake Telegram Bot API server that the real python-telegram-bot client talks to over HTTP.

`FakeTelegram` holds the state and records every call; its Starlette app is served by uvicorn
on 127.0.0.1 (a free port) in a background thread::

    with FakeTelegram() as fake:                       # or fake.start() / fake.stop()
        bot = telegram.Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)
        async with bot:                                # PTB posts getMe here
            await bot.send_message(42, "xin chào")
        assert fake.sent_texts(42) == ["xin chào"]

Every request is checked against the Bot API spec JSON (`SPEC_PATH`, kept in the shared folder
next to the project and never copied into it): unknown method, unknown or missing parameter,
wrong scalar type, and the structure of nested objects (field names, required fields, scalar
types) are answered with the error Telegram would give. A few range rules that only exist in the
spec's prose are hard-coded (`_check_semantics`, `_TYPE_CHECKS`). Failures can be injected
(`fail_next`, `block_chat`), incoming updates can be queued for getUpdates (`queue_update`), and
`Updates` builds realistic update dicts for webhook tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import itertools
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypedDict

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.server import ApiCall, CallRecorder, ThreadedServer

# parents[2] of tests/fakes/telegram_api.py is the repository root; shared/ is its sibling.
SPEC_PATH = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "telegram-bot-api-10.1.json"
)
DEFAULT_TOKEN = "123456:TEST-token"
BOT_USERNAME = "binhyen_test_bot"
BOT_FIRST_NAME = "Bình Yên"

MAX_TEXT = 4096  # sendMessage/editMessageText text, characters after entity parsing
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64  # bytes, not characters
MAX_CALLBACK_ANSWER = 200
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile refuses bigger files
PARSE_MODES = frozenset({"", "html", "markdown", "markdownv2"})
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
ATTACH_REF = re.compile(r"attach://([A-Za-z0-9_.\-]+)")
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected failure",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


# --------------------------------------------------------------------------------------------
# The spec


def require_spec(path: Path | None = None) -> BotApiSpec:
    """Load the spec (default `SPEC_PATH`), or skip the calling test when the file is absent."""
    import pytest

    path = path or SPEC_PATH
    resolved = path.resolve()
    if not resolved.is_file():
        pytest.skip(f"needs ../shared/data/{path.name} (the Bot API spec); not found at {resolved}")
    return load_spec(resolved)


@lru_cache(maxsize=4)
def load_spec(path: Path) -> BotApiSpec:
    """Parse the spec JSON once per process (it is about 900 kB)."""
    with path.open(encoding="utf-8") as fh:
        return BotApiSpec(json.load(fh))


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation failure; `verbatim` ones are Telegram error texts in their own right."""

    text: str
    verbatim: bool = False


class BotApiSpec:
    """The PaulSonOfLars/telegram-bot-api-spec JSON, with a structural validator."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data["version"]
        self.methods: dict[str, dict[str, Any]] = data["methods"]
        self.types: dict[str, dict[str, Any]] = data["types"]
        # Telegram matches method names case-insensitively.
        self._by_lower = {name.lower(): name for name in self.methods}
        self._tags: dict[str, dict[str, str]] = {}

    def method(self, name: str) -> dict[str, Any] | None:
        canonical = self._by_lower.get(name.lower())
        return self.methods[canonical] if canonical else None

    def fields(self, method: str) -> dict[str, dict[str, Any]]:
        spec = self.method(method)
        return {f["name"]: f for f in spec.get("fields", [])} if spec else {}

    def check_object(self, value: Any, type_name: str) -> list[str]:
        """Problems of `value` as an object of spec type `type_name` (empty when valid)."""
        return [p.text for p in self.problems(value, [type_name], type_name)]

    def problems(self, value: Any, types: Sequence[str], path: str) -> list[Problem]:
        """Problems of `value` against a union of spec type strings; [] if any one fits."""
        if len(types) == 1:
            return self._problems(value, types[0], path)
        best: tuple[int, int, list[Problem]] | None = None
        for candidate in types:
            found = self._problems(value, candidate, path)
            if not found:
                return []
            # Prefer the candidate whose top-level shape fits, so the reported error is the
            # one about the object the client meant (an inline keyboard, not a ForceReply).
            score = (self._shape_misfit(value, candidate), len(found), found)
            if best is None or score[:2] < best[:2]:
                best = score
        assert best is not None
        return best[2]

    def _shape_misfit(self, value: Any, type_name: str) -> int:
        spec = self.types.get(type_name)
        if not isinstance(value, dict) or spec is None or "subtypes" in spec:
            return 0 if isinstance(value, dict) == (spec is not None) else 1_000
        fields = {f["name"]: f for f in spec.get("fields", [])}
        unknown = sum(1 for key in value if key not in fields)
        missing = sum(1 for f in fields.values() if f["required"] and f["name"] not in value)
        return unknown + missing

    def _problems(self, value: Any, type_name: str, path: str) -> list[Problem]:
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                return [Problem(f"{path}: expected an array")]
            inner = [type_name.removeprefix("Array of ")]
            return [
                p
                for i, item in enumerate(value)
                for p in self.problems(item, inner, f"{path}[{i}]")
            ]
        scalar = _SCALARS.get(type_name)
        if scalar is not None:
            return [] if scalar(value) else [Problem(f"{path}: expected {type_name}")]
        spec = self.types.get(type_name)
        if spec is None:  # a type this spec version does not describe: nothing to check
            return []
        if "subtypes" in spec:
            return self.problems(value, spec["subtypes"], path)
        if not isinstance(value, dict):
            return [Problem(f"{path}: expected a {type_name} object")]
        return self._object_problems(value, type_name, spec, path)

    def _object_problems(
        self, value: dict[str, Any], type_name: str, spec: dict[str, Any], path: str
    ) -> list[Problem]:
        fields = {f["name"]: f for f in spec.get("fields", [])}
        found = [
            Problem(f'unknown field "{key}" in {type_name} at {path}')
            for key in value
            if key not in fields
        ]
        found += [
            Problem(f'field "{name}" of {type_name} is required at {path}')
            for name, f in fields.items()
            if f["required"] and name not in value
        ]
        for key, item in value.items():
            if key in fields:
                found += self.problems(item, fields[key]["types"], f"{path}.{key}")
        for key, constant in self._tags_of(type_name).items():
            if key in value and value[key] != constant:
                found.append(Problem(f'{path}.{key}: must be "{constant}" for {type_name}'))
        if not found and type_name in _TYPE_CHECKS:
            found += _TYPE_CHECKS[type_name](value, path)
        return found

    def _tags_of(self, type_name: str) -> dict[str, str]:
        """Discriminators of union members ('always "member"', 'must be photo') from the prose."""
        if type_name not in self._tags:
            spec = self.types.get(type_name, {})
            tags: dict[str, str] = {}
            if spec.get("subtype_of"):
                for f in spec.get("fields", []):
                    match = re.search(
                        r'(?:always|must be) "?([A-Za-z0-9_]+)"?\s*$', f["description"]
                    )
                    if f["name"] in ("type", "status", "source") and match:
                        tags[f["name"]] = match.group(1)
            self._tags[type_name] = tags
        return self._tags[type_name]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_SCALARS: dict[str, Callable[[Any], bool]] = {
    "Integer": _is_int,
    "Float": lambda v: _is_int(v) or isinstance(v, float),
    "Boolean": lambda v: isinstance(v, bool),
    "String": lambda v: isinstance(v, str),
    "InputFile": lambda v: (
        isinstance(v, UploadedFile) or (isinstance(v, str) and v.startswith("attach://"))
    ),
}


def _inline_button_checks(button: dict[str, Any], path: str) -> list[Problem]:
    # Apart from text and its cosmetics, a button has exactly one action field.
    actions = [k for k in button if k not in ("text", "icon_custom_emoji_id", "style")]
    if not button["text"]:
        return [Problem("BUTTON_TEXT_INVALID", verbatim=True)]
    if len(actions) != 1:
        return [
            Problem(
                f"can't parse inline keyboard button at {path}: exactly one of the optional "
                f"fields must be used, got {actions or 'none'}",
                verbatim=True,
            )
        ]
    data = button.get("callback_data")
    if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
        return [Problem("BUTTON_DATA_INVALID", verbatim=True)]
    return []


def _keyboard_button_checks(button: dict[str, Any], path: str) -> list[Problem]:
    if not button["text"]:
        return [Problem("BUTTON_TEXT_INVALID", verbatim=True)]
    requests = [k for k in button if k not in ("text", "icon_custom_emoji_id", "style")]
    if len(requests) > 1:
        return [Problem(f"{path}: a keyboard button may use at most one of {requests}")]
    return []


def _reply_keyboard_checks(markup: dict[str, Any], path: str) -> list[Problem]:
    placeholder = markup.get("input_field_placeholder")
    if placeholder is not None and not 1 <= len(placeholder) <= 64:
        return [Problem(f"{path}.input_field_placeholder: must be 1-64 characters")]
    return []


_TYPE_CHECKS: dict[str, Callable[[dict[str, Any], str], list[Problem]]] = {
    "InlineKeyboardButton": _inline_button_checks,
    "KeyboardButton": _keyboard_button_checks,
    "ReplyKeyboardMarkup": _reply_keyboard_checks,
}


# --------------------------------------------------------------------------------------------
# Records and errors


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part of a multipart request."""

    field: str
    filename: str | None
    content_type: str | None
    content: bytes


@dataclass(slots=True)
class Call(ApiCall):
    """One request the fake answered, successful or not.

    `at` is `time.monotonic()` at arrival (for asserting retry spacing). `params` holds the
    decoded parameters (JSON fields parsed, "123" -> 123, "true" -> True); uploaded files appear
    there as `UploadedFile` under their parameter name, and all file parts are also in `files`.
    `transport` is "query", "form", "json", "multipart" or "" (no parameters).
    """

    files: dict[str, UploadedFile] = field(default_factory=dict)
    transport: str = ""
    http_method: str = "POST"


class ApiError(Exception):
    """An error reply: {"ok": false, "error_code": code, "description": ...}."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.parameters = parameters

    @classmethod
    def bad(cls, text: str) -> ApiError:
        return cls(400, f"Bad Request: {text}")

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass(slots=True)
class _Failure:
    method: str
    error: ApiError
    remaining: int


@dataclass(frozen=True, slots=True)
class _StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str


def _unique_id(file_id: str) -> str:
    return "AgAD" + hashlib.sha1(file_id.encode()).hexdigest()[:16]


def _chat_key(chat_id: Any) -> int | str:
    """Normalise a chat id as sent (int, "123", "@name") so lookups match."""
    if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
        return int(chat_id)
    return chat_id.lower() if isinstance(chat_id, str) else int(chat_id)


def _chat_object(chat_id: Any) -> dict[str, Any]:
    key = _chat_key(chat_id)
    if isinstance(key, str):  # "@channel"
        return {
            "id": -1001000000000 - len(key),
            "type": "channel",
            "title": key,
            "username": key[1:],
        }
    if key > 0:
        return {"id": key, "type": "private"}
    if str(key).startswith("-100"):
        return {"id": key, "type": "supergroup", "title": "Test supergroup"}
    return {"id": key, "type": "group", "title": "Test group"}


def _visible_length(text: str, parse_mode: str | None) -> int:
    """Length after entity parsing, approximated: HTML tags are stripped, else len(str).

    Telegram really counts UTF-16 code units after parsing; for Vietnamese text (all in the
    BMP) that equals len(). Markdown markup is not stripped, so it errs on the strict side.
    """
    if (parse_mode or "").lower() == "html":
        text = html.unescape(re.sub(r"<[^>]*>", "", text))
    return len(text)


def _coerce(raw: Any, types: Sequence[str]) -> Any:
    """Decode a form/query string the way Telegram does for the field's spec types."""
    if not isinstance(raw, str) or all(t in ("String", "InputFile") for t in types):
        return raw
    if "Integer" in types and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if "Float" in types:
        with contextlib.suppress(ValueError):
            return float(raw)
    if "Boolean" in types and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    if "String" in types:  # e.g. chat_id "@channel"
        return raw
    try:  # objects and arrays travel as JSON strings inside one field
        return json.loads(raw)
    except ValueError:
        return raw  # left as a string, so the type check reports it


def _attach_refs(values: Iterable[Any]) -> set[str]:
    return {m for v in values if isinstance(v, str) for m in ATTACH_REF.findall(v)}


async def _read_request(request: Request) -> tuple[dict[str, Any], dict[str, UploadedFile], str]:
    """Parameters from the query string and the body (form, multipart or JSON), and files."""
    params: dict[str, Any] = dict(request.query_params)
    files: dict[str, UploadedFile] = {}
    transport = "query" if params else ""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        body = await request.body()
        if body.strip():
            try:
                decoded = json.loads(body)
            except ValueError as exc:
                raise ApiError.bad("can't parse JSON body") from exc
            if not isinstance(decoded, dict):
                raise ApiError.bad("JSON body must be an object")
            params.update(decoded)
            transport = "json"
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                files[key] = UploadedFile(
                    key, value.filename, value.content_type, await value.read()
                )
            else:
                params[key] = value
        if form:
            transport = "multipart" if content_type == "multipart/form-data" else "form"
    return params, files, transport


# --------------------------------------------------------------------------------------------
# Incoming updates


class Updates:
    """Builds incoming Update dicts that are valid per the spec and parse with PTB's de_json.

    Private chats by default: the sender's user id is the chat id unless `user_id` is given.
    Update ids increase by one per update; message ids come from `next_message_id(chat_id)`
    (FakeTelegram shares its per-chat counter, as Telegram does in private chats).
    """

    def __init__(
        self,
        bot_user: dict[str, Any] | None = None,
        *,
        first_update_id: int = 100_000,
        next_message_id: Callable[[Any], int] | None = None,
        message_lookup: Callable[[Any, int | None], dict[str, Any] | None] | None = None,
    ) -> None:
        self.bot_user = bot_user or _bot_user(DEFAULT_TOKEN)
        self._update_ids = itertools.count(first_update_id)
        self._query_ids = itertools.count(4_000_000_000_000_000_001)
        self._counters: dict[Any, Iterator[int]] = {}
        self._lock = threading.Lock()
        self._next_message_id = next_message_id or self._own_message_id
        self._message_lookup = message_lookup

    def _own_message_id(self, chat_id: Any) -> int:
        with self._lock:
            return next(self._counters.setdefault(_chat_key(chat_id), itertools.count(1)))

    def next_update_id(self) -> int:
        with self._lock:
            return next(self._update_ids)

    @staticmethod
    def user(
        user_id: int, first_name: str = "An", language_code: str | None = "vi"
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    def _sender(
        self, chat_id: int, user_id: int | None, first_name: str, language_code: str | None
    ) -> dict[str, Any]:
        return self.user(
            user_id if user_id is not None else abs(chat_id), first_name, language_code
        )

    def _chat(self, chat_id: int, sender: dict[str, Any]) -> dict[str, Any]:
        chat = _chat_object(chat_id)
        if chat["type"] == "private":
            chat["first_name"] = sender["first_name"]
        return chat

    def message(
        self,
        chat_id: int,
        *,
        user_id: int | None = None,
        first_name: str = "An",
        language_code: str | None = "vi",
        kind: str = "message",
        **content: Any,
    ) -> dict[str, Any]:
        """Any message update: `content` (text=..., photo=..., forward_origin=...) is merged in."""
        sender = self._sender(chat_id, user_id, first_name, language_code)
        message = {
            "message_id": self._next_message_id(chat_id),
            "from": sender,
            "chat": self._chat(chat_id, sender),
            "date": int(time.time()),
            **content,
        }
        return {"update_id": self.next_update_id(), kind: message}

    def text(
        self,
        chat_id: int,
        text: str,
        user_id: int | None = None,
        first_name: str = "An",
        language_code: str | None = "vi",
    ) -> dict[str, Any]:
        return self.message(
            chat_id, user_id=user_id, first_name=first_name, language_code=language_code, text=text
        )

    def command(
        self, chat_id: int, command: str = "/start", payload: str | None = None, **who: Any
    ) -> dict[str, Any]:
        """A text message starting with a bot_command entity ("/start" or "start")."""
        command = command if command.startswith("/") else f"/{command}"
        text = f"{command} {payload}" if payload else command
        entity = {"type": "bot_command", "offset": 0, "length": len(command)}
        return self.message(chat_id, text=text, entities=[entity], **who)

    def callback(
        self,
        chat_id: int,
        data: str,
        message_id: int | None = None,
        query_id: str | None = None,
        *,
        message_text: str = "…",
        user_id: int | None = None,
        first_name: str = "An",
        language_code: str | None = "vi",
    ) -> dict[str, Any]:
        """A button press. The message is the bot's message `message_id` if the fake sent it
        (by default the last one it sent to the chat), else a made-up bot message."""
        sender = self._sender(chat_id, user_id, first_name, language_code)
        message = self._message_lookup(chat_id, message_id) if self._message_lookup else None
        if message is None:
            message = {
                "message_id": message_id
                if message_id is not None
                else self._next_message_id(chat_id),
                "from": self.bot_user,
                "chat": self._chat(chat_id, sender),
                "date": int(time.time()),
                "text": message_text,
            }
        query = {
            "id": query_id or str(next(self._query_ids)),
            "from": sender,
            "message": message,
            "chat_instance": str(int(hashlib.sha1(str(chat_id).encode()).hexdigest()[:15], 16)),
            "data": data,
        }
        return {"update_id": self.next_update_id(), "callback_query": query}

    def photo(
        self,
        chat_id: int,
        file_id: str,
        caption: str | None = None,
        sizes: Sequence[tuple[int, int]] = ((90, 68), (320, 240), (1280, 960)),
        **who: Any,
    ) -> dict[str, Any]:
        """Photo sizes grow along the array; the largest (last) one has `file_id`."""
        photo = [
            {
                "file_id": file_id if i == len(sizes) - 1 else f"{file_id}-{w}x{h}",
                "file_unique_id": _unique_id(f"{file_id}-{w}x{h}"),
                "width": w,
                "height": h,
                "file_size": w * h // 8,
            }
            for i, (w, h) in enumerate(sizes)
        ]
        return self.message(chat_id, photo=photo, **_optional(caption=caption), **who)

    def document(
        self,
        chat_id: int,
        file_id: str,
        file_name: str = "report.pdf",
        mime_type: str = "application/pdf",
        file_size: int = 1234,
        caption: str | None = None,
        **who: Any,
    ) -> dict[str, Any]:
        document = {
            "file_id": file_id,
            "file_unique_id": _unique_id(file_id),
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": file_size,
        }
        return self.message(chat_id, document=document, **_optional(caption=caption), **who)

    def voice(
        self,
        chat_id: int,
        file_id: str,
        duration: int = 3,
        mime_type: str = "audio/ogg",
        file_size: int = 4321,
        **who: Any,
    ) -> dict[str, Any]:
        voice = {
            "file_id": file_id,
            "file_unique_id": _unique_id(file_id),
            "duration": duration,
            "mime_type": mime_type,
            "file_size": file_size,
        }
        return self.message(chat_id, voice=voice, **who)

    def video(
        self,
        chat_id: int,
        file_id: str,
        duration: int = 5,
        width: int = 640,
        height: int = 360,
        mime_type: str = "video/mp4",
        file_size: int = 123_456,
        caption: str | None = None,
        **who: Any,
    ) -> dict[str, Any]:
        video = {
            "file_id": file_id,
            "file_unique_id": _unique_id(file_id),
            "width": width,
            "height": height,
            "duration": duration,
            "mime_type": mime_type,
            "file_size": file_size,
        }
        return self.message(chat_id, video=video, **_optional(caption=caption), **who)

    def location(self, chat_id: int, lat: float, lon: float, **who: Any) -> dict[str, Any]:
        return self.message(chat_id, location={"latitude": lat, "longitude": lon}, **who)

    def contact(
        self,
        chat_id: int,
        phone_number: str,
        first_name: str = "An",
        user_id: int | None = None,
        *,
        contact_user_id: int | None = None,
        own: bool = True,
        language_code: str | None = "vi",
    ) -> dict[str, Any]:
        """A shared contact. By default the sender's own (contact.user_id == from.id); pass
        `contact_user_id=<id>` for someone else's, or `own=False` for one without an account."""
        sender_id = user_id if user_id is not None else abs(chat_id)
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name}
        if contact_user_id is not None or own:
            contact["user_id"] = contact_user_id if contact_user_id is not None else sender_id
        return self.message(
            chat_id,
            user_id=sender_id,
            first_name=first_name,
            language_code=language_code,
            contact=contact,
        )

    def my_chat_member(
        self,
        chat_id: int,
        old_status: str = "member",
        new_status: str = "kicked",
        user_id: int | None = None,
        first_name: str = "An",
    ) -> dict[str, Any]:
        """The bot's membership changed: member -> kicked is a block, the reverse an unblock."""
        sender = self._sender(chat_id, user_id, first_name, "vi")
        event = {
            "chat": self._chat(chat_id, sender),
            "from": sender,
            "date": int(time.time()),
            "old_chat_member": self._member(old_status),
            "new_chat_member": self._member(new_status),
        }
        return {"update_id": self.next_update_id(), "my_chat_member": event}

    def blocked(self, chat_id: int, **who: Any) -> dict[str, Any]:
        return self.my_chat_member(chat_id, "member", "kicked", **who)

    def unblocked(self, chat_id: int, **who: Any) -> dict[str, Any]:
        return self.my_chat_member(chat_id, "kicked", "member", **who)

    def _member(self, status: str) -> dict[str, Any]:
        if status not in ("member", "kicked", "left"):
            raise ValueError(f"unsupported chat member status {status!r}")
        member: dict[str, Any] = {"status": status, "user": self.bot_user}
        if status == "kicked":
            member["until_date"] = 0  # forever
        return member


def _optional(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _bot_user(token: str) -> dict[str, Any]:
    return {
        "id": int(token.split(":", 1)[0]),
        "is_bot": True,
        "first_name": BOT_FIRST_NAME,
        "username": BOT_USERNAME,
    }


# --------------------------------------------------------------------------------------------
# The fake server

Handler = Callable[[dict[str, Any], dict[str, UploadedFile]], Any]

_MEDIA_METHODS = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendVoice": "voice",
    "sendAudio": "audio",
    "sendVideo": "video",
    "sendAnimation": "animation",
    "sendVideoNote": "video_note",
}
_MEDIA_PATHS = {
    "photo": "photos/file_{n}.jpg",
    "document": "documents/file_{n}",
    "voice": "voice/file_{n}.oga",
    "audio": "music/file_{n}.mp3",
    "video": "videos/file_{n}.mp4",
    "animation": "animations/file_{n}.mp4",
    "video_note": "video_notes/file_{n}.mp4",
}


class BotKwargs(TypedDict):
    token: str
    base_url: str
    base_file_url: str


class FakeTelegram(ThreadedServer, CallRecorder[Call]):
    """State, recorder and HTTP server of the fake Bot API. Thread-safe: the server runs in its
    own thread and event loop, tests read and arrange state from theirs."""

    server_name = "Telegram"

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        spec: BotApiSpec | None = None,
        max_long_poll: float = 1.0,
    ) -> None:
        super().__init__()
        self.token = token
        self.spec = spec or require_spec()  # skips the test (or fixture) without the spec
        self.bot_user = _bot_user(token)
        self.bot_id: int = self.bot_user["id"]
        self._default_long_poll = max_long_poll
        self.updates = Updates(
            self.bot_user, next_message_id=self._next_message_id, message_lookup=self._lookup
        )
        self._handlers: dict[str, Handler] = {
            "getMe": lambda p, f: self.me(),
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message,
            "editMessageCaption": self._edit_message,
            "editMessageReplyMarkup": self._edit_message,
            "deleteMessage": self._delete_message,
            "sendMediaGroup": self._send_media_group,
            "sendLocation": lambda p, f: self._new_message(
                p["chat_id"], location={"latitude": p["latitude"], "longitude": p["longitude"]}
            ),
            "sendContact": lambda p, f: self._new_message(
                p["chat_id"],
                contact={k: p[k] for k in ("phone_number", "first_name", "last_name") if k in p},
            ),
            "copyMessage": lambda p, f: {"message_id": self._next_message_id(p["chat_id"])},
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": lambda p, f: self._webhook_info(),
            "setMyCommands": self._set_commands,
            "getMyCommands": self._get_commands,
            "deleteMyCommands": self._delete_commands,
            "getFile": self._get_file,
        }
        for method, kind in _MEDIA_METHODS.items():
            self._handlers[method] = self._media_sender(kind)
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
                Route("/file/bot{token}/{file_path:path}", self._download, methods=["GET"]),
                Route("/{rest:path}", self._not_found, methods=["GET", "POST"]),
            ]
        )
        self.reset()

    # ---- URLs (start, stop, api_base: ThreadedServer) -------------------------------------

    @property
    def base_url(self) -> str:
        return f"{self.api_base}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.api_base}/file/bot"

    def bot_kwargs(self) -> BotKwargs:
        """Arguments for telegram.Bot(**fake.bot_kwargs())."""
        return {"token": self.token, "base_url": self.base_url, "base_file_url": self.base_file_url}

    # ---- arranging state ------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything: calls, messages, files, updates, webhook, failures, blocks."""
        with self._lock:
            self._calls = []
            self._messages: dict[tuple[int | str, int], dict[str, Any]] = {}
            self._counters: dict[int | str, Iterator[int]] = {}
            self._files: dict[str, _StoredFile] = {}
            self._file_numbers = itertools.count(1)
            self._queue: list[dict[str, Any]] = []
            self._webhook: dict[str, Any] = {"url": ""}
            self._commands: dict[str, list[dict[str, Any]]] = {}
            self._failures: list[_Failure] = []
            self._blocked: set[int | str] = set()
            self.max_long_poll = self._default_long_poll
            self._rate: int | None = None
            self._recent: deque[float] = deque()

    def enforce_rate(self, per_second: int | None) -> None:
        """Answer 429 (retry_after: the seconds until a slot frees) to a message beyond
        `per_second` accepted in any 1-second window, as Telegram does per bot; None: no
        limit (the default, and after reset())."""
        with self._lock:
            self._rate, self._recent = per_second, deque()

    def add_file(
        self,
        file_id: str,
        content: bytes,
        file_path: str | None = None,
        file_unique_id: str | None = None,
    ) -> dict[str, Any]:
        """Make `file_id` known to getFile and downloadable; returns the File object.
        The default path is photos/file_<n>.jpg (n = 1, 2, ...)."""
        with self._lock:
            path = file_path or f"photos/file_{next(self._file_numbers)}.jpg"
            stored = _StoredFile(file_id, file_unique_id or _unique_id(file_id), content, path)
            self._files[file_id] = stored
            return self._file_object(stored)

    def file_content(self, file_id: str) -> bytes:
        with self._lock:
            return self._files[file_id].content

    def queue_update(self, update: dict[str, Any]) -> None:
        """Queue an incoming update for getUpdates."""
        with self._lock:
            self._queue.append(update)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._queue)

    @property
    def webhook(self) -> dict[str, Any]:
        """What setWebhook stored: url ("" when none), secret_token, allowed_updates, ..."""
        with self._lock:
            return dict(self._webhook)

    def webhook_headers(self) -> dict[str, str]:
        """The header Telegram would send with each webhook request."""
        secret = self.webhook.get("secret_token")
        return {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` valid calls of `method` ("*": any method) with an error.

        429 carries parameters.retry_after (default 1) and "Too Many Requests: retry after N".
        """
        if method != "*" and self.spec.method(method) is None:
            raise ValueError(f"{method!r} is not a Bot API method")
        parameters: dict[str, Any] = {}
        if error_code == 429:
            retry_after = 1 if retry_after is None else retry_after
            description = description or f"Too Many Requests: retry after {retry_after}"
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
            description = description or "Bad Request: group chat was upgraded to a supergroup chat"
        description = description or _DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")
        error = ApiError(error_code, description, parameters or None)
        with self._lock:
            self._failures.append(_Failure(method, error, times))

    def block_chat(self, chat_id: int | str) -> None:
        """Every call with this chat_id answers 403 "bot was blocked by the user"."""
        with self._lock:
            self._blocked.add(_chat_key(chat_id))

    def unblock_chat(self, chat_id: int | str) -> None:
        with self._lock:
            self._blocked.discard(_chat_key(chat_id))

    # ---- reading the record ---------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def sent_texts(self, chat_id: int | str | None = None) -> list[str]:
        """Texts of the successful sendMessage calls, in order (optionally to one chat)."""
        return [
            c.params["text"]
            for c in self.calls("sendMessage", ok=True)
            if chat_id is None or _chat_key(c.params["chat_id"]) == _chat_key(chat_id)
        ]

    def chat_messages(self, chat_id: int | str) -> list[dict[str, Any]]:
        """The bot's messages in a chat as the user now sees them (after edits and deletes)."""
        key = _chat_key(chat_id)
        with self._lock:
            found = [dict(m) for (k, _), m in self._messages.items() if k == key]
        return sorted(found, key=lambda m: m["message_id"])

    async def wait_for_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        return await self.wait_for(method, count, timeout)

    def wait_for_sync(
        self, what: str | Callable[[Call], bool], count: int = 1, timeout: float = 5.0
    ) -> list[Call]:
        """The same for synchronous tests."""
        deadline = time.monotonic() + timeout
        while len(found := self._matching(what, False)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out waiting for {count} x {what!r}; saw {self.summary()}"
                )
            time.sleep(0.01)
        return found

    # ---- HTTP -----------------------------------------------------------------------------

    async def _api(self, request: Request) -> Response:
        name: str = request.path_params["method"]
        call = Call(method=name, params={}, at=time.monotonic(), http_method=request.method)
        try:
            raw, call.files, call.transport = await _read_request(request)
            call.params = raw
            if request.path_params["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            spec = self.spec.method(name)
            if spec is None:
                raise ApiError(404, "Not Found: method not found")
            call.method = spec["name"]
            call.params = self._decode(spec, raw, call.files)
            _check_semantics(call.method, call.params)
            self._check_blocked_and_injected(call.method, call.params)
            if call.method == "getUpdates":
                call.result = await self._get_updates(call.params)
            else:
                call.result = self._dispatch(spec, call.params, call.files)
        except Exception as exc:
            # A bug in the fake itself still answers (and is recorded) as a 500 that names it.
            error = exc if isinstance(exc, ApiError) else ApiError(500, f"fake crashed: {exc!r}")
            call.ok, call.error_code, call.description = False, error.code, error.description
            self._record(call)
            return JSONResponse(error.body(), status_code=error.code)
        self._record(call)
        return JSONResponse({"ok": True, "result": call.result})

    def answered(self, body: bytes | str | dict[str, Any] | None) -> Call | None:
        """What Telegram does with the body of a bot's answer to a webhook request: a JSON
        object naming a `method` is that call, made as if the bot had sent it (checked against
        the spec and recorded like any other call, `transport` "webhook answer"); Telegram
        tells the bot nothing about how it went. Anything else (empty, no method) is no call.
        Every test that posts updates to the bot passes each answer's body here."""
        if body is None or body in (b"", ""):
            return None
        payload = body if isinstance(body, dict) else json.loads(body)
        if not isinstance(payload, dict) or "method" not in payload:
            return None
        raw = {k: v for k, v in payload.items() if k != "method"}
        name = str(payload["method"])
        call = Call(method=name, params=raw, at=time.monotonic(), http_method="POST")
        call.transport = "webhook answer"
        try:
            spec = self.spec.method(name)
            if spec is None:
                raise ApiError(404, "Not Found: method not found")
            if spec["name"] == "getUpdates":
                raise ApiError.bad("getUpdates can't be used in a webhook answer")
            call.method = spec["name"]
            call.params = self._decode(spec, raw, {})
            _check_semantics(call.method, call.params)
            self._check_blocked_and_injected(call.method, call.params)
            call.result = self._dispatch(spec, call.params, {})
        except Exception as exc:
            error = exc if isinstance(exc, ApiError) else ApiError(500, f"fake crashed: {exc!r}")
            call.ok, call.error_code, call.description = False, error.code, error.description
        self._record(call)
        return call

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse(ApiError(401, "Unauthorized").body(), status_code=401)
        path = request.path_params["file_path"]
        with self._lock:
            stored = next((f for f in self._files.values() if f.file_path == path), None)
        if stored is None:
            return JSONResponse(ApiError(404, "Not Found").body(), status_code=404)
        return Response(stored.content, media_type="application/octet-stream")

    async def _not_found(self, request: Request) -> Response:
        return JSONResponse(ApiError(404, "Not Found").body(), status_code=404)

    def _decode(
        self, spec: dict[str, Any], raw: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        fields = {f["name"]: f for f in spec.get("fields", [])}
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in fields:
                raise ApiError.bad(f'unknown parameter "{key}"')
            params[key] = _coerce(value, fields[key]["types"])
        referenced = _attach_refs(raw.values())
        for key, upload in files.items():
            if key in fields:
                params[key] = upload
            elif key not in referenced:  # attachments must be named by an attach:// URI
                raise ApiError.bad(f'unknown parameter "{key}"')
        for name, f in fields.items():
            if f["required"] and name not in params:
                raise ApiError.bad(f'parameter "{name}" is required')
        for key, value in params.items():
            types = fields[key]["types"]
            if isinstance(value, UploadedFile) and "InputFile" not in types:
                raise ApiError.bad(f'parameter "{key}" can\'t be a file')
            problems = self.spec.problems(value, types, key)
            if problems:
                first = problems[0]
                if first.verbatim:
                    raise ApiError.bad(first.text)
                if first.text.startswith(f"{key}: expected"):
                    raise ApiError.bad(
                        f'wrong type of parameter "{key}": expected {" or ".join(types)}'
                    )
                raise ApiError.bad(f"can't parse {key}: {first.text}")
        return params

    def _check_rate(self, method: str) -> None:
        if not method.startswith("send") and method != "copyMessage":
            return
        with self._lock:
            if self._rate is None:
                return
            now = time.monotonic()
            while self._recent and now - self._recent[0] >= 1.0:
                self._recent.popleft()
            if len(self._recent) >= self._rate:
                wait = max(1, math.ceil(1.0 - (now - self._recent[0])))
                raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
            self._recent.append(now)

    def _check_blocked_and_injected(self, method: str, params: dict[str, Any]) -> None:
        self._check_rate(method)
        with self._lock:
            if "chat_id" in params and _chat_key(params["chat_id"]) in self._blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            for failure in self._failures:
                if failure.method in ("*", method):
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        self._failures.remove(failure)
                    error = failure.error
                    raise ApiError(error.code, error.description, error.parameters)

    def _dispatch(
        self, spec: dict[str, Any], params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> Any:
        handler = self._handlers.get(spec["name"])
        with self._lock:
            if handler is not None:
                return handler(params, files)
            # Not modelled: a result of the declared shape, as far as cheaply possible.
            returns: list[str] = spec["returns"]
            if "Message" in returns and "chat_id" in params:
                return self._new_message(params["chat_id"])
            if "Boolean" in returns:
                return True
            if "MessageId" in returns:
                return {"message_id": self._next_message_id(params.get("chat_id", 0))}
            if returns[0].startswith("Array of "):
                return []
            return True

    # ---- messages -------------------------------------------------------------------------

    def _next_message_id(self, chat_id: Any) -> int:
        with self._lock:
            return next(self._counters.setdefault(_chat_key(chat_id), itertools.count(1)))

    def _lookup(self, chat_id: Any, message_id: int | None) -> dict[str, Any] | None:
        messages = self.chat_messages(chat_id)
        if message_id is None:
            return messages[-1] if messages else None
        return next((m for m in messages if m["message_id"] == message_id), None)

    def _new_message(self, chat_id: Any, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": self._next_message_id(chat_id),
            "from": self.bot_user,
            "chat": _chat_object(chat_id),
            "date": int(time.time()),
            **{k: v for k, v in content.items() if v is not None},
        }
        self._messages[(_chat_key(chat_id), message["message_id"])] = message
        return dict(message)

    @staticmethod
    def _inline_markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None

    def _send_message(self, p: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        return self._new_message(
            p["chat_id"],
            text=p["text"],
            entities=p.get("entities"),
            link_preview_options=p.get("link_preview_options"),
            reply_markup=self._inline_markup(p),
        )

    def _edit_message(self, p: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        if "inline_message_id" in p:
            return True
        if "chat_id" not in p or "message_id" not in p:
            raise ApiError.bad("message identifier is not specified")
        key = (_chat_key(p["chat_id"]), p["message_id"])
        # Messages the fake never sent are edited leniently (made up on the spot).
        current = self._messages.get(key) or {
            "message_id": p["message_id"],
            "from": self.bot_user,
            "chat": _chat_object(p["chat_id"]),
            "date": int(time.time()),
        }
        edited = dict(current)
        for name, entities in (("text", "entities"), ("caption", "caption_entities")):
            if name in p:  # new text, new entities (none unless sent again)
                edited[name] = p[name]
                edited.pop(entities, None)
                if p.get(entities):
                    edited[entities] = p[entities]
        # Leaving reply_markup out of an edit removes the inline keyboard, as on Telegram.
        edited.pop("reply_markup", None)
        if self._inline_markup(p):
            edited["reply_markup"] = self._inline_markup(p)
        unchanged = {**edited, "edit_date": None} == {**current, "edit_date": None}
        if key in self._messages and unchanged:
            raise ApiError.bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        edited["edit_date"] = int(time.time())
        self._messages[key] = edited
        return dict(edited)

    def _delete_message(self, p: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self._messages.pop((_chat_key(p["chat_id"]), p["message_id"]), None)
        return True

    def _media(
        self, kind: str, value: Any, p: dict[str, Any], files: dict[str, UploadedFile]
    ) -> Any:
        """The message field for one sent medium; uploads become downloadable files."""
        if isinstance(value, str) and value.startswith("attach://"):
            value = files.get(value.removeprefix("attach://"), value)
        size: int | None = None
        name, mime = None, None
        if isinstance(value, UploadedFile):
            n = next(self._file_numbers)
            file_id = f"fake-{kind}-{n}"
            self.add_file(file_id, value.content, _MEDIA_PATHS[kind].format(n=n))
            size, name, mime = len(value.content), value.filename, value.content_type
        elif value in self._files:
            file_id, size = value, len(self._files[value].content)
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            file_id = f"fake-{kind}-url-{next(self._file_numbers)}"
        else:
            file_id = str(value)
        base: dict[str, Any] = {"file_id": file_id, "file_unique_id": _unique_id(file_id)}
        if size is not None:
            base["file_size"] = size
        duration = p.get("duration", 1)
        if kind == "photo":
            thumb = {"file_id": f"{file_id}-thumb", "file_unique_id": _unique_id(f"{file_id}-t")}
            return [{**thumb, "width": 90, "height": 68}, {**base, "width": 1280, "height": 960}]
        if kind == "document":
            return {**base, **_optional(file_name=name, mime_type=mime)}
        if kind in ("voice", "audio"):
            return {**base, "duration": duration}
        if kind == "video_note":
            return {**base, "length": p.get("length", 240), "duration": duration}
        return {
            **base,
            "width": p.get("width", 640),
            "height": p.get("height", 360),
            "duration": duration,
        }

    def _media_sender(self, kind: str) -> Handler:
        def send(p: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
            return self._new_message(
                p["chat_id"],
                caption=p.get("caption"),
                caption_entities=p.get("caption_entities"),
                reply_markup=self._inline_markup(p),
                **{kind: self._media(kind, p[kind], p, files)},
            )

        return send

    def _send_media_group(self, p: dict[str, Any], files: dict[str, UploadedFile]) -> list[Any]:
        group = f"group-{time.monotonic_ns()}"
        return [
            self._new_message(
                p["chat_id"],
                media_group_id=group,
                caption=item.get("caption"),
                **{item["type"]: self._media(item["type"], item["media"], item, files)},
            )
            for item in p["media"]
        ]

    # ---- webhook, updates, commands, files ------------------------------------------------

    def _set_webhook(self, p: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        if not p["url"]:
            return self._delete_webhook(p, files)
        previous = self._webhook.get("allowed_updates")
        self._webhook = {
            "url": p["url"],
            "has_custom_certificate": "certificate" in p,
            **{k: p[k] for k in ("secret_token", "max_connections", "ip_address") if k in p},
        }
        allowed = p.get("allowed_updates", previous)  # omitted: keep the previous setting
        if allowed is not None:
            self._webhook["allowed_updates"] = allowed
        if p.get("drop_pending_updates"):
            self._queue.clear()
        return True

    def _delete_webhook(self, p: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self._webhook = {"url": ""}
        if p.get("drop_pending_updates"):
            self._queue.clear()
        return True

    def _webhook_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook["url"],
            "has_custom_certificate": self._webhook.get("has_custom_certificate", False),
            "pending_update_count": len(self._queue),
        }
        if info["url"]:
            info.update(
                {
                    k: self._webhook[k]
                    for k in ("max_connections", "allowed_updates", "ip_address")
                    if k in self._webhook
                }
            )
        return info

    async def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        offset, limit = p.get("offset", 0), min(max(p.get("limit", 100), 1), 100)
        # Long polling is capped so a forgotten timeout cannot stall the suite.
        deadline = time.monotonic() + min(max(p.get("timeout", 0), 0), self.max_long_poll)
        while True:
            with self._lock:
                if self._webhook["url"]:
                    raise ApiError(409, WEBHOOK_CONFLICT)
                if offset > 0:  # confirms (drops) every update below the offset
                    self._queue = [u for u in self._queue if u["update_id"] >= offset]
                elif offset < 0:  # keeps only the last -offset updates
                    self._queue = self._queue[offset:]
                batch = [dict(u) for u in self._queue[:limit]]
            if batch or time.monotonic() >= deadline:
                return batch
            await asyncio.sleep(0.01)

    @staticmethod
    def _scope_key(p: dict[str, Any]) -> str:
        scope = p.get("scope") or {"type": "default"}
        return json.dumps([scope, p.get("language_code", "")], sort_keys=True)

    def _set_commands(self, p: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self._commands[self._scope_key(p)] = p["commands"]
        return True

    def _get_commands(self, p: dict[str, Any], files: dict[str, UploadedFile]) -> list[Any]:
        return list(self._commands.get(self._scope_key(p), []))

    def _delete_commands(self, p: dict[str, Any], files: dict[str, UploadedFile]) -> bool:
        self._commands.pop(self._scope_key(p), None)
        return True

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[Any]:
        """The command list set for a scope (default scope, all languages by default)."""
        with self._lock:
            key = self._scope_key({"scope": scope, "language_code": language_code})
            return list(self._commands.get(key, []))

    def _get_file(self, p: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        stored = self._files.get(p["file_id"])
        if stored is None:
            raise ApiError.bad("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD:
            raise ApiError.bad("file is too big")
        return self._file_object(stored)

    @staticmethod
    def _file_object(stored: _StoredFile) -> dict[str, Any]:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }


def _check_semantics(method: str, p: dict[str, Any]) -> None:
    """Rules that only exist in the spec's prose, for the methods this bot uses."""
    parse_mode = p.get("parse_mode")
    if parse_mode is not None and parse_mode.lower() not in PARSE_MODES:
        raise ApiError.bad(f"unsupported parse_mode {parse_mode!r}")
    if method in ("sendMessage", "editMessageText"):
        if "text" not in p and "rich_message" not in p:
            raise ApiError.bad("message text is empty")
        if "text" in p:
            if not p["text"].strip():
                raise ApiError.bad("message text is empty")
            if _visible_length(p["text"], parse_mode) > MAX_TEXT:
                raise ApiError.bad("message is too long")
    caption = p.get("caption")
    if isinstance(caption, str) and _visible_length(caption, parse_mode) > MAX_CAPTION:
        raise ApiError.bad("message caption is too long")
    if method == "answerCallbackQuery" and len(p.get("text", "")) > MAX_CALLBACK_ANSWER:
        raise ApiError.bad("MESSAGE_TOO_LONG")
    if method == "sendChatAction" and p["action"] not in CHAT_ACTIONS:
        raise ApiError.bad("wrong parameter action in request")
    if method in ("sendLocation", "sendVenue"):
        if not -90 <= p["latitude"] <= 90:
            raise ApiError.bad("wrong latitude")
        if not -180 <= p["longitude"] <= 180:
            raise ApiError.bad("wrong longitude")
    if method == "setWebhook":
        if p["url"] and not p["url"].startswith("https://"):
            raise ApiError.bad("bad webhook: An HTTPS URL must be provided for webhook")
        if "secret_token" in p and not SECRET_TOKEN.fullmatch(p["secret_token"]):
            raise ApiError.bad("secret token contains unallowed characters")
        if "max_connections" in p and not 1 <= p["max_connections"] <= 100:
            raise ApiError.bad("bad webhook: max_connections must be between 1 and 100")
