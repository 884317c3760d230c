"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from storage import migrate
from storage.models import POSTGRES_ONLY_INDEXES, Base
from tests.conftest import in_thread


def _modelled(obj: Any, name: str | None, kind: str, reflected: bool, _other: Any) -> bool:
    """Compare everything but the PostgreSQL-only indexes, which the models leave out."""
    return not (kind == "index" and name in POSTGRES_ONLY_INDEXES)


def _diff(url: str) -> tuple[list[Any], set[str]]:
    async def go() -> tuple[list[Any], set[str]]:
        engine = create_async_engine(url)
        async with engine.connect() as conn:

            def compare(sync_conn: Any) -> tuple[list[Any], set[str]]:
                context = MigrationContext.configure(
                    sync_conn, opts={"compare_type": True, "include_object": _modelled}
                )
                return compare_metadata(context, Base.metadata), set(
                    inspect(sync_conn).get_table_names()
                )

            result = await conn.run_sync(compare)
        await engine.dispose()
        return result

    return in_thread(lambda: asyncio.run(go()))


def test_upgrade_matches_the_models_and_downgrade_empties(empty_url: str) -> None:
    in_thread(migrate.upgrade, empty_url)
    diff, tables = _diff(empty_url)
    assert diff == []
    assert {"residents", "channel_identities", "alembic_version"} <= tables
    in_thread(migrate.downgrade, empty_url, "base")
    _, tables = _diff(empty_url)
    assert tables <= {"alembic_version"}
    in_thread(migrate.upgrade, empty_url)  # and up again


def test_postgres_gets_the_trigram_search_index(pg_url: str) -> None:
    async def indexes() -> set[str]:
        engine = create_async_engine(pg_url)
        async with engine.connect() as conn:
            rows = await conn.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'tips'"
            )
            names = {r[0] for r in rows}
        await engine.dispose()
        return names

    assert in_thread(lambda: asyncio.run(indexes())) >= POSTGRES_ONLY_INDEXES


def test_casework_migration_fills_search_text_and_next_due_of_earlier_tips(empty_url: str) -> None:
    """Tips stored before migration 0007 can be found by the queue's search (details too)
    and sorted by the deadline that runs for them."""
    in_thread(migrate.upgrade, empty_url, "2026_11_25_0006")
    insert = (
        "INSERT INTO tips (id, code, submission_key, pin_hash, category, description,"
        " incident_when, province_code, commune_code, address, anonymous, status, details,"
        " created_at, received_on, ack_due, decision_due) VALUES"
        " (:id, :code, :id, 'h', 'scam', 'Kẻ gian gọi điện', 'unknown', '01', '00004',"
        " 'Phố Đội Cấn', :anonymous, :status, :details, :created, :received, :ack, :decision)"
    )

    async def go(sql: str, params: list[dict[str, Any]]) -> list[Any]:
        engine = create_async_engine(empty_url)
        async with engine.begin() as conn:
            result = [await conn.execute(text(sql), p) for p in params]
            rows = [r.all() for r in result if r.returns_rows]
        await engine.dispose()
        return rows

    day = date(2026, 11, 2)
    common = {
        "anonymous": True,
        "created": datetime(2026, 11, 2, 3, tzinfo=UTC),
        "received": day,
        "ack": date(2026, 11, 5),
        "decision": date(2026, 11, 22),
    }
    tips = [
        {
            "id": "a" * 36,
            "code": "BY-AAAA-AA",
            "status": "new",
            **common,
            "details": json.dumps({"suspects": "Số 0912 345 678, Đức"}),
        },
        {
            "id": "b" * 36,
            "code": "BY-BBBB-BB",
            "status": "acknowledged",
            **common,
            "details": json.dumps({}),
        },
    ]
    in_thread(lambda: asyncio.run(go(insert, tips)))
    in_thread(migrate.upgrade, empty_url, "2026_12_05_0013")
    [rows] = in_thread(
        lambda: asyncio.run(go("SELECT code, search_text, next_due FROM tips ORDER BY code", [{}]))
    )
    (code_a, search_a, due_a), (_code_b, _search_b, due_b) = rows
    assert code_a == "BY-AAAA-AA"
    assert "ke gian goi dien" in search_a and "pho doi can" in search_a
    assert "0912 345 678, duc" in search_a and "by-aaaa-aa" in search_a
    assert str(due_a) == "2026-11-05" and str(due_b) == "2026-11-22"
    # Migration 0014 (issue 17): the acknowledged crime report must now be forwarded within
    # 7 days of receipt (02/11 → 09/11), which comes first.
    in_thread(migrate.upgrade, empty_url)
    [rows] = in_thread(
        lambda: asyncio.run(go("SELECT track, forward_due, next_due FROM tips ORDER BY code", [{}]))
    )
    assert [(t, str(f), str(n)) for t, f, n in rows] == [
        ("crime", "2026-11-09", "2026-11-05"),
        ("crime", "2026-11-09", "2026-11-09"),
    ]


