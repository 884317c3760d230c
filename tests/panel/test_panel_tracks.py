"""The tip page and the queue on tracks (issue 17): the procedure line, each deadline with the
text it comes from, changing the track, the two extensions, the outcomes of a track,
suspension and resumption, forwarding, mediation, the reporter's protection, and the queue's
forward badge and filters."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import escape, unescape
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from admin.filters import filter_query, parse_filter
from admin.timefmt import local_time
from admin.tip_words import guidance
from content import legal
from handlers import deadlines
from handlers.deadlines import NO_DUE, add_months
from handlers.errors import BadInput
from handlers.tips.words import Track
from storage import mediation
from storage.models import AuditLog, OutboxMessage
from tests.panel.conftest import COMMUNE_A, StoredTip, World
from tests.panel.panel_pages import act, codes_in, set_tip, tip_row, today


async def on_track(world: World, track: str, **draft: Any) -> StoredTip:
    """A tip stored as the bot stores it, on `track` with that track's deadlines."""
    received = draft.pop("received", None) or datetime.now(UTC)
    tip = await world.tip(received=received, **draft)
    holidays = world.app.state.runtime.dispatcher.config.holidays
    d = deadlines.initial(received, holidays, track)
    await set_tip(
        world,
        tip,
        track=track,
        ack_due=d.ack_due,
        decision_due=d.decision_due or NO_DUE,
        forward_due=d.forward_due,
        next_due=deadlines.first_due(d),
    )
    return tip


def error_of(response: httpx.Response) -> str:
    found = re.search(r'id="tip-error">([^<]*)</p>', response.text)
    assert found, response.text[:3000]
    return unescape(found.group(1))


def citation(track: str, rule_id: str, lang: str = "vi") -> str:
    rule = legal.rule(track, rule_id)
    assert rule is not None
    return escape(legal.citation(rule.source, lang))


async def outbox(world: World, tip: StoredTip) -> list[tuple[str, dict[str, Any]]]:
    async with world.session() as session:
        query = (
            select(OutboxMessage).where(OutboxMessage.tip_id == tip.id).order_by(OutboxMessage.id)
        )
        rows = (await session.execute(query)).scalars()
        return [(m.kind, m.payload.get("params", {})) for m in rows]


async def page_of(client: httpx.AsyncClient, tip: StoredTip, lang: str = "") -> str:
    shown = await client.get(f"/admin/tips/{tip.id}" + (f"?lang={lang}" if lang else ""))
    assert shown.status_code == 200
    return shown.text


# -- the procedure and its deadlines ---------------------------------------------------------


async def test_the_track_line_and_each_deadline_with_its_citation(world: World) -> None:
    tip = await world.tip(category="theft_robbery")
    client = await world.client("officer_a")
    page = await page_of(client, tip)
    assert re.search(r'id="tip-track"[^>]*><strong>Thủ tục:</strong> Tố giác, tin báo', page)
    assert 'id="change-track-link"' in page
    for rule_id in ("ack", "forward"):
        found = re.search(rf'id="cite-{rule_id}">([^<]*)</span>', page)
        assert found, rule_id
        assert citation("crime", rule_id) in found.group(1)
    assert "Hạn chuyển Cơ quan điều tra" in page
    # The decision is the investigation body's: it runs once the tip was forwarded to it.
    assert 'id="due-decision"' not in page and 'id="cite-decision"' not in page
    assert (await tip_row(world, tip)).decision_due == NO_DUE
    assert 'id="due-outcome"' not in page  # not decided yet

    body = "Cơ quan Cảnh sát điều tra Công an thành phố Hà Nội"
    assert (await act(client, tip, "forward", to=body)).status_code == 303
    assert (await tip_row(world, tip)).decision_due == today() + timedelta(days=20)
    page = await page_of(client, tip)
    found = re.search(r'id="cite-decision">([^<]*)</span>', page)
    assert found and citation("crime", "decision") in found.group(1)
    assert "Khoản 1 Điều 147, Bộ luật Tố tụng hình sự số 101/2015/QH13" in page
    decision_row = page.split('id="due-decision"')[1].split("</dd>")[0]
    assert f"{today() + timedelta(days=20):%d/%m/%Y}" in decision_row
    assert "Hạn giải quyết" in page
    english = await page_of(client, tip, "en")
    assert "Art. 147(1), Criminal Procedure Code No. 101/2015/QH13" in english
    assert "Crime report" in english

    # Another track shows its own deadlines only: the service standard says it is not law.
    received = datetime.now(UTC) - timedelta(days=2)
    fire = await on_track(world, "fire_risk", category="fire_risk", received=received)
    page = await page_of(client, fire, "vi")
    assert "Nguy cơ cháy nổ" in page
    assert 'id="due-forward"' not in page
    fire_due = (await tip_row(world, fire)).received_on + timedelta(days=15)
    assert (await tip_row(world, fire)).decision_due == fire_due
    decision_row = page.split('id="due-decision"')[1].split("</dd>")[0]
    assert f"{fire_due:%d/%m/%Y}" in decision_row
    assert citation("fire_risk", "decision") in decision_row
    assert "Chuẩn phục vụ của Bình Yên (không phải quy định của pháp luật)" in page


