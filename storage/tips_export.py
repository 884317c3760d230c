"""Every tip as CSV or JSON, streamed, for the commune police's own records and analysis.

Only tip data leaves: never a resident id, a platform id, a PIN hash or a submission key (the
query selects the exported columns, nothing more). Reporter contacts are included only when a
Sealer is given, and a contact that key cannot open is left empty and counted, never shown
sealed. The audit rows are committed before the first tip is read, so no export goes
unrecorded: one per province and one per commune whose tips it holds (`province:<code>`,
`commune:<code>`), so that the province's admins and the commune's chief read it in the panel,
each with its count, whether contacts went too, the format and the kind of output (a file or
the terminal; never a path, never a tip). The tips exported are those created up to the moment
they were counted, so the rows' counts are the tips that left.
Whether the reporter asked for protection is a yes or no, never what they asked; a track with
no decision deadline has an empty `decision_due` (the stored NO_DUE sort key never leaves).
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TextIO

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.audit import AuditAction, commune_subject, compact, province_subject
from handlers.deadlines import NO_DUE
from storage import admin_users
from storage.db import utc
from storage.models import Tip, TipAttachment
from storage.sealing import Sealer, SealError

AUDIT_ACTOR = "cli"
BATCH_SIZE = 1000
COLUMNS = (
    "code",
    "category",
    "track",
    "status",
    "urgent",
    "anonymous",
    "created_at",
    "received_on",
    "ack_due",
    "forward_due",
    "forwarded_at",
    "decision_due",
    "extensions",
    "extension_decision",
    "extension_decision_on",
    "outcome_due",
    "protection",
    "incident_when",
    "incident_date",
    "province_code",
    "commune_code",
    "address",
    "lat",
    "lon",
    "description",
    "details",
    "attachment_count",
    "attachment_sha256",
)
CONTACT_COLUMNS = ("contact_name", "contact_phone")
# Cells Excel would read as a formula (OWASP "CSV injection"); residents write free text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Row = dict[str, Any]


class Format(StrEnum):
    CSV = "csv"
    JSON = "json"


class Target(StrEnum):
    """Where the tips went, as the audit log names it (never the path)."""

    FILE = "file"
    STDOUT = "stdout"


@dataclass(frozen=True)
class AreaCount:
    province_code: str
    commune_code: str
    tips: int


@dataclass
class ExportSummary:
    tips: int = 0
    unopened_contacts: int = 0


def columns(with_contact: bool) -> tuple[str, ...]:
    return COLUMNS + CONTACT_COLUMNS if with_contact else COLUMNS


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _moment(value: datetime) -> str:
    return utc(value).astimezone(UTC).isoformat()


_SELECTED = (
    Tip.id,
    Tip.code,
    Tip.category,
    Tip.track,
    Tip.status,
    Tip.urgent,
    Tip.anonymous,
    Tip.created_at,
    Tip.received_on,
    Tip.ack_due,
    Tip.forward_due,
    Tip.forwarded_at,
    Tip.decision_due,
    Tip.extensions,
    Tip.extension_decision,
    Tip.extension_decision_on,
    Tip.outcome_due,
    Tip.protection,
    Tip.incident_when,
    Tip.incident_date,
    Tip.province_code,
    Tip.commune_code,
    Tip.address,
    Tip.lat,
    Tip.lon,
    Tip.description,
    Tip.details,
    Tip.contact_sealed,
)


def _row(tip: Any, hashes: list[str]) -> Row:
    return {
        "code": tip.code,
        "category": tip.category,
        "track": tip.track,
        "status": tip.status,
        "urgent": bool(tip.urgent),
        "anonymous": bool(tip.anonymous),
        "created_at": _moment(tip.created_at),
        "received_on": _day(tip.received_on),
        "ack_due": _day(tip.ack_due),
        "forward_due": _day(tip.forward_due),
        "forwarded_at": None if tip.forwarded_at is None else _moment(tip.forwarded_at),
        # Empty on a track with no decision deadline: the stored NO_DUE is a sort key.
        "decision_due": None if tip.decision_due >= NO_DUE else _day(tip.decision_due),
        "extensions": tip.extensions,
        "extension_decision": tip.extension_decision,
        "extension_decision_on": _day(tip.extension_decision_on),
        "outcome_due": _day(tip.outcome_due),
        # Whether the reporter asked for protection: yes or no, never what they asked.
        "protection": bool(tip.protection),
        "incident_when": tip.incident_when,
        "incident_date": _day(tip.incident_date),
        "province_code": tip.province_code,
        "commune_code": tip.commune_code,
        "address": tip.address,
        "lat": tip.lat,
        "lon": tip.lon,
        "description": tip.description,
        "details": dict(tip.details or {}),
        "attachment_count": len(hashes),
        "attachment_sha256": hashes,
    }


def _contact(sealed: str, sealer: Sealer, summary: ExportSummary) -> tuple[str, str]:
    if not sealed:
        return "", ""
    try:
        opened = sealer.open(sealed)
    except SealError:
        summary.unopened_contacts += 1
        return "", ""
    return opened.get("name", ""), opened.get("phone", "")


async def _hashes(session: AsyncSession, tip_ids: Sequence[str]) -> dict[str, list[str]]:
    query = (
        select(TipAttachment.tip_id, TipAttachment.sha256)
        .where(TipAttachment.tip_id.in_(tip_ids))
        .order_by(TipAttachment.tip_id, TipAttachment.id)
    )
    found: dict[str, list[str]] = {}
    for tip_id, sha256 in await session.execute(query):
        found.setdefault(tip_id, []).append(sha256)
    return found


async def tip_rows(
    session: AsyncSession,
    sealer: Sealer | None,
    summary: ExportSummary,
    batch_size: int = BATCH_SIZE,
    *,
    until: datetime | None = None,
) -> AsyncIterator[Row]:
    """All tips (created up to `until`, if given), oldest first, read `batch_size` at a time
    from one server-side cursor.

    One statement rather than keyset pages: nothing indexes (created_at, id), so each page
    would sort the whole table again; one cursor sorts once and reads a consistent snapshot.
    """
    query = select(*_SELECTED).order_by(Tip.created_at, Tip.id)
    if until is not None:
        query = query.where(Tip.created_at <= until)
    query = query.execution_options(yield_per=batch_size)
    result = await session.stream(query)
    async for batch in result.partitions():
        hashes = await _hashes(session, [tip.id for tip in batch])
        for tip in batch:
            row = _row(tip, hashes.get(tip.id, []))
            if sealer is not None:
                name, phone = _contact(tip.contact_sealed, sealer, summary)
                row["contact_name"], row["contact_phone"] = name, phone
            summary.tips += 1
            yield row


def spreadsheet_safe(value: str) -> str:
    """A text cell a spreadsheet will not run: one that starts like a formula gets an
    apostrophe in front (CSV injection)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return spreadsheet_safe("; ".join(f"{key}: {text}" for key, text in value.items()))
    if isinstance(value, list):
        return " ".join(value)
    if isinstance(value, str):
        return spreadsheet_safe(value)
    return str(value)


