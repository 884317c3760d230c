"""The units before the 2025 arrangement, content/packs/areas/: one file per province as it is
now (`79_ho_chi_minh.yaml`), and provinces_before_2025.yaml.

The rules, each a constraint or a validator below:

* A province's file names its province by its GSO code (two digits, the file's own), then the
  provinces it was made of (`before`), each with its districts, each district with its wards,
  communes and towns: an old GSO code (three digits for a district, five for a ward), the
  name with its unit word ("Quận 1", "Phường Bến Nghé") and `now`, the new communes it went
  into, wholly or in part, by their names in the `vietnam-provinces` package.
* A district lists its wards, or, when it had none (the island districts that became special
  zones), its own `now`; never both.
* Every name is a non-empty NFC string; no code is twice in a file; a `now` names no commune
  twice. Every name in `now` is a commune of the file's province, and every commune of the
  province is named in some `now` (each new commune was made of old units).
* provinces_before_2025.yaml maps each province's code to the provinces it was made of; no
  old name is listed twice.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field, Strict, ValidationInfo, model_validator

from content.schema.base import Line, Model, refuse, repeated

_DISTRICT_WORDS = ("Quận ", "Huyện ", "Thị xã ", "Thành phố ")
_WARD_WORDS = ("Phường ", "Xã ", "Thị trấn ")


def _digits(count: int) -> AfterValidator:
    pattern = re.compile(rf"\d{{{count}}}")

    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"{value!r} is not a code of {count} digits")
        return value

    return AfterValidator(check)


def _unit(words: tuple[str, ...]) -> AfterValidator:
    def check(value: str) -> str:
        if not value.startswith(words):
            raise ValueError(
                f"{value!r} does not begin with {' or '.join(w.strip() for w in words)}"
            )
        return value

    return AfterValidator(check)


ProvinceCode = Annotated[str, Strict(), _digits(2)]
DistrictName = Annotated[Line, _unit(_DISTRICT_WORDS)]
WardName = Annotated[Line, _unit(_WARD_WORDS)]
# The new communes a unit went into: at least one, each once.
Now = Annotated[tuple[Line, ...], Field(min_length=1)]


def _once(names: tuple[str, ...]) -> tuple[str, ...]:
    refuse([f"{n!r} is listed twice" for n in repeated(names)])
    return names


class Ward(Model):
    """A ward, commune or town before the arrangement."""

    code: Annotated[str, Strict(), _digits(5)]
    name: WardName
    now: Annotated[Now, AfterValidator(_once)]


class District(Model):
    code: Annotated[str, Strict(), _digits(3)]
    name: DistrictName
    wards: tuple[Ward, ...] = ()
    now: Annotated[tuple[Line, ...], AfterValidator(_once)] = ()

    @model_validator(mode="after")
    def _wards_or_now(self) -> District:
        if bool(self.wards) == bool(self.now):
            raise ValueError("needs its wards, or (a district without any) its own `now`")
        return self


class Province(Model):
    province: Line
    districts: Annotated[tuple[District, ...], Field(min_length=1)]


class Before(Model):
    """One province's file. Validated with the context {"code": its code from the file name,
    "communes": the names of its communes now}."""

    province: ProvinceCode
    before: Annotated[tuple[Province, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Before:
        context: dict[str, Any] = info.context or {}
        problems: list[str] = []
        if "code" in context and self.province != context["code"]:
            problems.append(f"province {self.province!r} is not the file's, {context['code']!r}")
        districts = [d for p in self.before for d in p.districts]
        wards = [w for d in districts for w in d.wards]
        codes = [d.code for d in districts] + [w.code for w in wards]
        problems += [f"code {c} is listed twice" for c in repeated(codes)]
        named = {n for d in districts for n in d.now} | {n for w in wards for n in w.now}
        communes = set(context.get("communes", named))
        problems += [f"{n!r} is not a commune of the province" for n in sorted(named - communes)]
        problems += [f"no unit went into {n!r}" for n in sorted(communes - named)]
        refuse(problems)
        return self


class ProvincesBefore(Model):
    """provinces_before_2025.yaml: each province's code and the provinces it was made of."""

    @model_validator(mode="before")
    @classmethod
    def _as_provinces(cls, data: Any) -> Any:
        return {"provinces": data} if isinstance(data, dict) else data

    provinces: dict[ProvinceCode, Annotated[tuple[Line, ...], Field(min_length=1)]]

    @model_validator(mode="after")
    def _names_once(self) -> ProvincesBefore:
        names = [n for group in self.provinces.values() for n in group]
        refuse([f"{n!r} is listed twice" for n in repeated(names)])
        return self
