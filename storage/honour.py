"""The 19/8 honour list (issue 20): reporters of thanked tips who chose to be named by the
unit on the Ngày hội toàn dân bảo vệ an ninh Tổ quốc.

A row of `honour_entries` is one tip's reporter's choice: the name they gave (sealed with the
service's Sealer, as contact details are), the tip's commune, and when they chose. Withdrawing
deletes the row; so do the erasure of the resident's data (storage/mydata.py) and retention's
purge of a closed tip's personal data (storage/retention.py).

- `SqlHonour` is the reporter's side (handlers/ports.py `Honour`): the caller has already
  checked that the tip is the resident's own (the owner check of "my tips").
- `honour_list` is the unit's side: the names, opened only to be shown to the commune's chief
  or the province's admins, each reading written to the audit log. The list names people and
  nothing else: no tip code, no date, sorted by name.

The list of a year is a snapshot (handlers/honour_year.py): the names given up to 31/7 of the
year, readable from 1/8. Before that nothing of it is read, not even how many names it has:
a list that grew as names came in would tie each new name to the tip just thanked. That a
name is hard to tie to a tip does not make it impossible (a commune that thanked one tip in
a year): the reporter is told so when asked for the name (handlers/honour.py).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from content import areas
from content.text import fold
from handlers.audit import AuditAction, commune_subject, compact, province_subject
from handlers.deadlines import local_date
from handlers.errors import BadInput, Conflict, Forbidden
from handlers.honour_year import is_open, list_year, newest_open, opens, show_day, window
from handlers.people import AdminRole, Identity
from handlers.ports import HeldHonour, HonourStanding
from storage import admin_users
from storage.db import utc
from storage.models import HonourEntry, Tip
from storage.sealing import Sealer, SealError
from storage.tips_export import spreadsheet_safe

FIELD = "name"
FIRST_YEAR = 2025  # the service started after the 2025 communes; no list before
READERS = frozenset({AdminRole.CHIEF, AdminRole.PROVINCE_ADMIN})
FORMATS = frozenset({"page", "csv", "xlsx"})
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what a worksheet cannot hold


class SqlHonour:
    """The reporter's side of the honour list (handlers/ports.py `Honour`)."""

    def __init__(self, session: AsyncSession, sealer: Sealer) -> None:
        self.session = session
        self._sealer = sealer

    async def standing(self, tip_id: str) -> HonourStanding:
        thanked = await self.session.scalar(select(Tip.thanked_at).where(Tip.id == tip_id))
        entry = await self.session.get(HonourEntry, tip_id)
        return HonourStanding(thanked=thanked is not None, named=entry is not None)

    async def name(self, tip_id: str, name: str, now: datetime) -> bool:
        found = await self.session.execute(
            select(Tip.commune_code, Tip.thanked_at).where(Tip.id == tip_id)
        )
        row = found.first()
        if row is None or row.thanked_at is None:
            return False
        sealed = self._sealer.seal({FIELD: name})
        entry = await self.session.get(HonourEntry, tip_id)
        if entry is None:
            self.session.add(
                HonourEntry(
                    tip_id=tip_id,
                    commune_code=row.commune_code,
                    name_sealed=sealed,
                    # In UTC: SQLite keeps the wall time without its zone, and the list's
                    # bounds are compared in UTC too (a name at 01:00 on 1/8 in Vietnam is
                    # 18:00 on 31/7 in UTC, and must not land in the list already open).
                    opted_in_at=now.astimezone(UTC),
                )
            )
        else:  # a corrected name keeps its place: its list is the one it was first given for
            entry.name_sealed = sealed
        await self.session.flush()
        return True

    async def withdraw(self, tip_id: str) -> bool:
        gone = await self.session.execute(delete(HonourEntry).where(HonourEntry.tip_id == tip_id))
        return bool(getattr(gone, "rowcount", 0))

    async def given(self, tip_ids: Sequence[str]) -> list[HeldHonour]:
        """The names given for these tips (the resident's own, for their copy of their data),
        opened; a name sealed under a key no longer held is left out."""
        if not tip_ids:
            return []
        query = (
            select(HonourEntry.tip_id, HonourEntry.name_sealed, HonourEntry.opted_in_at)
            .where(HonourEntry.tip_id.in_(list(tip_ids)))
            .order_by(HonourEntry.opted_in_at)
        )
        held = []
        for tip_id, sealed, at in (await self.session.execute(query)).all():
            name = _opened(self._sealer, sealed)
            if name is not None:
                given_at = utc(at)
                held.append(HeldHonour(tip_id, name, list_year(local_date(given_at)), given_at))
        return held


# -- erasure and retention -------------------------------------------------------------------


async def forget_tips(session: AsyncSession, tip_ids: Sequence[str]) -> int:
    """Take these tips' names off the list (retention purged their personal data)."""
    if not tip_ids:
        return 0
    gone = await session.execute(delete(HonourEntry).where(HonourEntry.tip_id.in_(tip_ids)))
    return int(getattr(gone, "rowcount", 0) or 0)


async def forget_unowned(session: AsyncSession) -> int:
    """Take off the list every name whose tip no longer belongs to a chat account: its
    resident erased their data (the tips were detached from them first), so nobody could
    withdraw the name any more. Named tips are few: the subquery stays small."""
    unowned = select(Tip.id).where(Tip.owner_ref.is_(None), Tip.reporter_sealed == "")
    gone = await session.execute(delete(HonourEntry).where(HonourEntry.tip_id.in_(unowned)))
    return int(getattr(gone, "rowcount", 0) or 0)


