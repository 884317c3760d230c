"""The words the tip templates build at render time ("panel.event." ~ kind), listed so that
the catalog check sees them as used, the helpers every tip template gets, and what the tip
page reads from the legal rules pack (content/packs/legal_rules.yaml): each deadline of the
tip's track with the text it comes from, and the rule of the next extension."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from admin.attachment_words import metadata_lines
from admin.files import INLINE_IMAGES
from admin.timefmt import day, local_time
from content import areas, legal, tips
from handlers.casework import rules
from handlers.deadlines import Deadlines, local_date, next_extension
from handlers.tips.words import (
    TipStatus,
    Track,
)
from storage.casework.views import TipDetail


def catalog_id(msgid: str) -> str:
    """Marks a catalog id that a template builds at render time ("panel.status." ~ value),
    so that the catalog check sees it as used."""
    return msgid


_ = catalog_id

BUILT_IDS = (
    _("panel.status.new"),
    _("panel.status.acknowledged"),
    _("panel.status.verifying"),
    _("panel.status.forwarded"),
    _("panel.status.closed"),
    _("panel.status.mediating"),
    _("panel.status.suspended"),
    _("panel.track.crime"),
    _("panel.track.administrative"),
    _("panel.track.mediation"),
    _("panel.track.violence"),
    _("panel.track.fire_risk"),
    _("panel.resolution.prosecuted"),
    _("panel.resolution.not_prosecuted"),
    _("panel.resolution.suspended"),
    _("panel.resolution.sanctioned"),
    _("panel.resolution.no_violation"),
    _("panel.resolution.protected"),
    _("panel.resolution.safe"),
    _("panel.resolution.fixed"),
    _("panel.resolution.agreed"),
    _("panel.resolution.not_agreed"),
    _("panel.resolution.withdrawn"),
    _("panel.resolution.transferred"),
    _("panel.protection.secret"),
    _("panel.protection.threatened"),
    _("panel.protect.option.secret"),
    _("panel.protect.option.threatened"),
    _("panel.due.overdue_by"),
    _("panel.due.today"),
    _("panel.due.tomorrow"),
    _("panel.due.left"),
    _("panel.due.forward_overdue_by"),
    _("panel.due.forward_today"),
    _("panel.due.forward_tomorrow"),
    _("panel.due.forward_left"),
    _("panel.due.ack_overdue_by"),
    _("panel.due.ack_today"),
    _("panel.due.ack_tomorrow"),
    _("panel.due.ack_left"),
    _("panel.due.decision_overdue_by"),
    _("panel.due.decision_today"),
    _("panel.due.decision_tomorrow"),
    _("panel.due.decision_left"),
    _("panel.tip.ack_due"),
    _("panel.tip.forward_due"),
    _("panel.tip.decision_due"),
    _("panel.tip.outcome_due"),
    _("panel.resolution.handled"),
    _("panel.resolution.forwarded"),
    _("panel.resolution.unfounded"),
    _("panel.resolution.insufficient"),
    _("panel.resolution.duplicate"),
    _("panel.resolution.not_competent"),
    _("panel.nav.queue"),
    _("panel.nav.stats"),
    _("panel.nav.indicators"),
    _("panel.nav.audit"),
    _("panel.nav.users"),
    _("panel.nav.account"),
    _("panel.nav.broadcasts"),
    _("panel.event.created"),
    _("panel.event.urgent"),
    _("panel.event.acknowledged"),
    _("panel.event.verifying"),
    _("panel.event.question"),
    _("panel.event.reporter_answer"),
    _("panel.event.note"),
    _("panel.event.assigned"),
    _("panel.event.urgency"),
    _("panel.event.forwarded"),
    _("panel.event.forwarded_to"),
    _("panel.event.extended"),
    _("panel.event.extension_reason"),
    _("panel.event.closed"),
    _("panel.event.rating"),
    _("panel.event.revealed"),
    _("panel.event.track"),
    _("panel.event.track_reason"),
    _("panel.event.mediating"),
    _("panel.event.suspended"),
    _("panel.event.resumed"),
    _("panel.event.resume_reason"),
    _("panel.event.protection"),
    _("panel.event.extension_decision"),
    _("panel.event.purged"),  # retention removed the contact details and files (issue 18)
    _("panel.event.thanked"),  # the chief thanked the reporter for a useful tip (issue 20)
    _("panel.action.take"),
    _("panel.action.assign"),
    _("panel.action.urgency"),
    _("panel.action.acknowledge"),
    _("panel.action.verify"),
    _("panel.action.ask"),
    _("panel.action.forward"),
    _("panel.action.extend"),
    _("panel.action.close"),
    _("panel.action.note"),
    _("panel.action.reveal"),
    _("panel.action.track"),
    _("panel.action.mediate"),
    _("panel.action.resume"),
    _("panel.action.protect"),
    _("panel.done.take"),
    _("panel.done.assign"),
    _("panel.done.urgency"),
    _("panel.done.acknowledge"),
    _("panel.done.verify"),
    _("panel.done.ask"),
    _("panel.done.forward"),
    _("panel.done.extend"),
    _("panel.done.close"),
    _("panel.done.note"),
    _("panel.done.track"),
    _("panel.done.mediate"),
    _("panel.done.resume"),
    _("panel.done.protect"),
    _("panel.error.not_found"),
    _("panel.error.forbidden"),
    _("panel.error.csrf"),
    _("panel.error.filter"),
    _("panel.error.cursor"),
    _("panel.error.anonymous"),
    _("panel.error.reveal_not_allowed"),
    _("panel.error.contact_removed"),
    _("panel.error.taken"),
    _("panel.error.reason"),
    _("panel.error.assignee"),
    _("panel.error.no_reporter"),
    _("panel.error.transition"),
    _("panel.error.closed"),
    _("panel.error.question"),
    _("panel.error.forward_to"),
    _("panel.error.note"),
    _("panel.error.extension_limit"),
    _("panel.error.extension_late"),
    _("panel.error.resolution"),
    _("panel.error.attachment"),
    _("panel.error.track"),
    _("panel.error.track_locked"),
    _("panel.error.track_same"),
    _("panel.error.extension_none"),
    _("panel.error.extension_request_late"),
    _("panel.error.decision_number"),
    _("panel.error.decision_date"),
    _("panel.error.decision_date_future"),
    _("panel.error.decision_date_early"),
    _("panel.error.requested_on"),
    _("panel.error.resolution_track"),
    _("panel.error.transferred_unforwarded"),
    _("panel.error.decision_unforwarded"),
    _("panel.error.extension_track"),
    _("panel.error.extension_resumed"),
    _("panel.error.suspension_early"),
    _("panel.error.track_extended"),
    _("panel.error.forward_to_phone"),
    _("panel.error.urgent_threatened"),
    _("panel.error.suspended"),
    _("panel.error.not_suspended"),
    _("panel.error.mediation_team"),
    _("panel.error.protection"),
    _("panel.when.now"),
    _("panel.when.today"),
    _("panel.when.unknown"),
    _("panel.detail.suspects"),
    _("panel.detail.vehicles"),
    _("panel.detail.witnesses"),
    _("panel.detail.how_known"),
    _("panel.detail.evidence"),
    _("panel.detail.urgent_words"),
    _("panel.detail.incident_time"),
    _("panel.attachment.photo"),
    _("panel.attachment.video"),
    _("panel.attachment.voice"),
    _("panel.attachment.file"),
    _("panel.visibility.internal"),
    _("panel.visibility.reporter"),
    _("panel.error_title.not_found"),
    _("panel.error_title.forbidden"),
)
EVENT_KINDS = frozenset(
    i.removeprefix("panel.event.") for i in BUILT_IDS if i.startswith("panel.event.")
)
DETAIL_KEYS = frozenset(
    i.removeprefix("panel.detail.") for i in BUILT_IDS if i.startswith("panel.detail.")
)
ATTACHMENT_KINDS = frozenset(
    i.removeprefix("panel.attachment.") for i in BUILT_IDS if i.startswith("panel.attachment.")
)


# Receiving bodies an officer often forwards to, offered in the forward form's list (free text
# is still taken). Official names: they go to the reporter as written, in Vietnamese.
FORWARD_BODIES = (
    "Cơ quan Cảnh sát điều tra Công an tỉnh/thành phố",
    "Cơ quan An ninh điều tra Công an tỉnh/thành phố",
    "Ủy ban nhân dân xã/phường",
    "Tòa án nhân dân khu vực",
)
TRACKS = tuple(t.value for t in Track)
# The deadlines the tip page shows, in order, each under its label "panel.tip.<id>_due".
DEADLINE_RULES = ("ack", "forward", "decision", "outcome")


def today() -> date:
    return local_date(datetime.now(UTC))


@dataclass(frozen=True)
class DeadlineRow:
    """One deadline of the tip's track as the page shows it: its date, how it stands, what
    it is for and the text it comes from (the pack's)."""

    id: str  # ack, forward, decision, outcome
    due: date
    what: str
    citation: str
    statutory: bool  # false: the service's own standard, not a legal deadline
    state: str  # overdue, due_soon, ok; "" when it is met or no longer runs
    days_left: int | None
    met_at: datetime | None  # acknowledged or forwarded at
    note: str  # what the pack says an officer should know about the rule ("" when nothing)
    # An urgent crime report is forwarded within hours (24: TTLT 01/2017 art. 8(5)(a)), not
    # by a day: the moment, shown and counted as such.
    due_at: datetime | None = None


@dataclass(frozen=True)
class Extension:
    """The next extension of the decision deadline, from the pack: which one, what it is,
    its source, and for one the procuracy decides, the last day to ask for it."""

    number: int  # 1 or 2
    of: int  # how many the track has
    what: str
    citation: str
    needs_decision: bool
    request_before_days: int
    ask_by: date | None  # the last day to ask (the deadline less request_before_days)


def _source(rule: legal.Rule, lang: str) -> tuple[str, bool]:
    return legal.citation(rule.source, lang), legal.document(rule.source.document).statutory


def deadline_rows(
    tip: TipDetail, lang: str, on: date | None = None, now: datetime | None = None
) -> list[DeadlineRow]:
    """The deadlines of the tip's track that apply to it, each with its citation: the
    acknowledgement, the forward deadline (a track that has one), the decision deadline
    (when the tip has one) and the outcome notice (once decided)."""
    on = on or today()
    dates: dict[str, date | None] = {
        "ack": tip.ack_due,
        "forward": tip.forward_due,
        "decision": tip.decision_due,
        "outcome": tip.outcome_due,
    }
    met: dict[str, datetime | None] = {
        "ack": tip.acknowledged_at,
        "forward": tip.forwarded_at,
        "decision": tip.decided_at,
        "outcome": None,
    }
    rows = []
    suspended = tip.status is TipStatus.SUSPENDED
    for rule_id in DEADLINE_RULES:
        # A suspension's decision goes to the reporter within 24 hours (TT 28/2020 art.
        # 17(3)), not the outcome's 3 days.
        read_as = "suspension_notice" if rule_id == "outcome" and suspended else rule_id
        rule, due = legal.rule(tip.track.value, read_as), dates[rule_id]
        if rule is None or due is None or rules.shown_due(due) is None:
            continue
        citation, statutory = _source(rule, lang)
        running = met[rule_id] is None and rule_id != "outcome"
        if rule_id == "decision" and tip.status is TipStatus.SUSPENDED:
            running = False
        state, left = rules.due(tip.status, due, on) if running else (rules.DueState.NONE, None)
        due_at = None
        if rule_id == "forward" and tip.urgent and rule.urgent_n is not None:
            due_at = tip.created_at + timedelta(days=rule.urgent_n)
            # 24 hours is point a of the clause (the 7 days are point b).
            urgent_source = rule.source.model_copy(update={"point": "a"})
            citation = legal.citation(urgent_source, lang)
            if running and (now or datetime.now(UTC)) > due_at:
                state, left = rules.DueState.OVERDUE, min(left or 0, -1) if left else -1
        rows.append(
            DeadlineRow(
                id=rule_id,
                due=due,
                what=rule.what.get(lang),
                citation=citation,
                statutory=statutory,
                state="" if state is rules.DueState.NONE else state.value,
                days_left=left,
                met_at=met[rule_id],
                note=rule.source.note.get(lang) if rule.source.note else "",
                due_at=due_at,
            )
        )
    return rows


def extension_count(track: Track) -> int:
    return sum(1 for n in (1, 2) if legal.rule(track.value, f"extension_{n}") is not None)


def used_extensions(tip: TipDetail, lang: str) -> list[tuple[int, int, str]]:
    """The extensions already granted: each one's number, of how many the track has, and the
    citation of its rule."""
    of = max(extension_count(tip.track), tip.extensions)
    used = []
    for n in range(1, tip.extensions + 1):
        rule = legal.rule(tip.track.value, f"extension_{n}")
        used.append((n, of, legal.citation(rule.source, lang) if rule else ""))
    return used


def next_extension_of(tip: TipDetail, lang: str) -> Extension | None:
    """The extension the tip's form would ask for, None when it has none left."""
    if tip.decision_due is None:
        return None
    d = Deadlines(
        received_on=tip.received_on,
        ack_due=tip.ack_due,
        decision_due=tip.decision_due,
        extensions=tip.extensions,
        outcome_due=tip.outcome_due,
        forward_due=tip.forward_due,
    )
    rule = next_extension(d, tip.track)
    if rule is None:
        return None
    before = rule.request_before_days or 0
    return Extension(
        number=tip.extensions + 1,
        of=extension_count(tip.track),
        what=rule.what.get(lang),
        citation=legal.citation(rule.source, lang),
        needs_decision=rule.needs_decision,
        request_before_days=before,
        ask_by=tip.decision_due - timedelta(days=before) if before else None,
    )


def guidance(track: str, lang: str) -> list[tuple[str, str]]:
    """What an officer should keep in mind on the track, each with its citation (the
    pack's `guidance`)."""
    return [
        (g.text.get(lang), legal.citation(g.source, lang)) for g in legal.track(str(track)).guidance
    ]


def rule_words(track: str, rule_id: str, lang: str) -> tuple[str, str] | None:
    """What a rule of the track is for and its citation, None when the track lacks it."""
    rule = legal.rule(str(track), rule_id)
    return None if rule is None else (rule.what.get(lang), legal.citation(rule.source, lang))


def outcomes(tip: TipDetail) -> list[str]:
    """The outcomes the close form offers now (handlers.casework.rules.offered_outcomes)."""
    forwarded = tip.forwarded_at is not None or bool(tip.forwarded_to)
    return [o.value for o in rules.offered_outcomes(tip.track, tip.status, forwarded=forwarded)]


def iso_day(value: str) -> str:
    """A timeline body that holds an ISO date (an extension), shown as dd/mm/yyyy."""
    try:
        return day(date.fromisoformat(value))
    except ValueError:
        return value


def helpers(lang: str) -> dict[str, Any]:
    def category_name(category_id: str) -> str:
        found = tips.category(category_id)
        return found.label(lang) if found else category_id

    def commune_name(code: str) -> str:
        found = areas.commune(code)
        return found.name if found else code

    return {
        "when": local_time,
        "day": day,
        "iso_day": iso_day,
        "category_name": category_name,
        "commune_name": commune_name,
        "inline_images": INLINE_IMAGES,
        "event_kinds": EVENT_KINDS,
        "detail_keys": DETAIL_KEYS,
        "attachment_kinds": ATTACHMENT_KINDS,
        "metadata_lines": lambda attachment: metadata_lines(attachment, lang),
        "deadline_rows": lambda tip: deadline_rows(tip, lang),
        "next_extension": lambda tip: next_extension_of(tip, lang),
        "used_extensions": lambda tip: used_extensions(tip, lang),
        "outcomes_of": outcomes,
        "rule_words": lambda track, rule_id: rule_words(track, rule_id, lang),
        "guidance": lambda track: guidance(track, lang),
        "procedure": lambda track: legal.track(str(track)).procedure.get(lang),
        "forward_bodies": FORWARD_BODIES,
        "tracks": TRACKS,
        "today": today,
    }