async def write_csv(rows: AsyncIterator[Row], out: TextIO, with_contact: bool) -> None:
    """UTF-8 with a byte-order mark, so Excel shows Vietnamese as written; RFC 4180 lines."""
    names = columns(with_contact)
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow(names)
    async for row in rows:
        writer.writerow([_cell(row[name]) for name in names])


async def write_json(rows: AsyncIterator[Row], out: TextIO) -> None:
    """One JSON array, one tip per line, written as the tips are read."""
    opened = False
    async for row in rows:
        out.write(",\n" if opened else "[\n")
        out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
        opened = True
    out.write("\n]\n" if opened else "[]\n")


def audit_detail(tips: int, fmt: Format, with_contact: bool, target: Target) -> str:
    """e.g. "rows=12;contacts=1;fmt=csv;out=file" (the panel puts it in words)."""
    return compact(rows=tips, contacts=with_contact, fmt=fmt.value, out=target.value)


async def area_counts(session: AsyncSession, until: datetime) -> list[AreaCount]:
    """How many tips each commune (of its province) holds, created up to `until`."""
    query = (
        select(Tip.province_code, Tip.commune_code, func.count())
        .where(Tip.created_at <= until)
        .group_by(Tip.province_code, Tip.commune_code)
        .order_by(Tip.province_code, Tip.commune_code)
    )
    return [AreaCount(p, c, int(n)) for p, c, n in await session.execute(query)]


async def record_export(
    session: AsyncSession,
    counts: Sequence[AreaCount],
    fmt: Format,
    with_contact: bool,
    target: Target,
    now: datetime,
    reason: str = "",
) -> None:
    """One audit row per province and one per commune of `counts`; one row with no area when
    there is no tip at all, so that no export goes unrecorded. `reason`: why contacts left."""
    provinces: dict[str, int] = {}
    for area in counts:
        provinces[area.province_code] = provinces.get(area.province_code, 0) + area.tips
    rows = [(province_subject(code), tips) for code, tips in provinces.items()]
    rows += [(commune_subject(area.commune_code), area.tips) for area in counts]
    for subject, tips in rows or [("", 0)]:
        await admin_users.record(
            session,
            AuditAction.TIPS_EXPORT,
            actor_username=AUDIT_ACTOR,
            subject=subject,
            detail=audit_detail(tips, fmt, with_contact, target),
            now=now,
            reason=reason,
        )


async def export(
    sessions: async_sessionmaker[AsyncSession],
    out: TextIO,
    fmt: Format,
    sealer: Sealer | None = None,
    *,
    target: Target = Target.STDOUT,
    batch_size: int = BATCH_SIZE,
    now: datetime | None = None,
    reason: str = "",
) -> ExportSummary:
    """Audit the export per area (committed first), then write every tip counted to `out`."""
    with_contact = sealer is not None
    until = now or datetime.now(UTC)
    async with sessions() as session:
        counts = await area_counts(session, until)
        await record_export(session, counts, fmt, with_contact, target, until, reason)
        await session.commit()
    summary = ExportSummary()
    async with sessions() as session:
        rows = tip_rows(session, sealer, summary, batch_size, until=until)
        if fmt is Format.CSV:
            await write_csv(rows, out, with_contact)
        else:
            await write_json(rows, out)
    return summary