async def test_an_urgent_crime_reports_forward_row_counts_hours(world: World) -> None:
    tip = await world.tip()
    client = await world.client("officer_a")
    row = await tip_row(world, tip)
    assert row.forward_due == row.received_on + timedelta(days=7)
    page = await page_of(client, tip)
    assert "trong 24 giờ" not in page.split('id="due-forward"')[1].split("</dd>")[0]

    assert (await act(client, tip, "urgency", urgent="1")).status_code == 303
    row = await tip_row(world, tip)
    assert row.urgent and row.forward_due == row.received_on + timedelta(days=1)
    page = await page_of(client, tip)
    forward_row = unescape(page.split('id="due-forward"')[1].split("</dd>")[0])
    by = local_time(row.created_at + timedelta(days=1))
    assert f">trong 24 giờ, chậm nhất lúc {by}" in forward_row
    # 24 hours is point a of art. 8(5) (the 7 days are point b).
    rule = legal.rule("crime", "forward")
    assert rule is not None
    point_a = escape(legal.citation(rule.source.model_copy(update={"point": "a"}), "vi"))
    assert point_a.startswith("Điểm a khoản 5 Điều 8")
    assert point_a in page.split('id="cite-forward"')[1]
    english = unescape(await page_of(client, tip, "en"))
    assert f"within 24 hours, by {by}" in english

    # Back to normal: seven days again, shown as a date.
    assert (await act(client, tip, "urgency", urgent="0")).status_code == 303
    row = await tip_row(world, tip)
    assert not row.urgent and row.forward_due == row.received_on + timedelta(days=7)
    forward_row = (await page_of(client, tip)).split('id="due-forward"')[1].split("</dd>")[0]
    assert "trong 24 giờ" not in forward_row
    assert f"{row.forward_due:%d/%m/%Y}" in forward_row


