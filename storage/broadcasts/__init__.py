"""Broadcasts in storage: the SQL `BroadcastStore` (store.py, with the fan-out into the
outbox in fanout.py), and whether a queued copy still goes out when its turn comes
(delivery.py). The neighbourhoods a commune's police keep are storage/neighbourhoods.py."""

from storage.broadcasts.store import SqlBroadcastStore

__all__ = ["SqlBroadcastStore"]
