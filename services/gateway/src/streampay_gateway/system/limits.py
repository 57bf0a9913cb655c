"""Bounds on topic reading: readers open at once, in all and per user.

Every record stream and every trace search holds one reader slot from before it connects to
the broker until it ends. One user past ``SYSTEM_READERS_PER_USER`` gets 429, anyone past
``SYSTEM_READERS`` gets 503: the explorer can never take more of the gateway and the broker
than that, whoever asks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from streampay_contracts import Problem
from streampay_gateway.http.problems import ProblemError, unavailable

RETRY_AFTER_S = 5

Release = Callable[[], None]
"""Gives a slot back; calling it again does nothing."""


class ReaderSlots:
    def __init__(self, total: int, per_user: int) -> None:
        self._total = total
        self._per_user = per_user
        self._held: Counter[str] = Counter()

    @property
    def open(self) -> int:
        return sum(self._held.values())

    def take(self, user: str) -> Release:
        """A slot for ``user``, or a 429/503 ProblemError; call the result once to give it back."""
        if self._held[user] >= self._per_user:
            problem = Problem.of(
                429,
                f"you already have {self._per_user} topic readers open; close one first",
            )
            raise ProblemError(problem, {"Retry-After": str(RETRY_AFTER_S)})
        if self.open >= self._total:
            raise unavailable("too many topic readers are open; try again shortly", RETRY_AFTER_S)
        self._held[user] += 1
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            self._held[user] -= 1
            if self._held[user] <= 0:
                del self._held[user]

        return release

    @contextmanager
    def held(self, user: str) -> Iterator[None]:
        release = self.take(user)
        try:
            yield
        finally:
            release()