async def test_changing_the_track_needs_a_reason_and_an_open_tip(world: World) -> None:
    tip = await world.tip(category="other")
    client = await world.client("officer_a")
    page = await page_of(client, tip)
    assert '<select id="track-to" name="track" required>' in page
    assert 'value="crime"' not in page.split('id="track-to"')[1].split("</select>")[0]

    silent = await act(client, tip, "track", track="mediation", reason="")
    assert silent.status_code == 422 and "ít nhất 5 ký tự" in error_of(silent)
    assert (await tip_row(world, tip)).track == "crime"
    same = await act(client, tip, "track", track="crime", reason="Vẫn là tố giác")
    assert same.status_code == 409 and "theo thủ tục này rồi" in error_of(same)
    unknown = await act(client, tip, "track", track="war", reason="Không có thủ tục này")
    assert unknown.status_code == 422 and "Cần chọn thủ tục" in error_of(unknown)

    done = await act(client, tip, "track", track="mediation", reason="Tranh chấp lối đi chung")
    assert done.status_code == 303, done.text[:2000]
    row = await tip_row(world, tip)
    # Mediation's own service standard: 30 days from the day the tip was received.
    assert row.track == "mediation" and row.forward_due is None
    assert row.decision_due == row.received_on + timedelta(days=30)
    assert ("tip.track", {"track": "mediation"}) in await outbox(world, tip)
    async with world.session() as session:
        audit = (
            await session.execute(select(AuditLog).where(AuditLog.action == "tip.track"))
        ).scalar_one()
    assert audit.reason == "Tranh chấp lối đi chung" and audit.detail == "crime>mediation"
    page = await page_of(client, tip)
    assert (
        "Hòa giải ở cơ sở" in page and '<details class="box guidance" id="guidance" open>' in page
    )
    for text, cite in guidance("mediation", "vi"):
        assert f'{escape(text)} <span class="cite">({escape(cite)})</span>' in page
    decision_row = page.split('id="due-decision"')[1].split("</dd>")[0]
    assert f"{row.decision_due:%d/%m/%Y}" in decision_row
    assert citation("mediation", "decision") in decision_row
    assert 'id="due-forward"' not in page

    # Domestic violence is urgent as soon as it is recognised.
    hurt = await world.tip(category="other")
    assert not (await tip_row(world, hurt)).urgent
    moved = await act(client, hurt, "track", track="violence", reason="Chồng đánh vợ và con")
    assert moved.status_code == 303
    assert (await tip_row(world, hurt)).urgent
    assert 'id="tip-urgent"' in await page_of(client, hurt)

    closed = await world.tip()
    await set_tip(world, closed, status="closed", closed_at=datetime.now(UTC))
    refused = await act(
        client, closed, "track", track="administrative", reason="Vi phạm hành chính"
    )
    assert refused.status_code == 409 and "đã kết thúc" in error_of(refused)
    assert (await tip_row(world, closed)).track == "crime"
    assert [k for k, _ in await outbox(world, closed)] == []

    forwarded = await world.tip()
    await set_tip(world, forwarded, status="forwarded", forwarded_at=datetime.now(UTC))
    locked = await act(client, forwarded, "track", track="violence", reason="Bạo lực gia đình")
    assert locked.status_code == 409 and "không đổi được thủ tục" in error_of(locked)

    # A tip that was extended keeps its track, whatever its status: no form, and a refusal.
    extended = await world.tip()
    await set_tip(
        world,
        extended,
        status="verifying",
        acknowledged_at=datetime.now(UTC),
        forwarded_at=datetime.now(UTC),
        decision_due=add_months(today(), 2),
        extensions=1,
    )
    page = await page_of(client, extended)
    assert 'id="act-track"' not in page and 'id="change-track-link"' not in page
    assert 'id="track-to"' not in page
    kept = await act(client, extended, "track", track="administrative", reason="Vi phạm nhỏ")
    assert kept.status_code == 409
    assert error_of(kept) == (
        "Tin báo đã được gia hạn giải quyết nên giữ nguyên thủ tục; "
        "các lần gia hạn và quyết định của Viện kiểm sát vẫn được lưu."
    )
    row = await tip_row(world, extended)
    assert row.track == "crime" and row.extensions == 1


# -- extensions -------------------------------------------------------------------------------


