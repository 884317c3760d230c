"""A broadcast as a resident reads it (handlers/broadcasts/message.py), rendered as the outbox
renders it: the sender by role and area in the first line, never a person; the text as
written; how to stop in the last line; in Vietnamese and in English."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.render import reply
from handlers.broadcasts.message import Copy, message
from handlers.broadcasts.ports import Broadcast
from handlers.broadcasts.words import BroadcastKind, BroadcastStatus
from handlers.people import AdminRole

TEXT = "Cảnh báo: có người giả danh công an gọi điện {yêu cầu} chuyển tiền. Không làm theo!"
STOP_VI = "Gõ DỪNG để ngừng nhận thông báo."
STOP_EN = "Send STOP to stop these messages."


def broadcast(
    role: AdminRole,
    communes: tuple[str, ...] = ("00004",),
    province: str = "01",
    kind: BroadcastKind = BroadcastKind.ALERT,
) -> Broadcast:
    return Broadcast(
        id="b1",
        kind=kind,
        text=TEXT,
        status=BroadcastStatus.SENDING,
        sender_id=7,
        sender_role=role,
        province_code=province,
        communes=communes,
        neighbourhoods=(),
        created_at=datetime(2026, 12, 5, tzinfo=UTC),
    )


def lines(copy: Copy, lang: str) -> list[str]:
    return reply(message(copy), lang).text.split("\n\n")


@pytest.mark.parametrize("role", [AdminRole.OFFICER, AdminRole.CHIEF])
def test_the_communes_police_in_both_languages(role: AdminRole) -> None:
    copy = Copy(broadcast(role))
    assert lines(copy, "vi") == ["📣 Công an Phường Ba Đình", TEXT, STOP_VI]
    assert lines(copy, "en") == ["📣 Phường Ba Đình Police", TEXT, STOP_EN]


def test_a_province_admin_speaks_as_the_city_or_the_provinces_police() -> None:
    hanoi = Copy(broadcast(AdminRole.PROVINCE_ADMIN, ("00004", "00008")))
    assert lines(hanoi, "vi")[0] == "📣 Công an thành phố Hà Nội"
    assert lines(hanoi, "en")[0] == "📣 Hà Nội City Police"
    cao_bang = Copy(broadcast(AdminRole.PROVINCE_ADMIN, ("01279",), province="04"))
    assert lines(cao_bang, "vi")[0] == "📣 Công an tỉnh Cao Bằng"
    assert lines(cao_bang, "en")[0] == "📣 Cao Bằng Provincial Police"


def test_a_leader_speaks_for_the_neighbourhoods_or_else_the_commune() -> None:
    named = Copy(broadcast(AdminRole.LEADER), ("Tổ dân phố số 5", "Tổ dân phố số 6"))
    assert lines(named, "vi") == [
        "📣 Thông báo của Tổ dân phố số 5, Tổ dân phố số 6, Phường Ba Đình",
        TEXT,
        STOP_VI,
    ]
    assert (
        lines(named, "en")[0] == "📣 Notice from Tổ dân phố số 5, Tổ dân phố số 6, Phường Ba Đình"
    )
    whole = Copy(broadcast(AdminRole.LEADER))
    assert lines(whole, "vi")[0] == "📣 Thông báo của Phường Ba Đình"


def test_an_awareness_message_opens_with_a_bulb() -> None:
    tip = Copy(broadcast(AdminRole.OFFICER, kind=BroadcastKind.AWARENESS))
    assert lines(tip, "vi")[0] == "💡 Công an Phường Ba Đình"


def test_an_unknown_area_is_named_by_its_code_rather_than_dropped() -> None:
    gone = Copy(broadcast(AdminRole.OFFICER, ("99999",)))
    assert lines(gone, "vi")[0] == "📣 Công an 99999"