# -- the unit's list -------------------------------------------------------------------------


@dataclass(frozen=True)
class Honoured:
    name: str
    commune_code: str

    @property
    def commune_name(self) -> str:
        found = areas.commune(self.commune_code)
        return found.name if found else self.commune_code


@dataclass(frozen=True)
class HonourList:
    year: int
    area: str  # the commune's or the province's name
    names: list[Honoured]
    unreadable: int = 0  # sealed under a key this service no longer has
    opened: bool = True  # False before 1/8 of the year: nothing was read, not even a count

    @property
    def opens_on(self) -> str:
        return show_day(opens(self.year))


def latest_year(now: datetime) -> int:
    """The newest year that may be asked for: the list names are being given to now."""
    return list_year(local_date(now))


def default_year(now: datetime) -> int:
    """The list the page opens on: the newest the unit may read, or, before the first one
    opens, the one being gathered (which says when it opens)."""
    return max(newest_open(now), FIRST_YEAR)


def checked_year(raw: str, now: datetime) -> int:
    """A year's list asked for: a number from FIRST_YEAR to the year names are given to now;
    empty is `default_year`."""
    latest = latest_year(now)
    raw = raw.strip()
    if not raw:
        return default_year(now)
    if not raw.isdecimal() or len(raw) != 4 or not FIRST_YEAR <= int(raw) <= latest:
        raise BadInput("honour_year", "no such year's list", first=FIRST_YEAR, last=latest)
    return int(raw)


def check_reads(actor: Identity) -> None:
    if actor.role not in READERS:
        raise Forbidden("honour_role", "the commune's chief or the province's admins read it")


def _area(actor: Identity) -> tuple[str, str]:
    """The audit subject and the name of the caller's area."""
    if actor.role is AdminRole.PROVINCE_ADMIN:
        province = areas.province(actor.province_code)
        return province_subject(actor.province_code), (
            province.name if province else actor.province_code
        )
    commune = areas.commune(actor.commune_code)
    return commune_subject(actor.commune_code), commune.name if commune else actor.commune_code


def _communes(actor: Identity) -> list[str]:
    if actor.role is AdminRole.PROVINCE_ADMIN:
        return [c.code for c in areas.communes_of(actor.province_code)]
    return [actor.commune_code]


def _opened(sealer: Sealer, sealed: str) -> str | None:
    try:
        return sealer.open(sealed).get(FIELD) or None
    except SealError:
        return None


async def honour_list(
    session: AsyncSession,
    sealer: Sealer,
    actor: Identity,
    year: int,
    *,
    fmt: str,
    ip: str = "",
    now: datetime,
) -> HonourList:
    """The year's names of the caller's area, opened to be shown (or exported as `fmt`), the
    reading written to the audit log in the caller's unit of work. Before the list opens the
    page gets it unopened (no names, no count, nothing read, nothing to audit) and an export
    is refused."""
    check_reads(actor)
    if fmt not in FORMATS:
        raise BadInput("format", "csv or xlsx")
    subject, area = _area(actor)
    if not is_open(year, now):
        if fmt != "page":
            raise Conflict(
                "honour_not_open", "the list opens on 1/8", year=year, opens=show_day(opens(year))
            )
        return HonourList(year, area, [], opened=False)
    start, end = (bound.astimezone(UTC) for bound in window(year))  # stored in UTC
    query = select(HonourEntry.name_sealed, HonourEntry.commune_code).where(
        HonourEntry.commune_code.in_(_communes(actor)),
        HonourEntry.opted_in_at >= start,
        HonourEntry.opted_in_at < end,
    )
    names, unreadable = [], 0
    for sealed, commune in (await session.execute(query)).all():
        name = _opened(sealer, sealed)
        if name is None:
            unreadable += 1
            continue
        names.append(Honoured(name, commune))
    names.sort(key=lambda h: (h.commune_name, fold(h.name), h.name))
    detail = compact(year=year, rows=len(names), fmt=fmt)
    await admin_users.record_by(
        session, actor, AuditAction.HONOUR_READ, subject=subject, detail=detail, ip=ip, now=now
    )
    return HonourList(year, area, names, unreadable)


# -- the files -------------------------------------------------------------------------------


def rows(found: HonourList) -> Iterable[tuple[int, str, str]]:
    for number, honoured in enumerate(found.names, 1):
        yield number, honoured.name, honoured.commune_name


def to_csv(found: HonourList, header: Sequence[str]) -> bytes:
    """UTF-8 with a byte order mark (Excel reads the Vietnamese right); a name that starts
    like a formula gets an apostrophe (names are typed by residents)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for number, name, commune in rows(found):
        writer.writerow([number, spreadsheet_safe(name), spreadsheet_safe(commune)])
    return out.getvalue().encode("utf-8")


def _cell(sheet: object, value: object, *, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, str):
        value = _ILLEGAL.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text stays text, even "=1+1"
    if bold:
        cell.font = Font(bold=True)
    return cell


def to_xlsx(found: HonourList, header: Sequence[str], title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_ILLEGAL.sub("", title)[:31] or str(found.year))
    sheet.freeze_panes = "A2"
    for letter, width in (("A", 6), ("B", 40), ("C", 30)):
        sheet.column_dimensions[letter].width = width
    sheet.append([_cell(sheet, h, bold=True) for h in header])
    for line in rows(found):
        sheet.append([_cell(sheet, value) for value in line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