async def test_the_first_extension_with_a_reason(world: World) -> None:
    tip = await world.tip(received=datetime.now(UTC) - timedelta(days=10))
    client = await world.client("officer_a")
    page = await page_of(client, tip)
    # Not forwarded: no decision deadline runs, so there is nothing to extend.
    assert "Gia hạn giải quyết" not in page and 'id="act-extend"' not in page
    early = await act(client, tip, "extend", reason="Cần xác minh thêm")
    assert early.status_code == 409
    assert error_of(early) == "Tin báo này không có thời hạn giải quyết để gia hạn."
    assert (await tip_row(world, tip)).extensions == 0

    body = "Cơ quan Cảnh sát điều tra Công an thành phố Hà Nội"
    assert (await act(client, tip, "forward", to=body)).status_code == 303
    page = await page_of(client, tip)
    assert "Gia hạn giải quyết (lần 1/2)" in page and 'id="decision-number"' not in page
    assert citation("crime", "extension_1") in page.split('id="extend-rule"')[1]
    # Whatever the extension, a request dated in the future is refused.
    ahead = (today() + timedelta(days=1)).isoformat()
    future = await act(client, tip, "extend", reason="Cần xác minh thêm", requested_on=ahead)
    assert future.status_code == 422 and "tương lai" in error_of(future)
    assert (await tip_row(world, tip)).extensions == 0
    done = await act(client, tip, "extend", reason="Cần xác minh thêm")
    assert done.status_code == 303
    row = await tip_row(world, tip)
    assert row.extensions == 1
    # Two months from the day it was forwarded (today), not from the day it was received.
    assert row.decision_due == add_months(today(), 2)
    assert row.decision_due != add_months(row.received_on, 2)
    page = await page_of(client, tip)
    cite = citation("crime", "extension_1")
    extension = f'id="extension-1">Gia hạn lần 1/2</span> <span class="cite">({cite})'
    assert extension in page
    # The second asks for the procuracy's decision, and says when it must be asked for.
    assert "Gia hạn giải quyết (lần 2/2)" in page and 'id="decision-number"' in page
    note = unescape(page.split('id="extend-rule">')[1].split("</p>")[0])
    assert "Viện trưởng Viện kiểm sát gia hạn một lần" in note
    ask_by = (row.decision_due - timedelta(days=5)).strftime("%d/%m/%Y")
    assert f"{ask_by} (5 ngày trước khi hết hạn lần 1)" in note
    assert f'name="requested_on" type="date" max="{today().isoformat()}"' in page
    # An extended tip keeps its track: the form is not offered.
    assert 'id="act-track"' not in page and 'id="change-track-link"' not in page


async def test_the_second_extension_needs_the_procuracys_decision_in_time(world: World) -> None:
    tip = await world.tip(received=datetime.now(UTC) - timedelta(days=10))
    client = await world.client("chief_a")
    body = "Cơ quan Cảnh sát điều tra Công an thành phố Hà Nội"
    assert (await act(client, tip, "forward", to=body)).status_code == 303
    assert (await act(client, tip, "extend", reason="Cần xác minh thêm")).status_code == 303
    first_due = (await tip_row(world, tip)).decision_due
    reason = "Chờ kết quả giám định"

    alone = await act(client, tip, "extend", reason=reason)
    assert alone.status_code == 422 and "số quyết định" in error_of(alone)
    future = (today() + timedelta(days=1)).isoformat()
    ahead = await act(
        client, tip, "extend", reason=reason, decision_number="12/QĐ-VKS", decision_date=future
    )
    assert ahead.status_code == 422 and "tương lai" in error_of(ahead)
    garbled = await act(
        client, tip, "extend", reason=reason, decision_number="12/QĐ-VKS", decision_date="5/12"
    )
    assert garbled.status_code == 422 and "ngày quyết định" in error_of(garbled)
    # The form is shown again, open, with what was typed.
    assert '<details id="act-extend" open>' in garbled.text
    assert (
        'value="12/QĐ-VKS"' in garbled.text and ">Chờ kết quả giám định</textarea>" in garbled.text
    )
    row = await tip_row(world, tip)
    assert row.extensions == 1 and row.decision_due == first_due and row.extension_decision == ""

    # Three days before the first ends is too late...
    await set_tip(world, tip, decision_due=today() + timedelta(days=3))
    late = await act(
        client,
        tip,
        "extend",
        reason=reason,
        decision_number="12/QĐ-VKS",
        decision_date=today().isoformat(),
    )
    assert late.status_code == 409
    assert error_of(late) == (
        "Gia hạn lần 2 phải được đề nghị ít nhất 5 ngày trước khi hết hạn lần 1."
    )
    assert (await tip_row(world, tip)).extensions == 1
    # ...unless it was asked for in time and is recorded late.
    asked = today() - timedelta(days=3)
    done = await act(
        client,
        tip,
        "extend",
        reason=reason,
        decision_number="12/QĐ-VKS",
        decision_date=today().isoformat(),
        requested_on=asked.isoformat(),
    )
    assert done.status_code == 303, error_of(done)
    row = await tip_row(world, tip)
    assert row.extensions == 2 and row.extension_decision == "12/QĐ-VKS"
    assert row.extension_decision_on == today()
    assert row.decision_due == add_months(today() + timedelta(days=3), 2)
    page = await page_of(client, tip)
    shown = unescape(page)
    assert "Gia hạn lần 2/2" in shown
    assert f"Quyết định gia hạn của Viện kiểm sát số 12/QĐ-VKS, ngày {today():%d/%m/%Y}" in shown
    assert 'id="act-extend"' not in page  # none left
    third = await act(client, tip, "extend", reason="Lần thứ ba")
    assert third.status_code == 409 and "gia hạn tối đa" in error_of(third)


