"""Who sent a tip, readable only with the service's key (issue 18).

A tip keeps two things about the resident who sent it, and neither is their id:

- `owner_ref`, a keyed HMAC of the resident's id: "my tips" and the daily limit look tips up
  by it, and nothing can be looked up without the key;
- `reporter_sealed`, the id sealed with the contacts' key: the police's messages (the
  acknowledgement the law requires, questions, outcomes) reach the reporter through it.

A database copy alone therefore does not tie an anonymous tip to a chat account. The keys are
derived from the contact keys (BINHYEN_CONTACT_KEY, or the secret key), newest first; lookups
try every key of the ring, so a rotation (`binhyen keys rotate`) needs no downtime.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Tip
from storage.sealing import Sealer, SealError

TIPS = cast(Table, Tip.__table__)

PURPOSE = b"binhyen tip owner v1"
FIELD = "r"


class Owners:
    def __init__(self, ref_keys: Sequence[bytes], sealer: Sealer) -> None:
        if not ref_keys:
            raise ValueError("at least one key is needed")
        self._keys = tuple(ref_keys)
        self._sealer = sealer

    @classmethod
    def of(cls, sealer: Sealer) -> Owners:
        return cls(sealer.derived(PURPOSE), sealer)

    def ref(self, resident_id: str) -> str:
        """The reference under the newest key: what a new tip stores."""
        return self._ref(self._keys[0], resident_id)

    def refs(self, resident_id: str) -> list[str]:
        """The reference under every key of the ring, newest first: what a lookup tries."""
        return list(dict.fromkeys(self._ref(k, resident_id) for k in self._keys))

    def seal(self, resident_id: str) -> str:
        return self._sealer.seal({FIELD: resident_id})

    def open(self, sealed: str) -> str | None:
        """The resident's id, or None when nothing is sealed or this key ring cannot open it."""
        if not sealed:
            return None
        try:
            return self._sealer.open(sealed).get(FIELD) or None
        except SealError:
            return None

    @staticmethod
    def _ref(key: bytes, resident_id: str) -> str:
        return hmac.new(key, resident_id.encode("utf-8"), hashlib.sha256).hexdigest()


BATCH = 500


async def move_links(sessions: async_sessionmaker[AsyncSession], owners: Owners) -> int:
    """Turn the clear `tips.resident_id` of tips stored before issue 18 into the keyed
    reference and the sealed id, a batch per short transaction; idempotent, so a run cut
    short is finished by the next start. Returns how many tips moved."""
    moved = 0
    while True:
        async with sessions() as session, session.begin():
            rows = (
                await session.execute(
                    select(TIPS.c.id, TIPS.c.resident_id)
                    .where(TIPS.c.resident_id.is_not(None))
                    .limit(BATCH)
                )
            ).all()
            if not rows:
                return moved
            await session.execute(
                update(TIPS)
                .where(TIPS.c.id == bindparam("tip"))
                .values(
                    owner_ref=bindparam("ref"),
                    reporter_sealed=bindparam("sealed"),
                    resident_id=None,
                ),
                [
                    {
                        "tip": r.id,
                        "ref": owners.ref(r.resident_id),
                        "sealed": owners.seal(r.resident_id),
                    }
                    for r in rows
                ],
            )
            moved += len(rows)
