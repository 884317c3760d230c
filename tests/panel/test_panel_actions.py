"""Actions on a tip from its page: every action for every role, CSRF, errors, htmx fragments."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from storage.models import OutboxMessage, TipEvent
from tests.panel.conftest import StoredTip, World
from tests.panel.panel_pages import (
    HX,
    POLICE,
    act,
    audit_rows,
    page_csrf,
    set_tip,
    tip_row,
    today,
)

Check = Callable[[World, StoredTip, str], Awaitable[None]]


async def events(world: World, tip: StoredTip) -> list[tuple[str, str, str]]:
    async with world.session() as session:
        query = select(TipEvent).where(TipEvent.tip_id == tip.id).order_by(TipEvent.id)
        return [(e.kind, e.visibility, e.body) for e in (await session.execute(query)).scalars()]


async def outbox(world: World, tip: StoredTip) -> list[str]:
    async with world.session() as session:
        query = select(OutboxMessage).where(OutboxMessage.tip_id == tip.id)
        return [m.kind for m in (await session.execute(query)).scalars()]


async def snapshot(world: World, tip: StoredTip) -> tuple[object, ...]:
    """What any action would change: the tip's casework fields, its timeline, its outbox."""
    row = await tip_row(world, tip)
    fields = (row.status, row.assignee_id, row.urgent, row.extensions, row.updated_at)
    return (*fields, len(await events(world, tip)), len(await outbox(world, tip)))


async def _took(world: World, tip: StoredTip, label: str) -> None:
    assert (await tip_row(world, tip)).assignee_id == world.users[label].id


async def _assigned(world: World, tip: StoredTip, label: str) -> None:
    assert (await tip_row(world, tip)).assignee_id == world.users["officer_a2"].id
    assert ("assigned", "internal", world.usernames["officer_a2"]) in await events(world, tip)


async def _urgent(world: World, tip: StoredTip, label: str) -> None:
    assert (await tip_row(world, tip)).urgent is True


async def _acknowledged(world: World, tip: StoredTip, label: str) -> None:
    row = await tip_row(world, tip)
    assert row.status == "acknowledged" and row.acknowledged_at is not None
    assert "tip.acknowledged" in await outbox(world, tip)


async def _verifying(world: World, tip: StoredTip, label: str) -> None:
    assert (await tip_row(world, tip)).status == "verifying"


async def _asked(world: World, tip: StoredTip, label: str) -> None:
    assert ("question", "reporter", "Xe màu gì?") in await events(world, tip)
    assert "tip.question" in await outbox(world, tip)


async def _forwarded(world: World, tip: StoredTip, label: str) -> None:
    row = await tip_row(world, tip)
    assert row.status == "forwarded" and row.forwarded_to == "Cơ quan CSĐT Công an TP"
    assert ("note", "internal", "Kèm biên bản") in await events(world, tip)


async def _extended(world: World, tip: StoredTip, label: str) -> None:
    row = await tip_row(world, tip)
    assert row.extensions == 1
    rows = [r for r in await audit_rows(world, "tip.extend") if r.subject == tip.code]
    assert [(r.reason, r.actor_username) for r in rows] == [
        ("Cần xác minh thêm", world.usernames[label])
    ]


async def _closed(world: World, tip: StoredTip, label: str) -> None:
    row = await tip_row(world, tip)
    assert row.status == "closed" and row.resolution == "not_prosecuted"
    assert row.resolution_note == "Không có dấu hiệu tội phạm"
    assert "tip.closed" in await outbox(world, tip)


async def _noted(world: World, tip: StoredTip, label: str) -> None:
    assert ("note", "internal", "Đã gọi tổ trưởng") in await events(world, tip)


# action → (the status it needs, the form, the check, who may do it)
CASES: dict[str, tuple[str, dict[str, str], Check, tuple[str, ...]]] = {
    "take": ("new", {}, _took, ("officer_a", "chief_a")),
    "assign": ("new", {"assignee": "officer_a2"}, _assigned, ("chief_a", "admin_01")),
    "urgency": ("new", {"urgent": "1"}, _urgent, POLICE),
    "acknowledge": ("new", {}, _acknowledged, POLICE),
    "verify": ("acknowledged", {}, _verifying, POLICE),
    "ask": ("new", {"question": "Xe màu gì?"}, _asked, POLICE),
    "forward": (
        "acknowledged",
        {"to": "Cơ quan CSĐT Công an TP", "note": "Kèm biên bản"},
        _forwarded,
        POLICE,
    ),
    # The decision deadline, and the decisions themselves, are the investigation body's: they
    # run once the tip was forwarded to it.
    "extend": ("forwarded", {"reason": "Cần xác minh thêm"}, _extended, POLICE),
    "close": (
        "forwarded",
        {"resolution": "not_prosecuted", "note": "Không có dấu hiệu tội phạm"},
        _closed,
        POLICE,
    ),
    "note": ("new", {"body": "Đã gọi tổ trưởng"}, _noted, POLICE),
}


