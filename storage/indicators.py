"""Scam indicators: the check's lookup, tips reporting them, police decisions, CSV imports.

Values are normalised by content.scamcheck before they get here, so a lookup is one indexed
query on (kind, value). `reports` counts the distinct residents whose tips named the
indicator; `indicator_tips` keeps which tips those were.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from content import scamcheck
from content.scamcheck import Found, Known
from content.text import fold
from storage.db import insert_ignoring_conflicts
from storage.models import Indicator, IndicatorTip, Tip

INDICATORS = cast(Table, Indicator.__table__)
LINKS = cast(Table, IndicatorTip.__table__)
TIPS = cast(Table, Tip.__table__)
DECISIONS = ("confirmed", "rejected")
SOURCE_MAX, BY_MAX = 200, 64
CHUNK = 500  # rows per statement in an import

_COLUMNS = [
    INDICATORS.c[name] for name in ("id", "kind", "value", "bank", "status", "source", "reports")
]


def _known(row: Any) -> Known:
    return Known(
        id=int(row.id),
        kind=row.kind,
        value=row.value,
        bank=row.bank,
        status=row.status,
        source=row.source,
        reports=int(row.reports),
    )


def lookup_keys(found: Iterable[Found]) -> set[tuple[str, str]]:
    """The (kind, value) pairs a check asks for: a domain together with its parents."""
    keys: set[tuple[str, str]] = set()
    for item in found:
        if item.kind == "domain":
            keys.update(("domain", d) for d in scamcheck.domain_candidates(item.value))
        else:
            keys.add((item.kind, item.value))
    return keys


@dataclass
class ImportResult:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class SqlIndicators:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- the check ------------------------------------------------------------------------------

    async def lookup(self, found: Sequence[Found]) -> list[Known]:
        """What is known of these indicators (and of the parents of their domains)."""
        keys = lookup_keys(found)
        if not keys:
            return []
        kinds = sorted({k for k, _v in keys})
        values = sorted({v for _k, v in keys})
        query = select(*_COLUMNS).where(
            INDICATORS.c.kind.in_(kinds), INDICATORS.c.value.in_(values)
        )
        rows = (await self.session.execute(query)).all()
        return [_known(r) for r in rows if (r.kind, r.value) in keys]

    async def get(self, kind: str, value: str) -> Known | None:
        query = select(*_COLUMNS).where(INDICATORS.c.kind == kind, INDICATORS.c.value == value)
        row = (await self.session.execute(query)).first()
        return None if row is None else _known(row)

    # -- tips -----------------------------------------------------------------------------------

    async def report_from_tip(self, tip_id: str, found: Sequence[Found], at: datetime) -> int:
        """A confirmed tip names these indicators: each becomes (or stays) known, linked to
        the tip, and counts one more resident unless this resident reported it before.
        Returns how many counts went up."""
        resident = (
            await self.session.execute(select(TIPS.c.owner_ref).where(TIPS.c.id == tip_id))
        ).scalar_one_or_none()
        counted = 0
        for item in {(f.kind, f.value): f for f in found}.values():
            indicator_id = await self._upsert(item, "tip", at)
            linked = await self.session.execute(
                insert_ignoring_conflicts(self.session, LINKS).returning(LINKS.c.tip_id),
                {"indicator_id": indicator_id, "tip_id": tip_id, "created_at": at},
            )
            if linked.first() is None:
                continue  # this tip was counted already
            if resident is not None and await self._reported_before(indicator_id, tip_id, resident):
                continue
            await self.session.execute(
                update(INDICATORS)
                .where(INDICATORS.c.id == indicator_id)
                .values(reports=INDICATORS.c.reports + 1, last_seen=at)
            )
            counted += 1
        return counted

    async def _upsert(self, item: Found, source: str, at: datetime) -> int:
        """The indicator's id, creating it as "reported" when it is new."""
        row = {
            "kind": item.kind,
            "value": item.value[: scamcheck.MAX_VALUE],
            "bank": item.bank if item.kind == "account" else "",
            "status": "reported",
            "source": source,
            "reports": 0,
            "first_seen": at,
            "last_seen": at,
            "decided_by": "",
        }
        inserted = (
            await self.session.execute(
                insert_ignoring_conflicts(self.session, INDICATORS).returning(INDICATORS.c.id),
                row,
            )
        ).first()
        if inserted is not None:
            return int(inserted[0])
        where = and_(INDICATORS.c.kind == item.kind, INDICATORS.c.value == row["value"])
        existing = (await self.session.execute(select(INDICATORS.c.id).where(where))).scalar_one()
        await self.session.execute(update(INDICATORS).where(where).values(last_seen=at))
        if row["bank"]:  # an account first reported without its bank
            await self.session.execute(
                update(INDICATORS).where(where, INDICATORS.c.bank == "").values(bank=row["bank"])
            )
        return int(existing)

    async def _reported_before(self, indicator_id: int, tip_id: str, owner_ref: str) -> bool:
        query = (
            select(LINKS.c.tip_id)
            .join(TIPS, TIPS.c.id == LINKS.c.tip_id)
            .where(
                LINKS.c.indicator_id == indicator_id,
                LINKS.c.tip_id != tip_id,
                TIPS.c.owner_ref == owner_ref,
            )
            .limit(1)
        )
        return (await self.session.execute(query)).first() is not None

    async def tips_of(self, indicator_id: int) -> list[str]:
        query = select(LINKS.c.tip_id).where(LINKS.c.indicator_id == indicator_id)
        return [str(t) for t in (await self.session.execute(query)).scalars()]

    # -- police decisions -----------------------------------------------------------------------

    async def confirm(self, indicator_id: int, by: str, at: datetime) -> Known | None:
        """The police confirm that the indicator serves a scam."""
        return await self._decide(indicator_id, "confirmed", by, at)

    async def reject(self, indicator_id: int, by: str, at: datetime) -> Known | None:
        """The police found the reports unfounded: the check stops warning about it (new
        reports still count, and the decision stands until someone changes it)."""
        return await self._decide(indicator_id, "rejected", by, at)

    async def _decide(self, indicator_id: int, status: str, by: str, at: datetime) -> Known | None:
        if not by.strip():
            raise ValueError("a decision needs the name of whoever made it")
        await self.session.execute(
            update(INDICATORS)
            .where(INDICATORS.c.id == indicator_id)
            .values(status=status, decided_at=at, decided_by=by.strip()[:BY_MAX])
        )
        row = (
            await self.session.execute(select(*_COLUMNS).where(INDICATORS.c.id == indicator_id))
        ).first()
        return None if row is None else _known(row)

    # -- imports --------------------------------------------------------------------------------

    async def import_csv(
        self, lines: Iterable[str], source: str, at: datetime, status: str = "confirmed"
    ) -> ImportResult:
        """A list of indicators in CSV: `kind,value[,bank][,status]`, with or without that
        header line. Every line is checked first; one bad line imports nothing, and every
        bad line is named. A decision (confirmed, rejected) in the file overrides the one
        stored; "reported" never undoes a decision."""
        if status not in scamcheck.STATUSES:
            raise ValueError(f"status must be one of {', '.join(scamcheck.STATUSES)}")
        rows, result = _parse_csv(lines, status)
        if not result.ok:
            return result
        source = source[:SOURCE_MAX]
        items = list(rows.items())
        for start in range(0, len(items), CHUNK):
            await self._import_chunk(
                dict(items[start : start + CHUNK]), source, by=source, at=at, result=result
            )
        return result

    async def _import_chunk(
        self,
        rows: dict[tuple[str, str], tuple[Found, str]],
        source: str,
        *,
        by: str,
        at: datetime,
        result: ImportResult,
    ) -> None:
        query = select(*_COLUMNS).where(
            INDICATORS.c.kind.in_(sorted({k for k, _v in rows})),
            INDICATORS.c.value.in_(sorted({v for _k, v in rows})),
        )
        existing = {(r.kind, r.value): _known(r) for r in (await self.session.execute(query)).all()}
        new = [
            {
                "kind": found.kind,
                "value": found.value,
                "bank": found.bank,
                "status": status,
                "source": source,
                "reports": 0,
                "first_seen": at,
                "last_seen": at,
                "decided_at": at if status in DECISIONS else None,
                "decided_by": by[:BY_MAX] if status in DECISIONS else "",
            }
            for key, (found, status) in rows.items()
            if key not in existing
        ]
        if new:
            await self.session.execute(INDICATORS.insert(), new)
            result.added += len(new)
        for key, (found, status) in rows.items():
            known = existing.get(key)
            if known is None:
                continue
            values: dict[str, Any] = {"last_seen": at}
            if status in DECISIONS and known.status != status:
                values.update(status=status, decided_at=at, decided_by=by[:BY_MAX])
            if found.bank and not known.bank:
                values["bank"] = found.bank
            if len(values) == 1:
                result.unchanged += 1
                continue
            await self.session.execute(
                update(INDICATORS).where(INDICATORS.c.id == known.id).values(**values)
            )
            result.changed += 1


