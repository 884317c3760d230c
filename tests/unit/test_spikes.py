"""The spike detector (handlers/spikes.py) over synthetic histories: a real spike, a commune
with no history, a steady high level that is not a spike, the edges of the factor and of
min_count; the window's buckets; naming the scam type; the rule pack and its check."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest

from content import spikes
from content.check import check_packs
from content.schema.base import PackError, load
from content.schema.spikes import Known, SpikeRules
from handlers.spikes import (
    History,
    Suggestion,
    Window,
    detect,
    is_spike,
    narrow,
    run,
    scam_type_of,
)

RULES = SpikeRules.model_validate(
    {
        "version": 1,
        "window_days": 7,
        "min_count": 3,
        "factor": 3.0,
        "baseline_weeks": 8,
        "kinds": [
            {"id": "fraud_phone", "card": "report_scam_call", "scam_types": True},
            {"id": "drugs", "card": "disguised_drugs"},
        ],
    }
)
A, B = "00004", "00277"


def h(
    count: int, weekly: Sequence[int] = (), commune: str = A, kind: str = "fraud_phone"
) -> History:
    return History(commune, kind, count, tuple(weekly))


def test_a_real_spike() -> None:
    found = detect([h(5, [1, 0, 1, 0, 0, 1, 0, 0])], RULES)
    assert found == [Suggestion(A, "fraud_phone", 5, 3 / 8, "report_scam_call", new=False)]


def test_a_commune_with_no_history_needs_min_count_alone() -> None:
    assert detect([h(2)], RULES) == []
    assert detect([h(2, [0] * 8)], RULES) == []
    found = detect([h(3, [0] * 8)], RULES)
    assert [(s.count, s.baseline_mean, s.new) for s in found] == [(3, 0.0, True)]


def test_a_steady_high_level_is_no_spike() -> None:
    assert detect([h(12, [10, 11, 9, 10, 12, 10, 9, 11])], RULES) == []
    assert detect([h(29, [10] * 8)], RULES) == []  # 2.9 × the mean


def test_the_factor_is_met_exactly() -> None:
    # mean 1: 3 is exactly 3 × the mean.
    assert [s.count for s in detect([h(3, [1] * 8)], RULES)] == [3]
    # mean 1.125: 3 is 2.67 × the mean, 4 is 3.56 ×.
    assert detect([h(3, [2, 1, 1, 1, 1, 1, 1, 1])], RULES) == []
    assert [s.count for s in detect([h(4, [2, 1, 1, 1, 1, 1, 1, 1])], RULES)] == [4]
    # mean 2: 6 is exactly 3 ×, 5 is not.
    assert is_spike(6, 16, RULES)
    assert not is_spike(5, 16, RULES)


def test_min_count_holds_even_above_the_factor() -> None:
    # 2 tips against a mean of 1/8 is 16 ×, but fewer than min_count.
    assert detect([h(2, [1, 0, 0, 0, 0, 0, 0, 0])], RULES) == []


def test_a_factor_that_is_no_binary_fraction_is_compared_exactly() -> None:
    rules = RULES.model_copy(update={"factor": 1.1})
    # 11 × 8 = 88 = 1.1 × 80: exactly the factor (a float would make it 88.00000000000001).
    assert is_spike(11, 80, rules)
    assert not is_spike(10, 80, rules)


def test_weeks_past_the_baseline_are_ignored_and_missing_ones_count_zero() -> None:
    assert detect([h(3, [1, 1, 1, 1, 1, 1, 1, 1, 50])], RULES) != []
    # One week given: the other seven count 0, so 8 tips make a mean of 1 and 3 is 3 ×.
    assert detect([h(3, [8])], RULES) != []
    assert detect([h(3, [9])], RULES) == []


def test_kinds_not_watched_are_ignored_and_the_order_is_most_tips_first() -> None:
    found = detect(
        [
            h(3, commune=B),
            h(9, kind="theft_robbery"),
            h(4, kind="drugs"),
            h(4),
            h(3),
        ],
        RULES,
    )
    assert [(s.commune_code, s.kind, s.count) for s in found] == [
        (A, "fraud_phone", 4),
        (A, "drugs", 4),
        (A, "fraud_phone", 3),
        (B, "fraud_phone", 3),
    ]
    assert [s.card for s in found] == [
        "report_scam_call",
        "disguised_drugs",
        "report_scam_call",
        "report_scam_call",
    ]


def test_the_window_and_its_buckets() -> None:
    today = date(2027, 2, 10)
    w = Window.of(today, RULES)
    assert w.start == date(2027, 2, 4)
    assert w.first_day == date(2026, 12, 10)
    assert w.starts()[:3] == (date(2027, 2, 4), date(2027, 1, 28), date(2027, 1, 21))
    assert len(w.starts()) == 9
    assert w.bucket(today) == 0
    assert w.bucket(w.start) == 0
    assert w.bucket(w.start - timedelta(days=1)) == 1
    assert w.bucket(w.start - timedelta(days=7)) == 1
    assert w.bucket(w.start - timedelta(days=8)) == 2
    assert w.bucket(w.first_day) == 8
    assert w.bucket(w.first_day - timedelta(days=1)) is None
    assert w.bucket(today + timedelta(days=1)) is None
    # Each day of a bucket is on or after its first day and before the previous bucket's.
    starts = w.starts()
    for offset in range(63):
        day = today - timedelta(days=offset)
        index = w.bucket(day)
        assert index is not None and day >= starts[index]
        assert index == 0 or day < starts[index - 1]


def test_the_scam_type_of_a_text() -> None:
    assert scam_type_of("Có người gọi tự xưng công an bảo tôi chuyển tiền để xác minh") == (
        "fake_authority"
    )
    assert scam_type_of("Con chó nhà hàng xóm sủa cả đêm") == ""


def spike(count: int = 5, kind: str = "fraud_phone") -> Suggestion:
    card = RULES.kind(kind).card  # type: ignore[union-attr]
    return Suggestion(A, kind, count, 0.25, card, new=False)


def test_narrowed_to_the_scam_type_most_tips_match() -> None:
    found = narrow(spike(5), {"fake_authority": 4, "sim_swap": 1}, RULES)
    assert (found.scam_type, found.scam_count, found.card) == (
        "fake_authority",
        4,
        "fake_authority",
    )
    assert found.count == 5


def test_not_narrowed_without_a_majority_or_enough_tips() -> None:
    assert narrow(spike(6), {"fake_authority": 3, "sim_swap": 3}, RULES) == spike(6)
    assert narrow(spike(5), {"fake_authority": 2}, RULES) == spike(5)
    assert narrow(spike(5), {}, RULES) == spike(5)
    assert narrow(spike(5), {"no_such_rule": 5}, RULES) == spike(5)
    # A kind the pack does not narrow keeps its card.
    assert narrow(spike(5, "drugs"), {"fake_authority": 5}, RULES) == spike(5, "drugs")


class FakeSource:
    def __init__(self, histories: list[History], types: dict[str, int]) -> None:
        self._histories, self._types = histories, types
        self.asked: list[tuple[str, str]] = []

    async def histories(self, window, kinds, communes):  # type: ignore[no-untyped-def]
        return [x for x in self._histories if communes is None or x.commune_code in communes]

    async def scam_types(self, commune_code, kind, window):  # type: ignore[no-untyped-def]
        self.asked.append((commune_code, kind))
        return self._types


async def test_run_detects_then_narrows_only_what_the_pack_narrows() -> None:
    source = FakeSource([h(5), h(4, kind="drugs"), h(9, commune=B)], {"fake_authority": 4})
    found = await run(source, RULES, date(2027, 2, 10), communes=[A])
    assert [(s.kind, s.card, s.scam_type) for s in found] == [
        ("fraud_phone", "fake_authority", "fake_authority"),
        ("drugs", "disguised_drugs", ""),
    ]
    assert source.asked == [(A, "fraud_phone")]


# -- the pack ----------------------------------------------------------------------------------


def test_the_shipped_pack_is_valid_and_checked() -> None:
    rules = spikes.rules()
    assert (rules.window_days, rules.min_count, rules.factor, rules.baseline_weeks) == (
        7,
        3,
        3.0,
        8,
    )
    assert spikes.problems() == []
    assert not [p for p in check_packs() if "spike_rules" in p]


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "spike_rules.yaml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = """version: 1
window_days: 7
min_count: 3
factor: 3.0
baseline_weeks: 8
kinds:
  - id: fraud_phone
    card: report_scam_call
