"""The queue's search by phone number, account, link, receipt code and words (issue 20), on
SQLite and PostgreSQL: tips stored the way the bot stores them (SqlTips.submit, which writes
their terms), searched the way the panel and the API search (storage.casework.queue and
status_counts), and tips stored before migration 0018 given their terms by it.

PostgreSQL's database is shared by the session's tests: every test uses its own communes,
numbers, accounts and domains, so that it only ever finds its own tips."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from handlers import deadlines
from handlers.people import AdminRole, Identity
from handlers.receipt import new_code
from handlers.tipmodel import TipDraft
from storage import migrate
from storage.casework import queue, status_counts
from storage.casework.views import QueueFilter
from storage.db import make_engine, make_sessions
from storage.models import TipTerm
from storage.tips import SqlTips
from tests.conftest import (
    PG_ADMIN_URL,
    PIN_SECRET,
    SEALER,
    _pg_admin,
    _unavailable,
    in_thread,
    own_commune,
)
from tests.integration.port_backends import copy_database

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
PROVINCE, OTHER_PROVINCE = "01", "79"


@pytest.fixture(params=["sqlite", "postgres"])
async def sessions(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    if request.param == "sqlite":
        url = copy_database(request.getfixturevalue("sqlite_template"), tmp_path / "s.db")
    else:
        url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    try:
        yield make_sessions(engine)
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class Numbers:
    """A fresh mobile number, account and domain for one test."""

    digits: str  # the national significant number: "98" + 7 digits
    account: str
    domain: str

    @classmethod
    def new(cls) -> Numbers:
        digits = "98" + f"{secrets.randbelow(10**7):07d}"
        return cls(
            digits,
            "1903" + f"{secrets.randbelow(10**10):010d}",
            f"shop{secrets.token_hex(3)}-vn.top",
        )

    @property
    def e164(self) -> str:
        return "+84" + self.digits

    @property
    def national(self) -> str:  # "0981 234 567"
        n = "0" + self.digits
        return f"{n[:4]} {n[4:7]} {n[7:]}"


async def store(
    sessions: async_sessionmaker[AsyncSession],
    commune: str,
    description: str,
    *,
    province: str = PROVINCE,
    address: str = "",
    details: dict[str, str] | None = None,
) -> tuple[str, str]:
    """A tip stored as the bot stores it: (id, receipt code)."""
    draft = TipDraft(
        category="scam",
        description=description,
        commune_code=commune,
        province_code=province,
        address=address,
        details=details or {},
    )
    async with sessions() as session:
        view, created = await SqlTips(session, PIN_SECRET, SEALER).submit(
            submission_key=uuid.uuid4().hex,
            resident_id=str(uuid.uuid4()),
            draft=draft,
            pin="123456",
            deadlines=deadlines.initial(NOW, frozenset()),
            now=NOW,
            new_code=new_code,
        )
        await session.commit()
    assert created
    return view.id, view.code


def officer(commune: str, province: str = PROVINCE) -> Identity:
    return Identity(1, "officer", AdminRole.OFFICER, commune, province)


def province_admin(province: str = PROVINCE) -> Identity:
    return Identity(2, "admin", AdminRole.PROVINCE_ADMIN, "", province)


async def found(
    sessions: async_sessionmaker[AsyncSession], who: Identity, q: str, **f: Any
) -> set[str]:
    """The ids a search lists (every page), checked against the tabs' counts."""
    ids: list[str] = []
    cursor = None
    search = QueueFilter(**{"status": "all", **f}, q=q)
    async with sessions() as session:
        while True:
            page = await queue(
                session, who, search, cursor=cursor, limit=2, today=date(2026, 12, 1)
            )
            ids += [item.id for item in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
        counts = await status_counts(session, who, search, today=date(2026, 12, 1))
    assert len(ids) == len(set(ids))
    assert counts is not None, q
    counted = sum(counts.values()) if search.status == "all" else counts[str(search.status)]
    assert counted == len(ids), (q, counts, ids)
    return set(ids)


async def test_a_phone_number_is_found_in_any_form_it_was_written_or_searched(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    n = Numbers.new()
    commune = own_commune()
    spaced, _ = await store(sessions, commune, f"Có người gọi {n.national} tự xưng công an.")
    plus, _ = await store(
        sessions, commune, f"Số lạ +84 {n.digits[:3]} {n.digits[3:6]} {n.digits[6:]} nhắn"
    )
    dotted, _ = await store(
        sessions,
        commune,
        "Bị đe doạ",
        details={"suspects": f"0{n.digits[:3]}.{n.digits[3:6]}.{n.digits[6:]}"},
    )
    address, _ = await store(
        sessions, commune, "Lừa bán hàng", address=f"Gọi 84{n.digits} hỏi đường"
    )
    other = Numbers.new()
    unrelated, _ = await store(sessions, commune, f"Số khác {other.national}, không liên quan.")
    everyone = {spaced, plus, dotted, address}
    d = n.digits
    for q in (
        f"0{d}",
        n.national,
        f"+84 {d[:3]} {d[3:6]} {d[6:]}",
        f"84{d}",
        f"(+84) {d[:3]}-{d[3:6]}-{d[6:]}",
        n.e164,
        f"  {n.national}  ",
    ):
        assert await found(sessions, officer(commune), q) == everyone, q
    # with a word beside the number: both must hold
    assert await found(sessions, officer(commune), f"công an {n.national}") == {spaced}
    assert await found(sessions, officer(commune), f"cong an 0{d}") == {spaced}
    # a part of the number is still looked for in the text, as typed and joined: every
    # tip's search text holds its numbers' national digits joined
    assert await found(sessions, officer(commune), n.national[:8]) == everyone
    assert unrelated not in await found(sessions, officer(commune), f"0{d}")


async def test_accounts_links_and_codes_are_found(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    n = Numbers.new()
    commune = own_commune()
    a = n.account
    account, _ = await store(
        sessions, commune, f"Bảo chuyển khoản vào STK {a[:4]} {a[4:8]} {a[8:]} Techcombank."
    )
    bare, _ = await store(sessions, commune, f"Nhắn số {a} rồi biến mất.")  # no account word
    link, _ = await store(
        sessions, commune, f"Nhận link https://www.{n.domain.upper()}/qua-tang ngay"
    )
    sub, _ = await store(sessions, commune, f"Trang login.{n.domain}/dang-nhap giả ngân hàng")
    # a code typed in pieces is also its pieces anywhere in a tip's text, which a random
    # domain's hex digits may hold: the code's tip stands in a commune of its own
    code_commune = own_commune()
    code_tip, code = await store(sessions, code_commune, "Không có số nào ở đây.")
    await store(sessions, code_commune, "Mất xe máy ở chợ.")
    who = officer(commune)
    # the bare number is no account to the scam check (no account word): found in the text,
    # as typed or joined; "STK" beside the number says what it is, and filters nothing
    for q in (a, f"{a[:4]} {a[4:8]} {a[8:]}", f"{a[:4]}-{a[4:8]}-{a[8:]}", f"STK {a}"):
        assert await found(sessions, who, q) == {account, bare}, q
    for q in (f"https://{n.domain.title()}/abc", n.domain, n.domain.upper(), f"www.{n.domain}"):
        assert await found(sessions, who, q) == {link, sub}, q
    assert await found(sessions, who, f"login.{n.domain}") == {sub}
    body = code.removeprefix("BY-")
    for q in (code, code.lower(), code.replace("-", ""), code.lower().replace("-", " "), body):
        assert await found(sessions, officer(code_commune), q) == {code_tip}, q


async def test_words_with_or_without_diacritics(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    commune = own_commune()
    mark = f"dấu{secrets.token_hex(3)}"
    cho, _ = await store(sessions, commune, f"Bị lừa trên Chợ Tốt khi mua xe máy {mark}")
    plain, _ = await store(sessions, commune, f"bi lua tren cho tot khi mua xe {mark}")
    other, _ = await store(sessions, commune, f"Mất xe đạp ở chợ {mark}")
    who = officer(commune)
    for q in (f"Chợ Tốt {mark}", f"cho tot {mark}", f"CHỢ TỐT {mark}", f"chợ tot {mark}"):
        assert await found(sessions, who, q) == {cho, plain}, q
    assert await found(sessions, who, f"chợ {mark}") == {cho, plain, other}
    assert await found(sessions, who, f"xe máy {mark}") == {cho}


async def test_a_tip_of_another_area_is_never_found(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    n = Numbers.new()
    mine, neighbour, far = own_commune(), own_commune(), own_commune()
    text_of = f"Gọi {n.national}, STK {n.account} Vietcombank, link {n.domain}"
    own, _ = await store(sessions, mine, text_of)
    near, _ = await store(sessions, neighbour, text_of)
    away, _ = await store(sessions, far, text_of, province=OTHER_PROVINCE)
    for q in (n.national, n.account, n.domain):
        assert await found(sessions, officer(mine), q) == {own}
        assert await found(sessions, officer(neighbour), q) == {near}
        assert await found(sessions, province_admin(), q) == {own, near}
        assert await found(sessions, province_admin(), q, commune=neighbour) == {near}
        assert await found(sessions, province_admin(OTHER_PROVINCE), q) == {away}
    # and the other filters still hold beside a term
    assert await found(sessions, officer(mine), n.national, status="closed") == set()
    assert await found(sessions, officer(mine), n.national, category="scam") == {own}


@pytest.mark.parametrize(
    "q",
    ["x" * 1000, "!!!???", "%%%", "___", "' OR 1=1 --", ".*", "\\", "[a-z]+", "%_%", "(", "+"],
)
async def test_bad_input_is_an_empty_result(
    sessions: async_sessionmaker[AsyncSession], q: str
) -> None:
    commune = own_commune()
    await store(sessions, commune, "Có người gọi 0981 234 567 lừa 100% tiền_cọc.")
    assert await found(sessions, officer(commune), q) == set()


async def test_metacharacters_match_only_as_written(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    commune = own_commune()
    percent, _ = await store(sessions, commune, "Lãi 100%% mỗi tháng, tiền_cọc trước")
    await store(sessions, commune, "Không có ký tự lạ")
    assert await found(sessions, officer(commune), "%%") == {percent}
    assert await found(sessions, officer(commune), "tiền_cọc") == {percent}


def test_migration_0018_gives_earlier_tips_their_terms(tmp_path: Path) -> None:
    """Tips stored before 0018 (no terms) get them from its upgrade, in batches."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    _backfill_check(url)


def test_migration_0018_gives_earlier_tips_their_terms_on_postgres() -> None:
    name = f"binhyen_terms_{secrets.token_hex(4)}"
    try:
        in_thread(lambda: asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"')))
    except Exception as exc:
        _unavailable("PostgreSQL", exc)
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        _backfill_check(f"{base}/{name}")
    finally:
        in_thread(lambda: asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))


def _backfill_check(url: str) -> None:
    in_thread(migrate.upgrade, url, "2026_12_05_0017")
    n = Numbers.new()
    insert = (
        "INSERT INTO tips (id, code, submission_key, pin_hash, category, description,"
        " incident_when, province_code, commune_code, address, anonymous, status, details,"
        " created_at, received_on, ack_due, decision_due) VALUES"
        " (:id, :code, :id, 'h', 'scam', :description, 'unknown', '01', '00004',"
        " :address, true, 'new', :details, :created, :day, :day, :day)"
    )
    common = {"created": NOW, "day": date(2026, 12, 1)}
    codes: list[str] = []
    while len(codes) < 2_502:  # 2,502 random codes meet twice one run in eight: unique ones
        code = new_code()
        if code not in codes:
            codes.append(code)
    tips = [
        {
            "id": f"{i:036d}",
            "code": codes[i - 1],
            "description": f"Gọi {n.national} lừa, STK {n.account} BIDV" if i % 2 else "Mất xe",
            "address": f"link https://www.{n.domain}/a" if i == 3 else "",
            "details": json.dumps({"suspects": f"+84 {n.digits}"} if i == 4 else {}),
            **common,
        }
        for i in range(1, len(codes) + 1)  # past two batches
    ]

    async def run(sql: str, params: list[dict[str, Any]] | dict[str, Any]) -> list[Any]:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            result = await conn.execute(text(sql), params)
            rows = list(result.all()) if result.returns_rows else []
        await engine.dispose()
        return rows

    in_thread(lambda: asyncio.run(run(insert, tips)))
    in_thread(migrate.upgrade, url)
    rows = in_thread(lambda: asyncio.run(run("SELECT tip_id, kind, value FROM tip_terms", {})))
    terms: dict[str, set[tuple[str, str]]] = {}
    for tip_id, kind, value in rows:
        terms.setdefault(tip_id, set()).add((kind, value))
    assert len(terms) == len(tips)  # every tip has at least its code
    assert terms[f"{1:036d}"] == {
        ("code", tips[0]["code"]),
        ("phone", n.e164),
        ("account", n.account),
    }
    assert terms[f"{2:036d}"] == {("code", tips[1]["code"])}
    assert ("domain", n.domain) in terms[f"{3:036d}"]
    assert ("phone", n.e164) in terms[f"{4:036d}"]
    phones = {tip for tip, found in terms.items() if ("phone", n.e164) in found}
    assert len(phones) == 1251 + 1


async def test_the_terms_of_a_stored_tip(sessions: async_sessionmaker[AsyncSession]) -> None:
    n = Numbers.new()
    tip_id, code = await store(
        sessions,
        own_commune(),
        f"Gọi {n.national}, STK {n.account} Techcombank, vào https://www.{n.domain}/x",
        details={"suspects": "Techcombank 0912.345.678"},
    )
    async with sessions() as session:
        rows = (await session.execute(select(TipTerm).where(TipTerm.tip_id == tip_id))).scalars()
        stored = {(r.kind, r.value) for r in rows}
    assert stored == {
        ("code", code),
        ("phone", n.e164),
        ("account", n.account),
        ("domain", n.domain),
        ("account", "0912345678"),
        ("phone", "+84912345678"),
    }


# -- the reviewer's misses: a tip holding the number typed must be found ----------------------


async def test_a_number_in_a_link_is_found_in_any_form(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    n = Numbers.new()
    commune, d = own_commune(), n.digits
    tips = {
        await store(sessions, commune, f"Kết bạn zalo.me/0{d} rồi bị lừa"),
        await store(sessions, commune, f"Link https://zalo.me/0{d}/ gửi qua tin nhắn"),
        await store(sessions, commune, f"Nhắn wa.me/84{d} để nhận quà"),
        await store(sessions, commune, f"Kênh t.me/+84{d}"),
    }
    ids = {tip_id for tip_id, _code in tips}
    who = officer(commune)
    for q in (f"0{d}", n.national, n.e164, f"84{d}", f"(+84)0{d}", f"zalo.me/0{d}"):
        assert await found(sessions, who, q) == ids, q
    # half of it, in any spacing
    assert await found(sessions, who, f"{d[3:6]} {d[6:]}") == ids


async def test_a_spoofed_number_and_its_real_form_find_each_other(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    n = Numbers.new()
    commune, d = own_commune(), n.digits
    spoofed, _ = await store(sessions, commune, f"Số hiện (+84)0{d} gọi tự xưng công an")
    real, _ = await store(sessions, commune, f"Số 0{d} gọi đòi tiền")
    for q in (f"0{d}", n.e164, f"(+84)0{d}", f"+840{d}", f"+84 (0) {d}"):
        assert await found(sessions, officer(commune), q) == {spoofed, real}, q


async def test_labels_pasted_with_a_number_or_an_account_filter_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    n = Numbers.new()
    commune, a = own_commune(), n.account
    phone, _ = await store(sessions, commune, f"Có người gọi {n.national} bảo nộp phạt")
    account, _ = await store(sessions, commune, f"Chuyển vào {a} BIDV")
    who = officer(commune)
    for q in (f"SĐT: 0{n.digits}", f"zalo 0{n.digits}", f"Số điện thoại {n.national}."):
        assert await found(sessions, who, q) == {phone}, q
    for q in (f"stk {a}", f"TK {a}", f"Techcombank {a}", f"số tài khoản: {a}"):
        assert await found(sessions, who, q) == {account}, q
    # a real word beside the number still has to be there
    assert await found(sessions, who, f"công an {n.national}") == set()


async def test_a_domain_finds_its_own_site_and_not_look_alikes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    commune = own_commune()
    name = f"shop{secrets.token_hex(3)}.vn"
    own = {
        (await store(sessions, commune, f"Mua trên {name} bị lừa"))[0],
        (await store(sessions, commune, f"Vào https://www.{name}/sale"))[0],
        (await store(sessions, commune, f"Trang login.{name} giả"))[0],
    }
    for alike in (f"{name}.fake.top", f"my{name}", f"https://{name}-sale.top/x"):
        await store(sessions, commune, f"Link {alike} lạ")
    who = officer(commune)
    for q in (name, f"www.{name}", f"https://{name.upper()}/abc", f"http://www.{name}/"):
        assert await found(sessions, who, q) == own, q


async def test_a_messenger_link_finds_that_link_and_its_number_only(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    n, other = Numbers.new(), Numbers.new()
    commune = own_commune()
    linked, _ = await store(sessions, commune, f"Kết bạn https://zalo.me/0{n.digits}")
    named, _ = await store(sessions, commune, f"Zalo của nó là {n.national}")
    await store(sessions, commune, f"Kết bạn https://zalo.me/0{other.digits}")
    tag = secrets.token_hex(3)
    short, _ = await store(sessions, commune, f"Bấm bit.ly/Ab{tag}")
    await store(sessions, commune, f"Bấm bit.ly/Zz{tag}")
    who = officer(commune)
    assert await found(sessions, who, f"https://zalo.me/0{n.digits}") == {linked, named}
    assert await found(sessions, who, f"https://bit.ly/Ab{tag}/") == {short}


async def test_half_a_number_in_any_spacing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    n = Numbers.new()
    commune, d = own_commune(), n.digits
    spaced, _ = await store(sessions, commune, f"Gọi 0{d[:3]} {d[3:6]} {d[6:]}")
    joined, _ = await store(sessions, commune, f"Gọi 0{d}")
    who = officer(commune)
    for q in (d[3:], f"{d[3:6]} {d[6:]}", f"{d[3:6]}-{d[6:]}", f"{d[3:6]}.{d[6:]}"):
        assert await found(sessions, who, q) == {spaced, joined}, q


async def test_everyday_words_are_found_as_words(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    commune = own_commune()  # the officer's search sees this test's tips only
    apart, _ = await store(sessions, commune, "Anh ấy kẻ vạch; đặt trước, cọc sau, tháng 11")
    together, _ = await store(sessions, commune, "anh kẻ gian đặt cọc tháng 11")
    await store(sessions, commune, "Không liên quan")
    who = officer(commune)
    for q in ("anh kẻ", "đặt cọc", "tháng 11", "Anh Kẻ"):
        assert await found(sessions, who, q) == {apart, together}, q


def test_migration_0018_runs_again_after_an_interruption(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite commits `CREATE TABLE tip_terms` at once: a backfill stopped halfway left the
    table behind, and the next run failed on "table tip_terms already exists"."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'again.db'}"
    in_thread(migrate.upgrade, url, "2026_12_05_0017")
    n = Numbers.new()
    codes = list(dict.fromkeys(new_code() for _ in range(2_600)))[:2_500]  # unique ones
    tips = [
        {**_old_tip(i, code), "description": f"Gọi zalo.me/0{n.digits}"}
        for i, code in enumerate(codes, 1)
    ]
    _run_sql(url, INSERT_OLD_TIP, tips)
    import storage.search_terms as terms_module

    read = terms_module.tip_terms
    calls = 0

    def interrupted(*args: Any) -> set[tuple[str, str]]:
        nonlocal calls
        calls += 1
        if calls > 1_500:  # into the second batch
            raise KeyboardInterrupt
        return read(*args)

    monkeypatch.setattr(terms_module, "tip_terms", interrupted)
    with pytest.raises(KeyboardInterrupt):
        in_thread(migrate.upgrade, url)
    monkeypatch.setattr(terms_module, "tip_terms", read)
    in_thread(migrate.upgrade, url)
    rows = _run_sql(url, "SELECT tip_id, kind, value FROM tip_terms", {})
    phones = {tip for tip, kind, value in rows if (kind, value) == ("phone", n.e164)}
    assert len(phones) == len(tips)
    texts = _run_sql(url, "SELECT search_text FROM tips", {})
    assert all(text.count(f"0{n.digits}") == 1 for (text,) in texts)  # never appended twice


def test_migration_0018_appends_the_numbers_digits_to_old_tips(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'digits.db'}"
    in_thread(migrate.upgrade, url, "2026_12_05_0017")
    n = Numbers.new()
    tip = {**_old_tip(1, new_code()), "description": f"Gọi {n.national}"}
    _run_sql(url, INSERT_OLD_TIP, [tip])
    _run_sql(url, "UPDATE tips SET search_text = :s", {"s": f"goi {n.national}"})
    in_thread(migrate.upgrade, url)
    [(text,)] = _run_sql(url, "SELECT search_text FROM tips", {})
    assert text == f"goi {n.national} 0{n.digits}"


INSERT_OLD_TIP = (
    "INSERT INTO tips (id, code, submission_key, pin_hash, category, description,"
    " incident_when, province_code, commune_code, address, anonymous, status, details,"
    " created_at, received_on, ack_due, decision_due) VALUES"
    " (:id, :code, :id, 'h', 'scam', :description, 'unknown', '01', '00004',"
    " :address, true, 'new', :details, :created, :day, :day, :day)"
)


def _old_tip(i: int, code: str) -> dict[str, Any]:
    day = date(2026, 12, 1)
    return {
        "id": f"{i:036d}",
        "code": code,
        "description": "",
        "address": "",
        "details": "{}",
        "created": NOW,
        "day": day,
    }


def _run_sql(url: str, sql: str, params: list[dict[str, Any]] | dict[str, Any]) -> list[Any]:
    async def run() -> list[Any]:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            result = await conn.execute(text(sql), params)
            rows = list(result.all()) if result.returns_rows else []
        await engine.dispose()
        return rows

    return in_thread(lambda: asyncio.run(run()))