# -- outcomes, suspension, forwarding ----------------------------------------------------------


async def test_close_offers_and_takes_the_tracks_outcomes_only(world: World) -> None:
    tip = await world.tip()
    await set_tip(world, tip, status="acknowledged", acknowledged_at=datetime.now(UTC))
    client = await world.client("officer_a")
    page = await page_of(client, tip)
    # Not forwarded: the investigation body's decisions are not the commune's to record yet.
    close_form = page.split('id="resolution"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([a-z_]+)"', close_form) == ["duplicate"]
    assert 'id="suspend-note"' not in page
    wrong = await act(client, tip, "close", resolution="agreed", note="Hai bên đã thỏa thuận")
    assert wrong.status_code == 422 and "không thuộc thủ tục" in error_of(wrong)
    old = await act(client, tip, "close", resolution="handled")
    assert old.status_code == 422
    early = await act(client, tip, "close", resolution="transferred")
    assert early.status_code == 409 and "trước khi chọn kết quả này" in error_of(early)
    for decision in ("prosecuted", "not_prosecuted", "suspended"):
        refused = await act(client, tip, "close", resolution=decision)
        assert refused.status_code == 409, decision
        assert error_of(refused) == (
            "Khởi tố, không khởi tố hay tạm đình chỉ là quyết định của Cơ quan điều tra: "
            "hãy chuyển tin báo trước, rồi ghi nhận quyết định của cơ quan đó."
        )
    row = await tip_row(world, tip)
    assert row.status == "acknowledged" and row.resolution == "" and row.decided_at is None
    assert await outbox(world, tip) == []

    # Forwarded: the body's decisions are recorded as the commune learns them.
    body = "Cơ quan Cảnh sát điều tra Công an thành phố Hà Nội"
    assert (await act(client, tip, "forward", to=body)).status_code == 303
    page = await page_of(client, tip)
    close_form = page.split('id="resolution"')[1].split("</select>")[0]
    offered = re.findall(r'<option value="([a-z_]+)"', close_form)
    assert offered == ["prosecuted", "not_prosecuted", "suspended", "transferred", "duplicate"]
    assert "Khởi tố vụ án hình sự" in close_form
    done = await act(client, tip, "close", resolution="prosecuted", note="QĐ khởi tố số 5")
    assert done.status_code == 303
    row = await tip_row(world, tip)
    assert row.status == "closed" and row.resolution == "prosecuted"
    assert row.decided_at is not None
    decision_row = (await page_of(client, tip)).split('id="due-decision"')[1].split("</dd>")[0]
    assert 'data-state="met"' in decision_row and "đã kết thúc lúc" in decision_row

    # An old tip's outcome still reads in words.
    legacy = await world.tip()
    await set_tip(
        world, legacy, status="closed", resolution="not_competent", closed_at=datetime.now(UTC)
    )
    assert "Không thuộc thẩm quyền của Công an" in await page_of(client, legacy)


