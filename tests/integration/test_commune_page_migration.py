"""Migration 0020 (issue 21): the communes' own pages, up and down, on SQLite and PostgreSQL.
(That the whole chain builds what the models describe is tests/integration/test_migrations.py.)"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from storage import migrate
from tests.conftest import in_thread

BEFORE = "2026_12_05_0019"
THIS = "2026_12_06_0020"
TABLES = {"commune_pages", "commune_contacts"}


def run(url: str, *statements: str) -> list[Any]:
    async def go() -> list[Any]:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                results = [await conn.execute(text(s)) for s in statements]
                return [r.all() for r in results if r.returns_rows]
        finally:
            await engine.dispose()

    return in_thread(lambda: asyncio.run(go()))


def tables(url: str) -> set[str]:
    async def go() -> set[str]:
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            found = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        await engine.dispose()
        return found

    return in_thread(lambda: asyncio.run(go()))


def test_the_pages_come_and_go_with_their_revision(empty_url: str) -> None:
    in_thread(migrate.upgrade, empty_url, BEFORE)
    assert not TABLES & tables(empty_url)
    in_thread(migrate.upgrade, empty_url, THIS)
    assert tables(empty_url) >= TABLES
    at = "'2026-12-06 01:00:00+00'"
    run(
        empty_url,
        "INSERT INTO commune_pages (commune_code, phone, updated_at)"
        f" VALUES ('00004', '+842438234567', {at})",
        "INSERT INTO commune_contacts (commune_code, kind, name, phone, created_at, updated_at)"
        f" VALUES ('00004', 'leader', 'Nguyễn Văn An', '+84912345678', {at}, {at})",
    )
    [pages, contacts] = run(
        empty_url,
        "SELECT commune_code, phone, address, hours, note, updated_by FROM commune_pages",
        "SELECT kind, name, area, position FROM commune_contacts",
    )
    assert [tuple(r) for r in pages] == [("00004", "+842438234567", "", "", "", "")]
    assert [tuple(r) for r in contacts] == [("leader", "Nguyễn Văn An", "", 0)]
    with pytest.raises(IntegrityError):  # only the three kinds
        run(
            empty_url,
            "INSERT INTO commune_contacts (commune_code, kind, name, phone, created_at,"
            f" updated_at) VALUES ('00004', 'boss', 'X', '+84912345678', {at}, {at})",
        )
    in_thread(migrate.downgrade, empty_url, BEFORE)
    assert not TABLES & tables(empty_url)
    in_thread(migrate.upgrade, empty_url, THIS)  # and up again, empty
    assert run(empty_url, "SELECT count(*) FROM commune_contacts") == [[(0,)]]


NEXT = "2026_12_06_0021"


def test_a_removed_contacts_id_is_never_given_again_after_0021(empty_url: str) -> None:
    in_thread(migrate.upgrade, empty_url, THIS)
    at = "'2026-12-06 01:00:00+00'"
    add = (
        "INSERT INTO commune_contacts (commune_code, kind, name, area, phone, position,"
        " created_at, updated_at) VALUES ('00004', 'leader', '{name}', 'Tổ 5', '+84912345678',"
        f" 2, {at}, {at})"
    )
    run(empty_url, add.format(name="An"), add.format(name="Bình"))
    in_thread(migrate.upgrade, empty_url, NEXT)
    kept = "SELECT id, commune_code, kind, name, area, phone, position FROM commune_contacts"
    [rows] = run(empty_url, kept + " ORDER BY id")
    assert [tuple(r)[1:] for r in rows] == [
        ("00004", "leader", "An", "Tổ 5", "+84912345678", 2),
        ("00004", "leader", "Bình", "Tổ 5", "+84912345678", 2),
    ]
    last = rows[-1][0]
    run(empty_url, f"DELETE FROM commune_contacts WHERE id = {last}", add.format(name="Chi"))
    [[(given,)]] = run(empty_url, "SELECT id FROM commune_contacts WHERE name = 'Chi'")
    assert given > last
    with pytest.raises(IntegrityError):  # the kinds' check came along
        run(empty_url, add.format(name="X").replace("'leader'", "'boss'"))
    in_thread(migrate.downgrade, empty_url, THIS)
    [[(count,)]] = run(empty_url, "SELECT count(*) FROM commune_contacts")
    assert count == 2


def test_ids_removed_before_0021_are_not_given_again_either(empty_url: str) -> None:
    """On SQLite the last ids removed before the upgrade were already free to be given again;
    the upgrade counts on from the number of contacts ever added (their audit rows)."""
    in_thread(migrate.upgrade, empty_url, THIS)
    at = "'2026-12-06 01:00:00+00'"
    add = (
        "INSERT INTO commune_contacts (commune_code, kind, name, phone, created_at, updated_at)"
        f" VALUES ('00004', 'leader', '{{name}}', '+84912345678', {at}, {at})"
    )
    audit = (
        "INSERT INTO audit_log (created_at, action, subject, detail)"
        f" VALUES ({at}, 'commune.page', 'commune:00004', 'add:{{name}}')"
    )
    names = ("An", "Bình", "Chi")
    run(empty_url, *(q.format(name=n) for n in names for q in (add, audit)))
    [[(top,)]] = run(empty_url, "SELECT max(id) FROM commune_contacts")
    run(empty_url, f"DELETE FROM commune_contacts WHERE id > {top - 2}")  # Bình and Chi
    in_thread(migrate.upgrade, empty_url, NEXT)
    run(empty_url, add.format(name="Dung"))
    [[(given,)]] = run(empty_url, "SELECT id FROM commune_contacts WHERE name = 'Dung'")
    assert given > top
