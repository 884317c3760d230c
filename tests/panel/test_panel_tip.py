"""The tip page: what it shows, to whom, its attachments, the polled timeline and the reveal."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from handlers.tipmodel import AttachmentIn
from storage.models import Indicator, IndicatorTip
from tests.panel.conftest import COMMUNE_A, COMMUNE_B, World
from tests.panel.panel_pages import HX, POLICE, act, add_event, audit_rows, page_csrf, set_tip

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478"
    "9c63f8cfc0f01f00050001ff89993d1d0000000049454e44ae426082"
)


def blob(world: World, data: bytes, kind: str, mime: str) -> AttachmentIn:
    sha = world.app.state.runtime.media.store.put(data)
    return AttachmentIn(kind, f"blob:{sha}", mime, len(data), sha, datetime.now(UTC))


@pytest.mark.parametrize("label", POLICE)
async def test_the_tip_page_shows_everything_the_resident_sent(world: World, label: str) -> None:
    tip = await world.tip(
        category="theft_robbery",
        description="Hai người đi xe máy giật túi.\nChạy về phía chợ <b>Đồng Xuân</b>.",
        address="12 Phố Huế",
        lat=21.0175,
        lon=105.851,
        incident_when="today",
        details={"suspects": "Hai nam thanh niên", "vehicles": "Wave đỏ 29X1-123.45"},
    )
    client = await world.client(label)
    by_id = await client.get(f"/admin/tips/{tip.id}")
    assert by_id.status_code == 200
    page = by_id.text
    assert f"Tin báo {tip.code}" in page and "Trộm cắp – cướp" in page
    assert "Mới tiếp nhận" in page  # status
    # The description is escaped and keeps its line breaks (pre-wrap).
    assert "Chạy về phía chợ &lt;b&gt;Đồng Xuân&lt;/b&gt;." in page and "<b>Đồng" not in page
    assert 'class="description"' in page and "giật túi.\nChạy" in page
    assert "12 Phố Huế" in page and "Phường Ba Đình" in page
    assert (
        'href="https://www.openstreetmap.org/?mlat=21.017500&amp;mlon=105.851000'
        '#map=17/21.017500/105.851000"' in page
    )
    assert "Đối tượng" in page and "Hai nam thanh niên" in page and "Wave đỏ" in page
    assert "Hôm nay" in page  # when
    assert "Hạn thông báo tiếp nhận" in page and "Hạn chuyển Cơ quan điều tra" in page
    # The decision deadline is the investigation body's: none runs before the forward.
    assert 'id="due-decision"' not in page and "Hạn giải quyết" not in page
    head = page.split('id="tip-code"')[1].split("</div>")[0]
    assert 'data-kind="ack"' in head and "Hạn thông báo tiếp nhận" in head
    assert re.search(r"Tiếp nhận</dt><dd>\d\d/\d\d/\d{4} \d\d:\d\d</dd>", page)
    assert 'id="timeline"' in page and "Tiếp nhận tin báo" in page
    # The receipt code opens the same page.
    by_code = await client.get(f"/admin/tips/{tip.code.lower()}")
    assert by_code.status_code == 200 and f"Tin báo {tip.code}" in by_code.text


async def test_english_page(world: World) -> None:
    tip = await world.tip(category="drugs")
    client = await world.client("officer_a")
    page = (await client.get(f"/admin/tips/{tip.id}?lang=en")).text
    assert '<html lang="en">' in page and f"Tip {tip.code}" in page and "Drugs" in page
    assert "Send the acknowledgement of receipt" in page and "Timeline" in page


async def test_outside_the_area_is_not_found_and_leaders_are_forbidden(world: World) -> None:
    tip = await world.tip(COMMUNE_A, description="Bí mật của phường Ba Đình")
    for label in ("officer_b", "chief_b", "officer_c", "admin_79"):
        client = await world.client(label)
        for path in ("", "/timeline", "/attachments/1"):
            for key in (tip.id, tip.code):
                page = await client.get(f"/admin/tips/{key}{path}")
                assert page.status_code == 404, (label, path)
                assert "Bí mật" not in page.text and tip.code not in page.text
    leader = await world.client("leader_a")
    for path in ("", "/timeline", "/attachments/1"):
        refused = await leader.get(f"/admin/tips/{tip.id}{path}")
        assert refused.status_code == 403 and "Bí mật" not in refused.text
    stranger = world.anonymous_client()
    away = await stranger.get(f"/admin/tips/{tip.id}")
    assert away.status_code == 303 and away.headers["location"] == "/admin/"
    missing = await (await world.client("officer_a")).get("/admin/tips/BY-0000-00")
    assert missing.status_code == 404 and "Không tìm thấy" in missing.text


async def test_attachments_are_served_only_to_the_area_with_safe_headers(world: World) -> None:
    document = b"%PDF-1.4 a statement"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    tip = await world.tip(
        attachments=[
            blob(world, PNG, "photo", "image/png"),
            blob(world, document, "file", "application/pdf"),
            blob(world, svg, "file", "image/svg+xml"),
        ]
    )
    client = await world.client("officer_a")
    page = (await client.get(f"/admin/tips/{tip.id}")).text
    hrefs = re.findall(rf"/admin/tips/{tip.id}/attachments/(\d+)", page)
    ids = sorted(set(hrefs), key=int)
    assert len(ids) == 3
    # Only the PNG is shown as a thumbnail.
    assert page.count("<img ") == 1 and f'src="/admin/tips/{tip.id}/attachments/{ids[0]}"' in page

    image = await client.get(f"/admin/tips/{tip.id}/attachments/{ids[0]}")
    assert image.status_code == 200 and image.content == PNG
    assert image.headers["content-type"] == "image/png"
    assert image.headers["content-disposition"].startswith("inline")
    assert image.headers["x-content-type-options"] == "nosniff"
    assert image.headers["cache-control"] == "no-store"

    pdf = await client.get(f"/admin/tips/{tip.id}/attachments/{ids[1]}")
    assert pdf.content == document and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == f'attachment; filename="{tip.code}-{ids[1]}.pdf"'

    script = await client.get(f"/admin/tips/{tip.id}/attachments/{ids[2]}")
    assert script.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in script.headers["content-security-policy"]

    # Another tip's id with this attachment id, or an unknown id: not found.
    other = await world.tip()
    assert (await client.get(f"/admin/tips/{other.id}/attachments/{ids[0]}")).status_code == 404
    assert (await client.get(f"/admin/tips/{tip.id}/attachments/999999")).status_code == 404
    # A number no row can have (the database's integer overflows): refused, not a 500.
    huge = await client.get(f"/admin/tips/{tip.id}/attachments/{2**63}")
    assert huge.status_code == 422
    outsider = await world.client("officer_b")
    refused = await outsider.get(f"/admin/tips/{tip.id}/attachments/{ids[0]}")
    assert refused.status_code == 404 and refused.content != PNG
    stranger = world.anonymous_client()
    away = await stranger.get(f"/admin/tips/{tip.id}/attachments/{ids[0]}")
    assert away.status_code == 303


async def test_a_missing_blob_is_a_clear_not_found(world: World) -> None:
    sha = "ab" * 32
    lost = AttachmentIn("photo", f"blob:{sha}", "image/jpeg", 10, sha, datetime.now(UTC))
    tip = await world.tip(attachments=[lost])
    client = await world.client("officer_a")
    page = (await client.get(f"/admin/tips/{tip.id}")).text
    attachment_id = re.findall(rf"/admin/tips/{tip.id}/attachments/(\d+)", page)[0]
    missing = await client.get(f"/admin/tips/{tip.id}/attachments/{attachment_id}")
    assert missing.status_code == 404 and "Không tìm thấy tệp đính kèm" in missing.text


async def test_timeline_tells_internal_from_reporter_and_highlights_answers(world: World) -> None:
    tip = await world.tip()
    client = await world.client("officer_a")
    asked = await act(client, tip, "ask", question="Anh chị thấy biển số xe không?")
    assert asked.status_code == 303
    await act(client, tip, "note", body="Đã gọi tổ dân phố hỏi thêm")
    page = (await client.get(f"/admin/tips/{tip.id}")).text
    assert 'class="reporter question"' in page and 'class="internal note"' in page
    assert "Người báo tin thấy" in page and "Nội bộ" in page

    # The reporter answers in the chat; the polled fragment shows it without a reload.
    event_id = await add_event(world, tip, "reporter_answer", "Biển 29X1-123.45", "reporter")
    fragment = await client.get(f"/admin/tips/{tip.id}/timeline", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<section id="timeline"')
    assert 'hx-trigger="every 10s"' in fragment.text
    assert f'hx-get="/admin/tips/{tip.id}/timeline"' in fragment.text
    assert f'<li class="reporter reporter_answer" id="event-{event_id}"' in fragment.text
    assert "Biển 29X1-123.45" in fragment.text and "Người báo tin trả lời" in fragment.text
    assert "Đã gọi tổ dân phố hỏi thêm" in fragment.text


async def test_timeline_poll_after_sign_out_sends_the_browser_to_sign_in(world: World) -> None:
    tip = await world.tip()
    stranger = world.anonymous_client()
    polled = await stranger.get(f"/admin/tips/{tip.id}/timeline", headers=HX)
    assert polled.status_code == 204 and polled.headers["hx-redirect"] == "/admin/"
    plain = await stranger.get(f"/admin/tips/{tip.id}/timeline")
    assert plain.status_code == 303


async def test_related_tips_link_to_each_other(world: World) -> None:
    first = await world.tip(description="Số 0912345678 gọi lừa chuyển tiền")
    second = await world.tip(description="Lại là số 0912 345 678 mạo danh công an")
    elsewhere = await world.tip(COMMUNE_B, description="Số 0912345678 ở phường khác")
    unrelated = await world.tip(description="Không liên quan")
    now = datetime.now(UTC)
    async with world.session() as session:
        indicator = Indicator(kind="phone", value="+84912345678", first_seen=now, last_seen=now)
        session.add(indicator)
        await session.flush()
        for tip in (first, second, elsewhere):
            session.add(IndicatorTip(indicator_id=indicator.id, tip_id=tip.id, created_at=now))
        await session.commit()
    client = await world.client("officer_a")
    page = (await client.get(f"/admin/tips/{second.id}")).text
    related = page[page.index('id="related"') :]
    assert f'href="/admin/tips/{first.id}"' in related and first.code in related
    assert "Cùng nêu: 0912 345 678" in related
    assert elsewhere.code not in page and unrelated.code not in page
    # A province admin sees the link across the communes of the province.
    admin = (await (await world.client("admin_01")).get(f"/admin/tips/{second.id}")).text
    assert elsewhere.code in admin[admin.index('id="related"') :]


async def test_reporter_is_a_pseudonym_and_reveal_needs_a_reason(world: World) -> None:
    tip = await world.tip(
        anonymous=False, contact_name="Nguyễn Thị Bình", contact_phone="+84987654321"
    )
    client = await world.client("chief_a")
    page = (await client.get(f"/admin/tips/{tip.id}")).text
    assert "Nguyễn Thị Bình" not in page
    assert "987654321" not in page and "0987 654 321" not in page
    assert 'id="reveal-form"' in page and "mã người báo" in page

    short = await act(client, tip, "reveal", reason="vì")
    assert short.status_code == 422 and "Cần ghi lý do" in short.text
    assert "Nguyễn Thị Bình" not in short.text and ">vì</textarea>" in short.text
    assert await audit_rows(world, "tip.reveal") == []

    reason = "Cần gọi lại để xác minh biển số xe"
    shown = await act(client, tip, "reveal", reason=reason)
    assert shown.status_code == 200
    assert "Nguyễn Thị Bình" in shown.text and "0987 654 321" in shown.text
    assert 'href="tel:+84987654321"' in shown.text
    assert shown.headers["cache-control"] == "no-store"
    rows = await audit_rows(world, "tip.reveal")
    assert len(rows) == 1 and rows[0].reason == reason and rows[0].subject == tip.code
    assert rows[0].actor_username == world.usernames["chief_a"]
    # The tip page itself still hides the contact.
    again = (await client.get(f"/admin/tips/{tip.id}")).text
    assert "Nguyễn Thị Bình" not in again


async def test_an_anonymous_tip_has_nothing_to_reveal(world: World) -> None:
    tip = await world.tip()
    client = await world.client("officer_a")
    page = (await client.get(f"/admin/tips/{tip.id}")).text
    assert 'id="reveal-form"' not in page and "không có gì để xem" in page
    refused = await act(client, tip, "reveal", reason="Cần gọi lại để xác minh")
    assert refused.status_code == 409 and "ẩn danh" in refused.text
    assert await audit_rows(world, "tip.reveal") == []


@pytest.mark.parametrize("label", ["officer_b", "admin_79"])
async def test_reveal_outside_the_area_is_not_found(world: World, label: str) -> None:
    tip = await world.tip(anonymous=False, contact_name="Lê Văn C", contact_phone="+84911111111")
    client = await world.client(label)
    refused = await act(client, tip, "reveal", reason="Muốn xem thử danh tính")
    assert refused.status_code == 404 and "Lê Văn C" not in refused.text
    assert await audit_rows(world, "tip.reveal") == []


async def test_reveal_refuses_a_forged_form_and_leaders(world: World) -> None:
    tip = await world.tip(anonymous=False, contact_name="Lê Văn D", contact_phone="+84922222222")
    client = await world.client("officer_a")
    forged = await act(client, tip, "reveal", csrf="forged", reason="Cần gọi lại xác minh")
    assert forged.status_code == 403 and "Lê Văn D" not in forged.text
    leader = await world.client("leader_a")
    token = await page_csrf(leader)
    refused = await act(leader, tip, "reveal", csrf=token, reason="Cần gọi lại xác minh")
    assert refused.status_code == 403 and "Lê Văn D" not in refused.text
    assert await audit_rows(world, "tip.reveal") == []


async def test_a_closed_tip_shows_its_outcome_and_no_actions_but_notes(world: World) -> None:
    tip = await world.tip()
    closed = datetime.now(UTC)
    await set_tip(world, tip, status="closed", resolution="unfounded", closed_at=closed, rating=4)
    client = await world.client("officer_a")
    page = (await client.get(f"/admin/tips/{tip.id}")).text
    assert "Đã xác minh, không có dấu hiệu vi phạm" in page and "4/5 sao" in page
    assert 'id="actions"' not in page and 'id="action-note"' in page


async def test_times_are_vietnam_time(world: World) -> None:
    # 17:30 UTC on 24/11 is half past midnight on 25/11 in Hà Nội.
    tip = await world.tip(received=datetime(2026, 11, 24, 17, 30, tzinfo=UTC))
    client = await world.client("officer_a")
    page = (await client.get(f"/admin/tips/{tip.id}")).text
    assert "Tiếp nhận</dt><dd>25/11/2026 00:30</dd>" in page
    queue = (await client.get("/admin/tips?status=all")).text
    assert "Nhận lúc 25/11/2026 00:30" in queue


async def test_only_the_assigned_officer_and_the_chief_are_offered_a_reveal(world: World) -> None:
    """Issue 18, as the consent text promises: another officer of the commune and the
    province admin see that contact details exist, are not offered the form, and a forged
    post is refused without a trace of the details; once assigned, the officer may."""
    tip = await world.tip(anonymous=False, contact_name="Phạm Văn E", contact_phone="+84933333333")
    reason = "Cần gọi lại để xác minh địa chỉ"
    for label in ("officer_a", "officer_a2", "admin_01"):
        client = await world.client(label)
        page = (await client.get(f"/admin/tips/{tip.id}")).text
        assert 'id="reveal-form"' not in page and 'id="reveal-not-allowed"' in page, label
        refused = await act(client, tip, "reveal", reason=reason)
        assert refused.status_code == 403, label
        assert "Phạm Văn E" not in refused.text and "933333333" not in refused.text
        assert "Trưởng Công an xã" in refused.text
    assert await audit_rows(world, "tip.reveal") == []
    chief = await world.client("chief_a")
    taken = await act(chief, tip, "assign", assignee=str(world.users["officer_a"].id))
    assert taken.status_code == 303  # done: back to the tip
    officer = await world.client("officer_a")
    page = (await officer.get(f"/admin/tips/{tip.id}")).text
    assert 'id="reveal-form"' in page
    shown = await act(officer, tip, "reveal", reason=reason)
    assert shown.status_code == 200 and "Phạm Văn E" in shown.text
    other = await world.client("officer_a2")
    assert (await act(other, tip, "reveal", reason=reason)).status_code == 403
    rows = await audit_rows(world, "tip.reveal")
    assert [r.actor_username for r in rows] == [world.usernames["officer_a"]]


async def test_a_contact_removed_by_retention_is_not_called_anonymous(world: World) -> None:
    tip = await world.tip(anonymous=False, contact_name="Đỗ Văn G", contact_phone="+84955555555")
    await set_tip(world, tip, contact_sealed="", personal_data_purged_at=datetime.now(UTC))
    chief = await world.client("chief_a")
    page = (await chief.get(f"/admin/tips/{tip.id}")).text
    assert 'id="contact-removed"' in page and 'id="reveal-form"' not in page
    assert "không để lại thông tin liên hệ" not in page
    refused = await act(chief, tip, "reveal", reason="Cần gọi lại để xác minh")
    assert refused.status_code == 409 and "hết thời hạn lưu trữ" in refused.text
    assert await audit_rows(world, "tip.reveal") == []
