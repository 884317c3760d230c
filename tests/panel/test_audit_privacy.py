"""Issue 18: the audit log read by the people responsible, in words.

A terminal export with contacts appears to the admins of each province (and the chief of each
commune) whose tips it held; a panel export records the area it covers; a reveal is read by the
tip's commune chief and its province admins with the reason; the system's national work
(retention, key rotation, residents' erasures and copies) by every province admin. Details of
counts and codes are shown as sentences, never as "key=value". There is no export file kept
on the server to be fetched later by a name (panel exports stream the file in the answer, the
terminal writes where the operator says): the nearest abuse, parameters that try to widen an
export or name a file, is refused or bounded by the caller's area.
"""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from admin.audit_details import detail_text, in_words
from bot import runtime
from content import areas
from content.i18n import LANGUAGES, catalog
from handlers.audit import (
    FACT_WORDS,
    LABELS,
    SYSTEM_ACTIONS,
    SYSTEM_ACTORS,
    AuditAction,
    compact,
    facts_of,
)
from storage import admin_users as au
from storage.models import AuditLog, Tip
from storage.tips_export import Format, Target, export
from tests.panel.conftest import COMMUNE_A, COMMUNE_B, COMMUNE_C, World

T0 = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
NAME, PHONE = "Trần Thị Bình", "0987 654 321"
REASON = "Cần mời người báo tin đến làm chứng"
PAIR = re.compile(r"\b[a-z_]{2,16}=[A-Za-z0-9]")


def listing(page: str) -> str:
    """The text of the page's rows (no links, no tags): what the reader sees of the log."""
    found = re.search(r'<ol class="queue audit">(.*?)</ol>', page, re.S)
    if not found:
        return ""
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))


def province(code: str) -> str:
    found = areas.province(code)
    assert found
    return f"{found.name} ({code})"


def commune(code: str) -> str:
    found = areas.commune(code)
    assert found
    return f"{found.name} ({code})"


# --- one vocabulary -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_action_fact_and_system_actor_has_words_in_both_languages(lang: str) -> None:
    words = catalog(lang)
    assert set(LABELS) == set(AuditAction)
    assert [a.value for a in AuditAction if not words.get(LABELS[a])] == []
    ids = [*SYSTEM_ACTORS.values()]
    for table in FACT_WORDS.values():
        for value in table.values():
            ids += list(value.values()) if isinstance(value, dict) else [value]
    assert [i for i in ids if not words.get(i)] == []
    counted = [v for t in FACT_WORDS.values() for v in t.values() if isinstance(v, str)]
    assert all("{n}" in words[i] for i in counted)
    # The labels are words, not the codes they name.
    assert not [a for a in AuditAction if a.value in words[LABELS[a]]]


def test_compact_details_stay_short_and_hold_no_free_text() -> None:
    assert compact(rows=12, contacts=True, fmt="csv", out="file") == (
        "rows=12;contacts=1;fmt=csv;out=file"
    )
    with pytest.raises(ValueError, match="64"):
        compact(**{"k" + letter * 10: 12345678 for letter in "abcde"})
    with pytest.raises(ValueError, match="compact"):
        compact(reason="có dấu cách")
    with pytest.raises(ValueError, match="compact"):
        compact(out="a;b=c")
    assert facts_of("contact=5 reporter=5 owner=0 totp=2 zalo=1")["totp"] == "2"
    assert facts_of("new>acknowledged") == {} and facts_of("Gọi lại cho người báo") == {}
    assert facts_of("rows=1;oops") == {}


def test_details_in_words_in_both_languages() -> None:
    export_row = "rows=12;contacts=1;fmt=csv;out=file"
    assert in_words(AuditAction.TIPS_EXPORT, export_row, "vi") == (
        "12 tin báo; có kèm họ tên và số điện thoại người báo tin; tệp CSV; ghi ra tệp trên máy chủ"
    )
    assert in_words(AuditAction.TIPS_EXPORT, export_row, "en").startswith("12 tips; with ")
    retention = compact(contacts=12, files=3)
    assert in_words(AuditAction.RETENTION_RUN, retention, "vi") == (
        "Đã xóa thông tin liên hệ của 12 tin báo đã đóng; đã xóa 3 tệp đính kèm của tin báo đã đóng"
    )
    # Export rows written before this change are read too.
    assert in_words(AuditAction.TIPS_EXPORT, "7 rows", "vi") == "7 tin báo"
    assert in_words(AuditAction.TIPS_EXPORT, "json,with_contact", "en") == (
        "A JSON file; with reporters' names and phone numbers"
    )
    # Pairs without words are left out, never shown raw; free text stays as written.
    assert detail_text(AuditAction.RETENTION_RUN, "unknown=3", "vi") == ""
    assert detail_text(AuditAction.TIP_STATUS, "new>acknowledged", "vi") == "new>acknowledged"
    assert detail_text(AuditAction.SIGNIN_FAILURE, "unknown_user", "vi") == "sai tên đăng nhập"


