"""The residents' reader of the communes' own pages (UnitOfWork.commune_pages, issue 21), one
contract on the in-memory unit of work and on SQLite and PostgreSQL. The panel writes the
pages (storage/commune_page.py, tests/panel/test_commune_page.py); here the SQL backends are
given them through that store, the memory one through its table, and all read them back
alike. On the shared PostgreSQL database each test uses communes of its own."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.commune_page import Contact, ContactKind, PublicPage, UnitPage
from storage.commune_page import SqlCommunePages
from tests.conftest import own_commune
from tests.integration.port_backends import Backend, MemoryPeek, SqlPeek

AT = datetime(2026, 12, 6, 1, tzinfo=UTC)


async def given(backend: Backend, page: UnitPage, contacts: list[Contact]) -> None:
    """The page and its contacts, as the chief saved them."""
    peek = backend.peek
    if isinstance(peek, MemoryPeek):
        peek.db.commune_pages[page.commune_code] = PublicPage(page, tuple(contacts))
        return
    assert isinstance(peek, SqlPeek)
    async with peek.sessions() as session:
        store = SqlCommunePages(session)
        await store.save(page)
        for c in contacts:
            await store.add_contact(c.commune_code, c.kind, c.name, c.area, c.phone, c.position, AT)
        await session.commit()


async def test_a_commune_without_a_page_reads_empty(backend: Backend) -> None:
    commune = own_commune()
    async with backend.work() as uow:
        found = await uow.commune_pages.public(commune)
    assert found.empty and found.page == UnitPage(commune) and found.contacts == ()


async def test_the_page_and_its_contacts_in_order(backend: Backend) -> None:
    commune, other = own_commune(), own_commune()
    page = UnitPage(
        commune,
        phone="+842438234567",
        address="Số 1 phố Đội Cấn",
        hours="7:30–17:00",
        note="Gọi trước khi đến.",
        updated_at=AT,
        updated_by="chief.a",
    )

    def contact(kind: ContactKind, name: str, position: int) -> Contact:
        return Contact(0, commune, kind, name, "Tổ 5", "+84912345678", position)

    await given(
        backend,
        page,
        [
            contact(ContactKind.OTHER, "Y tế phường", 1),
            contact(ContactKind.MEDIATION, "Tổ hòa giải số 1", 1),
            contact(ContactKind.LEADER, "Trần Thị Bình", 2),
            contact(ContactKind.LEADER, "Nguyễn Văn An", 1),
        ],
    )
    await given(backend, UnitPage(other, note="x", updated_at=AT), [])
    async with backend.work() as uow:
        found = await uow.commune_pages.public(commune)
    assert found.page == page and not found.empty
    assert [(c.kind, c.name) for c in found.contacts] == [
        (ContactKind.LEADER, "Nguyễn Văn An"),
        (ContactKind.LEADER, "Trần Thị Bình"),
        (ContactKind.MEDIATION, "Tổ hòa giải số 1"),
        (ContactKind.OTHER, "Y tế phường"),
    ]
    assert {(c.commune_code, c.area, c.phone) for c in found.contacts} == {
        (commune, "Tổ 5", "+84912345678")
    }
