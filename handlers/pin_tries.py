"""Who may try a receipt's PIN, and how often (handlers/mytips.py's follow-up by code and PIN).

The guesser is slowed, never the code's owner: a stranger who knows a receipt code must not
be able to lock its reporter out by typing wrong PINs, and a right PIN is never refused
because of wrong ones typed by others at the same moment. So nothing anyone else does to a
code stops its owner's own chat, nor, until the code is guarded, any chat that has not
guessed wrong itself:

- a chat tries CHAT_TRIES PINs an hour, whatever the code; after FREE_WRONG wrong PINs in a
  row for codes that exist, each further try waits 1, 2, 4 … minutes (kept with the chat's
  profile, so on Redis every process counts them);
- an origin (the web chat's network, where a new cookie is a new chat: InboundEvent.origin)
  tries ORIGIN_TRIES an hour, counted in the shared rate-limit buckets (Config.attempts);
- a code that has had GUARD_AFTER wrong PINs since its last right one is guarded for
  GUARD_FOR after the last (the tip's `pin_locked_until`). While it is, a chat that typed
  FREE_WRONG wrong PINs for that very code within GUARD_FOR may not try it (a typo, or a
  wrong PIN for another code, does not count), and all other chats together try it
  CODE_TRIES times a day (Config.attempts), so new chats (cookies, accounts) do not bring
  new tries. The owner's own chat (the resident the tip's `owner_ref` names) is never
  guarded against nor counted: strangers cannot lock it out. On another phone the owner is
  one of the others, and may have to wait for the day while strangers are guessing.

The per-chat counts are kept with the chat's profile under `pin_*` keys, which erasing one's
data keeps (handlers/mydata.py): they name no resident and no code, only times and a keyed
hash of the tip (`_mark_key`), dropped a day after the last wrong PIN.

The tip's count of wrong PINs (`pin_failures`, zero again after a right one) only decides the
guard: it is read and written after the PIN is checked, never before.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from handlers.context import Ctx
from handlers.tipmodel import PinCheck

CHAT_TRIES = 10  # PIN tries per chat per hour, whatever the code
FREE_WRONG = 3  # wrong PINs in a row for real codes before each further try waits
MAX_WAIT = timedelta(hours=1)
ORIGIN_TRIES = 30  # PIN tries per origin (the web chat's network) per hour
GUARD_AFTER = 10  # wrong PINs for one code, since its last right one, that guard it
GUARD_FOR = timedelta(days=1)
CODE_TRIES = 10  # tries of a guarded code a day, by every chat but its owner's together

TRIES, WRONG, WAIT, MARKS = "pin_tries", "pin_wrong", "pin_wait", "pin_marks"
PREFIX = "pin_"  # every key above: what erasing one's data keeps (kept)


def _recent(ctx: Ctx, now: datetime) -> list[str]:
    profile = ctx.state.profile
    recent = [t for t in profile.get(TRIES, []) if _at(t) > now - timedelta(hours=1)]
    profile[TRIES] = recent  # outlives flows: kept with the profile
    return recent


def _at(moment: object) -> datetime:
    return datetime.fromisoformat(str(moment))


async def may_try(ctx: Ctx, now: datetime) -> bool:
    """Whether this chat (and its origin) may try a PIN now; counts the try when it may."""
    profile = ctx.state.profile
    tries = _recent(ctx, now)
    if len(tries) >= CHAT_TRIES or (WAIT in profile and _at(profile[WAIT]) > now):
        return False
    attempts, origin = ctx.config.attempts, ctx.event.origin
    hour = timedelta(hours=1)
    if attempts and origin and not await attempts.take(f"pin:{origin}", ORIGIN_TRIES, hour):
        return False
    tries.append(now.isoformat())
    return True


def kept(profile: dict[str, object]) -> dict[str, object]:
    """What a chat's profile keeps of its PIN tries when its data is erased."""
    return {k: v for k, v in profile.items() if k.startswith(PREFIX)}


async def refused(ctx: Ctx, check: PinCheck, now: datetime) -> bool:
    """The code is guarded, and this chat may not try it now: it typed FREE_WRONG wrong PINs
    for it within GUARD_FOR, or the others' CODE_TRIES of the day are used up (counted here
    when not). Never the owner's own chat."""
    if check.locked_until is None or check.locked_until <= now:
        return False
    if await ctx.uow.tips.view(check.tip_id, resident_id=ctx.profile.resident_id) is not None:
        return False  # the owner's
    key = _mark_key(ctx, check)
    typed_wrong, _last = _marks(ctx, now).get(key, (0, ""))
    if typed_wrong >= FREE_WRONG:
        return True
    attempts = ctx.config.attempts
    if attempts is None:
        return False
    return not await attempts.take(f"pin:code:{key}", CODE_TRIES, GUARD_FOR)


def right(ctx: Ctx, check: PinCheck) -> None:
    """The chat typed a right PIN: its wrong ones in a row, and for this code, are forgiven."""
    for key in (WRONG, WAIT):
        ctx.state.profile.pop(key, None)
    marks = ctx.state.profile.get(MARKS)
    if isinstance(marks, dict):
        marks.pop(_mark_key(ctx, check), None)


def wrong(ctx: Ctx, check: PinCheck | None, now: datetime) -> datetime | None:
    """Count a wrong PIN against this chat; for a code that exists, the guard it then has
    (to store with its count of wrong PINs, one more than `check.failures`)."""
    profile = ctx.state.profile
    if check is None:
        return None
    in_a_row = int(profile.get(WRONG, 0)) + 1
    profile[WRONG] = in_a_row
    if in_a_row >= FREE_WRONG:
        wait = min(timedelta(minutes=2 ** (in_a_row - FREE_WRONG)), MAX_WAIT)
        profile[WAIT] = (now + wait).isoformat()
    marks, key = _marks(ctx, now), _mark_key(ctx, check)
    marks[key] = (marks.get(key, (0, ""))[0] + 1, now.isoformat())
    profile[MARKS] = {k: list(v) for k, v in marks.items()}
    if check.failures + 1 >= GUARD_AFTER:
        return now + GUARD_FOR
    return check.locked_until


def _marks(ctx: Ctx, now: datetime) -> dict[str, tuple[int, str]]:
    """This chat's wrong PINs by code within GUARD_FOR: a count and the time of the last."""
    stored = ctx.state.profile.get(MARKS)
    marks: dict[str, tuple[int, str]] = {}
    if isinstance(stored, dict):
        for key, mark in stored.items():
            try:
                count, last = int(mark[0]), str(mark[1])
                if _at(last) > now - GUARD_FOR:
                    marks[str(key)] = (count, last)
            except (TypeError, ValueError, IndexError):
                continue  # a mark that is not one: dropped
    return marks


def _mark_key(ctx: Ctx, check: PinCheck) -> str:
    """The tip, as the chat's state and the shared counts name it: a keyed hash of its id,
    so that neither holds a receipt code nor a tip's id."""
    tip = f"pin tries\0{check.tip_id}".encode()
    return hmac.new(ctx.config.pin_secret, tip, "sha256").hexdigest()[:20]
