"""The legal rules of casework, legal_rules.yaml: each track's deadlines and notices with the
text they come from, so that a change in the law is a change of this file::

    version: 1
    documents:
      - id: ttlt_01_2017
        number: "01/2017/TTLT-BCA-BQP-BTC-BNN&PTNT-VKSNDTC"
        name: {vi: "Thông tư liên tịch ...", en: "Joint Circular ..."}
        effective: 2018-02-12
        amended_by: ["01/2021/TTLT-... (from 2021-...)"]
      - id: service              # not law: the unit's own service standard
        statutory: false
        ...
    tracks:
      - id: crime
        procedure: {vi: "...", en: "..."}   # what the reporter is told applies
        categories: [fraud_phone, ...]       # the categories that start on this track
        rules:
          - id: forward
            count: days              # days | working_days | months
            n: 7
            urgent_n: 0              # urgent (flagrant, very serious): the day received
            from: received           # received | forwarded | previous | resumed | decided
            what: {vi: ..., en: ...}
            source: {document: ttlt_01_2017, article: 8, clause: 5, effective: 2021-...}

The rules, each a constraint or a validator below:

* Every track of the service (crime, administrative, mediation, violence, fire_risk) once.
* Every track has an `ack` rule; `extension_2` only with `extension_1`; `resumed` and the
  extensions count months, from what their id says; the second extension names the days
  before the first ends by which it must be asked for and needs the procuracy's decision.
* Each source names a document of the file; a statutory document's source names an article;
  the service standard's names none. Each source says from when it applies.
* No category is on two tracks (with the categories known, the `Known` context: each is a
  tip category, and every tip category is on a track).
* Every text is non-empty NFC in both languages, and no key is unknown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, Strict, StrictBool, StrictInt, ValidationInfo, model_validator

from content.schema.base import Id, Line, Model, Text, refuse, repeated

Day = Annotated[dt.date, Strict()]
TRACKS = ("crime", "administrative", "mediation", "violence", "fire_risk")
RULES = (
    "ack",
    "forward",
    "decision",
    "extension_1",
    "extension_2",
    "resumed",
    "outcome",
    "suspension_notice",
)
# Where each rule may count from. A crime report's decision is the investigation body's, due
# from the day it receives the report (CPC art. 147(1)): for commune police, the forwarding.
ORIGINS = {
    "ack": ("received",),
    "forward": ("received",),
    "decision": ("received", "forwarded"),
    "extension_1": ("received", "forwarded"),
    "extension_2": ("previous",),
    "resumed": ("resumed",),
    "outcome": ("decided",),
    "suspension_notice": ("decided",),
}


@dataclass(frozen=True)
class Known:
    """The validation context: the tip categories there are (tip_categories.yaml)."""

    categories: frozenset[str]


class Document(Model):
    id: Id
    number: Line  # "101/2015/QH13"; the service standard names itself
    name: Text
    effective: Day
    amended_by: tuple[Line, ...] = ()
    statutory: StrictBool = True  # false: the service's own standard, not a legal deadline


class Source(Model):
    document: Id
    article: Annotated[StrictInt, Field(ge=1)] | None = None
    clause: Annotated[StrictInt, Field(ge=1)] | None = None
    point: Annotated[str, Strict(), Field(pattern=r"^[a-zđ]$")] | None = None
    effective: Day  # from when this rule, in this wording, applies
    # Where the wording was read, and when: the copy of the text, not a summary of it.
    checked: Line
    note: Text | None = None  # what an officer should know about it (an amendment, a reading)

    @model_validator(mode="after")
    def _clause_needs_article(self) -> Source:
        if self.article is None and (self.clause is not None or self.point is not None):
            raise ValueError("a clause or point needs its article")
        if self.clause is None and self.point is not None:
            raise ValueError("a point needs its clause")
        return self


class Rule(Model):
    id: Literal[RULES]  # type: ignore[valid-type]
    count: Literal["days", "working_days", "months"]
    n: Annotated[StrictInt, Field(ge=0, le=400)]
    urgent_n: Annotated[StrictInt, Field(ge=0, le=400)] | None = None
    origin: Literal["received", "forwarded", "previous", "resumed", "decided"] = Field(alias="from")
    request_before_days: Annotated[StrictInt, Field(ge=1, le=60)] | None = None
    needs_decision: StrictBool = False
    what: Text
    source: Source

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        problems = []
        if self.origin not in ORIGINS[self.id]:
            allowed = " or ".join(ORIGINS[self.id])
            problems.append(f"{self.id} counts from {allowed}, not {self.origin}")
        months = self.id in ("extension_1", "extension_2", "resumed")
        if months != (self.count == "months"):
            problems.append(f"{self.id} counts {'months' if months else 'days'}")
        if self.id == "extension_2" and (
            self.request_before_days is None or not self.needs_decision
        ):
            problems.append("extension_2 needs request_before_days and needs_decision: true")
        if self.id != "extension_2" and (self.request_before_days or self.needs_decision):
            problems.append("only extension_2 has request_before_days or needs_decision")
        if self.urgent_n is not None and self.urgent_n > self.n:
            problems.append("urgent_n is longer than n")
        refuse(problems)
        return self


class Guidance(Model):
    """What an officer should keep in mind on a track, with where the law says it."""

    text: Text
    source: Source


class Track(Model):
    id: Literal[TRACKS]  # type: ignore[valid-type]
    procedure: Text
    categories: tuple[Id, ...] = ()
    rules: tuple[Rule, ...] = Field(min_length=1)
    guidance: tuple[Guidance, ...] = ()

    @model_validator(mode="after")
    def _rules(self) -> Track:
        ids = [r.id for r in self.rules]
        problems = [f"rule {i} is given twice" for i in repeated(ids)]
        if "ack" not in ids:
            problems.append("every track has an ack rule")
        if "extension_2" in ids and "extension_1" not in ids:
            problems.append("extension_2 needs extension_1")
        if "extension_1" in ids and "decision" not in ids:
            problems.append("an extension needs a decision rule")
        if "resumed" in ids and "decision" not in ids:
            problems.append("resumed needs a decision rule")
        refuse(problems)
        return self


class LegalRules(Model):
    version: Literal[1]
    documents: tuple[Document, ...] = Field(min_length=1)
    tracks: tuple[Track, ...]
    # The steps for a reporter who asks to be protected, on every track.
    protection: tuple[Guidance, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _whole(self, info: ValidationInfo) -> LegalRules:
        problems = [f"document {d} is given twice" for d in repeated(x.id for x in self.documents)]
        problems += [f"track {t} is given twice" for t in repeated(x.id for x in self.tracks)]
        missing = set(TRACKS) - {t.id for t in self.tracks}
        problems += [f"track {t} is missing" for t in sorted(missing)]
        documents = {d.id: d for d in self.documents}
        sourced = [
            (f"tracks ({track.id}) rule {rule.id}", rule.source)
            for track in self.tracks
            for rule in track.rules
        ]
        sourced += [
            (f"tracks ({track.id}) guidance {n}", g.source)
            for track in self.tracks
            for n, g in enumerate(track.guidance)
        ]
        sourced += [(f"protection {n}", g.source) for n, g in enumerate(self.protection)]
        for where, source in sourced:
            doc = documents.get(source.document)
            if doc is None:
                problems.append(f"{where}: no document {source.document}")
            elif doc.statutory and source.article is None:
                problems.append(f"{where}: a legal source names its article")
            elif not doc.statutory and source.article is not None:
                problems.append(f"{where}: the service standard has no articles")
            elif source.effective < doc.effective:
                problems.append(f"{where}: applies before its document took effect")
        categories = [c for t in self.tracks for c in t.categories]
        problems += [f"category {c} is on two tracks" for c in repeated(categories)]
        if isinstance(info.context, Known):
            problems += [
                f"category {c} is no tip category (tip_categories.yaml)"
                for c in categories
                if c not in info.context.categories
            ]
            problems += [
                f"tip category {c} is on no track"
                for c in sorted(info.context.categories - set(categories))
            ]
        refuse(problems)
        return self


__all__ = ["Document", "Guidance", "Known", "LegalRules", "Line", "Rule", "Source", "Track"]
