"""A broadcast's photo in the blob store (storage/blobs.py), as tips' files are: kept under
its SHA-256 and referred to as "blob:<sha256>"."""

from __future__ import annotations

import asyncio
import re

from handlers.broadcasts.photo import photo_type
from storage.blobs import Blobs

BLOB_REF = re.compile(r"blob:([0-9a-f]{64})")


async def keep(store: Blobs, data: bytes) -> tuple[str, str]:
    """Check a sent photo and keep it: its reference and media type. BadInput (nothing kept)
    for anything that is not an accepted photo (handlers/broadcasts/photo.py)."""
    mime = photo_type(data)
    return f"blob:{await asyncio.to_thread(store.put, data)}", mime


async def read(store: Blobs, ref: str) -> bytes | None:
    """A kept photo's bytes, or None when the reference is not one or its file is gone."""
    found = BLOB_REF.fullmatch(ref)
    if found is None or not await asyncio.to_thread(store.has, found.group(1)):
        return None
    try:
        return await asyncio.to_thread(store.get, found.group(1))
    except FileNotFoundError:  # gone meanwhile, or not whole (storage/blobs_s3.py): refused
        return None
