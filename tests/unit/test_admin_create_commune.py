"""`binhyen admin create --commune`: a code without its leading zeros, or a name that stands
for one commune alone (now or before 2025, marks as typed); a name that may mean several is
refused with the communes' codes, an unknown one clearly. A province admin's --commune is a
2-digit province code or a province's name."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from pydantic import SecretStr

from admin.cli import EXIT_USAGE, CreateUserError, area_codes, area_label, find_commune, run
from content import areas
from handlers.people import AdminRole


@dataclass(frozen=True)
class _Settings:
    """run() refuses bad input before it reads the password or opens a database."""

    database_url: str = "sqlite+aiosqlite:///never-opened.db"
    secret_key: SecretStr = field(default_factory=lambda: SecretStr("unused"))
    public_url: str = ""


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("4", "00004"),
        ("0004", "00004"),
        ("00004", "00004"),
        (" 26743 ", "26743"),
        ("Phường Hoàn Kiếm", "00070"),
        ("PHƯỜNG BẾN THÀNH", "26743"),
        ("ben thanh", "26743"),
        ("Bến Nghé", "26740"),  # an old ward, wholly in Phường Sài Gòn
        ("Phường 1, Quận 3", "27160"),  # an old ward with its district: Phường Bàn Cờ
        ("Phường Phú Lãm", "09568"),  # old Hà Đông's ward, now Phường Phú Lương
    ],
)
def test_a_code_or_a_name_of_one_commune_is_taken(typed: str, code: str) -> None:
    found = areas.commune(code)
    assert found is not None
    assert area_codes(AdminRole.OFFICER, typed) == (code, found.province_code)


def test_the_codes_stored_are_the_communes_and_its_provinces() -> None:
    assert area_codes(AdminRole.CHIEF, "4") == ("00004", "01")
    assert area_codes(AdminRole.LEADER, "ben thanh") == ("26743", "79")


def test_a_name_several_communes_share_is_refused_with_their_codes() -> None:
    with pytest.raises(CreateUserError) as shared:
        find_commune("ba dinh")
    message = str(shared.value)
    assert message.startswith("12 communes match 'ba dinh'; give the code of one:")
    assert "\n  00004  Phường Ba Đình, Thành phố Hà Nội\n" in message
    assert "16171  Xã Ba Đình, Thanh Hóa" in message and "21499  Xã Ba Dinh" in message
    assert "00008  Phường Ngọc Hà, Thành phố Hà Nội (formerly Quận Ba Đình)" in message


@pytest.mark.parametrize(
    ("typed", "listed"),
    [
        # Phú Thọ's ward now, and old Ba Đình's ward (now Phường Ngọc Hà)
        (
            "Phường Vĩnh Phúc",
            [
                "08716  Phường Vĩnh Phúc, Phú Thọ",
                "00008  Phường Ngọc Hà, Thành phố Hà Nội (formerly Phường Vĩnh Phúc, Quận Ba Đình)",
            ],
        ),
        # Hà Tĩnh's ward now, and a dozen old wards of that name elsewhere
        (
            "Phường Trần Phú",
            [
                "18100  Phường Trần Phú, Hà Tĩnh",
                "00319  Phường Hoàng Mai, Thành phố Hà Nội"
                " (formerly Phường Trần Phú, Quận Hoàng Mai)",
            ],
        ),
        # Hà Nội's ward now, and old Thanh Hóa wards of that name
        ("Phường Ba Đình", ["00004  Phường Ba Đình, Thành phố Hà Nội", "14797  Phường Hạc Thành"]),
    ],
)
def test_an_old_name_that_another_commune_bears_now_is_refused(
    typed: str, listed: list[str]
) -> None:
    with pytest.raises(CreateUserError) as refused:
        find_commune(typed)
    message = str(refused.value)
    assert f"communes match {typed!r}; give the code of one:" in message
    for line in listed:
        assert f"\n  {line}" in message


def test_marks_typed_must_be_the_names() -> None:
    """Typed with marks, a name is read with them: "Phú Lãm" is not Phú Lâm (Hồ Chí Minh),
    and a word typed without its marks beside others with theirs is not taken either."""
    assert find_commune("Phường Phú Lãm").code == "09568"
    for typed in ("Phuong Hoàn Kiếm", "Phường Hoàn Kiêm", "Phường Hoan Kiếm"):
        with pytest.raises(CreateUserError) as refused:
            find_commune(typed)
        assert f"no commune is named {typed!r}; did you mean:\n  00070  Phường Hoàn Kiếm" in str(
            refused.value
        )
    assert find_commune("phuong hoan kiem").code == "00070"  # no marks: read folded


def test_a_part_of_a_name_is_not_a_name() -> None:
    with pytest.raises(CreateUserError) as part:
        find_commune("Bàn C")
    assert "no commune is named 'Bàn C'; did you mean:\n  27160  Phường Bàn Cờ" in str(part.value)


def test_an_unknown_name_or_code_is_refused_clearly() -> None:
    with pytest.raises(CreateUserError, match=r"no commune has the code '99999'"):
        find_commune("99999")
    with pytest.raises(CreateUserError, match=r"no commune has the code '123456'"):
        find_commune("123456")
    with pytest.raises(CreateUserError) as unknown:
        find_commune("xyzzy qwerty")
    assert str(unknown.value) == (
        "no commune is named 'xyzzy qwerty'; see: binhyen areas search NAME"
    )
    with pytest.raises(CreateUserError) as typo:
        find_commune("ba dihn")
    assert "did you mean:\n  00004  Phường Ba Đình" in str(typo.value)


def test_a_province_admin_takes_a_two_digit_province_code_or_its_name() -> None:
    assert area_codes(AdminRole.PROVINCE_ADMIN, "01") == ("", "01")
    assert area_codes(AdminRole.PROVINCE_ADMIN, "79") == ("", "79")
    for name in ("Hà Nội", "ha noi", "Thành phố Hà Nội", "Tỉnh Cao Bằng", "HCM", "Sài Gòn"):
        assert area_codes(AdminRole.PROVINCE_ADMIN, name)[1] in ("01", "04", "79"), name
    for wrong in ("", "999", "quang", "00004", "Cao", "Cao Bàng", "Hà"):
        with pytest.raises(CreateUserError, match="province_admin needs --commune"):
            area_codes(AdminRole.PROVINCE_ADMIN, wrong)


def test_a_province_code_without_its_zero_is_refused_naming_the_province() -> None:
    """ "4" is commune 00004 for an officer: for a province admin it must not quietly become
    province 04."""
    with pytest.raises(CreateUserError) as short:
        area_codes(AdminRole.PROVINCE_ADMIN, "4")
    assert str(short.value) == (
        "province_admin needs --commune set to a province: its 2-digit code or its name,"
        " not '4' (04 is Cao Bằng)"
    )
    assert area_codes(AdminRole.PROVINCE_ADMIN, "04") == ("", "04")
    assert area_codes(AdminRole.OFFICER, "4") == ("00004", "01")


def test_the_area_is_spelt_out() -> None:
    assert area_label("00004", "01") == "00004 Phường Ba Đình, Thành phố Hà Nội"
    assert area_label("", "04") == "04 Cao Bằng"


def test_a_commune_role_without_a_commune_is_refused() -> None:
    with pytest.raises(CreateUserError, match=r"role officer needs --commune CODE"):
        area_codes(AdminRole.OFFICER, "  ")


def test_the_command_refuses_before_asking_for_a_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_password() -> str:
        raise AssertionError("asked for a password for an account it cannot create")

    monkeypatch.setattr("admin.cli.read_password", no_password)
    assert run(_Settings(), "new.officer", "officer", "ba dinh") == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("binhyen admin create: error: 12 communes match 'ba dinh'")
    assert "00004" in err and "16171" in err
    assert run(_Settings(), "new.officer", "officer", "nowhere at all") == EXIT_USAGE
    assert "no commune is named 'nowhere at all'" in capsys.readouterr().err
