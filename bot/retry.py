"""The one back-off policy for retrying after a failure, on tenacity.

Every use (delivery's sends, the outbox's schedule, Telegram's and Zalo Bot's polling) has
its own first wait, cap and jitter below; the formula (doubling after each failure in a row,
then 0 to `jitter` s added at random) is the same everywhere. A `Backoff` is a tenacity wait
strategy, so it can drive an `AsyncRetrying`; loops that count their own failures, and the
outbox whose schedule lives in the database, ask it for `after(n)` instead.

A platform's "retry after N s" (HTTP 429) is not back-off: it is honoured as given, elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenacity import RetryCallState, Retrying, wait_exponential, wait_random
from tenacity.wait import wait_base

# RetryCallState wants the Retrying it belongs to; `after` computes a wait outside of one.
_DETACHED = Retrying()


@dataclass(frozen=True)
class Backoff(wait_base):
    """`first` s after the first failure, doubling after each next one up to `cap` s, plus 0
    to `jitter` s at random: senders that failed together do not all come back together."""

    first: float
    cap: float
    jitter: float = 0.0

    def __post_init__(self) -> None:
        if not 0 < self.first <= self.cap or self.jitter < 0:
            raise ValueError("a back-off needs 0 < first <= cap and jitter >= 0")

    def __call__(self, retry_state: RetryCallState) -> float:
        grown = wait_exponential(multiplier=self.first, max=self.cap)(retry_state)
        return grown + wait_random(0, self.jitter)(retry_state)

    def after(self, failures: int) -> float:
        """The wait in seconds after `failures` failures in a row (1, 2, …)."""
        state = RetryCallState(_DETACHED, None, (), {})
        state.attempt_number = max(failures, 1)
        return self(state)


# Network and server errors of one send: 0.5 s, 1, 2, 4, each plus up to 0.5 s (five tries by
# default). The cap is never reached at five tries; it bounds the wait should max_attempts be
# raised, since a chat's later messages wait behind this one.
DELIVERY = Backoff(first=0.5, cap=30.0, jitter=0.5)
# getUpdates failing (network, server): 1 s, 2, 4, 8, 16, then every 30 s. No jitter: one
# process polls a bot token (Telegram refuses a second), so there is nobody to spread from.
POLLING = Backoff(first=1.0, cap=30.0)
# A message the outbox could not send: tried again 30 s later, doubling up to an hour. No
# jitter: the schedule is exact and rows are claimed in batches anyway.
OUTBOX = Backoff(first=30.0, cap=3600.0)
