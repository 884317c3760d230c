"""VietQR payloads: EMVCo TLV, NAPAS GUID, BIN and account, CRC checked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from content.scamcheck.kinds import QrCode
from content.scamcheck.loading import packs

NAPAS_GUID = "A000000727"


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) as EMVCo QR codes carry it: 4 hex digits."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def _tlv(data: str) -> dict[str, str] | None:
    """EMVCo tag-length-value fields, or None when the data is not well formed."""
    out: dict[str, str] = {}
    i = 0
    while i < len(data):
        head = data[i : i + 4]
        if len(head) < 4 or not head.isdigit():
            return None
        size = int(head[2:])
        value = data[i + 4 : i + 4 + size]
        if len(value) != size:
            return None
        out.setdefault(head[:2], value)
        i += 4 + size
    return out


def _qr_at(text: str, start: int) -> tuple[int, QrCode] | None:
    """The EMVCo payload starting at `start` (its end, and what it says), if there is one."""
    i = start
    fields: dict[str, str] = {}
    while True:
        head = text[i : i + 4]
        if len(head) < 4 or not head.isdigit():
            return None
        tag, size = head[:2], int(head[2:])
        value = text[i + 4 : i + 4 + size]
        if len(value) != size:
            return None
        fields.setdefault(tag, value)
        i += 4 + size
        if tag == "63":
            break
    if size != 4 or fields.get("00") != "01":
        return None
    raw = text[start:i]
    crc_ok = crc16(raw[:-4]) == raw[-4:].upper()
    return i, _vietqr(raw, fields, crc_ok)


def _vietqr(raw: str, fields: dict[str, str], crc_ok: bool) -> QrCode:
    merchant = _tlv(fields.get("38", "")) or {}
    extra = _tlv(fields.get("62", "")) or {}
    code = QrCode(
        raw=raw,
        crc_ok=crc_ok,
        amount=fields.get("54", ""),
        name=fields.get("59", ""),
        message=extra.get("08", ""),
    )
    if merchant.get("00", "").upper() != NAPAS_GUID:
        return code  # an EMVCo code of another scheme: no bank account to read
    beneficiary = _tlv(merchant.get("01", "")) or {}
    bin_ = beneficiary.get("00", "")
    bank = packs().bank_by_bin(bin_)
    return replace(
        code,
        bin=bin_,
        bank=bank.code if bank else "",
        account=re.sub(r"\s", "", beneficiary.get("01", "")),
        service=merchant.get("02", ""),
    )


def parse_vietqr(payload: str) -> QrCode | None:
    """A whole EMVCo/VietQR payload ("000201010212 38…6304ABCD"), or None."""
    found = _qr_at(payload.strip(), 0)
    return found[1] if found and found[0] == len(payload.strip()) else None


def qr_in(text: str) -> Iterator[tuple[int, int, QrCode]]:
    at = text.find("000201")
    while at != -1:
        found = _qr_at(text, at)
        if found is not None:
            yield at, found[0], found[1]
            at = text.find("000201", found[0])
        else:
            at = text.find("000201", at + 1)