def form_for(world: World, action: str) -> dict[str, str]:
    form = dict(CASES[action][1])
    if form.get("assignee") == "officer_a2":
        form["assignee"] = str(world.users["officer_a2"].id)
    return form


async def prepared(world: World, action: str) -> StoredTip:
    tip = await world.tip()
    status = CASES[action][0]
    if status == "forwarded":  # as an officer forwards it: the decision deadline starts
        client = await world.client("officer_a")
        sent = await act(client, tip, "forward", to="Cơ quan CSĐT Công an TP")
        assert sent.status_code == 303, sent.text[:2000]
        assert (await tip_row(world, tip)).decision_due == today() + timedelta(days=20)
    elif status != "new":
        await set_tip(world, tip, status=status)
    return tip


@pytest.mark.parametrize("action", sorted(CASES))
async def test_every_action_for_every_police_role(world: World, action: str) -> None:
    for label in POLICE:
        tip = await prepared(world, action)
        before = await snapshot(world, tip)
        client = await world.client(label)
        done = await act(client, tip, action, **form_for(world, action))
        if label not in CASES[action][3]:
            assert done.status_code == 403, (label, done.text[:500])
            assert await snapshot(world, tip) == before
            continue
        assert done.status_code == 303, (label, done.text[:2000])
        assert done.headers["location"] == f"/admin/tips/{tip.id}?done={action}"
        await CASES[action][2](world, tip, label)
        shown = await client.get(done.headers["location"])
        assert 'id="done"' in shown.text


@pytest.mark.parametrize("action", sorted(CASES))
async def test_leaders_and_strangers_cannot_act(world: World, action: str) -> None:
    tip = await prepared(world, action)
    before = await snapshot(world, tip)
    leader = await world.client("leader_a")
    token = await page_csrf(leader)
    refused = await act(leader, tip, action, csrf=token, **form_for(world, action))
    assert refused.status_code == 403
    stranger = world.anonymous_client()
    away = await stranger.post(f"/admin/tips/{tip.id}/{action}", data=form_for(world, action))
    assert away.status_code == 303 and away.headers["location"] == "/admin/"
    assert await snapshot(world, tip) == before


@pytest.mark.parametrize("action", sorted(CASES))
async def test_other_areas_cannot_act(world: World, action: str) -> None:
    tip = await prepared(world, action)
    before = await snapshot(world, tip)
    for label in ("officer_b", "chief_b", "officer_c", "admin_79"):
        client = await world.client(label)
        refused = await act(client, tip, action, **form_for(world, action))
        # Not found, whatever the role may do elsewhere (an officer assigning, a province
        # admin taking): the API answers the same (tests/panel/test_edge_contract.py).
        assert refused.status_code == 404, label
        assert tip.code not in refused.text
        assert await snapshot(world, tip) == before


@pytest.mark.parametrize("action", [*sorted(CASES), "reveal"])
async def test_csrf_is_refused_on_every_post(world: World, action: str) -> None:
    tip = await (prepared(world, action) if action in CASES else world.tip())
    before = await snapshot(world, tip)
    client = await world.client("chief_a")
    data = form_for(world, action) if action in CASES else {"reason": "Cần xác minh thêm"}
    forged = await act(client, tip, action, csrf="0" * 64, **data)
    assert forged.status_code == 403 and "Biểu mẫu đã hết hạn" in forged.text
    missing = await client.post(f"/admin/tips/{tip.id}/{action}", data=data)
    assert missing.status_code == 403
    # Another session's token is no good either.
    other = await world.client("chief_a")
    stolen = await act(client, tip, action, csrf=await page_csrf(other), **data)
    assert stolen.status_code == 403
    assert await snapshot(world, tip) == before


async def test_the_csrf_header_htmx_sends_is_accepted(world: World) -> None:
    tip = await world.tip()
    client = await world.client("officer_a")
    token = await page_csrf(client)
    done = await client.post(
        f"/admin/tips/{tip.id}/take", headers={**HX, "X-CSRF-Token": token}, data={}
    )
    assert done.status_code == 200
    await _took(world, tip, "officer_a")


async def test_htmx_gets_the_updated_fragment(world: World) -> None:
    tip = await world.tip()
    client = await world.client("officer_a")
    done = await act(client, tip, "acknowledge", headers=HX)
    assert done.status_code == 200
    assert done.text.lstrip().startswith('<div id="tip"') and "<html" not in done.text
    assert 'data-status="acknowledged"' in done.text and 'id="done"' in done.text
    assert 'id="action-verify"' in done.text and 'id="action-acknowledge"' not in done.text
    assert 'hx-post="/admin/tips/' in done.text and 'hx-target="#tip"' in done.text