def test_tracks_migration_puts_earlier_tips_on_the_track_of_their_category(
    empty_url: str,
) -> None:
    """Migration 0014: a dispute goes to mediation with the service's aim for an outcome; an
    urgent crime report is to be forwarded the day after receipt and has no decision deadline
    until it is forwarded; a forwarded one keeps its deadline and when it went."""
    in_thread(migrate.upgrade, empty_url, "2026_12_05_0013")
    insert = (
        "INSERT INTO tips (id, code, submission_key, pin_hash, category, description,"
        " incident_when, province_code, commune_code, anonymous, status, details, urgent,"
        " created_at, received_on, ack_due, decision_due, next_due, forwarded_to, updated_at)"
        " VALUES (:id, :code, :id, 'h', :category, 'x', 'unknown', '01', '00004', true,"
        " :status, '{}', :urgent, :at, :received, :ack, :decision, :next, :to, :at)"
    )
    at = datetime(2026, 11, 2, 3, tzinfo=UTC)
    base = {
        "received": date(2026, 11, 2),
        "ack": date(2026, 11, 5),
        "decision": date(2026, 11, 22),
        "at": at,
        "urgent": False,
        "to": "",
    }
    rows_in = [
        {
            "id": "c" * 36,
            "code": "BY-CCCC-CC",
            "category": "neighbourhood_dispute",
            "status": "acknowledged",
            "next": date(2026, 11, 22),
            **base,
        },
        {
            "id": "d" * 36,
            "code": "BY-DDDD-DD",
            "category": "neighbourhood_dispute",
            "status": "new",
            "next": date(2026, 11, 5),
            **base,
        },
        {
            **base,
            "id": "e" * 36,
            "code": "BY-EEEE-EE",
            "category": "theft_robbery",
            "status": "new",
            "next": date(2026, 11, 5),
            "urgent": True,
        },
        {
            **base,
            "id": "f" * 36,
            "code": "BY-FFFF-FF",
            "category": "drugs",
            "status": "forwarded",
            "next": date(2026, 11, 22),
            "to": "Cơ quan CSĐT",
        },
    ]

    async def go(sql: str, params: list[dict[str, Any]]) -> list[Any]:
        engine = create_async_engine(empty_url)
        async with engine.begin() as conn:
            result = [await conn.execute(text(sql), p) for p in params]
            rows = [r.all() for r in result if r.returns_rows]
        await engine.dispose()
        return rows

    in_thread(lambda: asyncio.run(go(insert, rows_in)))
    in_thread(migrate.upgrade, empty_url)
    query = (
        "SELECT code, track, decision_due, forward_due, next_due, forwarded_at IS NOT NULL"
        " FROM tips ORDER BY code"
    )
    [rows] = in_thread(lambda: asyncio.run(go(query, [{}])))
    got = [(c, t, str(d), str(f), str(n), bool(w)) for c, t, d, f, n, w in rows]
    assert got == [
        # The service's 30 days for a mediation's outcome; what runs once acknowledged.
        ("BY-CCCC-CC", "mediation", "2026-12-02", "None", "2026-12-02", False),
        ("BY-DDDD-DD", "mediation", "2026-12-02", "None", "2026-11-05", False),
        # Not forwarded: no decision runs yet (the investigation body's, from its receipt).
        ("BY-EEEE-EE", "crime", "9999-12-31", "2026-11-03", "2026-11-03", False),
        ("BY-FFFF-FF", "crime", "2026-11-22", "2026-11-09", "2026-11-22", True),
    ]
    # The status check now takes a suspension and a mediation, and refuses what is no status
    # or no track; the table kept its indexes and its timeline.
    in_thread(
        lambda: asyncio.run(
            go(
                "UPDATE tips SET status = :status WHERE code = :code",
                [
                    {"status": "suspended", "code": "BY-FFFF-FF"},
                    {"status": "mediating", "code": "BY-CCCC-CC"},
                ],
            )
        )
    )
    for column, value in (("status", "lost"), ("track", "criminal")):
        refused = f"UPDATE tips SET {column} = :v WHERE code = 'BY-DDDD-DD'"
        with pytest.raises(IntegrityError):
            in_thread(lambda sql=refused, v=value: asyncio.run(go(sql, [{"v": v}])))

    async def indexes() -> set[str]:
        engine = create_async_engine(empty_url)
        async with engine.connect() as conn:
            found = await conn.run_sync(
                lambda c: {i["name"] for i in inspect(c).get_indexes("tips")}
            )
        await engine.dispose()
        return set(found)

    assert {"ix_tips_queue_commune", "ix_tips_commune_track", "ix_tips_resident_created"} <= (
        in_thread(lambda: asyncio.run(indexes()))
    )


