"""The simulated world: the virtual users, the real users they interact with, and their sessions.

The world is rebuilt from StreamPay itself at start-up (`GET /users`), so a restarted
simulation keeps its virtual users — it signs them in again and never re-registers or renames
one — and numbering continues after the highest existing `virtual-user-N`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from faker import Faker

from streampay_contracts import User
from streampay_contracts.client import Session
from streampay_simulation.adapters.bank import Bank
from streampay_simulation.adapters.gateway import GatewayClient
from streampay_simulation.config import SimulationSettings
from streampay_simulation.stats import Stats

VIRTUAL_USERNAME = re.compile(r"virtual-user-(\d+)")
OBSERVER = "simulation"  # signs in with read:users only, to see who exists


@dataclass
class World:
    settings: SimulationSettings
    gateway: GatewayClient
    bank: Bank
    rng: random.Random
    faker: Faker
    stats: Stats = field(default_factory=Stats)
    virtual: dict[str, Session] = field(default_factory=dict)
    real: dict[str, User] = field(default_factory=dict)
    topped_up: dict[str, int] = field(default_factory=dict)
    """Real users by the round in which the bank last topped them up."""
    top_up_round: int = 0
    next_index: int = 1
    joined: Callable[[str], None] = lambda user_id: None
    """Told of every virtual user as it joins the world (the runner follows its requests)."""
    _observer: Session | None = None

    async def rebuild(self) -> None:
        """Learn who exists: virtual users get signed in again, real users are remembered."""
        for user in await self.gateway.users(await self._observer_session()):
            match = VIRTUAL_USERNAME.fullmatch(user.username)
            if match and user.id == f"local|{user.username}":
                self.next_index = max(self.next_index, int(match[1]) + 1)
                if user.id not in self.virtual:
                    self.virtual[user.id] = await self.gateway.sign_in(user.username, user.name)
                    self.joined(user.id)
            elif not user.id.startswith(("system|", "local|virtual-user-")):
                self.real[user.id] = user

    async def session(self, user_id: str) -> Session:
        """A virtual user's session, renewed shortly before its token expires."""
        current = self.virtual[user_id]
        if current.expiring:
            current = await self.gateway.sign_in(current.username, current.name)
            self.virtual[user_id] = current
        return current

    def pick_virtual(self, count: int) -> list[str]:
        ids = sorted(self.virtual)
        return self.rng.sample(ids, count) if len(ids) >= count else []

    def pick_real(self) -> str | None:
        ids = sorted(self.real)
        return self.rng.choice(ids) if ids else None

    def pick_real_to_top_up(self) -> str | None:
        """The real user the bank tops up next: a newcomer first (the last one to appear), then
        whoever waited longest, so someone who just signed up sees money arrive at the next
        top-up, and every real user gets one in turn."""
        if not self.real:
            return None
        waiting = [user_id for user_id in self.real if user_id not in self.topped_up]
        if waiting:
            picked = waiting[-1]
        else:
            picked = min(self.real, key=lambda user_id: self.topped_up[user_id])
        self.top_up_round += 1
        self.topped_up[picked] = self.top_up_round
        return picked

    def public(self) -> bool:
        """Whether a virtual user makes this payment public (``SIMULATION_PUBLIC_SHARE``)."""
        return self.rng.random() < self.settings.simulation_public_share

    def amount(self, low: Decimal, high: Decimal) -> Decimal:
        """A random amount in whole cents between `low` and `high`."""
        cents = self.rng.randint(int(low * 100), int(high * 100))
        return (Decimal(cents) / 100).quantize(Decimal("0.01"))

    async def _observer_session(self) -> Session:
        if self._observer is None or self._observer.expiring:
            self._observer = await self.gateway.sign_in(
                OBSERVER, "StreamPay simulation", scope="read:users"
            )
        return self._observer
