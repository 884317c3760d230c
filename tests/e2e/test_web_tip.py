"""A resident's tip through the web chat's JSON API: files uploaded to /chat/api/media, a
location, a shared phone number, the receipt, and follow-up from another browser.

Runs the ASGI app in-process (httpx's ASGI transport) inside its lifespan, on a SQLite
database built by the real migrations and a media folder of its own.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bot.channels.web import media_kind
from handlers.model import MediaType
from storage.models import Tip, TipAttachment
from tests.e2e.webchat import API, Body, browser, offered, onboard, send, texts, vi

pytestmark = pytest.mark.e2e

MEDIA = "/chat/api/media"
MB = 1024 * 1024
LIMIT = 20 * MB
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
RECEIPT = re.compile(r"(BY-[0-9A-Z]{4}-[0-9A-Z]{2}).*?PIN: (\d{6})", re.S)


async def upload(
    client: httpx.AsyncClient,
    data: bytes,
    name: str = "photo.png",
    mime: str = "image/png",
    **fields: str,
) -> Body:
    fields.setdefault("message_id", uuid.uuid4().hex)
    response = await client.post(MEDIA, files={"file": (name, data, mime)}, data=fields)
    assert response.status_code == 200, response.text
    body: Body = response.json()
    return body


def requested(data: Body) -> list[str | None]:
    return [r["request"] for r in data["replies"]]


async def to_files_step(client: httpx.AsyncClient) -> Body:
    await onboard(client)
    data = await send(client, kind="choice", choice="menu:tip")
    if "tip:consent_yes" in offered(data):
        data = await send(client, kind="choice", choice="tip:consent_yes")
    assert "cat:theft_robbery" in offered(data), texts(data)
    await send(client, kind="choice", choice="cat:theft_robbery")
    await send(client, text="Tối qua có hai người lạ đi xe máy")
    await send(client, text="lấy trộm xe đạp trước nhà số 12 ngõ 5")
    await send(client, kind="choice", choice="tip:done")
    data = await send(client, kind="choice", choice="when:today")
    assert requested(data) == ["location"], texts(data)
    data = await send(client, kind="location", lat=21.0333, lon=105.8145)
    assert "tip:media_done" in offered(data), texts(data)
    return data


async def to_phone_step(client: httpx.AsyncClient) -> Body:
    await send(client, kind="choice", choice="tip:media_done")
    await send(client, kind="choice", choice="tip:details_no")
    await send(client, kind="choice", choice="id:named")
    data = await send(client, text="Nguyễn Văn An")
    assert requested(data) == ["contact"], texts(data)
    return data


def receipt_of(data: Body) -> tuple[str, str]:
    found = RECEIPT.search("\n".join(texts(data)))
    assert found, texts(data)
    return found[1], found[2]


def stored_files(media_dir: Path) -> list[Path]:
    return [p for p in media_dir.rglob("*") if p.is_file()] if media_dir.exists() else []


async def rows(app: FastAPI, model: Any) -> list[Any]:
    async with app.state.runtime.sessions() as session:
        return list((await session.execute(select(model))).scalars())


async def test_a_named_tip_with_a_photo_and_a_location(
    app: FastAPI, client: httpx.AsyncClient, media_dir: Path
) -> None:
    await to_files_step(client)
    data = await upload(client, PNG, caption="biển số xe")
    assert texts(data) == [vi("tip.media_more", count=1)]
    assert "tip:media_done" in offered(data)

    # Held apart as it came until the tip is sent (issue 18: storage/blobs.py).
    digest = hashlib.sha256(PNG).hexdigest()
    [held] = stored_files(media_dir)
    assert held.parent.name == "received" and held.read_bytes() == PNG

    await to_phone_step(client)
    data = await send(client, text="0912 345 678")
    review = "\n".join(texts(data))
    assert "Tệp đính kèm: 1" in review and "biển số xe" in review
    assert "21.03330, 105.81450" in review and "Nguyễn Văn An, 0912 345 678" in review
    code, pin = receipt_of(await send(client, kind="choice", choice="tip:confirm"))

    [tip] = await rows(app, Tip)
    [attachment] = await rows(app, TipAttachment)
    assert (tip.code, tip.anonymous) == (code, False)
    assert tip.lat == pytest.approx(21.0333) and tip.lon == pytest.approx(105.8145)
    assert (attachment.tip_id, attachment.kind, attachment.mime) == (tip.id, "photo", "image/png")
    assert (attachment.sha256, attachment.size, attachment.ref) == (
        digest,
        len(PNG),
        f"blob:{digest}",
    )
    kept = media_dir / digest[:2] / digest
    assert stored_files(media_dir) == [kept] and kept.read_bytes() == PNG
    assert pin not in tip.pin_hash


@pytest.mark.parametrize(
    "size",
    [pytest.param(21 * MB, id="21 MB"), pytest.param(LIMIT + 1, id="one byte too many")],
)
async def test_a_file_over_the_limit_is_refused_in_the_bots_words_and_the_tip_goes_on(
    app: FastAPI, client: httpx.AsyncClient, media_dir: Path, size: int
) -> None:
    await to_files_step(client)
    data = await upload(client, b"\0" * size, "video.mp4", "video/mp4")
    assert data["duplicate"] is False
    assert texts(data)[0] == vi("tip.media_size", limit=20)
    assert "tip:media_done" in offered(data)
    assert stored_files(media_dir) == []

    data = await upload(client, PNG)
    assert texts(data) == [vi("tip.media_more", count=1)]
    await to_phone_step(client)
    await send(client, text="0912345678")
    receipt_of(await send(client, kind="choice", choice="tip:confirm"))
    assert len(await rows(app, TipAttachment)) == 1


async def test_a_file_of_exactly_the_limit_is_kept(
    client: httpx.AsyncClient, media_dir: Path
) -> None:
    await to_files_step(client)
    data = await upload(client, b"\1" * LIMIT, "clip.mp4", "video/mp4")
    assert texts(data) == [vi("tip.media_more", count=1)]
    [kept] = stored_files(media_dir)
    assert kept.stat().st_size == LIMIT


async def test_an_upload_outside_the_files_step_is_answered_and_not_attached(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await onboard(client)
    data = await upload(client, PNG)
    assert texts(data)[0] == vi("input.unexpected_file")
    assert "menu:tip" in offered(data)  # still at the menu

    await send(client, kind="choice", choice="menu:tip")
    await send(client, kind="choice", choice="tip:consent_yes")
    await send(client, kind="choice", choice="cat:theft_robbery")
    data = await upload(client, PNG, caption="không phải mô tả")
    assert texts(data)[0] == vi("input.unexpected_file")
    assert texts(data)[1] == vi("tip.ask_description")  # the step it was at, again

    await send(client, text="Có người lạ lấy trộm xe đạp trước nhà")
    await send(client, kind="choice", choice="tip:done")
    await send(client, kind="choice", choice="when:today")
    await send(client, kind="choice", choice="where:commune")
    await to_phone_step(client)
    data = await send(client, text="0912345678")
    review = "\n".join(texts(data))
    assert "Tệp đính kèm: 0" in review and "không phải mô tả" not in review
    receipt_of(await send(client, kind="choice", choice="tip:confirm"))
    assert await rows(app, TipAttachment) == []


async def test_a_resent_upload_is_a_duplicate_and_attached_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await to_files_step(client)
    first = await upload(client, PNG, message_id="upload-1")
    again = await upload(client, PNG, message_id="upload-1")
    assert texts(first) == [vi("tip.media_more", count=1)]
    assert again == {"duplicate": True, "replies": []}
    data = await upload(client, PNG + b"other", message_id="upload-2")
    assert texts(data) == [vi("tip.media_more", count=2)]


async def test_the_client_cannot_name_a_stored_file(
    app: FastAPI, client: httpx.AsyncClient, media_dir: Path
) -> None:
    """Only the bytes sent in the request are attached, whatever else the request says."""
    async with browser(app) as victim:
        await to_files_step(victim)
        await upload(victim, b"the victim's private photo")
    theirs = hashlib.sha256(b"the victim's private photo").hexdigest()

    await to_files_step(client)
    forged = await client.post(API, json={"kind": "media", "ref": f"blob:{theirs}"})
    assert forged.status_code == 422
    no_file = await client.post(MEDIA, data={"ref": f"blob:{theirs}", "file": f"blob:{theirs}"})
    assert no_file.status_code == 422
    data = await upload(client, PNG, ref=f"blob:{theirs}")
    assert texts(data) == [vi("tip.media_more", count=1)]
    await to_phone_step(client)
    await send(client, text="0912345678")
    await send(client, kind="choice", choice="tip:confirm")
    [mine] = await rows(app, TipAttachment)
    assert mine.sha256 == hashlib.sha256(PNG).hexdigest()


@pytest.mark.parametrize(
    ("request_kwargs", "status"),
    [
        pytest.param({"data": {"message_id": "x"}}, 422, id="no file"),
        pytest.param({"files": {"file": ("a.png", b"", "image/png")}}, 422, id="empty file"),
        pytest.param(
            {"files": {"file": ("a.png", PNG, "image/png")}, "data": {"message_id": "m" * 65}},
            422,
            id="message id too long",
        ),
        pytest.param(
            {"files": {"file": ("a.png", PNG, "image/png")}, "data": {"caption": "c" * 1001}},
            422,
            id="caption too long",
        ),
        pytest.param({"json": {"file": "x"}}, 422, id="json"),
        pytest.param({"content": b"\0" * 10}, 422, id="raw bytes"),
        pytest.param(
            {"files": [("file", ("a.png", PNG)), ("file", ("b.png", PNG))]}, 400, id="two files"
        ),
        pytest.param(
            {"files": {"file": ("a.png", PNG)}, "data": {"a": "1", "b": "2", "c": "3"}},
            400,
            id="too many fields",
        ),
        pytest.param(
            {"content": b"junk", "headers": {"content-type": "multipart/form-data"}},
            400,
            id="no boundary",
        ),
    ],
)
async def test_malformed_uploads_are_refused_without_a_500(
    app: FastAPI, request_kwargs: dict[str, Any], status: int
) -> None:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(MEDIA, **request_kwargs)
        assert response.status_code == status, response.text
        assert set(response.json()) <= {"error", "detail"}


async def test_an_upload_without_a_length_is_refused(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"--x\r\nContent-Disposition: form-data; name=file; filename=a\r\n\r\n"
        yield b"data\r\n--x--\r\n"

    response = await client.post(
        MEDIA, content=chunks(), headers={"content-type": "multipart/form-data; boundary=x"}
    )
    assert response.status_code == 411
    assert "error" in response.json()


async def test_a_shared_contact_is_accepted_at_the_phone_step(client: httpx.AsyncClient) -> None:
    await to_files_step(client)
    await to_phone_step(client)
    data = await send(client, kind="contact", phone="12345")
    assert texts(data)[0] == vi("tip.phone_invalid")
    assert requested(data)[-1] == "contact"
    data = await send(client, kind="contact", phone="+84 912 345 678")
    assert "Nguyễn Văn An, 0912 345 678" in "\n".join(texts(data))
    assert "tip:confirm" in offered(data)
    too_long = await client.post(API, json={"kind": "contact", "phone": "9" * 33})
    assert too_long.status_code == 422


async def test_follow_up_by_code_and_pin_from_another_browser(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await to_files_step(client)
    await upload(client, PNG)
    await to_phone_step(client)
    await send(client, kind="contact", phone="0912345678")
    code, pin = receipt_of(await send(client, kind="choice", choice="tip:confirm"))

    async with browser(app) as elsewhere:
        await onboard(elsewhere)
        data = await send(elsewhere, kind="choice", choice="menu:mytips")
        assert texts(data)[0] == vi("tip.mytips_none")
        await send(elsewhere, kind="choice", choice="mytips:code")
        data = await send(elsewhere, text=code.lower())
        assert texts(data) == [vi("tip.ask_pin")]
        data = await send(elsewhere, text=pin)
        shown = "\n".join(texts(data))
        assert code in shown and "Trộm cắp – cướp" in shown
        assert vi("tip.status_new") in shown
        assert "Nguyễn" not in shown and "0912" not in shown


@pytest.mark.parametrize(
    ("declared", "kind", "mime"),
    [
        ("image/jpeg", MediaType.PHOTO, "image/jpeg"),
        ("IMAGE/PNG; charset=binary", MediaType.PHOTO, "image/png"),
        ("video/mp4", MediaType.VIDEO, "video/mp4"),
        ("audio/ogg", MediaType.VOICE, "audio/ogg"),
        ("application/pdf", MediaType.FILE, "application/pdf"),
        (None, MediaType.FILE, "application/octet-stream"),
        ("", MediaType.FILE, "application/octet-stream"),
        ("image/svg+xml", MediaType.FILE, "application/octet-stream"),
        ("text/html", MediaType.FILE, "application/octet-stream"),
        ("application/xhtml+xml", MediaType.FILE, "application/octet-stream"),
        ("image/png\r\nX-Evil: 1", MediaType.FILE, "application/octet-stream"),
        ("not a type", MediaType.FILE, "application/octet-stream"),
    ],
)
def test_the_media_type_comes_from_the_declared_content_type(
    declared: str | None, kind: MediaType, mime: str
) -> None:
    assert media_kind(declared) == (kind, mime)
