"""A tip's files from receipt to the stored tip (issue 18): what the keepers of files
(storage/blobs.py, and the in-memory one of the tests) share.

A file is held apart as it came while the tip is written, its metadata checked on receipt
(handlers/media_metadata); only the kinds found and the cleaned file's hash go into the draft,
which lives in the conversation state. When the tip is sent, `settle` stores what the tip
keeps: a named reporter's file as it came; an anonymous reporter's without its metadata,
and the file as received is no longer held. Storing is by hash, so a retry of the sending
(the transaction rolled back after the held file went) finds what was stored the first time.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Protocol

from handlers.media_metadata import (
    Checked,
    Found,
    Kind,
    Status,
    check,
    outcome,
    sniff,
    summary,
)
from handlers.ports import MediaUnavailable, SettledMedia, StoredMedia


class Shelf(Protocol):
    """Where a keeper holds received files and stores kept ones."""

    async def received(self, ref: str) -> bytes | None:
        """A held file's bytes by its ref ("received:…"); None when not held (gone, or not
        such a ref)."""
        ...

    async def stored(self, sha256: str) -> bytes | None: ...

    async def put(self, data: bytes) -> str:
        """Stores the bytes under their SHA-256, which it returns."""
        ...

    async def forget(self, ref: str) -> None:
        """The held file is no longer held (nothing for any other ref)."""
        ...


def received_media(ref: str, mime: str, data: bytes, checked: Checked) -> StoredMedia:
    """What the draft keeps of a file held on receipt."""
    clean = checked.cleaned
    return StoredMedia(
        ref=ref,
        mime=mime,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        metadata=checked.status.value,
        found=tuple(checked.found.listed()),
        clean_sha256=hashlib.sha256(clean).hexdigest() if clean is not None else "",
        clean_size=len(clean) if clean is not None else 0,
    )


def _blob(digest: str) -> str:
    return f"blob:{digest}"


def _cleaned_before(kept: StoredMedia, cleaned: bytes) -> SettledMedia:
    """An anonymous tip's file whose cleaned copy a first sending stored."""
    known = {k.value for k in Kind}
    found = Found({Kind(k) for k in kept.found if k in known})
    said = summary(Checked(sniff(cleaned), Status.REMOVABLE, found), anonymous=True)
    return SettledMedia(
        _blob(kept.clean_sha256),
        kept.clean_size,
        kept.clean_sha256,
        kept.sha256,
        kept.size,
        said,
        True,
    )


async def settle(shelf: Shelf, kept: StoredMedia, anonymous: bool) -> SettledMedia | None:
    """The MediaKeeper's `settle`, on a keeper's shelf."""
    if anonymous and kept.metadata == Status.UNREMOVABLE:  # found so on receipt: not taken
        await shelf.forget(kept.ref)
        return None
    original = await shelf.received(kept.ref)
    if original is None:  # settled before (a retry), or a draft's file stored on receipt
        original = await shelf.stored(kept.sha256)
    if original is None:
        cleaned = await shelf.stored(kept.clean_sha256) if anonymous else None
        if cleaned is not None:
            return _cleaned_before(kept, cleaned)
        raise MediaUnavailable("the file is no longer held")
    checked = await asyncio.to_thread(check, original)
    kept_here = outcome(original, anonymous=anonymous, checked=checked)
    if kept_here.data is None:
        await shelf.forget(kept.ref)
        return None
    digest = await shelf.put(kept_here.data)
    await shelf.forget(kept.ref)
    if not kept_here.removed:
        return SettledMedia(_blob(digest), len(kept_here.data), digest, "", None, kept_here.summary)
    received = hashlib.sha256(original).hexdigest()
    return SettledMedia(
        _blob(digest),
        len(kept_here.data),
        digest,
        received,
        len(original),
        kept_here.summary,
        True,
    )
