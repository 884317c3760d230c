"""A tip's photo through the real app with its files in object storage (BINHYEN_S3_*, a
bucket on a loopback S3 server, tests/blob_stores.py): the resident sends it in the web chat,
the officer of the area downloads it from the panel, the bytes are those sent, the object is
in the bucket and nothing is written to the local media folder. A missing bucket stops the
start-up in words an operator reads; the server going down while tips come in loses no tip
and nothing already stored, and the resident is told what happened to the file."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import select

from bot.settings import Settings
from handlers.accounts import create_account
from handlers.people import AdminRole
from storage.admin_users import SqlAccountStore, passwords
from storage.blobs_s3 import S3BlobStore
from storage.models import Tip, TipAttachment
from tests.blob_stores import SECRET, blob_name, exists_raw, new_bucket, s3_settings
from tests.e2e.channels import ChannelSetup, app_settings, running_app
from tests.e2e.clichat import free_port
from tests.e2e.test_web_tip import PNG, receipt_of, stored_files, to_files_step, upload
from tests.e2e.webchat import browser, send, texts, vi
from tests.panel.conftest import PASSWORD, csrf_of

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "storage.admin_users.passwords.password_hasher",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )


def on_bucket(sqlite_url: str, media_dir: Path, endpoint: str, bucket: str) -> Settings:
    return app_settings(sqlite_url, media_dir, **s3_settings(endpoint, bucket, "binhyen"))


@pytest.fixture
def channel_setup(
    sqlite_url: str, media_dir: Path, s3_endpoint: str, s3_bucket: str
) -> ChannelSetup:
    return ChannelSetup(on_bucket(sqlite_url, media_dir, s3_endpoint, s3_bucket))


async def signed_in_officer(app: FastAPI, commune: str, province: str) -> httpx.AsyncClient:
    """A panel browser signed in as a new officer of `commune` (closed by the caller)."""
    username = f"officer.{uuid.uuid4().hex[:6]}"
    async with app.state.runtime.sessions() as session:
        await create_account(
            SqlAccountStore(session),
            passwords,
            username=username,
            password=PASSWORD,
            role=AdminRole.OFFICER,
            commune_code=commune,
            province_code=province,
        )
        await session.commit()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    form = await client.get("/admin/")
    data = {"username": username, "password": PASSWORD, "csrf": csrf_of(form.text)}
    assert (await client.post("/admin/signin", data=data)).status_code == 303
    return client


async def send_tip(client: httpx.AsyncClient, photo: bytes | None = None) -> tuple[str, list[str]]:
    """A named tip in the web chat, with `photo` if given: its code and the replies to the
    confirmation."""
    await to_files_step(client)
    if photo is not None:
        await upload(client, photo)
    await send(client, kind="choice", choice="tip:media_done")
    await send(client, kind="choice", choice="tip:details_no")
    await send(client, kind="choice", choice="id:named")
    await send(client, text="Nguyễn Văn An")
    await send(client, text="0912 345 678")
    done = await send(client, kind="choice", choice="tip:confirm")
    code, _ = receipt_of(done)
    return code, texts(done)


async def download(officer: httpx.AsyncClient, app: FastAPI, code: str) -> httpx.Response:
    async with app.state.runtime.sessions() as session:
        tip = (await session.execute(select(Tip).where(Tip.code == code))).scalar_one()
    page = (await officer.get(f"/admin/tips/{tip.id}")).text
    [attachment] = set(re.findall(rf"/admin/tips/{tip.id}/attachments/(\d+)", page))
    return await officer.get(f"/admin/tips/{tip.id}/attachments/{attachment}")


async def test_a_tips_photo_goes_to_the_bucket_and_back_to_the_officer(
    app: FastAPI, client: httpx.AsyncClient, media_dir: Path
) -> None:
    store = app.state.runtime.media.store
    assert isinstance(store, S3BlobStore) and store.prefix == "binhyen/"
    code, _ = await send_tip(client, PNG)
    digest = hashlib.sha256(PNG).hexdigest()
    assert exists_raw(store, blob_name(digest))
    officer = await signed_in_officer(app, "00004", "01")
    try:
        got = await download(officer, app, code)
        assert got.status_code == 200 and got.content == PNG
        assert got.headers["content-type"] == "image/png"
    finally:
        await officer.aclose()
    elsewhere = await signed_in_officer(app, "00277", "01")  # another commune's officer
    try:
        async with app.state.runtime.sessions() as session:
            [row] = (await session.execute(select(TipAttachment))).scalars()
        away = await elsewhere.get(f"/admin/tips/{row.tip_id}/attachments/{row.id}")
        assert away.status_code == 404 and away.content != PNG
    finally:
        await elsewhere.aclose()
    assert stored_files(media_dir) == []  # the local folder is not used


async def test_a_missing_bucket_stops_the_start_up_clearly(
    sqlite_url: str, media_dir: Path, s3_endpoint: str
) -> None:
    settings = on_bucket(sqlite_url, media_dir, s3_endpoint, "not-made-yet")
    with pytest.raises(SystemExit) as stopped:
        async with running_app(settings):
            pass
    said = str(stopped.value)
    assert "BINHYEN_S3_BUCKET" in said and "'not-made-yet'" in said and s3_endpoint in said
    assert "does not exist" in said and SECRET not in said


DEAD = "http://127.0.0.1:9"  # nothing listens there: object storage down


def down_environment(monkeypatch: pytest.MonkeyPatch, sqlite_url: str, media_dir: Path) -> None:
    """The CLI's settings (read from the environment): files in a bucket out of reach."""
    for name, value in {
        "DATABASE_URL": sqlite_url,
        "REDIS_URL": "",
        "MEDIA_DIR": str(media_dir),
        "S3_BUCKET": "binhyen-files",
        "S3_ENDPOINT_URL": DEAD,
        "S3_ACCESS_KEY_ID": "binhyen",
        "S3_SECRET_ACCESS_KEY": SECRET,
    }.items():
        monkeypatch.setenv(f"BINHYEN_{name}", value)


