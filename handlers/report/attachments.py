"""A tip's files and their metadata (issue 18), in the tip's steps: what the draft keeps of a
file received, the files an anonymous tip cannot take, and the files the tip keeps when it is
sent, with what the reporter is told of them."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from handlers.context import Ctx
from handlers.media_metadata import Status
from handlers.model import Msg, Reply
from handlers.ports import MediaStoreDown, MediaUnavailable, StoredMedia
from handlers.report.base import data_of
from handlers.tipmodel import AttachmentIn

# Files whose metadata was read through: an anonymous reporter is told it was removed.
CHECKED = frozenset({Status.CLEAN.value, Status.REMOVABLE.value})


def record(stored: StoredMedia, kind: str, received_at: datetime) -> dict[str, Any]:
    """A received file as the draft keeps it: no value of its metadata, only its kinds."""
    return {
        "kind": kind,
        "ref": stored.ref,
        "mime": stored.mime,
        "size": stored.size,
        "sha256": stored.sha256,
        "received_at": received_at.isoformat(),
        "metadata": stored.metadata,
        "found": list(stored.found),
        "clean_sha256": stored.clean_sha256,
        "clean_size": stored.clean_size,
    }


def _kept(a: dict[str, Any]) -> StoredMedia:
    return StoredMedia(
        ref=str(a["ref"]),
        mime=str(a["mime"]),
        size=int(a["size"]),
        sha256=str(a["sha256"]),
        metadata=str(a.get("metadata", "")),
        found=tuple(str(k) for k in a.get("found", [])),
        clean_sha256=str(a.get("clean_sha256", "")),
        clean_size=int(a.get("clean_size", 0)),
    )


def unremovable(data: dict[str, Any]) -> int:
    """How many of the draft's files an anonymous tip would not take."""
    return sum(a.get("metadata") == Status.UNREMOVABLE for a in data.get("attachments", []))


def files_sent(data: dict[str, Any]) -> int:
    """How many files the tip will carry, as the review says."""
    count = len(data.get("attachments", []))
    return count - unremovable(data) if data.get("anonymous", True) else count


async def refused_as_anonymous(ctx: Ctx, stored: StoredMedia) -> bool:
    """A file received for a tip already anonymous (its files edited after the choice) that
    it cannot take: not held any longer, and the reporter is told."""
    if data_of(ctx).get("anonymous") is not True or stored.metadata != Status.UNREMOVABLE:
        return False
    await ctx.media.settle(stored, anonymous=True)  # not taken: no longer held
    return True


async def settle_all(ctx: Ctx, anonymous: bool) -> tuple[list[AttachmentIn], list[Msg]]:
    """The files the tip keeps (handlers/tip_files.py), and what its receipt says of them.
    Once the file store is found down, the files left are not tried (each would wait for
    the store's time-out): they are unsaved too."""
    kept: list[AttachmentIn] = []
    refused = expired = unsaved = checked = 0
    files = data_of(ctx).get("attachments", [])
    for number, a in enumerate(files):
        try:
            settled = await ctx.media.settle(_kept(a), anonymous)
        except MediaStoreDown:  # the tip goes all the same: it matters more than its file
            unsaved += len(files) - number
            break
        except MediaUnavailable:
            expired += 1
            continue
        if settled is None:
            refused += 1
            continue
        checked += a.get("metadata") in CHECKED
        kept.append(
            AttachmentIn(
                kind=str(a["kind"]),
                ref=settled.ref,
                mime=str(a["mime"]),
                size=settled.size,
                sha256=settled.sha256,
                received_at=datetime.fromisoformat(a["received_at"]),
                received_sha256=settled.received_sha256,
                received_size=settled.received_size,
                metadata_summary=settled.metadata_summary,
                metadata_removed=settled.metadata_removed,
            )
        )
    told = [Msg("tip.receipt_media_cleaned")] if anonymous and checked else []
    if refused:
        told.append(Msg("tip.receipt_media_refused", {"count": refused}))
    if expired:
        told.append(Msg("tip.receipt_media_expired", {"count": expired}))
    if unsaved:
        told.append(Msg("tip.receipt_media_unsaved", {"count": unsaved}))
    return kept, told


def told_with(said: Reply, lines: list[Msg]) -> Reply:
    """The receipt with the lines about the files after its own."""
    if not lines:
        return said
    text = said.text if isinstance(said.text, tuple) else (said.text,)
    return replace(said, text=(*text, *lines))
