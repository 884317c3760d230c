"""A broadcast's one optional photo where it is given, through the real app on SQLite: the
panel's compose form (multipart, the photo carried sealed through the preview, refusals that
keep what was typed), the panel's photo routes and who may read them, and the JSON API's
`photo_base64`. What a photo may be is handlers/broadcasts/photo.py's; its delivery with each
copy is bot/outbox.py's."""

from __future__ import annotations

import base64
import hashlib
import re
from html import unescape

import httpx
from sqlalchemy import select

from admin.broadcast_forms import MAX_FORM_BODY
from content.i18n import translate
from handlers.broadcasts.photo import MAX_PHOTO_BYTES
from storage.models import Broadcast as BroadcastRow
from tests.panel.conftest import World, csrf_of
from tests.panel.test_api import bearer

TEXT = "Cảnh báo: có kẻ gian giả danh nhân viên điện lực vào nhà. Bà con cảnh giác."
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF\x00" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 3
GIF = b"GIF89a" + bytes(64)
NOTICE = {"text": TEXT, "kind": "alert"}


def vi(msgid: str, **params: object) -> str:
    return translate(msgid, "vi", params or None)


def en(msgid: str, **params: object) -> str:
    return translate(msgid, "en", params or None)


def blob_ref(data: bytes) -> str:
    return f"blob:{hashlib.sha256(data).hexdigest()}"


async def signed_in(world: World, label: str) -> tuple[httpx.AsyncClient, str]:
    client = await world.client(label)
    return client, csrf_of((await client.get("/admin/broadcasts/new")).text)


def photo_file(name: str, data: bytes, mime: str) -> dict[str, tuple[str, bytes, str]]:
    return {"photo": (name, data, mime)}


async def post_form(
    client: httpx.AsyncClient,
    url: str,
    csrf: str,
    files: dict[str, tuple[str, bytes, str]] | None = None,
    **fields: object,
) -> httpx.Response:
    """The compose form as a browser posts it: multipart, with its file input (an empty part
    with no file name when no file is chosen)."""
    data = {"csrf": csrf, "kind": "alert", "text": TEXT, **fields}
    files = files or photo_file("", b"", "application/octet-stream")
    return await client.post(url, data=data, files=files)


Files = dict[str, tuple[str, bytes, str]]


async def preview(
    client: httpx.AsyncClient, csrf: str, files: Files | None = None, **fields: object
) -> httpx.Response:
    url = "/admin/broadcasts/new"
    return await post_form(client, url, csrf, files, step="preview", **fields)


async def send(
    client: httpx.AsyncClient, csrf: str, files: Files | None = None, **fields: object
) -> httpx.Response:
    return await post_form(client, "/admin/broadcasts", csrf, files, **fields)


def hidden_fields(page: httpx.Response) -> dict[str, str]:
    found = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text)
    return {name: unescape(value) for name, value in found}


