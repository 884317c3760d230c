"""The rules of casework that need no database: what a tip offers, deadlines, extensions."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.casework import rules
from handlers.casework.rules import Action, DueState
from handlers.errors import BadInput, Conflict, Forbidden
from handlers.tips.words import TipStatus, Track
from tests.fakes.memory_casework import new_tip

TODAY = date(2026, 11, 25)


def _allowed(status: TipStatus, **overrides: object) -> frozenset[Action]:
    facts: dict[str, object] = {
        "assigned_to_me": False,
        "takes_work": True,
        "assigns_work": False,
        "today": TODAY,
        "reveals": False,
    }
    changes = {"decision_due": date(2026, 12, 15)}
    changes.update({k: v for k, v in overrides.items() if k not in facts})  # type: ignore[misc]
    tip = new_tip("00004", "01", status=status, **changes)
    facts.update({k: v for k, v in overrides.items() if k in facts})
    return rules.allowed_actions(tip, **facts)  # type: ignore[arg-type]


def test_a_new_tip_offers_an_officer_the_first_steps() -> None:
    assert _allowed(TipStatus.NEW) == {
        Action.NOTE,
        Action.URGENCY,
        Action.PROTECT,
        Action.CLOSE,
        Action.TAKE,
        Action.ACKNOWLEDGE,
        Action.FORWARD,  # a flagrant case goes at once, before any acknowledgement
        Action.TRACK,
        Action.EXTEND,
        Action.ASK,
    }


def test_an_acknowledged_tip_can_be_verified_or_forwarded() -> None:
    allowed = _allowed(TipStatus.ACKNOWLEDGED)
    assert {Action.VERIFY, Action.FORWARD} <= allowed
    assert Action.ACKNOWLEDGE not in allowed
    assert Action.VERIFY not in _allowed(TipStatus.VERIFYING)
    assert Action.FORWARD in _allowed(TipStatus.VERIFYING)
    assert Action.FORWARD not in _allowed(TipStatus.FORWARDED)


def test_a_closed_tip_takes_only_notes_and_a_reveal() -> None:
    assert _allowed(TipStatus.CLOSED) == {Action.NOTE}
    assert _allowed(TipStatus.CLOSED, contact_sealed="sealed") == {Action.NOTE}
    assert _allowed(TipStatus.CLOSED, contact_sealed="sealed", reveals=True) == {
        Action.NOTE,
        Action.REVEAL,
    }


def test_who_may_take_and_assign() -> None:
    assert Action.TAKE not in _allowed(TipStatus.NEW, assigned_to_me=True)
    province_admin = _allowed(TipStatus.NEW, takes_work=False, assigns_work=True)
    assert Action.TAKE not in province_admin and Action.ASSIGN in province_admin
    assert Action.ASSIGN not in _allowed(TipStatus.NEW)
    rules.check_may_take(True)
    rules.check_may_assign(True)
    with pytest.raises(Forbidden):
        rules.check_may_take(False)
    with pytest.raises(Forbidden):
        rules.check_may_assign(False)


def test_no_question_without_a_reporter_and_no_extension_past_the_limit() -> None:
    assert Action.ASK not in _allowed(TipStatus.NEW, has_reporter=False)
    assert Action.EXTEND not in _allowed(TipStatus.NEW, extensions=2)
    assert Action.EXTEND not in _allowed(TipStatus.NEW, decision_due=date(2026, 11, 24))
    assert Action.EXTEND in _allowed(TipStatus.NEW, decision_due=TODAY)  # the day itself


def test_the_state_of_a_deadline() -> None:
    assert rules.due(TipStatus.NEW, date(2026, 11, 24), TODAY) == (DueState.OVERDUE, -1)
    assert rules.due(TipStatus.NEW, date(2026, 11, 26), TODAY) == (DueState.DUE_SOON, 1)
    assert rules.due(TipStatus.NEW, date(2026, 11, 27), TODAY) == (DueState.OK, 2)
    assert rules.due(TipStatus.CLOSED, date(2026, 11, 24), TODAY) == (DueState.NONE, None)
    assert rules.due(TipStatus.NEW, None, TODAY) == (DueState.NONE, None)


def test_an_extension_moves_the_decision_deadline_until_the_limit() -> None:
    received = date(2026, 11, 20)
    tip = new_tip("00004", "01", received_on=received, decision_due=date(2026, 12, 10))
    first, number, _ = rules.extended(tip, TODAY, frozenset())
    assert (first.extensions, first.decision_due, number) == (1, date(2027, 1, 20), "")
    tip.set_deadlines(first)
    second, number, on = rules.extended(
        tip, TODAY, frozenset(), decision_number="07/QĐ-VKS", decision_date=TODAY
    )
    assert (second.extensions, second.decision_due) == (2, date(2027, 3, 20))
    assert (number, on) == ("07/QĐ-VKS", TODAY)
    tip.set_deadlines(second)
    with pytest.raises(Conflict) as limit:
        rules.extended(tip, TODAY, frozenset())
    assert limit.value.code == "extension_limit"


def test_an_extension_after_the_deadline_is_refused() -> None:
    received = date(2026, 10, 1)
    tip = new_tip("00004", "01", received_on=received, decision_due=date(2026, 10, 21))
    with pytest.raises(Conflict) as late:
        rules.extended(tip, TODAY, frozenset())
    assert late.value.code == "extension_late"


def test_a_move_outside_the_table_is_a_conflict() -> None:
    crime = Track.CRIME
    assert (
        rules.checked_move(TipStatus.NEW, TipStatus.ACKNOWLEDGED, crime) is TipStatus.ACKNOWLEDGED
    )
    with pytest.raises(Conflict) as refused:
        rules.checked_move(TipStatus.CLOSED, TipStatus.NEW, crime)
    assert refused.value.code == "transition"
    rules.check_open(TipStatus.FORWARDED)
    with pytest.raises(Conflict):
        rules.check_open(TipStatus.CLOSED)


def test_what_an_officer_writes_is_checked() -> None:
    assert rules.checked_text("  Ai gọi?  ", "question", 10) == "Ai gọi?"
    with pytest.raises(BadInput):
        rules.checked_text("   ", "question", 10)
    with pytest.raises(BadInput):
        rules.checked_text("x" * 11, "question", 10)
    with pytest.raises(BadInput):
        rules.checked_reason("ok")
    assert len(rules.checked_reason("x" * 900)) == rules.MAX_REASON
    crime = Track.CRIME
    assert rules.checked_resolution("prosecuted", crime, forwarded=True) == "prosecuted"
    with pytest.raises(Conflict) as unforwarded:  # the investigation body's decision
        rules.checked_resolution("prosecuted", crime, forwarded=False)
    assert unforwarded.value.code == "decision_unforwarded"
    with pytest.raises(BadInput):
        rules.checked_resolution("lost", crime, forwarded=False)
