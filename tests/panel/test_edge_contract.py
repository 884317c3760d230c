"""The one edge contract of the panel and the API: a refusal's kind decides its status once
(admin/errors.py), the same at both edges; a route that raises leaves nothing behind."""

from __future__ import annotations

from typing import Any

import pytest

from admin.errors import ANSWERS, status_of
from handlers.accounts.errors import AccountError, NoSuchUser, NotAllowed
from handlers.errors import BadInput, Conflict, DomainError, Forbidden, Invalid, NotFound
from storage.audit import InvalidFilter
from tests.panel.conftest import World
from tests.panel.panel_pages import act, audit_rows, set_tip, tip_row
from tests.panel.test_api import bearer


def test_each_kind_has_one_status_and_the_storage_refusals_are_kinds() -> None:
    assert {kind: a.status for kind, a in ANSWERS.items()} == {
        NotFound: 404,
        Forbidden: 403,
        Conflict: 409,
        BadInput: 422,
    }
    assert status_of(NoSuchUser()) == 404 and status_of(NotAllowed()) == 403
    assert status_of(AccountError("bad_secret")) == 422 and status_of(Conflict("totp_on")) == 409
    assert status_of(InvalidFilter("dates")) == 422
    assert NotFound().code == "not_found" and BadInput("note").code == "note"
    with pytest.raises(TypeError):  # a refusal must say its kind
        status_of(Invalid("x"))
    with pytest.raises(TypeError):
        status_of(DomainError("x"))


PHONED = "Cơ quan CSĐT, ĐT 0912345678"
# What the tip is before the refused action, beyond a new tip (set_tip's columns).
BEFORE: dict[str, dict[str, Any]] = {
    "closed": {"status": "closed", "resolution": "duplicate"},
    "urgent_threatened": {"urgent": True, "protection": "threatened"},
    "decision_unforwarded": {"status": "verifying"},
}


@pytest.mark.parametrize(
    ("action", "panel_form", "api_path", "api_body", "status", "code"),
    [
        (
            "ask",
            {"question": "Còn gì nữa không?"},
            "questions",
            {"question": "Còn gì?"},
            409,
            "closed",
        ),
        ("note", {"body": " "}, "notes", {"body": " "}, 422, "note"),
        (
            "reveal",
            {"reason": "Cần mời làm việc"},
            "reveal",
            {"reason": "Cần mời làm việc"},
            409,
            "anonymous",
        ),
        ("forward", {"to": PHONED}, "forward", {"to": PHONED}, 422, "forward_to_phone"),
        ("urgency", {"urgent": "0"}, "urgency", {"urgent": False}, 409, "urgent_threatened"),
        (
            "close",
            {"resolution": "prosecuted"},
            "close",
            {"resolution": "prosecuted"},
            409,
            "decision_unforwarded",
        ),
    ],
)
async def test_a_refusal_has_one_status_in_the_panel_and_the_api(
    world: World,
    action: str,
    panel_form: dict[str, str],
    api_path: str,
    api_body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    tip = await world.tip()
    if code in BEFORE:
        await set_tip(world, tip, **BEFORE[code])
    before = kept(await tip_row(world, tip))
    page = await act(await world.client("officer_a"), tip, action, **panel_form)
    api = await (await bearer(world, "officer_a")).post(
        f"/api/v1/tips/{tip.id}/{api_path}", json=api_body
    )
    assert page.status_code == api.status_code == status, (page.text[:500], api.text)
    assert api.json()["error"]["code"] == code
    assert kept(await tip_row(world, tip)) == before


def kept(row: Any) -> tuple[Any, ...]:
    """What a refused action leaves as it was."""
    return (
        row.status,
        row.urgent,
        row.protection,
        row.resolution,
        row.forwarded_to,
        row.forwarded_at,
        row.forward_due,
        row.decision_due,
        row.closed_at,
    )


async def test_a_refusal_after_a_write_leaves_nothing_behind(world: World) -> None:
    """forward moves the tip, then finds the note empty once cleaned: the API route raises and
    web.Db rolls back; the panel rolls back before showing the tip again. Same status."""
    tip = await world.tip()
    await set_tip(world, tip, status="verifying")
    form = {"to": "Cơ quan CSĐT Công an TP", "note": "\u200b"}
    page = await act(await world.client("officer_a"), tip, "forward", **form)
    api = await (await bearer(world, "officer_a")).post(f"/api/v1/tips/{tip.id}/forward", json=form)
    assert page.status_code == api.status_code == 422
    assert api.json()["error"]["code"] == "note"
    row = await tip_row(world, tip)
    assert row.status == "verifying" and not row.forwarded_to
    assert [r for r in await audit_rows(world, "tip.status") if r.subject == tip.code] == []


@pytest.mark.parametrize(
    ("who", "action"),
    [
        ("officer_b", "take"),  # a role that may take tips, of another commune
        ("admin_79", "take"),  # a role that may not take tips, of another province
        ("officer_b", "assign"),  # a role that may not assign, of another commune
        ("officer_c", "assign"),  # the same, of another province
    ],
)
async def test_another_areas_tip_is_not_found_at_both_edges(
    world: World, who: str, action: str
) -> None:
    """Outside the caller's area the answer is 404 whatever the role may do: checking the role
    first answered 403 in the panel (and only the API turned it into 404)."""
    tip = await world.tip()
    page = await act(await world.client(who), tip, action, assignee="")
    body = {"assignee_id": None} if action == "assign" else None
    api = await (await bearer(world, who)).post(f"/api/v1/tips/{tip.id}/{action}", json=body)
    assert page.status_code == api.status_code == 404
    assert tip.code not in page.text and api.json()["error"]["code"] == "not_found"
    assert (await tip_row(world, tip)).assignee_id is None
