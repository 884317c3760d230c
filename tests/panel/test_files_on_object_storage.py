"""Tips' files and notices' photos with object storage as the store (BINHYEN_S3_*, a fresh
bucket on the loopback S3 server): served by the app itself, and only to those who may read
them, as from the local folder. The panel's own attachment and photo tests, run again on
`s3_world`, plus what only object storage can show: where the bytes are, a damaged object."""

from __future__ import annotations

import html
import re
from pathlib import Path

from content.i18n import translate
from storage.blobs_s3 import S3BlobStore
from tests.blob_stores import KEY_ID, REGION, SECRET, blob_name, exists_raw, write_raw
from tests.panel import test_broadcast_photos as photo_tests
from tests.panel import test_panel_tip as tip_tests
from tests.panel.conftest import World
from tests.panel.test_api import bearer


def bucket_of(world: World) -> S3BlobStore:
    store = world.app.state.runtime.media.store
    assert isinstance(store, S3BlobStore) and store.prefix == "tips/"
    return store


async def test_attachments_are_served_only_to_the_area(s3_world: World) -> None:
    """The same checks as on the local folder: the area's officer gets the bytes; another
    commune's officer, another tip's id: 404; signed out: the sign-in page."""
    await tip_tests.test_attachments_are_served_only_to_the_area_with_safe_headers(s3_world)
    assert not Path(s3_world.settings.media_dir).exists()  # nothing written locally


async def test_outside_the_area_is_not_found(s3_world: World) -> None:
    await tip_tests.test_outside_the_area_is_not_found_and_leaders_are_forbidden(s3_world)


async def test_a_missing_object_is_a_clear_not_found(s3_world: World) -> None:
    await tip_tests.test_a_missing_blob_is_a_clear_not_found(s3_world)


async def test_a_damaged_object_is_refused_not_served(s3_world: World) -> None:
    store = bucket_of(s3_world)
    photo = tip_tests.blob(s3_world, tip_tests.PNG, "photo", "image/png")
    assert exists_raw(store, blob_name(photo.sha256))
    tip = await s3_world.tip(attachments=[photo])
    officer = await s3_world.client("officer_a")
    page = (await officer.get(f"/admin/tips/{tip.id}")).text
    [attachment_id] = set(re.findall(rf"/admin/tips/{tip.id}/attachments/(\d+)", page))
    url = f"/admin/tips/{tip.id}/attachments/{attachment_id}"
    assert (await officer.get(url)).content == tip_tests.PNG
    write_raw(store, blob_name(photo.sha256), b"not the photo the resident sent")
    refused = await officer.get(url)
    assert refused.status_code == 404 and b"not the photo" not in refused.content
    for label in ("officer_b", "officer_c", "admin_79"):  # elsewhere: 404 as ever
        stranger = await s3_world.client(label)
        assert (await stranger.get(url)).status_code == 404


async def test_a_notices_photo_in_the_bucket(s3_world: World) -> None:
    """A notice's photo sent from the form is kept in the bucket and served to whom may
    read it (the panel's photo tests, on object storage)."""
    await photo_tests.test_a_jpeg_sent_straight_from_the_form_is_kept(s3_world)
    await photo_tests.test_a_broadcasts_photo_is_served_to_those_who_may_read_it(s3_world)
    store = bucket_of(s3_world)
    sha = photo_tests.blob_ref(photo_tests.JPEG).removeprefix("blob:")
    assert exists_raw(store, blob_name(sha))
    assert not Path(s3_world.settings.media_dir).exists()


async def test_the_store_not_answering_is_a_503_to_try_again(s3_world: World) -> None:
    """Object storage down: the officer is told to try again in a while (503, Retry-After),
    in the panel's words and the API's shape; never a server error, never another's file."""
    store = bucket_of(s3_world)
    photo = tip_tests.blob(s3_world, tip_tests.PNG, "photo", "image/png")
    tip = await s3_world.tip(attachments=[photo])
    officer = await s3_world.client("officer_a")
    page = (await officer.get(f"/admin/tips/{tip.id}")).text
    [attachment_id] = set(re.findall(rf"/admin/tips/{tip.id}/attachments/(\d+)", page))
    keeper = s3_world.app.state.runtime.media
    keeper.store = S3BlobStore.connect(  # the same bucket, on a port where nothing listens
        bucket=store.bucket,
        endpoint_url="http://127.0.0.1:9",
        region=REGION,
        access_key_id=KEY_ID,
        secret_access_key=SECRET,
        prefix=store.prefix,
    )
    try:
        down = await officer.get(f"/admin/tips/{tip.id}/attachments/{attachment_id}")
        assert down.status_code == 503 and down.headers["Retry-After"] == "30"
        assert translate("panel.error.store_unavailable", "vi") in html.unescape(down.text)
        api = await bearer(s3_world, "officer_a")
        url = (await api.get(f"/api/v1/tips/{tip.id}")).json()["attachments"][0]["url"]
        answered = await api.get(url)
        assert answered.status_code == 503
        assert answered.json()["error"]["code"] == "store_unavailable"
    finally:
        keeper.store = store
    again = await officer.get(f"/admin/tips/{tip.id}/attachments/{attachment_id}")
    assert again.status_code == 200 and again.content == tip_tests.PNG
