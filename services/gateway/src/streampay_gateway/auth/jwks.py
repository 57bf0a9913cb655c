"""Where token signatures are checked against: the verification keys, looked up by ``kid``.

- :class:`StaticKeys` — the development identity provider's own public key.
- :class:`RemoteJwks` — an OIDC provider's JWKS URL (Auth0, Keycloak), cached, and fetched
  again when a token names a key id the cache does not know, which is how a provider's key
  rotation reaches the gateway without a restart. Such refetches are rate-limited, so tokens
  with made-up key ids cannot turn the gateway into a flood of requests to the provider.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import httpx
import structlog

log = structlog.get_logger(__name__)

Jwk = Mapping[str, Any]

MIN_REFETCH_INTERVAL_S = 30.0
RETRY_AFTER_FAILURE_S = 5.0
FETCH_TIMEOUT_S = 5.0


class KeysUnavailable(Exception):  # noqa: N818 - a condition, reported as 503
    """No verification key set could be obtained at all."""


class KeySource(Protocol):
    async def key_for(self, kid: str) -> Jwk | None:
        """The RSA public key with id ``kid``, or None if the provider has no such key."""
        ...


def usable_keys(keys: Iterable[Jwk]) -> dict[str, Jwk]:
    """RSA signing keys by ``kid``: anything else in a JWKS is ignored."""
    return {
        str(key["kid"]): key
        for key in keys
        if key.get("kty") == "RSA"
        and key.get("kid")
        and key.get("use", "sig") == "sig"
        and key.get("alg", "RS256") == "RS256"
    }


class StaticKeys:
    """A fixed set of keys: the development identity provider's."""

    def __init__(self, keys: Iterable[Jwk]) -> None:
        self._keys = usable_keys(keys)

    async def key_for(self, kid: str) -> Jwk | None:
        return self._keys.get(kid)


class RemoteJwks:
    """An identity provider's JWKS, cached for ``cache_seconds`` and refetched on an unknown kid."""

    def __init__(self, url: str, cache_seconds: float, client: httpx.AsyncClient | None = None):
        self._url = url
        self._cache_seconds = cache_seconds
        self._client = client or httpx.AsyncClient(timeout=FETCH_TIMEOUT_S)
        self._keys: dict[str, Jwk] | None = None
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def key_for(self, kid: str) -> Jwk | None:
        if self._keys is None:
            await self._refresh(min_age=RETRY_AFTER_FAILURE_S)
        elif self._age() > self._cache_seconds:
            await self._refresh(min_age=self._cache_seconds)
        elif kid not in self._keys:
            await self._refresh(min_age=MIN_REFETCH_INTERVAL_S)
        if self._keys is None:
            raise KeysUnavailable(f"the identity provider's keys at {self._url} are unavailable")
        return self._keys.get(kid)

    async def aclose(self) -> None:
        await self._client.aclose()

    def _age(self) -> float:
        return time.monotonic() - self._fetched_at

    async def _refresh(self, min_age: float) -> None:
        async with self._lock:
            # Another request may have refreshed while this one waited for the lock.
            if self._fetched_at and self._age() < min_age:
                return
            try:
                response = await self._client.get(self._url)
                response.raise_for_status()
                self._keys = usable_keys(response.json().get("keys", []))
            except (httpx.HTTPError, ValueError, AttributeError) as error:
                log.warning("jwks fetch failed", url=self._url, error=str(error))
            finally:
                self._fetched_at = time.monotonic()
