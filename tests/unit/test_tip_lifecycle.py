"""The tip's status table, its timeline's visibility, and what never reaches logs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from handlers.tipmodel import Visibility
from handlers.tips.words import (
    TRACK_STATUSES,
    TRANSITIONS,
    IllegalTransition,
    TipStatus,
    Track,
    move,
)
from tests.conftest import Chat
from tests.unit.test_report_flow import receipt_of, to_review


def test_every_status_has_a_row_and_closed_is_final() -> None:
    assert set(TRANSITIONS) == set(TipStatus)
    assert TRANSITIONS[TipStatus.CLOSED] == frozenset()


@pytest.mark.parametrize("current", list(TipStatus))
@pytest.mark.parametrize("target", list(TipStatus))
def test_moves_follow_the_table_and_raise_otherwise(current: TipStatus, target: TipStatus) -> None:
    for track in Track:
        has_both = {current, target} <= TRACK_STATUSES[track]
        if target in TRANSITIONS[current] and has_both:
            assert move(current, target, track) is target
        else:
            with pytest.raises(IllegalTransition, match=f"from {current.value} to {target.value}"):
                move(current, target, track)


def test_each_track_has_its_own_statuses() -> None:
    assert TipStatus.MEDIATING in TRACK_STATUSES[Track.MEDIATION]
    assert TipStatus.VERIFYING not in TRACK_STATUSES[Track.MEDIATION]
    only_crime = [t for t in Track if TipStatus.SUSPENDED in TRACK_STATUSES[t]]
    assert only_crime == [Track.CRIME]


def test_a_tip_can_always_reach_closed() -> None:
    for status in TipStatus:
        seen, frontier = {status}, [status]
        while frontier:
            for nxt in TRANSITIONS[frontier.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        assert TipStatus.CLOSED in seen


async def test_internal_notes_never_reach_the_reporter(chat: Chat) -> None:
    await to_review(chat)
    code, _pin = receipt_of(await chat.pick("tip:confirm"))
    uow = chat.dispatcher.unit_of_work()
    check = await uow.tips.pin_check(code)
    assert check is not None
    at = datetime(2026, 11, 24, tzinfo=UTC)
    await uow.tips.add_event(check.tip_id, at, "note", Visibility.INTERNAL, "nghi phạm số 2 là X")
    await uow.tips.add_event(
        check.tip_id, at, "update", Visibility.REPORTER, "Đã cử người xác minh"
    )
    await uow.commit()
    await uow.close()
    await chat.pick("menu:mytips")
    text = await chat.pick(next(c for c in chat.choices if c.startswith("mytip:")))
    assert "Đã cử người xác minh" in text
    assert "nghi phạm" not in text


async def test_no_reporter_data_in_logs(chat: Chat, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await to_review(chat)
    _code, pin = receipt_of(await chat.pick("tip:confirm"))
    logged = caplog.text
    for secret in ("Nguyễn Văn An", "0912", "912345678", "ngõ 5", "Đội Cấn", pin):
        assert secret not in logged


async def test_a_taken_code_is_drawn_again_and_a_repeated_submission_is_one_tip(
    chat: Chat,
) -> None:
    from handlers import deadlines, receipt
    from handlers.tipmodel import TipDraft

    await chat.onboard()
    taken, fresh, spare = receipt.new_code(), receipt.new_code(), receipt.new_code()
    draft = TipDraft("drugs", "Mua bán ma túy ở bãi đất trống", "00004", "01")
    now = datetime(2026, 11, 24, 3, tzinfo=UTC)
    uow = chat.dispatcher.unit_of_work()
    try:
        profile = await uow.residents.for_identity(chat.channel, "acc", chat.user)
        codes = iter([taken, taken, fresh, spare])

        async def submit(key: str) -> tuple[Any, bool]:
            return await uow.tips.submit(
                submission_key=key,
                resident_id=profile.resident_id,
                draft=draft,
                pin="482913",
                deadlines=deadlines.initial(now, frozenset()),
                now=now,
                new_code=lambda: next(codes),
            )

        first, created = await submit("draft-1")
        second, created_again = await submit("draft-2")  # draws the taken code, then another
        assert created and created_again
        assert (first.code, second.code) == (taken, fresh)
        again, created_third = await submit("draft-1")  # the same draft once more
        assert not created_third and again.code == taken
        await uow.commit()
    finally:
        await uow.close()
