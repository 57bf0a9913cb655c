"""Replays paced so that they never hold up the event loop: a resumed stream's records are
sent in slices, and only a few slices run per turn of the event loop, in turn.

A client resuming from far back may be owed thousands of records. Sent in one go they hold the
event loop for as long as it takes to frame them (no write to a socket that has room awaits
anything), and hundreds of such clients at once held it for seconds: new connections, health
checks and every other client waited. Here each slice of ``SLICE`` records takes a turn:
at most ``width`` slices run per pass of the event loop, and clients waiting for a turn get
them in order of arrival, so a replay shares the process fairly with the others and never
with more than a slice at a time.

At most ``per_user`` replays of one user run at once; one more is refused (429) before its
stream opens.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from streampay_contracts import Problem
from streampay_gateway.http.problems import ProblemError

SLICE = 100
"""Records framed in one turn at most."""


class Pacer:
    """Turns for slices of replay work: ``width`` per pass of the event loop, first come first
    served; and a count of each user's replays."""

    def __init__(self, width: int, per_user: int) -> None:
        self._turns = asyncio.Semaphore(width)
        self._per_user = per_user
        self._replaying: Counter[str] = Counter()

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Run the block (work that does not await) as one slice; the turn is held until the
        event loop has made one more pass, so other work runs between any two slices."""
        async with self._turns:
            yield
            await asyncio.sleep(0)

    def admit(self, user: str) -> ReplaySlot:
        """A replay for ``user``, or 429 when they already have ``per_user`` running."""
        if self._replaying[user] >= self._per_user:
            detail = (
                f"you are already resuming {self._per_user} live views; "
                "retry when one of them has sent 'ready'"
            )
            raise ProblemError(Problem.of(429, detail), {"Retry-After": "1"})
        self._replaying[user] += 1
        return ReplaySlot(self, user)

    def finished(self, user: str) -> None:
        """One replay of ``user`` is over (called by its :class:`ReplaySlot`)."""
        self._replaying[user] -= 1
        if not self._replaying[user]:
            del self._replaying[user]


class ReplaySlot:
    """One admitted replay; :meth:`release` (idempotent) when it is over, however it ends."""

    def __init__(self, pacer: Pacer, user: str) -> None:
        self._pacer: Pacer | None = pacer
        self._user = user

    def release(self) -> None:
        if self._pacer is not None:
            self._pacer.finished(self._user)
            self._pacer = None
