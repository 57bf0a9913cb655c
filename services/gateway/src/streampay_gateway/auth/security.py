"""Who is calling: RS256 bearer tokens, verified against the identity provider's keys.

Every check a token must pass, in order: it is a compact JWS, three segments of canonical
unpadded base64url (no padding, no stray bits in the last character: one token has one
spelling, so no variant of a genuine token passes as another), whose header names ``RS256``
(the only algorithm accepted, so ``none`` and HMAC tokens signed with the public key are
refused before any key is touched) and a key id the identity provider publishes; the signature
verifies; it was issued by ``AUTH_ISSUER`` for ``AUTH_AUDIENCE`` (both claims present); its
header asks for no critical extension (``crit``: none is understood here); ``exp`` (required),
``nbf`` and ``iat`` are numbers, and with ``AUTH_LEEWAY_SECONDS`` of clock skew it is not
expired, already valid and not issued in the future; its ``sub`` is a StreamPay user id (the
contracts' ``UserId``, length included) and not one of StreamPay's own ``system|`` accounts,
which no person may act as.

A failed check answers 401 with ``WWW-Authenticate: Bearer`` (RFC 6750); a valid token that
lacks the route's scope answers 403 ``insufficient_scope``. The token is read from
``Authorization: Bearer``. Only the live views (``EventSource`` cannot send headers) also take
it from the ``access_token`` query parameter, the header winning when both are present; every
other route refuses a request whose URL carries one (401 ``invalid_request``), so no client
gets used to putting tokens where proxies and browser histories keep them.

A token that passed every check is remembered (by its exact text) for up to
``VERIFIED_TTL_S`` and never past its expiry, so a client's next request skips the RSA check and
the key lookup; a refusal is never remembered. A signing key withdrawn by the identity provider
therefore stops working here within ``VERIFIED_TTL_S``.
"""

from __future__ import annotations

import base64
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from cachetools import TTLCache
from fastapi import Depends, Request
from fastapi.security import APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer
from jose import JWTError, jwt
from jose.exceptions import JWTClaimsError
from pydantic import TypeAdapter, ValidationError

from streampay_contracts import Problem, is_system_user
from streampay_contracts.fields import UserId
from streampay_gateway.auth.jwks import KeySource, KeysUnavailable
from streampay_gateway.http.problems import ProblemError, unavailable

SCOPES: tuple[str, ...] = (
    "read:users",
    "write:users",
    "read:payment-requests",
    "write:pay",
    "write:request",
    "read:activities",
    "read:balances",
)
"""The scopes of the original StreamPay; a development token gets all of them by default."""

SYSTEM_SCOPE = "read:system"
"""Reading every topic, consumer group and command trace (the System section): an operator's
scope, which the development sign-in grants only when it is asked for by name."""
GRANTABLE_SCOPES: tuple[str, ...] = (*SCOPES, SYSTEM_SCOPE)

ALGORITHMS = ["RS256"]
VERIFIED_TTL_S = 60
VERIFIED_MAX = 50_000
"""How long, and for how many tokens, a verified token is remembered."""
REALM = "streampay"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_USER_ID: TypeAdapter[str] = TypeAdapter(UserId)
_JOSE_OPTIONS = {"verify_exp": False, "verify_nbf": False, "verify_iat": False}
"""jose checks the signature, ``iss`` and ``aud``; the times are checked by :func:`_times`
(jose takes ``"9999999999"`` for a number and fails on a list)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The verified caller: their user id (the token's ``sub``), scopes and token expiry."""

    user_id: str
    scopes: frozenset[str]
    expires_at: int
    """When the token expires, in seconds since the epoch."""
    token: str


def unauthorized(detail: str, *, error: str | None = "invalid_token") -> ProblemError:
    """401 with the RFC 6750 challenge; ``error=None`` when no token was sent at all."""
    challenge = f'Bearer realm="{REALM}"'
    if error:
        description = detail.replace('"', "'").replace("\\", "/")
        challenge += f', error="{error}", error_description="{description}"'
    return ProblemError(Problem.unauthorized(detail), {"WWW-Authenticate": challenge})


