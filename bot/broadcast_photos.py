"""A broadcast's photo at its public address (bot/broadcast_media.py makes the address).

It answers only with the address's token and only once the broadcast has gone out (sending,
or cancelled after some copies went): a leader's notice waiting for the police, or one they
rejected, is 404 whatever the token. Nothing else of the broadcast is served.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response

from bot.broadcast_media import PREFIX, token
from handlers.broadcasts.words import BroadcastStatus
from storage.broadcasts import SqlBroadcastStore
from storage.broadcasts.photos import read

router = APIRouter()
SHOWN = frozenset({BroadcastStatus.SENDING, BroadcastStatus.CANCELLED})
HEADERS = {
    "Cache-Control": "public, max-age=604800, immutable",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


@router.get(PREFIX + "/{broadcast_id}/{given}", include_in_schema=False)
async def photo(request: Request, broadcast_id: str, given: str) -> Response:
    rt = request.app.state.runtime
    secret = rt.settings.secret_key.get_secret_value()
    expected = token(secret, broadcast_id).encode()
    if len(broadcast_id) > 64 or not hmac.compare_digest(given.encode(), expected):
        return Response(status_code=404)
    async with rt.sessions() as session:
        broadcast = await SqlBroadcastStore(session).get(broadcast_id)
    if (
        broadcast is None
        or broadcast.status not in SHOWN
        or broadcast.queued_at is None  # cancelled before it ever went out
        or not broadcast.photo_ref
    ):
        return Response(status_code=404)
    data = await read(rt.media.store, broadcast.photo_ref)
    if data is None:
        return Response(status_code=404)
    return Response(data, media_type=broadcast.photo_mime or "image/jpeg", headers=HEADERS)