def test_export_rows_of_the_command_take_the_one_spelling_and_stay_append_only(
    empty_url: str,
) -> None:
    """Migration 0008 renames the "tips_export" rows `binhyen tips export` wrote before it;
    the log refuses changes again afterwards, and a downgrade gives the command's rows back."""
    in_thread(migrate.upgrade, empty_url, "2026_11_25_0007")

    async def run(*statements: str) -> list[Any]:
        engine = create_async_engine(empty_url)
        try:
            async with engine.begin() as conn:
                results = [await conn.execute(text(s)) for s in statements]
                return [r.all() for r in results if r.returns_rows]
        finally:
            await engine.dispose()

    def actions() -> list[tuple[str, str]]:
        sql = "SELECT actor_username, action FROM audit_log ORDER BY id"
        [rows] = in_thread(lambda: asyncio.run(run(sql)))
        return [tuple(r) for r in rows]

    def assert_append_only() -> None:
        with pytest.raises(DBAPIError, match="append-only"):
            in_thread(lambda: asyncio.run(run("UPDATE audit_log SET detail = 'edited'")))

    at = "'2026-11-30 01:00:00+00'"
    in_thread(
        lambda: asyncio.run(
            run(
                "INSERT INTO admin_users (username, password_hash, role, commune_code)"
                " VALUES ('chief.a', 'h', 'chief', '00004')",
                "INSERT INTO audit_log (created_at, actor_id, actor_username, action) VALUES"
                f" ({at}, NULL, 'cli', 'tips_export'),"
                f" ({at}, (SELECT id FROM admin_users), 'chief.a', 'tips.export'),"
                f" ({at}, NULL, '', 'signin.failure')",
            )
        )
    )
    in_thread(migrate.upgrade, empty_url)
    assert actions() == [("cli", "tips.export"), ("chief.a", "tips.export"), ("", "signin.failure")]
    assert_append_only()
    in_thread(migrate.downgrade, empty_url, "2026_11_25_0007")
    assert actions() == [("cli", "tips_export"), ("chief.a", "tips.export"), ("", "signin.failure")]
    assert_append_only()


def test_tokens_of_accounts_deactivated_before_0017_are_revoked(empty_url: str) -> None:
    """Deactivating revokes an account's tokens since issue 19; an account deactivated
    before would get its old tokens back when reactivated, so migration 0017 revokes them."""
    in_thread(migrate.upgrade, empty_url, "2026_12_05_0016")
    at = "'2026-12-01 00:00:00+00'"

    async def go(*sql: str) -> list[Any]:
        engine = create_async_engine(empty_url)
        async with engine.begin() as conn:
            result: list[Any] = []
            for one in sql:
                found = await conn.execute(text(one))
                result = list(found) if found.returns_rows else []
        await engine.dispose()
        return result

    in_thread(
        lambda: asyncio.run(
            go(
                "INSERT INTO admin_users (username, password_hash, role, commune_code, active)"
                " VALUES ('gone', 'h', 'officer', '00004', false),"
                " ('here', 'h', 'officer', '00004', true)",
                "INSERT INTO api_tokens (user_id, token_hash, name, created_at, expires_at)"
                f" SELECT id, 'hash-' || username, 't', {at}, '2027-12-01 00:00:00+00'"
                " FROM admin_users",
            )
        )
    )
    in_thread(migrate.upgrade, empty_url)
    rows = in_thread(
        lambda: asyncio.run(
            go(
                "SELECT u.username, t.revoked_at IS NOT NULL FROM api_tokens t"
                " JOIN admin_users u ON u.id = t.user_id ORDER BY u.username"
            )
        )
    )
    assert [tuple(r) for r in rows] == [("gone", True), ("here", False)]
