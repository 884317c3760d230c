"""`binhyen indicators import FILE`: load a CSV list of scam indicators.

The file holds `kind,value[,bank][,status]` lines (a header line naming those columns is
allowed; `#` starts a comment line): kind is phone, domain, url or account; values are
normalised as the scam check reads them ("0912 345 678" → "+84912345678"). Every line is
checked before anything is written: one bad line imports nothing, and each bad line is named.
Lines without a status take `--status` (default: confirmed, for lists the police vouch for).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.settings import Settings
from content import scamcheck
from handlers.ports import utc_now
from storage.indicators import ImportResult, SqlIndicators

EXIT_USAGE = 2
NAME = "binhyen indicators import"


async def import_file(settings: Settings, path: Path, source: str, status: str) -> ImportResult:
    from bot.runtime import prepare_database
    from storage.db import make_engine, make_sessions

    lines = path.read_text(encoding="utf-8-sig").splitlines()
    await prepare_database(settings)
    engine = make_engine(settings.database_url)
    try:
        async with make_sessions(engine)() as session:
            result = await SqlIndicators(session).import_csv(lines, source, utc_now(), status)
            if result.ok:
                await session.commit()
            return result
    finally:
        await engine.dispose()


def run(settings: Settings, file: str, source: str | None, status: str) -> int:
    """The CLI glue: exit 0 when the whole file was imported, 1 when a line was refused."""
    path = Path(file)
    if status not in scamcheck.STATUSES:
        print(
            f"{NAME}: error: --status must be one of {', '.join(scamcheck.STATUSES)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        result = asyncio.run(import_file(settings, path, source or f"import:{path.name}", status))
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{NAME}: error: cannot read {file}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not result.ok:
        for error in result.errors:
            print(f"{NAME}: {file}: {error}", file=sys.stderr)
        print(f"{NAME}: nothing imported ({len(result.errors)} bad line(s))", file=sys.stderr)
        return 1
    print(f"{NAME}: {result.added} added, {result.changed} changed, {result.unchanged} unchanged")
    return 0
