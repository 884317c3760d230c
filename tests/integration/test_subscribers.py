"""What the SQL store gives the broadcasts to come: the residents subscribed to awareness
messages or to one commune's alerts, after opting in and out through the dispatcher."""

from __future__ import annotations

from handlers.ports import SubscriptionKind
from storage.awareness import SqlAwareness
from tests.conftest import Chat
from tests.unit.test_subscriptions import BA_DINH, ON_AWARENESS, THUAN_HOA, subscribed_to_both


def ours(found: list[str], *mine: str) -> list[str]:
    """The residents of `mine` among `found`, in found's order."""
    return [r for r in found if r in mine]


async def test_the_broadcasts_find_who_is_subscribed(dispatcher: object) -> None:
    first, second = Chat(dispatcher), Chat(dispatcher)  # type: ignore[arg-type]
    await subscribed_to_both(first)
    await second.onboard()
    await second.pick("menu:settings")
    await second.pick("settings:subs")
    await second.pick(ON_AWARENESS)
    uow = first.dispatcher.unit_of_work()
    try:
        one = (await uow.residents.for_identity("test", "acc", first.user)).resident_id
        two = (await uow.residents.for_identity("test", "acc", second.user)).resident_id
        repo = uow.awareness
        assert isinstance(repo, SqlAwareness)
        # Other tests' residents may share the PostgreSQL database: only these two count.
        assert ours(await repo.subscribers(SubscriptionKind.AWARENESS), one, two) == [one, two]
        assert ours(await repo.subscribers(SubscriptionKind.ALERTS, BA_DINH), one, two) == [one]
        assert ours(await repo.subscribers(SubscriptionKind.ALERTS, THUAN_HOA), one, two) == []
    finally:
        await uow.close()
    await first.say("DỪNG")
    uow = first.dispatcher.unit_of_work()
    try:
        found = await uow.awareness.subscribers(SubscriptionKind.AWARENESS)
        assert ours(found, one, two) == [two]
    finally:
        await uow.close()