"""


def test_a_card_that_does_not_exist_is_named_with_file_and_item(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "  - id: drugs\n    card: no_such_card\n")
    problems = spikes.problems(path)
    assert len(problems) == 1
    assert "spike_rules.yaml: kinds[1] (id drugs): card: no_such_card is no card" in problems[0]


def test_a_kind_that_is_no_category_is_refused(tmp_path: Path) -> None:
    problems = spikes.problems(
        write(tmp_path, GOOD + "  - id: burglary\n    card: home_fire_rules\n")
    )
    assert any("kinds[1] (id burglary): id: burglary is no tip category" in p for p in problems)


@pytest.mark.parametrize(
    ("change", "wanted"),
    [
        (("factor: 3.0", "factor: '3'"), "factor: expected a number"),
        (("factor: 3.0", "factor: 1"), "factor:"),
        (("min_count: 3", "min_count: 0"), "min_count:"),
        (("window_days: 7", "window_days: 40"), "window_days:"),
        (("baseline_weeks: 8", "baseline_weeks: 8.5"), "baseline_weeks:"),
        (("card: report_scam_call", "card: report_scam_call\n    colour: red"), "unknown key"),
        (
            (
                "    card: report_scam_call\n",
                "    card: report_scam_call\n  - id: fraud_phone\n    card: home_fire_rules\n",
            ),
            "kind fraud_phone is listed twice",
        ),
    ],
)
def test_bad_numbers_and_keys_are_refused(
    tmp_path: Path, change: tuple[str, str], wanted: str
) -> None:
    problems = spikes.problems(write(tmp_path, GOOD.replace(*change)))
    assert any(wanted in p for p in problems), problems


def test_scam_types_only_on_the_scam_categories(tmp_path: Path) -> None:
    body = GOOD + "  - id: drugs\n    card: disguised_drugs\n    scam_types: true\n"
    problems = spikes.problems(write(tmp_path, body))
    assert any("kinds[1] (id drugs): scam_types:" in p for p in problems), problems


def test_without_the_other_packs_the_form_alone_is_checked(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("report_scam_call", "anything_snake"))
    assert load(SpikeRules, path).kinds[0].card == "anything_snake"
    with pytest.raises(PackError):
        load(SpikeRules, path, Known(frozenset({"fraud_phone"}), frozenset()))