# --- a terminal export, read by the people responsible ------------------------------------


async def terminal_export(world: World, with_contact: bool = True) -> str:
    """What `binhyen tips export [--with-contact]` does, into memory."""
    out = io.StringIO(newline="")
    sealer = runtime.sealer(world.settings) if with_contact else None
    await export(world.sessions, out, Format.CSV, sealer, target=Target.FILE)
    return out.getvalue()


async def seed_tips(world: World) -> None:
    named = {"anonymous": False, "contact_name": NAME, "contact_phone": PHONE}
    await world.tip(COMMUNE_A, **named)
    await world.tip(COMMUNE_A)
    await world.tip(COMMUNE_B)
    await world.tip(COMMUNE_C, **named)


async def test_a_terminal_export_with_contacts_reaches_each_provinces_admins(
    world: World,
) -> None:
    await seed_tips(world)
    assert PHONE in await terminal_export(world)
    wanted = {"action": "tips.export"}

    north = listing(
        (await (await world.client("admin_01")).get("/admin/audit", params=wanted)).text
    )
    assert province("01") in north and "3 tin báo" in north
    assert "; có kèm họ tên và số điện thoại người báo tin;" in north
    assert "tệp CSV" in north and "ghi ra tệp trên máy chủ" in north
    assert "dòng lệnh trên máy chủ" in north  # the actor, in words
    assert province("79") not in north and commune(COMMUNE_A) not in north
    assert not PAIR.search(north) and NAME not in north and PHONE not in north

    south = listing(
        (await (await world.client("admin_79")).get("/admin/audit", params=wanted)).text
    )
    assert province("79") in south and "1 tin báo" in south and province("01") not in south

    chief_a = listing(
        (await (await world.client("chief_a")).get("/admin/audit", params=wanted)).text
    )
    assert commune(COMMUNE_A) in chief_a and "2 tin báo" in chief_a
    assert commune(COMMUNE_B) not in chief_a and province("01") not in chief_a
    chief_b = listing((await (await world.client("chief_b")).get("/admin/audit")).text)
    assert commune(COMMUNE_B) in chief_b and "1 tin báo" in chief_b
    assert not PAIR.search(chief_a + chief_b)
    for label in ("officer_a", "leader_a"):
        assert (await (await world.client(label)).get("/admin/audit")).status_code == 403

    english = await (await world.client("admin_01")).get("/admin/audit", params={"lang": "en"})
    assert "3 tips; with reporters&#39; names and phone numbers" in english.text
    assert "the server&#39;s command line" in english.text

    api = await (await world.client("admin_01")).get("/api/v1/audit", params=wanted)
    (item,) = api.json()["items"]
    assert item["actor"] == "cli" and item["actor_id"] is None
    assert item["subject"] == "province:01" and item["area"] == province("01")
    assert item["label"] == "Xuất danh sách tin báo"
    assert item["detail"] == "rows=3;contacts=1;fmt=csv;out=file"
    # The row in words, never a code as stored (a review found "closed>verifying" there).
    assert "3 tin báo; có kèm họ tên" in item["summary"] and "=" not in item["summary"]
    assert item["summary"] == item["sentence"]


async def test_without_contacts_the_row_says_so(world: World) -> None:
    await world.tip(COMMUNE_C)
    await terminal_export(world, with_contact=False)
    page = await (await world.client("admin_79")).get("/admin/audit")
    assert "1 tin báo; không kèm thông tin liên hệ người báo tin" in listing(page.text)


# --- a panel export records the area it covers ----------------------------------------------


