"""Rate limits per client address, for what costs the system something: sign-ins (each is an
RSA signature) and first profiles (each brings the sign-up grant).

A limit is a token bucket per address: ``count`` at once, refilled at ``count`` per
``period_s``. Past it the answer is 429 with ``Retry-After`` (whole seconds until the next one
is allowed). The address is the client's as the server sees it (uvicorn takes
``X-Forwarded-For`` only from ``FORWARDED_ALLOW_IPS``, loopback by default). Buckets of
addresses that have been quiet for a whole period are full again, so they are forgotten; at
most ``MAX_ADDRESSES`` are remembered.
"""

from __future__ import annotations

import math
import time
from typing import Annotated

from cachetools import TTLCache
from fastapi import Depends, Request

from streampay_contracts import Problem
from streampay_gateway.config import GatewaySettings
from streampay_gateway.http.problems import ProblemError

MAX_ADDRESSES = 100_000


class RateLimit:
    """At most ``count`` ``what`` per ``period_s`` from one address (a token bucket)."""

    def __init__(self, what: str, count: int, period_s: float) -> None:
        self.what = what
        self._capacity = count
        self._per_second = count / period_s
        self._buckets: TTLCache[str, tuple[float, float]] = TTLCache(MAX_ADDRESSES, period_s)

    def take(self, address: str) -> None:
        """Count one for ``address``, or refuse with 429 when its bucket is empty."""
        now = time.monotonic()
        tokens, then = self._buckets.get(address, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - then) * self._per_second)
        if tokens < 1:
            wait = math.ceil((1 - tokens) / self._per_second)
            detail = f"too many {self.what} from your address; retry in {wait} s"
            raise ProblemError(Problem.of(429, detail), {"Retry-After": str(wait)})
        self._buckets[address] = (tokens - 1, now)


class RateLimits:
    """Every limit of the gateway, from the settings."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.sign_ins = RateLimit("sign-ins", settings.auth_sign_ins_per_minute, 60)
        self.new_profiles = RateLimit("new profiles", settings.new_profiles_per_hour, 3600)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _limits(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.rate_limits
    return limits


Limits = Annotated[RateLimits, Depends(_limits)]
