"""What the officer reads under each attachment of a tip (issue 18): a named reporter's file
with the metadata found (the camera, when and where the photo was taken; a serial number and
an owner's name only as there), an anonymous reporter's with the kinds removed and the hash
of the file as received; the same through the JSON API."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from handlers.media_metadata import outcome
from handlers.tipmodel import AttachmentIn
from tests import photo_files
from tests.panel.conftest import World


def attachment(world: World, original: bytes, *, anonymous: bool) -> AttachmentIn:
    """As the bot settles a received photo (handlers/tip_files.py)."""
    kept = outcome(original, anonymous=anonymous)
    assert kept.data is not None
    sha = world.app.state.runtime.media.store.put(kept.data)
    received = hashlib.sha256(original).hexdigest() if kept.removed else ""
    return AttachmentIn(
        "photo",
        f"blob:{sha}",
        "image/jpeg",
        len(kept.data),
        sha,
        datetime.now(UTC),
        received_sha256=received,
        received_size=len(original) if kept.removed else None,
        metadata_summary=kept.summary,
        metadata_removed=kept.removed,
    )


async def test_the_officer_sees_each_attachments_metadata(world: World) -> None:
    photo = photo_files.tagged_jpeg()
    named = await world.tip(
        anonymous=False, attachments=[attachment(world, photo, anonymous=False)]
    )
    anonymous = await world.tip(attachments=[attachment(world, photo, anonymous=True)])
    client = await world.client("officer_a")

    page = (await client.get(f"/admin/tips/{named.id}")).text
    assert "Siêu dữ liệu trong tệp gốc: vị trí GPS, số sê-ri máy, tên chủ máy" in page
    assert "Máy: Apple iPhone 12" in page and "Chụp lúc (giờ của máy): 20/11/2026 21:03" in page
    assert "Vị trí chụp: 21.03330, 105.81450" in page
    assert photo_files.SERIAL not in page and "Chủ Máy" not in page

    page = (await client.get(f"/admin/tips/{anonymous.id}")).text
    assert "Tin ẩn danh: đã xóa khỏi tệp vị trí GPS, số sê-ri máy, tên chủ máy" in page
    assert hashlib.sha256(photo).hexdigest() in page
    assert "iPhone" not in page and "21.03330" not in page

    answer = (await client.get(f"/api/v1/tips/{anonymous.id}")).json()
    [out] = answer["attachments"]
    assert out["metadata_removed"] is True
    assert out["received_sha256"] == hashlib.sha256(photo).hexdigest()
    assert "location" in json.loads(out["metadata_summary"])["removed"]