def made_id(answer: httpx.Response) -> str:
    assert answer.status_code == 303, answer.text[:2000]
    found = re.fullmatch(r"/admin/broadcasts/([0-9a-f-]{36})\?done=\w+", answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


async def rows(world: World) -> list[BroadcastRow]:
    async with world.session() as session:
        return list((await session.execute(select(BroadcastRow))).scalars())


async def row(world: World, broadcast_id: str) -> BroadcastRow:
    async with world.session() as session:
        found = await session.get(BroadcastRow, broadcast_id)
        assert found is not None
        return found


def is_served_photo(answer: httpx.Response, data: bytes, mime: str) -> None:
    assert answer.status_code == 200, answer.text[:500]
    assert answer.content == data
    assert answer.headers["content-type"] == mime
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"


# -- the panel's form -------------------------------------------------------------------------


async def test_a_png_is_previewed_carried_sealed_and_sent_with_the_notice(world: World) -> None:
    officer, csrf = await signed_in(world, "officer_a")
    form = await officer.get("/admin/broadcasts/new")
    page = unescape(form.text)
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file" id="photo" name="photo" accept="image/jpeg,image/png"' in page
    assert vi("panel.broadcasts.photo") == "Ảnh (không bắt buộc)"
    assert vi("panel.broadcasts.photo") in page
    assert vi("panel.broadcasts.photo_note", limit=5) in page and "5 MB" in page

    shown = await preview(officer, csrf, files=photo_file("anh.png", PNG, "image/png"))
    assert shown.status_code == 200, shown.text[:2000]
    assert await rows(world) == []  # a preview makes no broadcast
    image = re.search(r'<img src="([^"]+)" alt="[^"]*" id="preview-photo"', shown.text)
    assert image, shown.text[:3000]
    is_served_photo(await officer.get(unescape(image.group(1))), PNG, "image/png")
    # The draft's photo is its sender's session's alone.
    other = await world.client("officer_a2")
    assert (await other.get(unescape(image.group(1)))).status_code == 404

    fields = hidden_fields(shown)
    assert fields["photo_kept"].startswith(blob_ref(PNG) + " image/png ")
    sent = await officer.post("/admin/broadcasts", data=fields)
    broadcast_id = made_id(sent)
    stored = await row(world, broadcast_id)
    assert (stored.photo_ref, stored.photo_mime) == (blob_ref(PNG), "image/png")
    assert re.fullmatch(r"blob:[0-9a-f]{64}", stored.photo_ref)

    detail = await officer.get(f"/admin/broadcasts/{broadcast_id}")
    assert f'<img src="/admin/broadcasts/{broadcast_id}/photo"' in detail.text
    assert vi("panel.broadcasts.photo_alt") in unescape(detail.text)


async def test_a_jpeg_sent_straight_from_the_form_is_kept(world: World) -> None:
    officer, csrf = await signed_in(world, "chief_a")
    sent = await send(officer, csrf, files=photo_file("IMG_0001.JPG", JPEG, "image/jpeg"))
    stored = await row(world, made_id(sent))
    assert (stored.photo_ref, stored.photo_mime) == (blob_ref(JPEG), "image/jpeg")
    store = world.app.state.runtime.media.store
    assert store.get(stored.photo_ref.removeprefix("blob:")) == JPEG


async def test_no_file_chosen_is_no_photo(world: World) -> None:
    officer, csrf = await signed_in(world, "officer_a")
    shown = await preview(officer, csrf)
    assert shown.status_code == 200 and 'id="preview-photo"' not in shown.text
    assert "photo_kept" not in hidden_fields(shown)
    broadcast_id = made_id(await send(officer, csrf))
    # A form posted without any file part at all (urlencoded) is the same.
    plain = await officer.post(
        "/admin/broadcasts", data={"csrf": csrf, "text": TEXT, "kind": "alert"}
    )
    for made in (broadcast_id, made_id(plain)):
        stored = await row(world, made)
        assert (stored.photo_ref, stored.photo_mime) == ("", "")
        detail = await officer.get(f"/admin/broadcasts/{made}")
        assert 'id="broadcast-photo"' not in detail.text
        assert (await officer.get(f"/admin/broadcasts/{made}/photo")).status_code == 404


async def test_a_file_that_is_no_photo_is_refused_and_the_text_kept(world: World) -> None:
    leader, csrf = await signed_in(world, "leader_a")
    refused = (
        (photo_file("anh.gif", GIF, "image/gif"), vi("panel.error.photo_type")),
        # The type a browser claims counts for nothing: the bytes decide.
        (
            photo_file("anh.jpg", "Xin chào".encode() * 10, "image/jpeg"),
            vi("panel.error.photo_type"),
        ),
        (photo_file("ghichu.txt", b"ghi chu", "text/plain"), vi("panel.error.photo_type")),
        (photo_file("anh.jpg", b"", "image/jpeg"), vi("panel.error.photo_empty")),
    )
    for files, words in refused:
        for post in (preview, send):
            answer = await post(leader, csrf, files=files, kind="awareness")
            assert answer.status_code == 422, answer.text[:2000]
            page = unescape(answer.text)
            assert words in page
            assert f">{TEXT}</textarea>" in page and 'value="awareness" checked' in page
            assert 'id="kept-photo"' not in page
    assert await rows(world) == []


async def test_a_photo_over_the_limit_is_refused_naming_5_mb(world: World) -> None:
    officer, csrf = await signed_in(world, "officer_a")
    large = b"\xff\xd8\xff\xe0" + bytes(MAX_PHOTO_BYTES - 3)
    assert len(large) == MAX_PHOTO_BYTES + 1
    for post in (preview, send):
        answer = await post(officer, csrf, files=photo_file("lon.jpg", large, "image/jpeg"))
        assert answer.status_code == 422
        page = unescape(answer.text)
        assert vi("panel.error.photo_size", limit="5") in page and "5 MB" in page
        assert f">{TEXT}</textarea>" in page
    english = await officer.get("/admin/broadcasts/new?lang=en")
    assert english.status_code == 200
    answer = await send(officer, csrf, files=photo_file("lon.jpg", large, "image/jpeg"))
    assert en("panel.error.photo_size", limit="5") in unescape(answer.text)
    assert "at most 5 MB" in unescape(answer.text)
    # Exactly the limit is a photo.
    exact = large[:MAX_PHOTO_BYTES]
    stored = await row(
        world, made_id(await send(officer, csrf, files=photo_file("a.jpg", exact, "image/jpeg")))
    )
    assert stored.photo_ref == blob_ref(exact)
    # A body far past any photo is cut off before it is read whole.
    huge = await send(
        officer, csrf, files=photo_file("x.jpg", bytes(MAX_FORM_BODY + 1), "image/jpeg")
    )
    assert huge.status_code == 413
    assert len(await rows(world)) == 1


async def test_a_kept_photo_survives_editing_and_a_refusal_and_can_be_removed(
    world: World,
) -> None:
    officer, csrf = await signed_in(world, "officer_a")
    shown = await preview(officer, csrf, files=photo_file("anh.png", PNG, "image/png"))
    fields = hidden_fields(shown)
    # "Sửa" goes back to the form with the photo kept (the file input cannot be refilled).
    edit = await officer.post("/admin/broadcasts/new", data={**fields, "step": "edit"})
    page = unescape(edit.text)
    assert 'id="kept-photo"' in page and vi("panel.broadcasts.photo_kept") in page
    assert hidden_fields(edit)["photo_kept"] == fields["photo_kept"]
    # A text refused keeps the photo too; a file refused keeps the one accepted before.
    empty = await send(officer, csrf, photo_kept=fields["photo_kept"], text=" ")
    assert empty.status_code == 422 and hidden_fields(empty)["photo_kept"] == fields["photo_kept"]
    gif = await preview(
        officer, csrf, files=photo_file("a.gif", GIF, "image/gif"), photo_kept=fields["photo_kept"]
    )
    assert gif.status_code == 422 and vi("panel.error.photo_type") in unescape(gif.text)
    assert hidden_fields(gif)["photo_kept"] == fields["photo_kept"]
    # A new file replaces it.
    jpeg = await preview(
        officer,
        csrf,
        files=photo_file("b.jpg", JPEG, "image/jpeg"),
        photo_kept=fields["photo_kept"],
    )
    assert hidden_fields(jpeg)["photo_kept"].startswith(blob_ref(JPEG) + " image/jpeg ")
    # "Bỏ ảnh này" sends the notice without it.
    dropped = await send(officer, csrf, photo_kept=fields["photo_kept"], photo_drop="1")
    assert (await row(world, made_id(dropped))).photo_ref == ""


async def test_a_form_cannot_name_a_file_of_the_store_it_did_not_send(world: World) -> None:
    """The store holds tips' files too: only a seal of this session carries a photo."""
    officer, csrf = await signed_in(world, "officer_a")
    store = world.app.state.runtime.media.store
    secret = store.put(JPEG)  # a tip's photo, say
    colleague, colleague_csrf = await signed_in(world, "officer_a2")
    theirs = hidden_fields(
        await preview(colleague, colleague_csrf, files=photo_file("a.png", PNG, "image/png"))
    )["photo_kept"]
    ref, _mime, mac = theirs.split(" ")
    for forged in (
        f"blob:{secret} image/jpeg {mac}",
        f"blob:{secret} image/jpeg",
        f"{ref} image/jpeg {mac}",
        theirs,  # another session's seal
        "blob:../../etc/passwd image/png x",
    ):
        made = made_id(await send(officer, csrf, photo_kept=forged))
        assert (await row(world, made)).photo_ref == ""
        url = "/admin/broadcasts/new/photo"
        assert (await officer.get(url, params={"kept": forged})).status_code == 404


# -- the panel's photo route ------------------------------------------------------------------


async def test_a_broadcasts_photo_is_served_to_those_who_may_read_it(world: World) -> None:
    officer, csrf = await signed_in(world, "officer_a")
    police = made_id(await send(officer, csrf, files=photo_file("a.png", PNG, "image/png")))
    leader, leader_csrf = await signed_in(world, "leader_a")
    notice = made_id(await send(leader, leader_csrf, files=photo_file("b.jpg", JPEG, "image/jpeg")))
    expected = {
        "officer_a": {police: True, notice: True},
        "chief_a": {police: True, notice: True},
        "admin_01": {police: True, notice: True},
        "leader_a": {police: False, notice: True},  # a leader reads what they sent
        "officer_b": {police: False, notice: False},  # another commune
        "chief_b": {police: False, notice: False},
        "admin_79": {police: False, notice: False},  # another province
    }
    for label, seen in expected.items():
        client = await world.client(label)
        for broadcast_id, may in seen.items():
            answer = await client.get(f"/admin/broadcasts/{broadcast_id}/photo")
            if may:
                data, mime = (PNG, "image/png") if broadcast_id == police else (JPEG, "image/jpeg")
                is_served_photo(answer, data, mime)
            else:
                assert answer.status_code == 404, (label, broadcast_id)
                assert answer.content not in (PNG, JPEG)
    stranger = world.anonymous_client()
    signed_out = await stranger.get(f"/admin/broadcasts/{police}/photo")
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/admin/"
    assert (await officer.get("/admin/broadcasts/no-such-notice/photo")).status_code == 404


# -- the JSON API -----------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def test_the_api_takes_a_photo_in_base64_and_says_it_has_one(world: World) -> None:
    officer = await bearer(world, "officer_a")
    # Far past the API's usual 64 KiB body: a real photo fits.
    png = PNG + bytes(300 * 1024)
    made = await officer.post("/api/v1/broadcasts", json={**NOTICE, "photo_base64": b64(png)})
    assert made.status_code == 201, made.text
    with_photo = made.json()["id"]
    stored = await row(world, with_photo)
    assert (stored.photo_ref, stored.photo_mime) == (blob_ref(png), "image/png")
    # Line breaks of a wrapped base64 are ignored.
    wrapped = base64.encodebytes(JPEG).decode()
    assert "\n" in wrapped.strip()
    jpeg = await officer.post("/api/v1/broadcasts", json={**NOTICE, "photo_base64": wrapped})
    assert jpeg.status_code == 201
    assert (await row(world, jpeg.json()["id"])).photo_mime == "image/jpeg"
    bare = (await officer.post("/api/v1/broadcasts", json=NOTICE)).json()["id"]
    assert (await row(world, bare)).photo_ref == ""

    assert (await officer.get(f"/api/v1/broadcasts/{with_photo}")).json()["photo"] is True
    assert (await officer.get(f"/api/v1/broadcasts/{bare}")).json()["photo"] is False
    listed = {
        b["id"]: b["photo"] for b in (await officer.get("/api/v1/broadcasts")).json()["items"]
    }
    assert listed == {with_photo: True, jpeg.json()["id"]: True, bare: False}
    # The panel shows it on the broadcast's page.
    panel = await world.client("chief_a")
    is_served_photo(await panel.get(f"/admin/broadcasts/{with_photo}/photo"), png, "image/png")


async def test_the_api_refuses_what_is_no_base64_or_no_photo(world: World) -> None:
    officer = await bearer(world, "officer_a")
    for garbage in ("không phải base64", "!!!!", "abc", "data:image/png;base64," + b64(PNG)):
        answer = await officer.post("/api/v1/broadcasts", json={**NOTICE, "photo_base64": garbage})
        assert answer.status_code == 422, garbage
        error = answer.json()["error"]
        assert error["code"] == "invalid_input"
        (field,) = error["fields"]
        assert field["loc"] == ["body", "photo_base64"] and "base64" in field["msg"]
        assert garbage not in answer.text
    refused = (
        (GIF, "photo_type", "JPEG"),
        (b"%PDF-1.7 ...", "photo_type", "JPEG"),
        (b"", "photo_empty", ""),
        (b"\xff\xd8\xff\xe0" + bytes(MAX_PHOTO_BYTES), "photo_size", "5 MB"),
    )
    for data, code, words in refused:
        answer = await officer.post(
            "/api/v1/broadcasts", params={"lang": "en"}, json={**NOTICE, "photo_base64": b64(data)}
        )
        assert answer.status_code == 422, code
        error = answer.json()["error"]
        assert error["code"] == code and words in error["message"]
        assert error["message"] == en(f"panel.error.{code}", limit="5")
    vietnamese = await officer.post(
        "/api/v1/broadcasts",
        json={**NOTICE, "photo_base64": b64(b"\xff\xd8\xff" + bytes(MAX_PHOTO_BYTES))},
    )
    assert vietnamese.json()["error"]["message"] == vi("panel.error.photo_size", limit="5")
    # A photo in another shape is no field of the API.
    other = await officer.post("/api/v1/broadcasts", json={**NOTICE, "photo": {"data": b64(PNG)}})
    assert other.status_code == 422
    assert await rows(world) == []
