"""`binhyen keys rotate [--dry-run]`: seal every sealed value again under the newest keys.

Run it after putting a new key in front of BINHYEN_CONTACT_KEY or BINHYEN_ACCOUNT_KEY and
restarting every `binhyen serve` and `binhyen worker` process (docs/PRIVACY.md, "Keys"). The
service keeps running meanwhile; the work is in short batches (storage/key_rotation.py), and
a run that stopped half-way is finished by running it again. Exit 1 when some value could not
be opened with any key: it would be lost with the old key, so keep that key for now.
"""

from __future__ import annotations

import asyncio
import sys

from bot.settings import Settings
from storage.key_rotation import Rotation, rotate

NAME = "binhyen keys rotate"


async def run_rotation(settings: Settings, dry_run: bool) -> Rotation:
    from bot import runtime
    from storage.db import make_engine, make_sessions

    await runtime.prepare_database(settings)
    engine = make_engine(settings.database_url)
    try:
        return await rotate(
            make_sessions(engine),
            runtime.sealer(settings),
            runtime.account_sealer(settings),
            dry_run=dry_run,
        )
    finally:
        await engine.dispose()


def run(settings: Settings, dry_run: bool) -> int:
    """The CLI glue: counts on stdout, a warning on stderr when something stays unopened."""
    from bot import runtime

    contacts, accounts = runtime.sealer(settings).size, runtime.account_sealer(settings).size
    print(f"{NAME}: contacts' ring: {contacts} key(s); accounts' ring: {accounts} key(s)")
    done = asyncio.run(run_rotation(settings, dry_run))
    prefix = f"{NAME} (dry run, nothing written)" if dry_run else NAME
    for line in done.lines():
        print(f"{prefix}: {line}")
    if done.unopened:
        print(
            f"{NAME}: warning: {done.unopened} value(s) cannot be opened with any key of the "
            "rings and were left as they are; do not remove an old key before they are",
            file=sys.stderr,
        )
        return 1
    return 0