HEADER = ("kind", "value", "bank", "status")


def _parse_csv(
    lines: Iterable[str], default_status: str
) -> tuple[dict[tuple[str, str], tuple[Found, str]], ImportResult]:
    """Normalised rows by (kind, value), the last line winning; or the errors, by line."""
    result = ImportResult()
    rows: dict[tuple[str, str], tuple[Found, str]] = {}
    columns: tuple[str, ...] = HEADER
    for number, cells in enumerate(csv.reader(lines), 1):
        cells = [c.strip() for c in cells]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and fold(cells[0].lstrip("\ufeff")) == "kind":
            columns = tuple(fold(c.lstrip("\ufeff")) for c in cells)
            unknown = [c for c in columns if c not in HEADER]
            if unknown or "value" not in columns:
                result.errors.append(
                    f"line 1: the header must name kind and value (and may name bank, status); "
                    f"unknown: {', '.join(unknown) or '-'}"
                )
                return rows, result
            continue
        if len(cells) > len(columns):
            result.errors.append(f"line {number}: {len(cells)} fields, at most {len(columns)}")
            continue
        record = dict(zip(columns, cells, strict=False))
        kind = fold(record.get("kind", ""))
        status = fold(record.get("status", "")) or default_status
        if status not in scamcheck.STATUSES:
            result.errors.append(
                f"line {number}: status {status!r} is not one of {', '.join(scamcheck.STATUSES)}"
            )
            continue
        found, problem = scamcheck.normalise(kind, record.get("value", ""), record.get("bank", ""))
        if found is None:
            result.errors.append(f"line {number}: {problem}")
            continue
        rows[(found.kind, found.value)] = (found, status)
    if not rows and result.ok:
        result.errors.append("no indicators in the file")
    return rows, result
