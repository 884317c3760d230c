"""Hostile requests at the web chat's POST routes (issue 19): /chat/api/messages with mutated
JSON bodies, /chat/api/media with odd forms and files, /chat/api/inbox with anything. Never a
5xx, no error or traceback in the logs, and a refused request (4xx) changes nothing: no row,
no file kept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.e2e.channels import app_settings
from tests.property.door import Door, door
from tests.property.hostile import NOT_JSON, bodies, budget, dumps, scalars

SEEDS: list[dict[str, Any]] = [
    {"kind": "text", "text": "Xin chào, tôi muốn báo tin", "message_id": "m-1"},
    {"kind": "command", "text": "/start", "message_id": "m-2"},
    {"kind": "choice", "choice": "lang:vi", "message_id": "m-3"},
    {"kind": "location", "lat": 21.03, "lon": 105.83, "message_id": "m-4"},
    {"kind": "contact", "phone": "0912345678", "message_id": "m-5"},
    {"text": "tra cứu"},
]


@pytest.fixture
async def web_door(sqlite_url: str, tmp_path: Path) -> AsyncIterator[Door]:
    async with door(app_settings(sqlite_url, tmp_path / "media")) as d:
        yield d


@budget(200)
@given(body=bodies(SEEDS), cookie=st.sampled_from(["", "0" * 32, "z" * 32, "\u00e9", "a" * 4000]))
@example(body=dumps({"kind": "text", "text": "a\ud800b", "message_id": "m"}), cookie="")
@example(body=dumps({"kind": "location", "lat": float("nan"), "lon": 1}), cookie="")
@example(body=dumps({"kind": "text", "message_id": "\udc00"}), cookie="")
@example(body=b"[" * 100_000, cookie="")
async def test_no_message_body_answers_5xx_or_a_refusal_changes_anything(
    web_door: Door, body: bytes, cookie: str
) -> None:
    web_door.client.cookies.clear()
    headers: dict[str, bytes] = {"Content-Type": b"application/json"}
    if cookie:  # as bytes: a browser may send any octets in a header
        headers["Cookie"] = f"binhyen_chat={cookie}".encode()
    await web_door.knock("/chat/api/messages", content=body, headers=headers)


MIMES = st.one_of(
    st.sampled_from(
        ["image/jpeg", "video/mp4", "audio/ogg", "text/html", "image/svg+xml", "", "x", "a/b;c"]
    ),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
)
FIELDS = st.one_of(st.text(max_size=80), st.sampled_from(["", "m-1", "x" * 70, "x" * 2000]))


@budget(120)
@given(
    content=st.one_of(st.binary(max_size=300), st.just(b"")),
    mime=MIMES,
    filename=st.text(max_size=40),
    message_id=st.one_of(st.none(), FIELDS),
    caption=st.one_of(st.none(), FIELDS),
    extra=st.booleans(),
)
async def test_no_upload_answers_5xx_or_a_refusal_keeps_a_file(
    web_door: Door,
    content: bytes,
    mime: str,
    filename: str,
    message_id: str | None,
    caption: str | None,
    extra: bool,
) -> None:
    data = {k: v for k, v in (("message_id", message_id), ("caption", caption)) if v is not None}
    if extra:
        data["other"] = "an extra field"
    files = {"file": (filename.encode("utf-8", "replace").decode("utf-8"), content, mime)}
    await web_door.knock("/chat/api/media", data=data, files=files)


@budget(60)
@given(
    body=st.one_of(st.sampled_from(NOT_JSON), st.binary(max_size=200), scalars.map(dumps)),
    content_type=st.sampled_from(
        ["multipart/form-data", "multipart/form-data; boundary=x", "application/json", "", "a/b"]
    ),
    path=st.sampled_from(["/chat/api/media", "/chat/api/inbox", "/chat/api/messages"]),
)
async def test_no_raw_body_at_any_chat_route_answers_5xx(
    web_door: Door, body: bytes, content_type: str, path: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    await web_door.knock(path, content=body, headers=headers)