def forbidden(detail: str, scope: str | None = None) -> ProblemError:
    """403; with ``scope``, the challenge names the scope that is missing."""
    challenge = f'Bearer realm="{REALM}", error="insufficient_scope"'
    if scope:
        challenge += f', scope="{scope}"'
    return ProblemError(Problem.forbidden(detail), {"WWW-Authenticate": challenge})


class TokenVerifier:
    """Turns a bearer token into a :class:`Principal`, or refuses it with a ProblemError."""

    def __init__(self, keys: KeySource, issuer: str, audience: str, leeway_s: int) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._leeway_s = leeway_s
        self._verified: TTLCache[str, Principal] = TTLCache(VERIFIED_MAX, VERIFIED_TTL_S)

    async def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None and time.time() < known.expires_at + self._leeway_s:
            return known
        principal = await self._check(token)
        self._verified[token] = principal
        return principal

    async def _check(self, token: str) -> Principal:
        key = await self._signing_key(token)
        claims = self._claims(token, key)
        if "aud" not in claims:
            raise unauthorized("the token names no audience (aud)")
        expires_at = _times(claims, time.time(), self._leeway_s)
        subject = _subject(claims.get("sub"))
        if is_system_user(subject):
            raise forbidden("StreamPay's own system accounts cannot use the API")
        return Principal(subject, _scopes(claims), expires_at, token)

    async def _signing_key(self, token: str) -> Any:
        if not _canonical(token):
            raise unauthorized("the token is not three segments of unpadded, canonical base64url")
        try:
            header = jwt.get_unverified_header(token)
        except JWTError:
            raise unauthorized("the token is not a well-formed JWT") from None
        if header.get("alg") not in ALGORITHMS:
            raise unauthorized(f"tokens signed with {header.get('alg')!r} are not accepted")
        if "crit" in header:
            raise unauthorized("the token requires extensions (crit) this gateway does not know")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise unauthorized("the token does not name its signing key (kid)")
        try:
            key = await self._keys.key_for(kid)
        except KeysUnavailable as error:
            raise unavailable(str(error), retry_after_s=5) from None
        if key is None:
            raise unauthorized("the token is signed by a key the identity provider does not have")
        return key

    def _claims(self, token: str, key: Any) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                dict(key),
                algorithms=ALGORITHMS,
                audience=self._audience,
                issuer=self._issuer,
                options=_JOSE_OPTIONS,
            )
        except JWTClaimsError as error:
            raise unauthorized(f"the token is not valid here: {error}") from None
        except JWTError:
            raise unauthorized("the token's signature does not verify") from None
        return claims


def _canonical(token: str) -> bool:
    """Whether ``token`` is three base64url segments, each as base64url itself would write it."""
    segments = token.split(".")
    if len(segments) != 3 or not all(_BASE64URL.fullmatch(part) for part in segments):
        return False
    for part in segments:
        try:
            decoded = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except ValueError:  # a length no base64 has
            return False
        if base64.urlsafe_b64encode(decoded).rstrip(b"=").decode() != part:
            return False
    return True


def _times(claims: dict[str, Any], now: float, leeway_s: int) -> int:
    """The token's expiry, once ``exp``, ``nbf`` and ``iat`` are numbers that allow it now."""
    times: dict[str, float] = {}
    for name in ("exp", "nbf", "iat"):
        value = claims.get(name)
        if value is None and name != "exp":
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise unauthorized(f"the token's {name} must be a number of seconds since 1970")
        times[name] = value
    if times["exp"] <= now - leeway_s:
        raise unauthorized("the token has expired; sign in again")
    if times.get("nbf", now) > now + leeway_s:
        raise unauthorized("the token is not yet valid (nbf)")
    if times.get("iat", now) > now + leeway_s:
        raise unauthorized("the token was issued in the future (iat)")
    return int(times["exp"])


