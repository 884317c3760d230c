"""What Bình Yên holds about one resident (issue 18), for "Dữ liệu của tôi" (handlers/mydata.py):
read in one place (`gather`), as data for the copy (`document`, the JSON file), and in words
(`summary`, the screen and the copy sent as a message).

A tip is given by its code, category, status and dates only: what it says is a police record.
The web chat's id is left out of the copy: it is the browser's cookie, a key to the chat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from content import areas, awareness
from content.i18n import translate
from content.tips import category
from handlers.context import Ctx
from handlers.deadlines import LOCAL_TZ
from handlers.model import Label, Localized, Msg
from handlers.mytips import STATUS_MSG
from handlers.ports import (
    HeldAccount,
    HeldChat,
    HeldSubscription,
    Neighbourhood,
    SubscriptionKind,
    TopicProgress,
)
from handlers.tipmodel import TipView

TIPS_HELD = 1000  # the tips read: five a day at most, so years of them
FORMAT = "binhyen.my-data.v1"

CHANNEL_NAMES: dict[str, Label] = {
    "telegram": "Telegram",
    "zalo_bot": "Zalo",
    "zalo_oa": "Zalo OA",
    "web": Msg("mydata.channel_web"),
    "cli": Msg("mydata.channel_cli"),
}
# The web chat's id is the browser's cookie, a key to the chat: never written to a file.
SECRET_IDS = frozenset({"web"})


@dataclass(frozen=True)
class Held:
    """Everything the service holds about one resident, read for this screen or a copy."""

    lang: str
    province_code: str
    commune_code: str
    account: HeldAccount | None
    neighbourhood: Neighbourhood | None
    progress: dict[str, TopicProgress]
    tips: list[TipView]


async def gather(ctx: Ctx) -> Held:
    resident, uow = ctx.profile.resident_id, ctx.uow
    return Held(
        lang=ctx.profile.lang,
        province_code=ctx.profile.province_code,
        commune_code=ctx.profile.commune_code,
        account=await uow.mydata.account(resident),
        neighbourhood=await uow.residents.neighbourhood(resident),
        progress=await uow.awareness.progress(resident),
        tips=await uow.tips.of_resident(resident, TIPS_HELD),
    )


def file_name(now: datetime) -> str:
    return f"binhyen-du-lieu-cua-toi-{now.astimezone(LOCAL_TZ):%Y-%m-%d}.json"


def document(held: Held, now: datetime) -> dict[str, Any]:
    """The copy: what is held, as data, in the resident's language where words are needed."""
    lang = held.lang
    account = held.account
    return {
        "format": FORMAT,
        "made_at": now.isoformat(),
        "note": translate("mydata.json_note", lang),
        "profile": {
            "language": held.lang,
            "province": _place(held.province_code, areas.province),
            "commune": _place(held.commune_code, areas.commune),
            "neighbourhood": held.neighbourhood.name if held.neighbourhood else None,
            "since": _iso(account.since) if account else None,
            "consent": _consent(account),
        },
        "chat_accounts": [_chat_json(c) for c in account.chats] if account else [],
        "subscriptions": [_subscription_json(s) for s in account.subscriptions] if account else [],
        "learning": [_topic_json(t, p, lang) for t, p in sorted(held.progress.items())],
        "messages": {
            "waiting": account.messages_waiting if account else 0,
            "sent": account.messages_sent if account else 0,
        },
        "tips": [_tip_json(t, lang) for t in held.tips],
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _place(code: str, find: Any) -> dict[str, str] | None:
    found = find(code) if code else None
    return None if not code else {"code": code, "name": found.name if found else ""}


def _consent(account: HeldAccount | None) -> dict[str, str | None] | None:
    if account is None or not account.consent_version:
        return None
    return {"version": account.consent_version, "accepted_at": _iso(account.consent_at)}


def _chat_json(chat: HeldChat) -> dict[str, object]:
    user_id = None if chat.channel in SECRET_IDS else chat.user_id
    return {"channel": chat.channel, "user_id": user_id, "since": _iso(chat.since)}


def _subscription_json(held: HeldSubscription) -> dict[str, object]:
    commune = held.subscription.commune_code
    return {
        "kind": held.subscription.kind.value,
        "commune": _place(commune, areas.commune) if commune else None,
        "since": _iso(held.since),
        "until": _iso(held.until),
    }


def _topic_json(topic_id: str, progress: TopicProgress, lang: str) -> dict[str, object]:
    topic = awareness.topic(topic_id)
    return {
        "topic": topic_id,
        "title": (topic.title.en if lang == "en" else topic.title.vi) if topic else "",
        "cards_seen": sorted(progress.cards_seen),
        "best_score": progress.best_score,
        "questions": progress.quiz_total or None,
        "last_score": progress.last_score,
        "last_quiz_at": _iso(progress.last_quiz_at),
    }


def _tip_json(tip: TipView, lang: str) -> dict[str, object]:
    found = category(tip.category)
    status = STATUS_MSG.get(tip.status)
    return {
        "code": tip.code,
        "category": tip.category,
        "category_name": (found.en if lang == "en" else found.vi) if found else "",
        "status": tip.status.value,
        "status_name": translate(status.id, lang) if status else "",
        "sent_at": tip.created_at.isoformat(),
        "acknowledge_by": tip.ack_due.isoformat(),
        "decision_by": tip.decision_due.isoformat() if tip.decision_due else None,
    }


# -- what is held, in words -----------------------------------------------------------------------


def _date(moment: datetime) -> str:
    return f"{moment.astimezone(LOCAL_TZ):%d/%m/%Y}"


def local_time(moment: datetime) -> str:
    return f"{moment.astimezone(LOCAL_TZ):%d/%m/%Y %H:%M}"


def _lines(items: Sequence[Label]) -> Label:
    """Labels one under another as one label (a reply's parts are a paragraph each),
    joined in halves so that a long list nests only a few levels."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    half = len(items) // 2
    return Msg("mydata.lines", {"first": _lines(items[:half]), "rest": _lines(items[half:])})


def _capped(items: list[Label], most: int) -> list[Label]:
    if len(items) <= most:
        return items
    return [*items[:most], Msg("mydata.more", {"count": len(items) - most})]


def summary(held: Held, most: int) -> list[Label]:
    """One paragraph for each kind of data held; at most `most` lines of each list."""
    account = held.account
    parts: list[Label] = [Msg("mydata.profile", {"lines": _lines(_profile_lines(held))})]
    chats = [_chat_line(c) for c in account.chats] if account else []
    if chats:
        parts.append(Msg("mydata.chats", {"lines": _lines(chats)}))
    subscriptions = [_subscription_line(s) for s in account.subscriptions] if account else []
    parts.append(
        Msg("mydata.subscriptions", {"lines": _lines(_capped(subscriptions, most))})
        if subscriptions
        else Msg("mydata.subscriptions_none")
    )
    topics = [_topic_line(t, p) for t, p in sorted(held.progress.items())]
    parts.append(
        Msg("mydata.learning", {"lines": _lines(_capped(topics, most))})
        if topics
        else Msg("mydata.learning_none")
    )
    if account and (account.messages_waiting or account.messages_sent):
        waiting, sent = account.messages_waiting, account.messages_sent
        parts.append(Msg("mydata.messages", {"waiting": waiting, "sent": sent}))
    tips = [_tip_line(t) for t in held.tips]
    parts.append(
        Msg("mydata.tips", {"count": len(tips), "lines": _lines(_capped(tips, most))})
        if tips
        else Msg("mydata.tips_none")
    )
    return parts


def _profile_lines(held: Held) -> list[Label]:
    commune, province = areas.commune(held.commune_code), areas.province(held.province_code)
    lines: list[Label] = [
        Msg("mydata.area", {"area": f"{commune.name}, {province.name}"})
        if commune and province
        else Msg("mydata.area_none")
    ]
    if held.neighbourhood:
        lines.append(Msg("mydata.neighbourhood", {"name": held.neighbourhood.name}))
    language = {"vi": Msg("lang.vi"), "en": Msg("lang.en")}.get(held.lang)
    if language:
        lines.append(Msg("mydata.language", {"language": language}))
    account = held.account
    if account and account.since:
        lines.append(Msg("mydata.since", {"date": _date(account.since)}))
    if account and account.consent_version:
        at = local_time(account.consent_at) if account.consent_at else ""
        lines.append(Msg("mydata.consent", {"version": account.consent_version, "at": at}))
    return lines


def _chat_line(chat: HeldChat) -> Label:
    name = CHANNEL_NAMES.get(chat.channel, chat.channel)
    if chat.since:
        return Msg("mydata.chat_since", {"channel": name, "date": _date(chat.since)})
    return Msg("mydata.chat", {"channel": name})


def _commune_name(code: str) -> str:
    found = areas.commune(code)
    return found.name if found else code


def _subscription_line(held: HeldSubscription) -> Label:
    kind = held.subscription.kind
    what: Label
    if kind is SubscriptionKind.ALERTS:
        commune = _commune_name(held.subscription.commune_code)
        what = Msg("mydata.sub_alerts", {"commune": commune})
    elif kind is SubscriptionKind.WEEKLY:
        what = Msg("mydata.sub_weekly")
    else:
        what = Msg("mydata.sub_awareness")
    since = _date(held.since)
    if held.until is None:
        return Msg("mydata.sub_on", {"what": what, "since": since})
    return Msg("mydata.sub_ended", {"what": what, "since": since, "until": _date(held.until)})


def _topic_line(topic_id: str, progress: TopicProgress) -> Label:
    topic = awareness.topic(topic_id)
    title: Label = Localized(topic.title.vi, topic.title.en) if topic else topic_id
    cards = len(topic.cards) if topic else len(progress.cards_seen)
    seen = len(progress.cards_seen)
    if progress.best_score is None:
        return Msg("mydata.topic", {"title": title, "seen": seen, "cards": cards})
    best = {"best": progress.best_score, "questions": progress.quiz_total}
    return Msg("mydata.topic_quiz", {"title": title, "seen": seen, "cards": cards, **best})


def _tip_line(tip: TipView) -> Label:
    found = category(tip.category)
    return Msg(
        "mydata.tip",
        {
            "code": tip.code,
            "category": Localized(found.vi, found.en) if found else tip.category,
            "status": STATUS_MSG.get(tip.status, Msg("tip.status_acknowledged")),
            "date": _date(tip.created_at),
        },
    )
