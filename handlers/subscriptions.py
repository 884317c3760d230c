"""Subscriptions: the resident opts in to awareness tips, to their commune's alerts and to the
scams of the week in their province (handlers/scam_week.py), and stops with one tap, or from
anywhere by sending STOP or DỪNG.

Nothing is sent from here: the broadcasts (a later issue) read the stored subscriptions.
The step's subscriptions are kept in the state so that `prompt` can show them again.
"""

from __future__ import annotations

from content import areas
from handlers.common import ask, choice, not_understood, say, with_nav
from handlers.context import Ctx
from handlers.model import Choice, Kind, Label, Msg, Reply
from handlers.ports import Subscription, SubscriptionKind

FLOW = "subs"
# In the state's profile: what DỪNG ended while the chat was inside another flow (a tip, a
# quiz), so that the one tap back works without leaving that flow.
STOPPED = "stopped"
RESUME = "subs:resume"
AWARENESS = Subscription(SubscriptionKind.AWARENESS)
WEEKLY = Subscription(SubscriptionKind.WEEKLY)  # the province: the resident's, when sent
NATIONWIDE = frozenset({SubscriptionKind.AWARENESS, SubscriptionKind.WEEKLY})  # no commune


def _alerts(commune_code: str) -> Subscription:
    return Subscription(SubscriptionKind.ALERTS, commune_code)


def _commune_name(code: str) -> str:
    found = areas.commune(code)
    return found.name if found is not None else code


def _pack(subscriptions: list[Subscription]) -> list[list[str]]:
    return [[s.kind.value, s.commune_code] for s in subscriptions]


def _unpack(raw: object) -> list[Subscription]:
    found: list[Subscription] = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, list) and len(item) == 2 and item[0] in set(SubscriptionKind):
            found.append(Subscription(SubscriptionKind(item[0]), str(item[1])))
    return found


def _id(action: str, subscription: Subscription) -> str:
    return f"subs:{action}:{subscription.kind.value}:{subscription.commune_code}"


def _parse(choice_id: str) -> tuple[str, Subscription] | None:
    parts = choice_id.split(":")
    if len(parts) != 4 or parts[1] not in ("on", "off") or parts[2] not in set(SubscriptionKind):
        return None
    return parts[1], Subscription(SubscriptionKind(parts[2]), parts[3])


async def begin(ctx: Ctx, back: str = "") -> list[Reply]:
    """The subscriptions screen; `back` is the choice id that returns whence it was opened
    ("menu:learn", "menu:settings"), which the router handles at every step."""
    active = await ctx.uow.awareness.subscriptions(ctx.profile.resident_id)
    ctx.state.go(FLOW, "menu", back=back, active=_pack(active))
    return [_menu(ctx)]


def prompt(ctx: Ctx) -> list[Reply]:
    if ctx.state.step == "stopped":
        return [_stopped(ctx)]
    return [_menu(ctx)]


def _province_name(code: str) -> str:
    found = areas.province(code)
    return found.name if found is not None else code


def _menu(ctx: Ctx) -> Reply:
    active = _unpack(ctx.state.data.get("active"))
    here = _alerts(ctx.profile.commune_code)
    commune = _commune_name(here.commune_code)
    status = {True: Msg("subs.status_on"), False: Msg("subs.status_off")}
    text: list[Label] = [
        Msg(
            "subs.title",
            {
                "awareness": status[AWARENESS in active],
                "alerts": status[here in active],
                "commune": commune,
            },
        )
    ]
    items: list[Choice] = [
        choice(_id("off", AWARENESS), "subs.awareness_off")
        if AWARENESS in active
        else choice(_id("on", AWARENESS), "subs.awareness_on"),
        choice(_id("off", here), "subs.alerts_off", commune=commune)
        if here in active
        else choice(_id("on", here), "subs.alerts_on", commune=commune),
    ]
    # Alerts of a commune the resident has since moved from: shown, and one tap stops them.
    for other in active:
        if other.kind is SubscriptionKind.ALERTS and other != here:
            name = _commune_name(other.commune_code)
            text.append(Msg("subs.other_alerts", {"commune": name}))
            items.append(choice(_id("off", other), "subs.alerts_off", commune=name))
    province = _province_name(ctx.profile.province_code)
    text.append(
        Msg("subs.weekly_status", {"weekly": status[WEEKLY in active], "province": province})
    )
    items.append(
        choice(_id("off", WEEKLY), "subs.weekly_off")
        if WEEKLY in active
        else choice(_id("on", WEEKLY), "subs.weekly_on")
    )
    text += [Msg("subs.what_they_bring"), Msg("subs.weekly_brings"), Msg("subs.how_to_stop")]
    back = str(ctx.state.data.get("back", ""))
    if back:
        items.append(choice(back, "nav.back"))
    return with_nav(ask(tuple(text), items))