async def error_of(response: httpx.Response) -> str:
    text = response.text
    start = text.index('id="tip-error">') + len('id="tip-error">')
    return text[start : text.index("</p>", start)]


async def test_bad_input_is_refused_with_a_message_and_kept(world: World) -> None:
    tip = await world.tip()
    client = await world.client("chief_a")
    long_question = "Xe " + "rất " * 300
    asked = await act(client, tip, "ask", question=long_question)
    assert asked.status_code == 422
    assert "không quá 1000 ký tự" in await error_of(asked)
    assert long_question.strip() in asked.text

    nowhere = await act(client, tip, "forward", to="   ")
    assert nowhere.status_code == 422 and "cơ quan có thẩm quyền" in await error_of(nowhere)
    phoned = "Công an huyện - SĐT 024.3823.4567"
    dialled = await act(client, tip, "forward", to=phoned, note="Kèm biên bản")
    assert dialled.status_code == 422
    assert "không ghi số điện thoại" in await error_of(dialled)
    assert f'value="{phoned}"' in dialled.text and ">Kèm biên bản</textarea>" in dialled.text
    assert (await tip_row(world, tip)).status == "new"

    sent = await act(client, tip, "forward", to="Cơ quan CSĐT Công an TP")
    assert sent.status_code == 303
    short = await act(client, tip, "extend", reason="gấp")
    assert short.status_code == 422 and "ít nhất 5 ký tự" in await error_of(short)
    assert ">gấp</textarea>" in short.text

    unresolved = await act(client, tip, "close", resolution="", note="ghi chú giữ lại")
    assert unresolved.status_code == 422 and "kết quả giải quyết" in await error_of(unresolved)
    assert ">ghi chú giữ lại</textarea>" in unresolved.text

    stranger = str(world.users["officer_b"].id)
    wrong = await act(client, tip, "assign", assignee=stranger)
    assert wrong.status_code == 422 and "không thể nhận" in await error_of(wrong)
    garbage = await act(client, tip, "assign", assignee="ai đó")
    assert garbage.status_code == 422

    empty = await act(client, tip, "note", body=" ")
    assert empty.status_code == 422 and "không được để trống" in await error_of(empty)
    row = await tip_row(world, tip)
    assert row.status == "forwarded" and row.assignee_id is None and row.extensions == 0


async def test_actions_that_do_not_fit_the_status_are_conflicts(world: World) -> None:
    tip = await world.tip()
    client = await world.client("officer_a")
    early = await act(client, tip, "verify")
    assert early.status_code == 409 and "trạng thái không cho phép" in await error_of(early)
    unforwarded = await act(client, tip, "extend", reason="Cần xác minh thêm")
    assert unforwarded.status_code == 409
    assert "không có thời hạn giải quyết" in await error_of(unforwarded)
    sent = await act(client, tip, "forward", to="Cơ quan CSĐT Công an TP")
    assert sent.status_code == 303
    assert (await act(client, tip, "extend", reason="Cần xác minh thêm")).status_code == 303
    second = await act(
        client,
        tip,
        "extend",
        reason="Cần giám định thêm",
        decision_number="12/QĐ-VKS",
        decision_date=today().isoformat(),
    )
    assert second.status_code == 303
    third = await act(client, tip, "extend", reason="Cần xác minh thêm nữa")
    assert third.status_code == 409 and "gia hạn tối đa" in await error_of(third)
    closed = await act(client, tip, "close", resolution="duplicate")
    assert closed.status_code == 303
    after = await act(client, tip, "ask", question="Còn gì nữa không?")
    assert after.status_code == 409 and "đã kết thúc" in await error_of(after)
    # htmx gets the fragment with the message, which its config swaps in for 409/422.
    fragment = await act(client, tip, "urgency", urgent="1", headers=HX)
    assert fragment.status_code == 409 and fragment.text.lstrip().startswith('<div id="tip"')


async def test_unknown_actions_and_tips_are_not_found(world: World) -> None:
    tip = await world.tip()
    client = await world.client("officer_a")
    assert (await act(client, tip, "delete")).status_code == 404
    assert (await act(client, "BY-0000-00", "take")).status_code == 404
    assert (await act(client, tip, "reveal")).status_code == 409  # anonymous


async def test_province_admin_assigns_but_cannot_take(world: World) -> None:
    tip = await world.tip()
    admin = await world.client("admin_01")
    page = (await admin.get(f"/admin/tips/{tip.id}")).text
    assert 'id="action-take"' not in page and 'id="action-assign"' in page
    assert world.usernames["officer_a2"] in page and world.usernames["officer_b"] not in page
    officer = (await (await world.client("officer_a")).get(f"/admin/tips/{tip.id}")).text
    assert 'id="action-take"' in officer and 'id="action-assign"' not in officer
    unassigned = await act(admin, tip, "assign", assignee="none")
    assert unassigned.status_code == 303