def _subject(subject: Any) -> str:
    """``sub`` when it is a StreamPay user id, by the contracts' own rule (length included)."""
    try:
        return _USER_ID.validate_python(subject, strict=True)
    except ValidationError:
        raise unauthorized("the token's subject is not a StreamPay user id") from None


def _scopes(claims: dict[str, Any]) -> frozenset[str]:
    """OAuth ``scope`` (space-separated), or the ``scp``/``permissions`` lists some IdPs use."""
    found: set[str] = set()
    scope = claims.get("scope")
    if isinstance(scope, str):
        found.update(scope.split())
    for name in ("scp", "permissions"):
        listed = claims.get(name)
        if isinstance(listed, list):
            found.update(item for item in listed if isinstance(item, str))
    return frozenset(found)


_bearer = HTTPBearer(auto_error=False, description="A token from `POST /auth/token` or your IdP")
QUERY_TOKEN = "access_token"  # noqa: S105 - a parameter name, not a secret
_query_token = APIKeyQuery(
    name=QUERY_TOKEN,
    auto_error=False,
    description="The same token as a query parameter, for EventSource",
)


async def authenticate(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The verified caller from ``Authorization: Bearer``, whatever scopes their token has."""
    if QUERY_TOKEN in request.query_params:
        raise unauthorized(
            "send the token as 'Authorization: Bearer'; only the live views (EventSource) "
            f"take ?{QUERY_TOKEN}=",
            error="invalid_request",
        )
    return await _verified(request, bearer.credentials if bearer else None)


async def authenticate_stream(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    query_token: Annotated[str | None, Depends(_query_token)],
) -> Principal:
    """The verified caller of a live view: the header's token, else the query's."""
    return await _verified(request, bearer.credentials if bearer else query_token)


async def _verified(request: Request, token: str | None) -> Principal:
    if not token:
        raise unauthorized("sign in and send the token as 'Authorization: Bearer'", error=None)
    verifier: TokenVerifier = request.app.state.verifier
    return await verifier.verify(token)


Authenticated = Annotated[Principal, Depends(authenticate)]
StreamAuthenticated = Annotated[Principal, Depends(authenticate_stream)]
"""The caller of a live view: the token may also come as ?access_token= (EventSource)."""


def require_scope(scope: str, *, stream: bool = False) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the verified caller, if their token has ``scope`` (else 401/403); with
    ``stream``, for a live view, which also takes the token from the query."""

    async def scoped(principal: Authenticated) -> Principal:
        return _with_scope(principal, scope)

    async def scoped_stream(principal: StreamAuthenticated) -> Principal:
        return _with_scope(principal, scope)

    return scoped_stream if stream else scoped


def _with_scope(principal: Principal, scope: str) -> Principal:
    if scope not in principal.scopes:
        raise forbidden(f"this needs the scope '{scope}', which the token lacks", scope)
    return principal


ReadUsers = Annotated[Principal, Depends(require_scope("read:users"))]
WriteUsers = Annotated[Principal, Depends(require_scope("write:users"))]
ReadPaymentRequests = Annotated[Principal, Depends(require_scope("read:payment-requests"))]
WritePay = Annotated[Principal, Depends(require_scope("write:pay"))]
WriteRequest = Annotated[Principal, Depends(require_scope("write:request"))]
StreamReadPaymentRequests = Annotated[
    Principal, Depends(require_scope("read:payment-requests", stream=True))
]
StreamReadActivities = Annotated[Principal, Depends(require_scope("read:activities", stream=True))]
StreamReadBalances = Annotated[Principal, Depends(require_scope("read:balances", stream=True))]
ReadSystem = Annotated[Principal, Depends(require_scope(SYSTEM_SCOPE))]
StreamReadSystem = Annotated[Principal, Depends(require_scope(SYSTEM_SCOPE, stream=True))]
