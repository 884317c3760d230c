"""`binhyen retention run [--dry-run] [--batch N]`: remove now what is past its retention
period (storage/retention.py), as the worker does every day; `--dry-run` counts what would
go and changes nothing. A run is audited with the actor "cli"; a dry run is not (it removes
nothing, and so reads the database only)."""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy.engine import make_url

from bot.retention_schedule import periods
from bot.runtime import blob_store, check_blob_store
from bot.settings import Settings
from handlers.ports import utc_now
from storage import retention

EXIT_USAGE = 2
MAX_BATCH = 1000  # a batch is one transaction over the tips: keep it short (BENCHMARKS §16)
NAME = "binhyen retention run"


class NoDatabase(Exception):
    """Not the database this command should run against: nothing was done."""


async def execute(settings: Settings, dry_run: bool, batch: int) -> retention.Removed:
    from storage import migrate
    from storage.db import make_engine, make_sessions

    # Never a database made here: one read from the wrong folder would be empty, and every
    # file of the store would look like nobody's.
    found = await migrate.state(settings.database_url)
    if found != "current":
        raise NoDatabase(found)
    blobs = blob_store(settings)
    await check_blob_store(settings, blobs)
    engine = make_engine(settings.database_url)
    try:
        return await retention.run(
            make_sessions(engine),
            periods(settings),
            utc_now(),
            blobs=blobs,
            actor=retention.CLI_ACTOR,
            dry_run=dry_run,
            batch_size=batch,
        )
    finally:
        await engine.dispose()


def shown_url(url: str) -> str:
    """The database address without its password."""
    return make_url(url).render_as_string(hide_password=True)


def files_in(settings: Settings) -> str:
    """Where the files are (no secret): the folder as set, or the bucket."""
    return blob_store(settings).describe() if settings.s3_bucket else settings.media_dir


def lines(removed: retention.Removed, settings: Settings) -> list[str]:
    tip_days, chat_days = settings.retention_closed_tip_days, settings.retention_chat_days
    return [
        f"  closed tips past {tip_days} days, purged (contact details, chat links): "
        f"{removed.contacts}",
        f"  their attachments: {removed.attachments}",
        f"  files no row refers to any more, and unsent drafts' files past a day: {removed.files}",
        f"  outbox messages past {chat_days} days (settled, or the web chat's inbox): "
        f"{removed.inbox}",
        f"  broadcast copies the web chat never fetched, recorded failed: {removed.expired}",
        f"  conversation state past {chat_days} days: expires by itself (Redis, or the "
        "memory of the serving process)",
    ]


def run(settings: Settings, dry_run: bool, batch: int | None = None) -> int:
    """The CLI glue: 0 when everything due went (or was counted), 1 when files were left."""
    batch = retention.BATCH_SIZE if batch is None else batch
    if not 1 <= batch <= MAX_BATCH:
        print(f"{NAME}: error: --batch must be from 1 to {MAX_BATCH}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{NAME}: database {shown_url(settings.database_url)}, files in {files_in(settings)}")
    try:
        removed = asyncio.run(execute(settings, dry_run, batch))
    except SystemExit as exc:  # the file store cannot be used (bot/runtime.py)
        print(f"{NAME}: error: {exc}", file=sys.stderr)
        return 1
    except NoDatabase as exc:
        if str(exc) == "behind":
            print(
                f"{NAME}: error: the database is not up to date: run `binhyen migrate` first",
                file=sys.stderr,
            )
        else:
            print(
                f"{NAME}: error: no Bình Yên database there; run the command where the service "
                "runs, or set BINHYEN_DATABASE_URL",
                file=sys.stderr,
            )
        return 1
    except OSError as exc:
        print(f"{NAME}: error: {type(exc).__name__}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    if dry_run:
        print(f"{NAME}: dry run, nothing removed; a run now would remove:")
    else:
        print(f"{NAME}: removed:")
    print("\n".join(lines(removed, settings)))
    if not dry_run:
        longest = removed.longest_batch * 1000
        print(f"  in {removed.batches} batch(es), the longest {longest:.0f} ms")
    if removed.files_refused:
        print(
            f"{NAME}: warning: files were left alone: the file store holds files but the "
            "database no tip nor broadcast (the wrong database, or the wrong BINHYEN_MEDIA_DIR "
            "or BINHYEN_S3_BUCKET?)",
            file=sys.stderr,
        )
        return 1
    if removed.undeleted_files:
        print(
            f"{NAME}: warning: {removed.undeleted_files} file(s) could not be deleted; "
            "the next run tries again",
            file=sys.stderr,
        )
        return 1
    return 0
