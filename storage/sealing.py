"""Encryption at rest (Fernet: AES-128-CBC + HMAC-SHA256), with key rings for rotation.

Two rings, so that one key never opens everything:

- contacts (BINHYEN_CONTACT_KEY): reporters' contact details, who sent a tip, drafts;
- accounts (BINHYEN_ACCOUNT_KEY): panel accounts' TOTP secrets and the Zalo OA tokens.

A ring is one Fernet key or several separated by commas, newest first: values are sealed
with the first key and opened with any (MultiFernet), so a new key can be put in front while
the old one still opens what it sealed, and `binhyen keys rotate` re-seals everything under
the new one. `derived` stands for the key derived from BINHYEN_SECRET_KEY (HKDF, one purpose
per ring), which is also the whole ring when the variable is unset: a database copy alone
never reveals who reported what.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

CONTACT_PURPOSE = b"binhyen contact v1"
ACCOUNT_PURPOSE = b"binhyen account v1"
DERIVED = "derived"  # in a ring: the key derived from the secret key


class SealError(ValueError):
    """The sealed value cannot be opened with this key."""


def derive_key(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


def _fernet(key: bytes) -> Fernet:
    # 32 raw bytes (a derived key), or a Fernet key as written (44 url-safe base64 bytes).
    return Fernet(base64.urlsafe_b64encode(key) if len(key) == 32 else key)


def ring_entries(value: str) -> list[str]:
    """The keys a ring variable names, newest first; ValueError when one is not a Fernet key
    (or `derived`), or none is given."""
    entries = [part.strip() for part in value.split(",")]
    if not entries or any(not entry for entry in entries):
        raise ValueError("empty key in the ring")
    for entry in entries:
        if entry != DERIVED:
            _fernet(entry.encode("ascii"))  # ValueError / UnicodeEncodeError when malformed
    return entries


def ring_keys(secret_key: str, value: str, purpose: bytes) -> list[bytes]:
    """The key material of a ring: the variable's keys, or the derived key when unset."""
    derived = derive_key(secret_key.encode("utf-8"), purpose)
    if not value:
        return [derived]
    keys = [derived if e == DERIVED else e.encode("ascii") for e in ring_entries(value)]
    return list(dict.fromkeys(keys))


class Sealer:
    """Seals with the newest key of its ring; opens with any key of the ring, then with the
    `fallback` keys (read only: another ring's keys, for values sealed before this ring
    existed, until `binhyen keys rotate` seals them again)."""

    def __init__(self, key: bytes | Sequence[bytes], fallback: Sequence[bytes] = ()) -> None:
        keys = [key] if isinstance(key, bytes) else list(key)
        if not keys:
            raise ValueError("a sealer needs at least one key")
        self._keys = tuple(keys)
        self._newest = _fernet(keys[0])
        readers = list(dict.fromkeys([*keys, *fallback]))
        self._fernet = MultiFernet([_fernet(k) for k in readers])

    @property
    def size(self) -> int:
        """How many keys the ring holds (the fallback not counted)."""
        return len(self._keys)

    def derived(self, purpose: bytes) -> list[bytes]:
        """Keys for another use (a keyed hash, say) derived from this sealer's keys, newest
        first: what is sealed and what is derived change together when the keys rotate."""
        return [derive_key(k, purpose) for k in self._keys]

    @classmethod
    def from_settings(cls, secret_key: str, contact_key: str = "") -> Sealer:
        """The contacts' ring: BINHYEN_CONTACT_KEY, or the key derived from the secret."""
        return cls(ring_keys(secret_key, contact_key, CONTACT_PURPOSE))

    @classmethod
    def for_accounts(cls, secret_key: str, account_key: str = "", contact_key: str = "") -> Sealer:
        """The accounts' ring (TOTP secrets, Zalo OA tokens): BINHYEN_ACCOUNT_KEY, or a key
        derived from the secret for this purpose. It still opens what the contacts' ring
        sealed, as every such value was before the accounts had a ring of their own."""
        return cls(
            ring_keys(secret_key, account_key, ACCOUNT_PURPOSE),
            fallback=ring_keys(secret_key, contact_key, CONTACT_PURPOSE),
        )

    def seal(self, value: dict[str, str]) -> str:
        raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return self._newest.encrypt(raw).decode("ascii")

    def open(self, sealed: str) -> dict[str, str]:
        try:
            value = json.loads(self._fernet.decrypt(sealed.encode("ascii")))
        except (InvalidToken, ValueError) as exc:
            raise SealError("contact details cannot be opened with this key") from exc
        return {str(k): str(v) for k, v in value.items()}

    def is_current(self, sealed: str) -> bool:
        """Whether the value is sealed under the newest key already."""
        try:
            self._newest.decrypt(sealed.encode("ascii"))
        except (InvalidToken, ValueError):
            return False
        return True

    def reseal(self, sealed: str) -> str:
        """The same value sealed under the newest key (MultiFernet.rotate; the original time
        is kept); SealError when no key of the ring nor of the fallback opens it."""
        try:
            return self._fernet.rotate(sealed.encode("ascii")).decode("ascii")
        except (InvalidToken, ValueError) as exc:
            raise SealError("the value cannot be opened with this key ring") from exc
