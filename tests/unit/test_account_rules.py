"""The account rules that need no database (handlers/accounts/rules.py, exported by the
package as when it was one module)."""

from __future__ import annotations

import pytest

from handlers.accounts import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    USERNAME,
    new_password_refusal,
    normalise_username,
)
from handlers.accounts.errors import AccountError, NotAllowed
from handlers.accounts.rules import area_of_new, check_manages, of_province
from handlers.people import AdminRole, Identity


def test_a_username_is_compared_trimmed_and_in_lower_case() -> None:
    assert normalise_username("  Chief.A ") == "chief.a"


@pytest.mark.parametrize("name", ["abc", "chief.a", "officer_1", "a-b", "0" * 64])
def test_a_username_may_be(name: str) -> None:
    assert USERNAME.fullmatch(name)


@pytest.mark.parametrize("name", ["ab", ".abc", "Chief", "a b", "an@b", "0" * 65, ""])
def test_a_username_may_not_be(name: str) -> None:
    assert not USERNAME.fullmatch(name)


def test_a_new_password_of_the_right_length_typed_twice_the_same_is_accepted() -> None:
    for password in ("x" * MIN_PASSWORD_LENGTH, "x" * MAX_PASSWORD_LENGTH):
        assert new_password_refusal(password, password) is None


def test_a_new_password_typed_differently_twice_is_refused() -> None:
    assert new_password_refusal("correct horse", "correct house") == "password_mismatch"


def test_the_mismatch_is_named_before_the_length() -> None:
    assert new_password_refusal("short", "other") == "password_mismatch"


@pytest.mark.parametrize("length", [0, MIN_PASSWORD_LENGTH - 1, MAX_PASSWORD_LENGTH + 1])
def test_a_new_password_too_short_or_too_long_is_refused(length: int) -> None:
    password = "x" * length
    assert new_password_refusal(password, password) == "password_length"


@pytest.mark.parametrize(
    ("role", "commune", "province", "of_01"),
    [
        (AdminRole.PROVINCE_ADMIN, "", "01", True),
        (AdminRole.PROVINCE_ADMIN, "", "79", False),
        (AdminRole.OFFICER, "00004", "01", True),
        (AdminRole.LEADER, "00277", "01", True),
        # A commune role is its commune's, whatever province code it carries.
        (AdminRole.CHIEF, "27316", "01", False),
        (AdminRole.OFFICER, "00004", "79", True),
        (AdminRole.OFFICER, "99999", "01", False),
    ],
)
def test_an_account_belongs_to_a_province_by_its_role_and_commune(
    role: AdminRole, commune: str, province: str, of_01: bool
) -> None:
    assert of_province(role, commune, province, "01") is of_01


def test_only_a_province_admin_manages_accounts_and_those_of_their_province() -> None:
    admin = Identity(1, "qt", AdminRole.PROVINCE_ADMIN, "", "01")
    assert check_manages(admin) == "01"
    for role in (AdminRole.OFFICER, AdminRole.CHIEF, AdminRole.LEADER):
        with pytest.raises(NotAllowed):
            check_manages(Identity(2, "cb", role, "00004", "01"))
    with pytest.raises(NotAllowed):  # a province admin with no province manages nothing
        check_manages(Identity(3, "qt", AdminRole.PROVINCE_ADMIN, "", ""))


def test_a_new_account_takes_the_area_of_the_admins_province() -> None:
    assert area_of_new("01", AdminRole.PROVINCE_ADMIN, "00004") == ("", "01")
    assert area_of_new("01", AdminRole.OFFICER, " 00277 ") == ("00277", "01")
    for commune in ("27316", "", "99999"):
        with pytest.raises(AccountError, match="commune"):
            area_of_new("01", AdminRole.CHIEF, commune)
