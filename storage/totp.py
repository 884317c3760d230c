"""Time-based one-time passwords (RFC 6238): SHA-1, 6 digits, 30-second steps, via pyotp.

The same parameters every authenticator app (Google Authenticator, Microsoft Authenticator,
FreeOTP, Aegis) assumes when an otpauth:// URI gives no others. pyotp does the HOTP/TOTP
arithmetic and the URI; this module adds what it leaves to us: the secret format we store,
the ±1 step window and refusing a step at or before the last one used (replay).
"""

from __future__ import annotations

import hmac
import re

import pyotp

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1  # accept the previous and the next step too: phone clocks drift
SECRET_LENGTH = 32  # base32 characters: 160 bits, the HMAC-SHA-1 key size RFC 4226 recommends
_SECRET = re.compile(r"[A-Z2-7]{32}")
# ASCII digits only: `\d` also matches other scripts' digits, which compare_digest rejects.
_CODE = re.compile(r"[0-9]{6}")


def new_secret() -> str:
    """A fresh random secret in base32 (32 characters, no padding)."""
    return pyotp.random_base32(SECRET_LENGTH)


def valid_secret(secret: str) -> bool:
    return _SECRET.fullmatch(secret) is not None


def step_of(unix_time: float) -> int:
    return int(unix_time // STEP_SECONDS)


def _totp(secret: str, digits: int = DIGITS) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=digits, interval=STEP_SECONDS)


def code_at(secret: str, step: int, *, digits: int = DIGITS) -> str:
    """The code of `secret` for time step `step` (the RFC 4226 counter)."""
    return _totp(secret, digits).generate_otp(step)


def normalise_code(raw: str) -> str:
    """The code as typed, without the spaces and dashes apps show in the middle."""
    return "".join(ch for ch in raw if ch not in " -\u00a0")


def matching_step(secret: str, code: str, unix_time: float, last_step: int | None) -> int | None:
    """The step within ±WINDOW whose code is `code` and which comes after `last_step`.

    A step at or before `last_step` was already used, so its code is refused: a code seen over
    someone's shoulder cannot be used again. Every candidate is compared, without stopping at
    the first match, in constant time. Not pyotp's `verify`: it does not say which step matched.
    """
    code = normalise_code(code)
    if _CODE.fullmatch(code) is None or not valid_secret(secret):
        return None
    now = step_of(unix_time)
    found: int | None = None
    for step in range(max(0, now - WINDOW), now + WINDOW + 1):  # HOTP counters are unsigned
        fresh = last_step is None or step > last_step
        if hmac.compare_digest(code_at(secret, step), code) and fresh and found is None:
            found = step
    return found


def uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from a QR code, labelled issuer:account."""
    return _totp(secret).provisioning_uri(name=account, issuer_name=issuer)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
