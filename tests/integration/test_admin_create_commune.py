"""`binhyen admin create --commune 4` and `--commune "phường bến thành"` create the account in
the right commune (SQLite, built by the migrations)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest
from pydantic import SecretStr

from admin.cli import PASSWORD_ENV, run
from handlers.people import AdminRole, Identity
from storage import admin_users
from storage.db import make_engine, make_sessions


@dataclass(frozen=True)
class _Settings:
    database_url: str
    secret_key: SecretStr = field(default_factory=lambda: SecretStr("admin-create-test"))
    public_url: str = ""


async def _stored(url: str, username: str) -> Identity | None:
    engine = make_engine(url)
    try:
        async with make_sessions(engine)() as session:
            return await admin_users.active_user(session, username)
    finally:
        await engine.dispose()


def test_a_code_without_zeros_and_a_commune_name_create_accounts(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "a long enough password")
    settings = _Settings(sqlite_url)
    assert run(settings, "officer.four", "officer", "4", "Nguyễn Văn An") == 0
    assert capsys.readouterr().out.strip() == (
        "created officer.four (officer, 00004 Phường Ba Đình, Thành phố Hà Nội)"
    )
    assert run(settings, "chief.ben.thanh", "chief", "phường bến thành") == 0
    assert capsys.readouterr().out.strip() == (
        "created chief.ben.thanh (chief, 26743 Phường Bến Thành, Thành phố Hồ Chí Minh)"
    )
    four = asyncio.run(_stored(sqlite_url, "officer.four"))
    assert four is not None
    assert (four.commune_code, four.province_code, four.role) == ("00004", "01", AdminRole.OFFICER)
    assert four.display_name == "Nguyễn Văn An"
    chief = asyncio.run(_stored(sqlite_url, "chief.ben.thanh"))
    assert chief is not None and (chief.commune_code, chief.province_code) == ("26743", "79")


def test_an_old_name_another_commune_bears_now_creates_nothing(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """ "Phường Vĩnh Phúc" was a ward of Ba Đình (now Phường Ngọc Hà) and is a ward of Phú Thọ
    now: no account is made in either until the operator gives the code."""
    monkeypatch.setenv(PASSWORD_ENV, "a long enough password")
    settings = _Settings(sqlite_url)
    assert run(settings, "officer.vinh.phuc", "officer", "Phường Vĩnh Phúc") == 2
    err = capsys.readouterr().err
    assert "08716  Phường Vĩnh Phúc, Phú Thọ" in err
    assert "00008  Phường Ngọc Hà, Thành phố Hà Nội (formerly Phường Vĩnh Phúc" in err
    assert asyncio.run(_stored(sqlite_url, "officer.vinh.phuc")) is None
    assert run(settings, "officer.vinh.phuc", "officer", "8") == 0
    assert capsys.readouterr().out.strip() == (
        "created officer.vinh.phuc (officer, 00008 Phường Ngọc Hà, Thành phố Hà Nội)"
    )


def test_a_province_admin_is_created_for_the_province_named(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "a long enough password")
    settings = _Settings(sqlite_url)
    assert run(settings, "admin.cao.bang", "province_admin", "4") == 2
    assert "not '4' (04 is Cao Bằng)" in capsys.readouterr().err
    assert asyncio.run(_stored(sqlite_url, "admin.cao.bang")) is None
    assert run(settings, "admin.cao.bang", "province_admin", "04") == 0
    assert capsys.readouterr().out.strip() == "created admin.cao.bang (province_admin, 04 Cao Bằng)"
    stored = asyncio.run(_stored(sqlite_url, "admin.cao.bang"))
    assert stored is not None and (stored.commune_code, stored.province_code) == ("", "04")
