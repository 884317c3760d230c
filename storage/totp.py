"""Time-based one-time passwords (RFC 6238 over RFC 4226): SHA-1, 6 digits, 30-second steps.

The same parameters every authenticator app (Google Authenticator, Microsoft Authenticator,
FreeOTP, Aegis) assumes when an otpauth:// URI gives no others.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1  # accept the previous and the next step too: phone clocks drift
SECRET_BYTES = 20  # 160 bits, the HMAC-SHA-1 block RFC 4226 recommends
_SECRET = re.compile(r"[A-Z2-7]{32}")
_CODE = re.compile(r"\d{6}")


def new_secret() -> str:
    """A fresh random secret in base32 (32 characters, no padding)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def valid_secret(secret: str) -> bool:
    return _SECRET.fullmatch(secret) is not None


def step_of(unix_time: float) -> int:
    return int(unix_time // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    """The RFC 4226 HOTP value of `secret` for counter `step`, as DIGITS digits."""
    key = base64.b32decode(secret)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 10**DIGITS:0{DIGITS}d}"


def normalise_code(raw: str) -> str:
    """The code as typed, without the spaces and dashes apps show in the middle."""
    return "".join(ch for ch in raw if ch not in " -\u00a0")


def matching_step(secret: str, code: str, unix_time: float, last_step: int | None) -> int | None:
    """The step within ±WINDOW whose code is `code` and which comes after `last_step`.

    A step at or before `last_step` was already used, so its code is refused: a code seen over
    someone's shoulder cannot be used again. Every candidate is compared in constant time.
    """
    code = normalise_code(code)
    if _CODE.fullmatch(code) is None or not valid_secret(secret):
        return None
    now = step_of(unix_time)
    found: int | None = None
    for step in range(now - WINDOW, now + WINDOW + 1):
        fresh = last_step is None or step > last_step
        if hmac.compare_digest(code_at(secret, step), code) and fresh and found is None:
            found = step
    return found


def uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from a QR code."""
    label = quote(f"{issuer}:{account}", safe="")
    query = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
