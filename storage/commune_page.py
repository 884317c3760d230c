"""The commune's own page (issue 21) in `commune_pages` and `commune_contacts`:
`SqlCommunePages`, both the resident's reader (UnitOfWork.commune_pages) and the panel's store
of handlers/commune_page.py, in the session it is given (the turn's or the request's: one
commit takes a change and its audit row, or neither)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from handlers.audit import AuditAction
from handlers.commune_page import Contact, ContactKind, PublicPage, UnitPage, in_order
from handlers.people import Identity
from storage.admin_users import record
from storage.db import upsert, utc
from storage.models import CommuneContact, CommunePage


def _page(row: CommunePage) -> UnitPage:
    return UnitPage(
        row.commune_code,
        phone=row.phone,
        address=row.address,
        hours=row.hours,
        note=row.note,
        updated_at=utc(row.updated_at),
        updated_by=row.updated_by,
    )


def _contact(row: CommuneContact) -> Contact:
    return Contact(
        row.id,
        row.commune_code,
        ContactKind(row.kind),
        row.name,
        row.area,
        row.phone,
        row.position,
    )


class SqlCommunePages:
    """handlers.commune_page.PageStore (and PageReader) over a session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def public(self, commune_code: str) -> PublicPage:
        page = await self.session.get(CommunePage, commune_code)
        query = select(CommuneContact).where(CommuneContact.commune_code == commune_code)
        contacts = [_contact(row) for row in (await self.session.execute(query)).scalars()]
        unit = _page(page) if page is not None else UnitPage(commune_code)
        return PublicPage(unit, in_order(contacts))

    async def save(self, page: UnitPage) -> None:
        """One statement that inserts the page or changes it: two saves of a commune's first
        page at the same moment both land (the later one's text stays), neither is a 500."""
        at = (page.updated_at or datetime.now(UTC)).astimezone(UTC)
        values = {
            "commune_code": page.commune_code,
            "phone": page.phone,
            "address": page.address,
            "hours": page.hours,
            "note": page.note,
            "updated_at": at,
            "updated_by": page.updated_by[:64],
        }
        changed = {key: value for key, value in values.items() if key != "commune_code"}
        inserted = upsert(self.session, CommunePage).values(**values)
        await self.session.execute(
            inserted.on_conflict_do_update(index_elements=["commune_code"], set_=changed)
        )
        loaded = self.session.identity_map.get(identity_key(CommunePage, page.commune_code))
        if loaded is not None:
            self.session.expire(loaded)  # read again, as saved, by whoever asks next

    async def contact(self, contact_id: int) -> Contact | None:
        row = await self.session.get(CommuneContact, contact_id)
        return None if row is None else _contact(row)

    async def add_contact(
        self,
        commune_code: str,
        kind: ContactKind,
        name: str,
        area: str,
        phone: str,
        position: int,
        now: datetime,
    ) -> Contact:
        moment = now.astimezone(UTC)
        row = CommuneContact(
            commune_code=commune_code,
            kind=kind.value,
            name=name,
            area=area,
            phone=phone,
            position=position,
            created_at=moment,
            updated_at=moment,
        )
        self.session.add(row)
        await self.session.flush()
        return _contact(row)

    async def update_contact(self, contact: Contact, now: datetime) -> None:
        row = await self.session.get(CommuneContact, contact.id)
        if row is None:
            return
        row.kind, row.name, row.area = contact.kind.value, contact.name, contact.area
        row.phone, row.position = contact.phone, contact.position
        row.updated_at = now.astimezone(UTC)
        await self.session.flush()

    async def remove_contact(self, contact_id: int) -> None:
        row = await self.session.get(CommuneContact, contact_id)
        if row is not None:
            await self.session.delete(row)
            await self.session.flush()

    async def audit(
        self, actor: Identity, *, subject: str, detail: str, ip: str, now: datetime
    ) -> None:
        await record(
            self.session,
            AuditAction.COMMUNE_PAGE,
            actor_id=actor.id,
            actor_username=actor.username,
            subject=subject,
            detail=detail,
            ip=ip,
            now=now,
        )
        await self.session.flush()
