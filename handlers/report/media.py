"""The files a resident adds to a tip: photos, videos, voice and documents, within limits."""

from __future__ import annotations

from typing import Any

from handlers.common import ask, choice, say, with_nav
from handlers.context import Ctx
from handlers.model import Kind, Msg, Reply
from handlers.ports import MediaStoreDown, MediaUnavailable
from handlers.report import attachments as files
from handlers.report.base import (
    MAX_FIELD,
    chosen,
    data_of,
    go,
    unclear,
)


def media_prompt(ctx: Ctx) -> Reply:
    count = len(data_of(ctx).get("attachments", []))
    if count:
        done = choice("tip:media_done", "tip.media_done")
        return with_nav(ask(Msg("tip.media_more", {"count": count}), [done]))
    size = ctx.config.max_attachment_bytes // (1024 * 1024)
    skip = choice("tip:media_done", "tip.media_skip")
    return with_nav(ask(Msg("tip.ask_media", {"size": size}), [skip]))


async def on_media(ctx: Ctx) -> list[Reply]:
    if chosen(ctx) == "tip:media_done":
        return go(ctx, "details_offer")
    media = ctx.event.media
    if ctx.event.kind is not Kind.MEDIA or media is None:
        return unclear(ctx)
    attachments: list[dict[str, Any]] = data_of(ctx).setdefault("attachments", [])
    limit_mb = ctx.config.max_attachment_bytes // (1024 * 1024)
    if media.type.value not in ctx.config.attachment_types:
        return [say("tip.media_type"), media_prompt(ctx)]
    if len(attachments) >= ctx.config.max_attachments:
        return [say("tip.media_count", limit=ctx.config.max_attachments), media_prompt(ctx)]
    if media.size is not None and media.size > ctx.config.max_attachment_bytes:
        return [say("tip.media_size", limit=limit_mb), media_prompt(ctx)]
    try:
        stored = await ctx.media.keep(ctx.event.channel, ctx.event.account, media)
    except MediaStoreDown:  # the file came, but could not be saved now
        return [say("tip.media_store_down"), media_prompt(ctx)]
    except MediaUnavailable:
        return [say("tip.media_failed", limit=limit_mb), media_prompt(ctx)]
    if await files.refused_as_anonymous(ctx, stored):
        return [say("tip.media_anonymous_refused"), media_prompt(ctx)]
    attachments.append(files.record(stored, media.type.value, ctx.config.clock()))
    if media.caption:
        data_of(ctx).setdefault("description", []).append(media.caption[:MAX_FIELD])
    return [media_prompt(ctx)]
