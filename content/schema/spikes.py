"""The spike rule, spike_rules.yaml: when one kind of tip rises clearly above a commune's usual
level, the panel suggests sending residents the awareness card on it (handlers/spikes.py
decides, admin/spike_suggestions.py shows; nothing is sent without a person)::

    version: 1
    window_days: 7        # the recent window, today included
    min_count: 3          # at least this many tips of the kind in the window
    factor: 3.0           # and at least factor × the weekly mean of the baseline
    baseline_weeks: 8     # the weeks before the window that make the usual level
    kinds:
      - id: fraud_phone          # a tip category (tip_categories.yaml)
        card: report_scam_call   # the awareness card to send (content/packs/awareness/)
        scam_types: true         # name the scam type most of the tips' words match

The rules, each a constraint or a validator below:

* window_days from 1 to 31, min_count at least 1, baseline_weeks from 1 to 52, whole numbers;
  factor a number above 1 and at most 100 (a number, never a quoted string).
* At least one kind; no kind twice. With what the other packs hold known (the `Known`
  validation context), each kind is a tip category and each card an awareness card.
* scam_types only on the categories the scam rules file tips under (scam_rules.yaml's
  categories: fraud_phone and fraud_online).
* No key is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, StrictBool, StrictInt, ValidationInfo, field_validator

from content.schema.base import Id, Model, refuse, repeated
from content.schema.scam import CATEGORIES as SCAM_CATEGORIES


@dataclass(frozen=True)
class Known:
    """The validation context of spike_rules.yaml: the tip categories and awareness cards."""

    categories: frozenset[str]
    cards: frozenset[str]


class Kind(Model):
    """A kind of tip watched for a spike, and the card a suggestion offers to send."""

    id: Id  # a tip category
    card: Id
    # Narrow a spike to the scam type (scam_rules.yaml) most of its tips' words match, and
    # offer that type's card instead.
    scam_types: StrictBool = False

    @field_validator("id")
    @classmethod
    def _a_category(cls, kind: str, info: ValidationInfo) -> str:
        if isinstance(info.context, Known) and kind not in info.context.categories:
            raise ValueError(f"{kind} is no tip category (tip_categories.yaml)")
        return kind

    @field_validator("card")
    @classmethod
    def _a_card(cls, card: str, info: ValidationInfo) -> str:
        if isinstance(info.context, Known) and card not in info.context.cards:
            raise ValueError(f"{card} is no card of the awareness packs")
        return card

    @field_validator("scam_types")
    @classmethod
    def _scam_category(cls, narrowed: bool, info: ValidationInfo) -> bool:
        kind = info.data.get("id")
        if narrowed and kind is not None and kind not in SCAM_CATEGORIES:
            raise ValueError(f"scam rules file no tip under {kind}")
        return narrowed


class SpikeRules(Model):
    version: Literal[1]
    window_days: StrictInt = Field(ge=1, le=31)
    min_count: StrictInt = Field(ge=1)
    factor: float = Field(gt=1, le=100)
    baseline_weeks: StrictInt = Field(ge=1, le=52)
    kinds: tuple[Kind, ...] = Field(min_length=1)

    @field_validator("factor", mode="before")
    @classmethod
    def _a_number(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected a number, found {value!r}")
        return value

    @field_validator("kinds")
    @classmethod
    def _once(cls, kinds: tuple[Kind, ...]) -> tuple[Kind, ...]:
        refuse([f"kind {k} is listed twice" for k in repeated(k.id for k in kinds)])
        return kinds

    def kind(self, kind_id: str) -> Kind | None:
        return next((k for k in self.kinds if k.id == kind_id), None)
