"""Encryption at rest for reporter contact details (Fernet: AES-128-CBC + HMAC-SHA256).

The key is BINHYEN_CONTACT_KEY when set, else derived from the secret key with HKDF, so a
database copy alone never reveals who reported what.
"""

from __future__ import annotations

import base64
import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class SealError(ValueError):
    """The sealed value cannot be opened with this key."""


def derive_key(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


class Sealer:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(key) if len(key) == 32 else key)

    @classmethod
    def from_settings(cls, secret_key: str, contact_key: str = "") -> Sealer:
        if contact_key:
            return cls(contact_key.encode("ascii"))
        return cls(derive_key(secret_key.encode("utf-8"), b"binhyen contact v1"))

    def seal(self, value: dict[str, str]) -> str:
        raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return self._fernet.encrypt(raw).decode("ascii")

    def open(self, sealed: str) -> dict[str, str]:
        try:
            value = json.loads(self._fernet.decrypt(sealed.encode("ascii")))
        except (InvalidToken, ValueError) as exc:
            raise SealError("contact details cannot be opened with this key") from exc
        return {str(k): str(v) for k, v in value.items()}
