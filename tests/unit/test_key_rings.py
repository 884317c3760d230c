"""Key rings (storage/sealing.py): seal with the newest key, open with any; the accounts' ring
apart from the contacts' one but still reading what the contacts' ring sealed before; keys
derived per ring key, newest first; the settings' check of both variables."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet

from bot.settings import Settings
from storage.owners import Owners
from storage.sealing import (
    ACCOUNT_PURPOSE,
    CONTACT_PURPOSE,
    DERIVED,
    Sealer,
    SealError,
    derive_key,
    ring_entries,
)

SECRET = "a-secret-for-the-key-ring-tests"
OLD, NEW = Fernet.generate_key(), Fernet.generate_key()
VALUE = {"name": "Nguyễn Văn An", "phone": "0912 345 678"}


def test_one_key_and_the_derived_key_work_as_before() -> None:
    # What the single-key Sealer of before sealed still opens: explicit and derived keys.
    explicit = Fernet(OLD).encrypt(b'{"name":"A"}').decode()
    assert Sealer.from_settings(SECRET, OLD.decode()).open(explicit) == {"name": "A"}
    derived = derive_key(SECRET.encode(), b"binhyen contact v1")
    legacy = Fernet(base64.urlsafe_b64encode(derived)).encrypt(b'{"name":"B"}').decode()
    assert Sealer.from_settings(SECRET).open(legacy) == {"name": "B"}
    assert Sealer(derived).open(legacy) == {"name": "B"}


def test_a_ring_seals_with_the_newest_key_and_opens_with_any() -> None:
    ring = Sealer.from_settings(SECRET, f"{NEW.decode()}, {OLD.decode()}")
    under_old = Sealer(OLD).seal(VALUE)
    assert ring.open(under_old) == VALUE
    sealed = ring.seal(VALUE)
    assert Sealer(NEW).open(sealed) == VALUE
    with pytest.raises(SealError):
        Sealer(OLD).open(sealed)
    assert ring.is_current(sealed) and not ring.is_current(under_old)
    assert ring.size == 2


def test_reseal_moves_a_value_under_the_newest_key_keeping_its_time() -> None:
    ring = Sealer([NEW, OLD])
    under_old = Sealer(OLD).seal(VALUE)
    moved = ring.reseal(under_old)
    assert moved != under_old and ring.is_current(moved)
    assert Sealer(NEW).open(moved) == VALUE
    stamp = Fernet(OLD).extract_timestamp(under_old.encode())
    assert Fernet(NEW).extract_timestamp(moved.encode()) == stamp
    with pytest.raises(SealError):
        ring.reseal(Sealer(Fernet.generate_key()).seal(VALUE))
    with pytest.raises(SealError):
        ring.reseal("not a token")


def test_the_accounts_ring_is_apart_but_reads_what_the_contacts_ring_sealed() -> None:
    contacts = Sealer.from_settings(SECRET, OLD.decode())
    accounts = Sealer.for_accounts(SECRET, NEW.decode(), OLD.decode())
    legacy_totp = contacts.seal({"totp": "JBSWY3DPEHPK3PXP"})
    assert accounts.open(legacy_totp) == {"totp": "JBSWY3DPEHPK3PXP"}
    assert not accounts.is_current(legacy_totp)
    moved = accounts.reseal(legacy_totp)
    assert Sealer(NEW).open(moved) == {"totp": "JBSWY3DPEHPK3PXP"}
    # What the accounts' ring seals, the contacts' key cannot open.
    with pytest.raises(SealError):
        contacts.open(accounts.seal({"totp": "x"}))


def test_unset_rings_derive_each_their_own_key_from_the_secret() -> None:
    contacts = Sealer.from_settings(SECRET)
    accounts = Sealer.for_accounts(SECRET)
    token = accounts.seal(VALUE)
    with pytest.raises(SealError):
        contacts.open(token)
    own = Sealer(derive_key(SECRET.encode(), ACCOUNT_PURPOSE))
    assert own.open(token) == VALUE
    # ...and the accounts' ring still reads what the derived contacts' key sealed.
    assert accounts.open(contacts.seal(VALUE)) == VALUE


def test_derived_in_a_ring_names_the_key_derived_from_the_secret() -> None:
    before = Sealer.from_settings(SECRET).seal(VALUE)  # no BINHYEN_CONTACT_KEY yet
    ring = Sealer.from_settings(SECRET, f"{NEW.decode()},{DERIVED}")
    assert ring.open(before) == VALUE
    assert Sealer(NEW).open(ring.seal(VALUE)) == VALUE
    assert Sealer.from_settings(SECRET, f"{DERIVED},{DERIVED}").size == 1


def test_derived_keys_one_per_ring_key_newest_first() -> None:
    single = Sealer.from_settings(SECRET, OLD.decode())
    ring = Sealer.from_settings(SECRET, f"{NEW.decode()},{OLD.decode()}")
    purpose = b"binhyen tip owner v1"
    assert ring.derived(purpose) == [derive_key(NEW, purpose), derive_key(OLD, purpose)]
    assert ring.derived(purpose)[1] == single.derived(purpose)[0]  # unchanged for a key
    base = derive_key(SECRET.encode(), CONTACT_PURPOSE)
    assert Sealer.from_settings(SECRET).derived(purpose) == [derive_key(base, purpose)]
    # The accounts' fallback keys only open: nothing is derived from them.
    assert len(Sealer.for_accounts(SECRET, NEW.decode(), OLD.decode()).derived(purpose)) == 1


def test_owner_references_follow_the_ring() -> None:
    old = Owners.of(Sealer.from_settings(SECRET, OLD.decode()))
    ring = Owners.of(Sealer.from_settings(SECRET, f"{NEW.decode()},{OLD.decode()}"))
    new = Owners.of(Sealer.from_settings(SECRET, NEW.decode()))
    assert ring.refs("resident-1") == [new.ref("resident-1"), old.ref("resident-1")]
    assert ring.ref("resident-1") == new.ref("resident-1") != old.ref("resident-1")
    assert ring.open(old.seal("resident-1")) == "resident-1"


@pytest.mark.parametrize(
    "value",
    [OLD.decode(), f"{NEW.decode()},{OLD.decode()}", f" {NEW.decode()} , {DERIVED} "],
    ids=["one_key", "two_keys", "spaces_and_derived"],  # the keys are new each run
)
def test_ring_entries_accepts_keys_newest_first(value: str) -> None:
    assert ring_entries(value)[0] in (OLD.decode(), NEW.decode())


@pytest.mark.parametrize(
    "value",
    ["", "not-a-key", f"{NEW.decode()},", f"{NEW.decode()},,{OLD.decode()}", "khóa"],
    ids=["empty", "not_a_key", "trailing_comma", "empty_entry", "vietnamese_word"],
)
def test_ring_entries_refuses_what_is_not_a_key(value: str) -> None:
    with pytest.raises(ValueError):
        ring_entries(value)


def test_settings_check_both_rings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BINHYEN_CONTACT_KEY", "BINHYEN_ACCOUNT_KEY", "BINHYEN_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BINHYEN_CONTACT_KEY", f"{NEW.decode()},{OLD.decode()}")
    monkeypatch.setenv("BINHYEN_ACCOUNT_KEY", NEW.decode())
    Settings().check()
    monkeypatch.setenv("BINHYEN_ACCOUNT_KEY", f"{NEW.decode()},oops")
    with pytest.raises(SystemExit, match="BINHYEN_ACCOUNT_KEY must be a Fernet key"):
        Settings().check()
    monkeypatch.setenv("BINHYEN_ACCOUNT_KEY", NEW.decode())
    monkeypatch.setenv("BINHYEN_CONTACT_KEY", "oops")
    with pytest.raises(SystemExit, match="BINHYEN_CONTACT_KEY must be a Fernet key"):
        Settings().check()
