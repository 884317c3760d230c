"""The account rules that need no database (handlers/accounts.py)."""

from __future__ import annotations

import pytest

from handlers.accounts import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    USERNAME,
    new_password_refusal,
    normalise_username,
)


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