async def test_a_suspended_crime_report_is_resumed(world: World) -> None:
    tip = await world.tip()
    await set_tip(world, tip, status="verifying", acknowledged_at=datetime.now(UTC))
    client = await world.client("officer_a")
    early = await act(client, tip, "close", resolution="suspended", note="Chưa rõ đối tượng")
    assert early.status_code == 409 and "Cơ quan điều tra" in error_of(early)
    assert (await tip_row(world, tip)).status == "verifying"

    body = "Cơ quan Cảnh sát điều tra Công an thành phố Hà Nội"
    assert (await act(client, tip, "forward", to=body)).status_code == 303
    # Only once the 20 days run out (CPC art. 148(1)).
    early = await act(client, tip, "close", resolution="suspended", note="Chưa xác định được ai")
    assert early.status_code == 409 and "hết thời hạn giải quyết" in error_of(early)
    await set_tip(world, tip, decision_due=today())
    done = await act(client, tip, "close", resolution="suspended", note="Chưa xác định được ai")
    assert done.status_code == 303
    row = await tip_row(world, tip)
    assert row.status == "suspended" and row.closed_at is None and row.decided_at is not None
    page = await page_of(client, tip)
    assert "Tạm đình chỉ giải quyết" in page and 'id="action-resume"' in page
    assert 'id="action-close"' not in page and 'id="action-track"' not in page
    assert 'id="action-forward"' not in page
    assert citation("crime", "resumed") in page.split('id="resume-rule"')[1]
    # A suspended tip is resumed before it goes anywhere else.
    again_forward = await act(client, tip, "forward", to=body)
    assert again_forward.status_code == 409
    assert error_of(again_forward) == (
        "Tin báo đang tạm đình chỉ giải quyết: hãy ghi nhận phục hồi giải quyết trước."
    )

    short = await act(client, tip, "resume", reason="ok")
    assert short.status_code == 422 and "ít nhất 5 ký tự" in error_of(short)
    resumed = await act(client, tip, "resume", reason="Đã xác định được đối tượng")
    assert resumed.status_code == 303
    row = await tip_row(world, tip)
    # Back with the body it had gone to.
    assert row.status == "forwarded" and row.resolution == "" and row.decided_at is None
    assert row.decision_due == add_months(today(), 1)
    kinds = [k for k, _ in await outbox(world, tip)]
    assert kinds == ["tip.forwarded", "tip.suspended", "tip.resumed"]
    again = await act(client, tip, "resume", reason="Phục hồi lần nữa")
    assert again.status_code == 409 and "đang tạm đình chỉ" in error_of(again)