async def test_commands_that_never_touch_files_run_while_the_store_is_down(
    sqlite_url: str, media_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """keys rotate, tips export and the CLI chat read no file: they run while the bucket is
    out of reach (they stopped on it when every command checked the store)."""
    import io
    import sys

    from bot import cli
    from bot.keys_cli import run_rotation

    settings = on_bucket(sqlite_url, media_dir, DEAD, "binhyen-files")
    assert (await run_rotation(settings, dry_run=True)).unopened == 0
    summary = await cli._export(settings, "csv", None, str(tmp_path / "tips.csv"))
    assert summary is not None and (tmp_path / "tips.csv").exists()
    down_environment(monkeypatch, sqlite_url, media_dir)
    monkeypatch.setattr(sys, "stdin", io.StringIO("/start\n"))
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    await cli._chat("resident-1")
    assert "Bình Yên" in out.getvalue()


async def test_serve_and_the_worker_refuse_a_store_out_of_reach(
    sqlite_url: str, media_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import cli

    said = "BINHYEN_S3_ENDPOINT_URL: cannot reach the bucket 'binhyen-files' at " + DEAD
    settings = on_bucket(sqlite_url, media_dir, DEAD, "binhyen-files")
    with pytest.raises(SystemExit) as serving:
        async with running_app(settings):
            pass
    assert said in str(serving.value) and SECRET not in str(serving.value)
    down_environment(monkeypatch, sqlite_url, media_dir)
    with pytest.raises(SystemExit) as working:
        await cli._worker()
    assert said in str(working.value) and SECRET not in str(working.value)


@pytest.fixture
def own_server() -> Iterator[tuple[str, object]]:
    """An S3 server of this test alone, to stop and start again on the same port."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}", server
    server.stop()


async def test_the_server_going_down_loses_no_tip_and_nothing_stored(
    sqlite_url: str, media_dir: Path, own_server: tuple[str, object]
) -> None:
    from moto.server import ThreadedMotoServer

    endpoint, server = own_server
    assert isinstance(server, ThreadedMotoServer)
    settings = on_bucket(sqlite_url, media_dir, endpoint, new_bucket(endpoint))
    async with running_app(settings) as app:
        async with browser(app) as first:
            stored, _ = await send_tip(first, PNG)
        async with browser(app) as second:
            await to_files_step(second)
            await upload(second, b"\xff\xd8\xff\xe0 a second photo")  # held in the bucket
            server.stop()  # down while the tip is written
            refused = await upload(second, b"\xff\xd8\xff\xe0 a third photo")
            assert vi("tip.media_store_down") in texts(refused)  # not "too large or expired"
            await send(second, kind="choice", choice="tip:media_done")
            await send(second, kind="choice", choice="tip:details_no")
            await send(second, kind="choice", choice="id:named")
            await send(second, text="Trần Thị Bình")
            await send(second, text="0912 345 679")
            done = await send(second, kind="choice", choice="tip:confirm")
            late, _ = receipt_of(done)  # the tip is stored all the same
            assert vi("tip.receipt_media_unsaved", count=1) in "\n".join(texts(done))
        async with app.state.runtime.sessions() as session:
            tips = {t.code: t.id for t in (await session.execute(select(Tip))).scalars()}
            files = list((await session.execute(select(TipAttachment))).scalars())
        assert set(tips) == {stored, late}
        assert [f.tip_id for f in files] == [tips[stored]]
        # Back up (the same port): what was stored before is all there.
        again = ThreadedMotoServer(ip_address="127.0.0.1", port=int(endpoint.rsplit(":", 1)[1]))
        again.start()
        try:
            officer = await signed_in_officer(app, "00004", "01")
            try:
                got = await download(officer, app, stored)
                assert got.status_code == 200 and got.content == PNG
            finally:
                await officer.aclose()
        finally:
            again.stop()
    assert stored_files(media_dir) == []