def _stopped(ctx: Ctx) -> Reply:
    if _unpack(ctx.state.data.get("stopped")):
        return with_nav(ask(Msg("subs.stopped"), [choice(RESUME, "subs.resume")]))
    return with_nav(ask(Msg("subs.stopped_none"), [choice("subs:open", "subs.open")]))


async def stop(ctx: Ctx) -> list[Reply]:
    """STOP or DỪNG, from any step: end every subscription and say so, with one tap back.
    Before onboarding there is no screen to go to: the caller shows the step again."""
    stopped = await ctx.uow.awareness.unsubscribe_all(ctx.profile.resident_id, ctx.config.clock())
    ctx.state.profile.pop(STOPPED, None)  # an older stop's tap back would undo more than this
    if not ctx.profile.has_area:
        return [say("subs.stopped")] if stopped else [say("subs.stopped_none")]
    ctx.state.go(FLOW, "stopped", stopped=_pack(stopped))
    return [_stopped(ctx)]


async def stop_in_flow(ctx: Ctx) -> Reply:
    """DỪNG typed inside another flow: every subscription ended, said with one tap back; the
    caller shows the step the chat was at again, its draft untouched."""
    stopped = await ctx.uow.awareness.unsubscribe_all(ctx.profile.resident_id, ctx.config.clock())
    ctx.state.profile.pop(STOPPED, None)
    if not stopped:
        return say("subs.stopped_none")
    ctx.state.profile[STOPPED] = _pack(stopped)
    return ask(Msg("subs.stopped"), [choice(RESUME, "subs.resume")])


async def resume_in_flow(ctx: Ctx) -> Reply:
    """The tap back after `stop_in_flow`."""
    now = ctx.config.clock()
    for subscription in _unpack(ctx.state.profile.pop(STOPPED, None)):
        await ctx.uow.awareness.subscribe(ctx.profile.resident_id, subscription, now)
    return say("subs.resumed")


async def on_event(ctx: Ctx) -> list[Reply]:
    picked = ctx.event.choice if ctx.event.kind is Kind.CHOICE else ""
    if picked == "subs:open":
        return await begin(ctx, str(ctx.state.data.get("back", "")))
    if picked == RESUME:
        return await _resume(ctx)
    parsed = _parse(picked)
    if parsed is None:
        return [not_understood(ctx.event.kind), *prompt(ctx)]
    action, subscription = parsed
    if subscription.kind is SubscriptionKind.ALERTS and not areas.commune(
        subscription.commune_code
    ):
        return [say("input.stale_choice"), *prompt(ctx)]
    now = ctx.config.clock()
    resident = ctx.profile.resident_id
    if subscription.kind in NATIONWIDE and subscription.commune_code:
        return [say("input.stale_choice"), *prompt(ctx)]
    commune = {"commune": _commune_name(subscription.commune_code)}
    province = {"province": _province_name(ctx.profile.province_code)}
    ctx.state.profile.pop(STOPPED, None)  # chosen one by one since: no tap back undoes it
    if action == "on":
        await ctx.uow.awareness.subscribe(resident, subscription, now)
        done = {
            SubscriptionKind.AWARENESS: say("subs.awareness_saved"),
            SubscriptionKind.ALERTS: say("subs.alerts_saved", **commune),
            SubscriptionKind.WEEKLY: say("subs.weekly_saved", **province),
        }
    else:
        await ctx.uow.awareness.unsubscribe(resident, subscription, now)
        done = {
            SubscriptionKind.AWARENESS: say("subs.awareness_ended"),
            SubscriptionKind.ALERTS: say("subs.alerts_ended", **commune),
            SubscriptionKind.WEEKLY: say("subs.weekly_ended"),
        }
    return [done[subscription.kind], *await begin(ctx, str(ctx.state.data.get("back", "")))]


async def _resume(ctx: Ctx) -> list[Reply]:
    """One tap after STOP: subscribe again to what was stopped."""
    ctx.state.profile.pop(STOPPED, None)
    now = ctx.config.clock()
    for subscription in _unpack(ctx.state.data.get("stopped")):
        await ctx.uow.awareness.subscribe(ctx.profile.resident_id, subscription, now)
    return [say("subs.resumed"), *await begin(ctx)]