async def test_forwarding_names_the_body_and_tells_the_reporter(world: World) -> None:
    tip = await world.tip()
    client = await world.client("officer_a")
    page = await page_of(client, tip)
    assert "Chuyển đến cơ quan có thẩm quyền" in page
    assert 'list="forward-bodies"' in page and '<datalist id="forward-bodies">' in page
    assert '<option value="Cơ quan Cảnh sát điều tra Công an tỉnh/thành phố">' in page
    assert "Người báo tin được báo tin đã chuyển đến cơ quan này." in page
    assert "Ủy ban nhân dân xã, phường hoặc" not in page

    nowhere = await act(client, tip, "forward", to=" ")
    assert nowhere.status_code == 422 and "cơ quan có thẩm quyền" in error_of(nowhere)
    # The reporter reads the body's name as written: never an officer's phone number.
    phoned = "CQĐT Công an quận, gọi anh Hùng 0912 345 678"
    refused = await act(client, tip, "forward", to=phoned, note="Đã gọi trước")
    assert refused.status_code == 422
    assert error_of(refused) == (
        "Chỉ ghi tên cơ quan nhận, không ghi số điện thoại hay tên cán bộ: "
        "người báo tin sẽ đọc đúng dòng này."
    )
    assert '<details id="act-forward" open>' in refused.text
    assert f'value="{phoned}"' in refused.text and ">Đã gọi trước</textarea>" in refused.text
    row = await tip_row(world, tip)
    assert row.status == "new" and row.forwarded_to == "" and row.forwarded_at is None
    assert await outbox(world, tip) == []
    body = "Cơ quan Cảnh sát điều tra Công an thành phố Hà Nội"
    done = await act(client, tip, "forward", to=body)
    assert done.status_code == 303
    assert ("tip.forwarded", {"to": body, "track": "crime"}) in await outbox(world, tip)
    page = await page_of(client, tip)
    assert body in page and 'id="forwarded-at">đã chuyển lúc' in page
    assert 'id="due-forward" data-state="met"' in page
    close_form = page.split('id="resolution"')[1].split("</select>")[0]
    assert 'value="transferred"' in close_form  # now that it was forwarded


# -- mediation, violence, protection ----------------------------------------------------------


async def test_mediation_picks_a_team_of_the_commune(world: World) -> None:
    tip = await on_track(world, "mediation", category="neighbourhood_dispute")
    client = await world.client("officer_a")
    assert (await act(client, tip, "acknowledge")).status_code == 303
    # Acknowledged, its next deadline is the mediation's own: 30 days from receipt.
    row = await tip_row(world, tip)
    assert row.decision_due == row.received_on + timedelta(days=30)
    assert row.next_due == row.decision_due
    page = await page_of(client, tip)
    head = unescape(page.split('id="tip-code"')[1].split("</div>")[0])
    assert 'data-kind="decision"' in head
    assert f"Hạn giải quyết {row.decision_due:%d/%m/%Y}, còn 30 ngày" in head
    assert 'id="no-teams"' in page and 'href="/admin/mediation"' in page
    async with world.session() as session:
        await mediation.add(
            session,
            COMMUNE_A,
            "Tổ hòa giải số 3",
            "Tổ dân phố 3",
            "Bà Lan — trưởng tổ",
            datetime.now(UTC),
        )
        await session.commit()
    page = await page_of(client, tip)
    assert '<option value="Tổ hòa giải số 3" selected>' in page and 'id="no-teams"' not in page
    empty = await act(client, tip, "mediate", team="", team_other=" ")
    assert empty.status_code == 422 and "tổ hòa giải" in error_of(empty)
    done = await act(client, tip, "mediate", team="Tổ hòa giải số 3")
    assert done.status_code == 303
    row = await tip_row(world, tip)
    assert row.status == "mediating" and row.mediation_team == "Tổ hòa giải số 3"
    page = await page_of(client, tip)
    assert "Tổ hòa giải: Tổ hòa giải số 3" in page and "Đang hòa giải" in page
    offered = re.findall(
        r'<option value="([a-z_]+)"', page.split('id="resolution"')[1].split("</select>")[0]
    )
    assert offered == ["agreed", "not_agreed", "withdrawn", "duplicate"]

    other = await on_track(world, "mediation", category="neighbourhood_dispute")
    await set_tip(world, other, status="acknowledged")
    typed = await act(client, other, "mediate", team="", team_other="Tổ hòa giải thôn Đông")
    assert typed.status_code == 303
    assert (await tip_row(world, other)).mediation_team == "Tổ hòa giải thôn Đông"


