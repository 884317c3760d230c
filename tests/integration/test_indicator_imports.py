"""Scam indicators in the SQL store beyond the check's port: CSV imports (the command too)
and police decisions, and what the check says after them; through the dispatcher on both
databases. The check's flow itself runs on the in-memory ports (tests/unit/test_check_flow.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from bot.cli import main
from bot.dispatcher import Dispatcher
from content.scamcheck import Known
from storage.indicators import ImportResult
from storage.models import Indicator
from tests.conftest import Chat, in_thread
from tests.unit.test_check_flow import never_safe, open_check

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
async def no_indicators(dispatcher: Dispatcher) -> AsyncIterator[None]:
    """The PostgreSQL database is shared by the session: start without indicators."""
    uow = dispatcher.unit_of_work()
    try:
        await uow.session.execute(delete(Indicator))
        await uow.commit()
    finally:
        await uow.close()
    yield


async def imported(chat: Chat, csv_text: str, status: str = "confirmed") -> ImportResult:
    uow = chat.dispatcher.unit_of_work()
    try:
        result = await uow.indicators.import_csv(csv_text.splitlines(), "import:test", NOW, status)
        await uow.commit()
        return result
    finally:
        await uow.close()


async def stored(chat: Chat, kind: str, value: str) -> Known | None:
    uow = chat.dispatcher.unit_of_work()
    try:
        return await uow.indicators.get(kind, value)
    finally:
        await uow.close()


async def test_a_header_and_a_spaced_number_import_as_one_confirmed_phone(chat: Chat) -> None:
    """What tests/unit/test_check_flow.py's confirmed number stands for."""
    result = await imported(chat, "kind,value\nphone,0912 345 678\n")
    assert (result.added, result.errors) == (1, [])
    phone = await stored(chat, "phone", "+84912345678")
    assert phone is not None and (phone.status, phone.source) == ("confirmed", "import:test")


async def test_police_confirm_and_reject(chat: Chat) -> None:
    await imported(chat, "phone,0912345678\ndomain,evil-bank.xyz\n", status="reported")
    await open_check(chat)
    text = await chat.say("Gọi 0912345678 hoặc vào login.evil-bank.xyz")
    assert "có trong danh sách cảnh báo lừa đảo; công an chưa xác nhận" in text
    phone = await stored(chat, "phone", "+84912345678")
    domain = await stored(chat, "domain", "evil-bank.xyz")
    assert phone is not None and domain is not None
    uow = chat.dispatcher.unit_of_work()
    try:
        confirmed = await uow.indicators.confirm(domain.id, "officer.ba_dinh", NOW)
        rejected = await uow.indicators.reject(phone.id, "officer.ba_dinh", NOW)
        assert await uow.indicators.confirm(10**9, "officer.ba_dinh", NOW) is None
        with pytest.raises(ValueError):
            await uow.indicators.confirm(domain.id, " ", NOW)
        await uow.commit()
    finally:
        await uow.close()
    assert confirmed is not None and confirmed.status == "confirmed"
    assert rejected is not None and rejected.status == "rejected"
    await chat.pick("check:again")
    text = await chat.say("Gọi 0912345678 hoặc vào login.evil-bank.xyz")
    assert "evil-bank.xyz: công an đã xác nhận là dùng để lừa đảo" in text
    assert "0912 345 678:" not in text  # rejected: no longer a warning
    await chat.pick("check:again")
    text = await chat.say("Gọi 0912345678 nhé")
    assert "Chưa có thông tin gì về nội dung này" in text
    never_safe(text)
    uow = chat.dispatcher.unit_of_work()
    try:
        row = (
            await uow.session.execute(select(Indicator).where(Indicator.id == phone.id))
        ).scalar_one()
        assert (row.decided_by, row.status) == ("officer.ba_dinh", "rejected")
        assert row.decided_at is not None
    finally:
        await uow.close()


async def test_csv_import_refuses_a_file_with_bad_lines_and_names_them(chat: Chat) -> None:
    bad = (
        "kind,value,bank,status\n"
        "phone,0912 345 678,,\n"
        "phone,12345,,\n"
        "account,0123456789,Nowhere Bank,\n"
        "domain,evil.xyz,,maybe\n"
        "email,a@b.c,,\n"
        "url,evil.xyz,,\n"
    )
    result = await imported(chat, bad)
    assert not result.ok and result.added == 0
    assert [e.split(":")[0] for e in result.errors] == [
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 7",
    ]
    assert "'12345' is not a phone number" in result.errors[0]
    assert await stored(chat, "phone", "+84912345678") is None  # nothing partial
    header = await imported(chat, "kind,number\nphone,0912345678\n")
    assert not header.ok and "line 1" in header.errors[0]
    assert not (await imported(chat, "# only a comment\n")).ok


async def test_csv_import_good_lines_and_decisions(chat: Chat) -> None:
    good = (
        "# from the provincial police list\n"
        "phone,+84 912 345 678\n"
        "domain,WWW.Evil.XYZ\n"
        "url,https://bit.ly/abc\n"
        "account,0123 456 789,Vietcombank\n"
        "account,9704 0000 1111,970422,reported\n"
        "\n"
    )
    result = await imported(chat, good)
    assert (result.added, result.changed, result.errors) == (5, 0, [])
    account = await stored(chat, "account", "0123456789")
    assert account is not None and (account.bank, account.status) == ("VCB", "confirmed")
    assert account.source == "import:test"
    reported = await stored(chat, "account", "970400001111")
    assert reported is not None and (reported.bank, reported.status) == ("MB", "reported")
    again = await imported(chat, "phone,0912345678,,rejected\ndomain,evil.xyz,,reported\n")
    assert (again.added, again.changed, again.unchanged) == (0, 1, 1)
    phone = await stored(chat, "phone", "+84912345678")
    domain = await stored(chat, "domain", "evil.xyz")
    assert phone is not None and phone.status == "rejected"
    assert domain is not None and domain.status == "confirmed"  # "reported" never undoes it


def test_the_import_command(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BINHYEN_DATABASE_URL", sqlite_url)
    good = tmp_path / "list.csv"
    good.write_text("\ufeffkind,value\nphone,0912 345 678\ndomain,evil.xyz\n", encoding="utf-8")
    assert in_thread(main, ["indicators", "import", str(good)]) == 0
    assert "2 added, 0 changed, 0 unchanged" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("phone,0912 345 679\nphone,nope\n", encoding="utf-8")
    assert in_thread(main, ["indicators", "import", str(bad), "--source", "police"]) == 1
    err = capsys.readouterr().err
    assert "bad.csv: line 2: 'nope' is not a phone number" in err and "nothing imported" in err
    assert in_thread(main, ["indicators", "import", str(good)]) == 0
    assert "0 added, 0 changed, 2 unchanged" in capsys.readouterr().out
    assert in_thread(main, ["indicators", "import", str(good), "--status", "maybe"]) == 2
    assert in_thread(main, ["indicators", "import", str(tmp_path / "missing.csv")]) == 2
