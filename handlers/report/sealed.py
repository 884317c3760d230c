"""A named reporter's name and phone while the tip is still a draft (issue 18).

The draft lives in the conversation state (Redis, or the process) until it is sent; its
contact details are sealed there as they are once stored (Fernet: AES-128-CBC + HMAC), under
a key derived from the service's secret, so the state store never holds them in clear. An
abandoned draft is dropped after a day (handlers/state.py `ttl_of`).
"""

from __future__ import annotations

import json
from base64 import urlsafe_b64encode
from collections.abc import MutableMapping
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY = "contact"  # in the draft's data: the sealed {"name", "phone"}
CLEAR = ("name", "phone")  # where drafts begun before issue 18 kept them in clear
PURPOSE = b"binhyen draft contact v1"


@lru_cache(maxsize=8)
def _fernet(secret: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(secret)
    return Fernet(urlsafe_b64encode(key))


def opened(data: MutableMapping[str, Any], secret: bytes) -> dict[str, str]:
    """The draft's name and phone ("" for what was not given, or what cannot be opened any
    more: the resident is then asked again, never shown another's)."""
    found = {k: str(data[k]) for k in CLEAR if data.get(k)}
    sealed = data.get(KEY)
    if isinstance(sealed, str) and sealed:
        try:
            value = json.loads(_fernet(secret).decrypt(sealed.encode("ascii")))
        except (InvalidToken, ValueError):
            value = {}
        if isinstance(value, dict):
            found.update({k: str(value[k]) for k in CLEAR if value.get(k)})
    return {k: found.get(k, "") for k in CLEAR}


def keep(data: MutableMapping[str, Any], secret: bytes, **fields: str) -> None:
    """Add `name` or `phone` to the draft's sealed contact details."""
    value = opened(data, secret)
    value.update({k: v for k, v in fields.items() if k in CLEAR})
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    data[KEY] = _fernet(secret).encrypt(raw).decode("ascii")
    for k in CLEAR:
        data.pop(k, None)


def forget(data: MutableMapping[str, Any]) -> None:
    """The reporter chose to stay anonymous: nothing of a name or phone stays in the draft."""
    for k in (KEY, *CLEAR):
        data.pop(k, None)