async def export_subjects(world: World) -> list[tuple[str, str, str]]:
    async with world.session() as db:
        query = select(AuditLog).where(AuditLog.action == "tips.export").order_by(AuditLog.id)
        return [
            (r.actor_username, r.subject, r.detail) for r in (await db.execute(query)).scalars()
        ]


async def test_a_panel_export_records_its_area_and_its_filters_in_words(world: World) -> None:
    await seed_tips(world)
    chief = await world.client("chief_a")
    assert (await chief.get("/admin/tips/export.csv?status=all&category=scam")).status_code == 200
    admin = await world.client("admin_01")
    assert (await admin.get(f"/admin/tips/export.xlsx?commune={COMMUNE_B}")).status_code == 200
    assert (await admin.get(f"/admin/tips/export.csv?commune={COMMUNE_C}")).status_code == 200
    assert (await admin.get("/api/v1/tips/export?format=csv")).status_code == 200
    assert await export_subjects(world) == [
        (world.usernames["chief_a"], f"commune:{COMMUNE_A}", "2 rows"),
        (world.usernames["admin_01"], f"commune:{COMMUNE_B}", "1 rows"),
        # Another province's commune widens nothing: no row, and the area is the caller's.
        (world.usernames["admin_01"], "province:01", "0 rows"),
        (world.usernames["admin_01"], "province:01", "3 rows"),
    ]
    # The chief of the commune a province admin exported reads it; the other province not.
    chief_b = listing((await (await world.client("chief_b")).get("/admin/audit")).text)
    assert world.usernames["admin_01"] in chief_b and commune(COMMUNE_B) in chief_b
    south = listing((await (await world.client("admin_79")).get("/admin/audit")).text)
    assert world.usernames["admin_01"] not in south
    # The filters are read in words; the query string never shows.
    mine = listing((await chief.get("/admin/audit", params={"action": "tips.export"})).text)
    assert "Bộ lọc khi xuất:" in mine and "2 tin báo" in mine and commune(COMMUNE_A) in mine
    assert "Trạng thái: Mọi trạng thái; Loại tin báo: " in mine
    assert "status=all" not in mine and "category=scam" not in mine and not PAIR.search(mine)


# --- reveals: the commune's chief and the province admin, with the reason -------------------


async def test_reveals_are_read_by_the_tips_chief_and_province_admins_with_the_reason(
    world: World,
) -> None:
    tip = await world.tip(COMMUNE_A, anonymous=False, contact_name=NAME, contact_phone=PHONE)
    async with world.session() as db:
        # Whoever revealed it (an account since moved to another commune, or an admin as
        # before issue 18), the tip's own commune reads it.
        for label, minutes in (("officer_b", 0), ("admin_01", 1)):
            actor = world.users[label]
            await au.record(
                db,
                AuditAction.TIP_REVEAL,
                actor_id=actor.id,
                actor_username=actor.username,
                subject=tip.code,
                reason=f"{REASON} {label}",
                now=T0 + timedelta(minutes=minutes),
            )
        await db.commit()
    wanted = {"action": "tip.reveal"}
    for label in ("chief_a", "admin_01"):
        seen = listing((await (await world.client(label)).get("/admin/audit", params=wanted)).text)
        assert tip.code in seen and "xem danh tính người báo tin" in seen, label
        assert f"Lý do: {REASON} officer_b" in seen and f"Lý do: {REASON} admin_01" in seen
        assert NAME not in seen and PHONE not in seen
    chief_b = listing(
        (await (await world.client("chief_b")).get("/admin/audit", params=wanted)).text
    )
    # Not their commune's tip, though the account is now theirs (moved since): a tip's
    # reveals, with their reasons, stay with the tip's area (found by a review).
    assert f"{REASON} officer_b" not in chief_b
    assert f"{REASON} admin_01" not in chief_b
    south = await (await world.client("admin_79")).get("/admin/audit", params=wanted)
    assert tip.code not in south.text and REASON not in south.text
    api = await (await world.client("chief_a")).get("/api/v1/audit", params=wanted)
    assert {i["reason"] for i in api.json()["items"]} == {
        f"{REASON} officer_b",
        f"{REASON} admin_01",
    }


# --- the system's national work: every province admin, in words -----------------------------