async def test_violence_shows_the_officer_the_protection_steps(world: World) -> None:
    tip = await on_track(world, "violence", category="domestic_violence_child_abuse")
    client = await world.client("officer_a")
    page = unescape(await page_of(client, tip))
    assert 'id="violence-steps"' in page
    box = page.split('id="violence-steps"')[1].split("</section>")[0]
    assert "111" in box and "113" in box and "12 giờ" in box
    assert "Điều 25, Luật Phòng, chống bạo lực gia đình số 13/2022/QH15" in box
    assert "Điều 20, Luật Phòng, chống bạo lực gia đình" in box
    plain = await page_of(client, await world.tip())
    assert 'id="violence-steps"' not in plain and 'id="protection"' not in plain


async def test_the_protection_box_and_recording_a_request(world: World) -> None:
    threatened = await world.tip(protection="threatened")
    client = await world.client("officer_a")
    page = await page_of(client, threatened)
    box = page.split('id="protection"')[1].split("</section>")[0]
    assert "Người báo tin cho biết đang bị đe dọa" in box
    assert "điểm c khoản 1 Điều 486" in box and "113" in box and "Điều 484" in box
    assert 'id="action-protect"' not in page  # nothing higher to record

    tip = await world.tip()
    assert 'id="protection"' not in await page_of(client, tip)
    bad = await act(client, tip, "protect", protection="vip")
    assert bad.status_code == 422 and "giữ bí mật danh tính" in error_of(bad)
    done = await act(client, tip, "protect", protection="secret")
    assert done.status_code == 303
    assert (await tip_row(world, tip)).protection == "secret"
    page = await page_of(client, tip)
    assert "Người báo tin đề nghị giữ bí mật danh tính" in page
    assert 'id="protect-threatened"' in page and 'id="protect-secret"' not in page


# -- the queue --------------------------------------------------------------------------------


async def test_queue_shows_the_forward_deadline_track_and_protection(world: World) -> None:
    late = await world.tip(received=datetime.now(UTC) - timedelta(days=9))
    client = await world.client("officer_a")
    assert (await act(client, late, "acknowledge")).status_code == 303
    mediated = await on_track(world, "mediation", category="neighbourhood_dispute")
    guarded = await world.tip(protection="secret")
    page = (await client.get("/admin/tips")).text
    row = page.split(f'id="tip-{late.code}"')[1].split("</li>")[0]
    forward_due = (await tip_row(world, late)).forward_due
    assert isinstance(forward_due, date)
    assert 'class="badge overdue" data-kind="forward"' in row
    assert f"QUÁ HẠN chuyển CQĐT 2 ngày (hạn {forward_due:%d/%m/%Y})" in row
    assert re.search(rf'<li class="tip overdue[^"]*" id="tip-{late.code}"', page)
    assert "badge track" not in row  # crime: the default, no label
    mediated_row = page.split(f'id="tip-{mediated.code}"')[1].split("</li>")[0]
    assert "Hòa giải ở cơ sở" in mediated_row
    guarded_row = page.split(f'id="tip-{guarded.code}"')[1].split("</li>")[0]
    assert ">Bảo vệ</span>" in guarded_row

    assert '<select id="track" name="track">' in page and 'id="protection"' in page
    by_track = (await client.get("/admin/tips?track=mediation")).text
    assert codes_in(by_track) == [mediated.code]
    assert '<option value="mediation" selected>' in by_track
    protected = (await client.get("/admin/tips?protection=1")).text
    assert codes_in(protected) == [guarded.code]
    bogus = await client.get("/admin/tips?track=war")
    assert bogus.status_code == 422 and 'id="queue-error"' in bogus.text


def test_the_filter_round_trips_track_and_protection() -> None:
    f = parse_filter({"track": "violence", "protection": "1"})
    assert f.track == Track.VIOLENCE.value and f.protection is True
    assert parse_filter(filter_query(f)) == f
    assert parse_filter({"track": "", "protection": ""}) == parse_filter({})
    for bad in ({"track": "war"}, {"protection": "maybe"}):
        with pytest.raises(BadInput) as refused:
            parse_filter(bad)
        assert refused.value.code == "filter"
