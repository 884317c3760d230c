"""Serving a tip's attachment, the same for the panel and the API.

A file is sent with its own type only when a browser cannot run it (pictures, audio, video,
PDF), and shown in the page only when it is a picture; anything else is a download of
application/octet-stream. Always in a sandbox, never cached, never sniffed.
"""

from __future__ import annotations

import asyncio
import re

from fastapi import Request, Response

from admin.web import SECURITY_HEADERS
from storage.casework import AttachmentRef

INLINE_IMAGES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
SAFE_MIME = INLINE_IMAGES | {"video/mp4", "audio/ogg", "audio/mpeg", "audio/mp4", "application/pdf"}
BLOB_REF = re.compile(r"blob:([0-9a-f]{64})")


async def attachment_response(
    request: Request, ref: AttachmentRef, *, inline_images: bool
) -> Response | None:
    """The file as a response, or None when its bytes are gone from the store."""
    found = BLOB_REF.fullmatch(ref.ref)
    store = request.app.state.runtime.media.store
    if found is None or not await asyncio.to_thread(store.has, found.group(1)):
        return None
    try:
        data = await asyncio.to_thread(store.get, found.group(1))
    except FileNotFoundError:  # gone meanwhile, or not the bytes stored (refused, not served)
        return None
    shown = "inline" if inline_images and ref.mime in INLINE_IMAGES else "attachment"
    return Response(
        data,
        media_type=ref.mime if ref.mime in SAFE_MIME else "application/octet-stream",
        headers={
            **SECURITY_HEADERS,
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Content-Disposition": f'{shown}; filename="{ref.filename}"',
        },
    )