async def test_system_actions_are_read_by_every_province_admin_in_words(world: World) -> None:
    rows = [
        (AuditAction.RETENTION_RUN, "retention", compact(contacts=12, files=3, states=40)),
        (AuditAction.KEYS_ROTATE, "cli", "contact=5 reporter=5 owner=5 totp=2 zalo=1"),
        (AuditAction.RESIDENT_ERASE, "resident", compact(tips=2, channel="telegram")),
        (AuditAction.RESIDENT_EXPORT, "resident", compact(channel="web", fmt="json")),
    ]
    async with world.session() as db:
        for index, (action, actor, detail) in enumerate(rows):
            await au.record(
                db,
                action,
                actor_username=actor,
                subject="keys" if action is AuditAction.KEYS_ROTATE else "",
                detail=detail,
                now=T0 + timedelta(minutes=index),
            )
        await db.commit()
    assert {a for a, _u, _d in rows} == SYSTEM_ACTIONS
    for label in ("admin_01", "admin_79"):
        seen = listing((await (await world.client(label)).get("/admin/audit")).text)
        assert "Dữ liệu hết thời hạn lưu giữ được xóa" in seen
        assert "Đã xóa thông tin liên hệ của 12 tin báo đã đóng" in seen
        assert "việc tự động xóa dữ liệu hết hạn" in seen
        assert "Dữ liệu được niêm phong lại bằng khóa mới nhất" in seen
        assert "Niêm phong lại thông tin liên hệ của 5 tin báo bằng khóa mới" in seen
        assert "niêm phong lại 2 khóa xác thực hai bước" in seen
        assert "2 tin báo được giữ lại làm hồ sơ của công an" in seen and "qua Telegram" in seen
        assert "Một người dân đã lấy bản sao dữ liệu của mình" in seen and "tệp JSON" in seen
        assert "người dân (không ghi danh tính)" in seen
        assert not PAIR.search(seen) and " keys " not in seen, label
    for label in ("chief_a", "chief_b"):
        seen = listing((await (await world.client(label)).get("/admin/audit")).text)
        assert "12 tin báo" not in seen and "niêm phong lại" not in seen, label
    only = await (await world.client("admin_79")).get(
        "/admin/audit", params={"action": "retention.run"}
    )
    text = listing(only.text)
    assert "12 tin báo" in text and "Người dân" not in text


# --- bad input: no file reference to forge; parameters cannot widen an export ---------------


@pytest.mark.parametrize(
    "url",
    [
        f"/admin/tips/export.csv?commune={COMMUNE_C}&status=all",
        f"/admin/tips/export.csv?commune={COMMUNE_A}&commune={COMMUNE_C}",
        "/admin/tips/export.csv?file=../../../etc/passwd&name=binhyen-tips-79.csv",
        "/admin/tips/export.csv?province=79&area=79&scope=all",
        f"/api/v1/tips/export?format=csv&commune={COMMUNE_C}&province=79",
    ],
)
async def test_export_parameters_never_widen_the_area(world: World, url: str) -> None:
    await seed_tips(world)
    async with world.session() as db:
        found = await db.execute(select(Tip.code).where(Tip.commune_code == COMMUNE_C))
        south_codes = set(found.scalars())
    response = await (await world.client("officer_a")).get(url)
    assert response.status_code == 200
    assert not any(code in response.text for code in south_codes)
    disposition = response.headers["content-disposition"]
    assert f"binhyen-tips-{COMMUNE_A}-" in disposition and "passwd" not in disposition
    subjects = {s for _u, s, _d in await export_subjects(world)}
    assert subjects == {f"commune:{COMMUNE_A}"}


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/tips/export?format=../../etc/passwd", 422),
        ('/admin/tips/export.csv?commune=00004";x="', 422),
        ("/admin/tips/export/binhyen-tips-27316-2026-12-01.csv", 404),
        ("/admin/exports/1", 404),
    ],
)
async def test_a_forged_export_reference_is_refused_and_leaks_nothing(
    world: World, url: str, status: int
) -> None:
    await seed_tips(world)
    response = await (await world.client("admin_01")).get(url)
    # 405: a route of that shape exists for another method only (POST a tip's action).
    assert response.status_code in (status, 405 if status == 404 else status), response.text
    assert "content-disposition" not in response.headers
    assert NAME not in response.text and PHONE not in response.text
    assert await export_subjects(world) == []  # nothing left, so nothing to audit
