"""The development identity provider: sign in with a name, get a signed token.

On by default so the demo works out of the box; ``AUTH_DEV_PROVIDER=false`` removes these
routes and the gateway accepts only tokens of the provider at ``AUTH_JWKS_URL``. There is no
password: anyone may sign in as anyone, which is what a local demo wants and why production
turns it off. Usernames cannot contain ``|``, so no one can obtain a ``system|`` identity.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from streampay_contracts import InboundModel, Problem, dumps, encode
from streampay_contracts.fields import DisplayName, Username
from streampay_contracts.headers import JSON_CONTENT_TYPE
from streampay_gateway.auth.ratelimit import Limits, client_address
from streampay_gateway.auth.security import GRANTABLE_SCOPES, SCOPES, SYSTEM_SCOPE
from streampay_gateway.auth.signing import TokenClaims
from streampay_gateway.deps import Settings, Signer
from streampay_gateway.http.bodies import decode_body, read_body
from streampay_gateway.http.openapi import json_body, json_response
from streampay_gateway.http.problems import ProblemError, problem_responses

router = APIRouter(tags=["development sign-in"])


class SignIn(InboundModel):
    """Who is signing in, and optionally which scopes the token should carry."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"username": "alice", "name": "Alice Doe"},
                {"username": "dashboard", "name": "Wall", "scope": "read:activities"},
            ]
        }
    )

    username: Username
    name: DisplayName
    scope: str | None = Field(default=None, max_length=500)
    """Space-separated scopes; when absent, every scope but ``read:system``, which is granted
    only when asked for (here, or with ``system``)."""
    system: bool = False
    """Also grant ``read:system`` (the System section), on top of the scopes above."""


class TokenResponse(BaseModel):
    """An OAuth 2 style token response (snake_case names, as OAuth has them)."""

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the token type, not a secret
    expires_in: int
    scope: str


def requested_scopes(scope: str | None) -> list[str]:
    """The scopes asked for, in canonical order; 400 naming any that do not exist."""
    if scope is None:
        return list(SCOPES)
    asked = scope.split()
    unknown = sorted(set(asked) - set(GRANTABLE_SCOPES))
    if unknown or not asked:
        detail = f"unknown scope {', '.join(unknown)}" if unknown else "scope names no scope"
        raise ProblemError(Problem.bad_request(f"{detail}; known: {' '.join(GRANTABLE_SCOPES)}"))
    return [name for name in GRANTABLE_SCOPES if name in asked]


@router.post(
    "/auth/token",
    summary="Sign in (development identity provider)",
    openapi_extra=json_body(SignIn),
    responses={
        200: json_response(TokenResponse, "A signed RS256 token for `local|<username>`"),
        **problem_responses(400, 413, 415, 429),
    },
)
async def sign_in(request: Request, settings: Settings, signer: Signer, limits: Limits) -> Response:
    """Issue a token whose ``sub`` is ``local|<username>``, valid ``AUTH_TOKEN_TTL_SECONDS``.

    ``scope`` narrows the token to some of the scopes (a token for a read-only dashboard, or
    for a test of a 403); an unknown scope is a 400, never silently dropped. One client
    address may sign in ``AUTH_SIGN_INS_PER_MINUTE`` times a minute (429 past it).
    """
    limits.sign_ins.take(client_address(request))
    body = decode_body(await read_body(request, settings.max_body_bytes), SignIn)
    scopes = requested_scopes(body.scope)
    if body.system and SYSTEM_SCOPE not in scopes:
        scopes.append(SYSTEM_SCOPE)
    claims = TokenClaims(
        subject=f"local|{body.username}",
        name=body.name,
        scopes=scopes,
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
        ttl_seconds=settings.auth_token_ttl_seconds,
    )
    token = TokenResponse(
        access_token=signer.issue(claims),
        expires_in=settings.auth_token_ttl_seconds,
        scope=" ".join(scopes),
    )
    return Response(
        encode(token), media_type=JSON_CONTENT_TYPE, headers={"Cache-Control": "no-store"}
    )


class Jwks(BaseModel):
    """A JSON Web Key Set (RFC 7517)."""

    keys: list[dict[str, str]]


@router.get(
    "/.well-known/jwks.json",
    summary="Public keys of the development identity provider",
    responses={200: json_response(Jwks, "The key set tokens are verified against")},
)
async def jwks(signer: Signer) -> Response:
    """The RSA public key that signs development tokens, with its ``kid``."""
    body = dumps({"keys": [signer.public_jwk]})
    return Response(body, media_type=JSON_CONTENT_TYPE, headers={"Cache-Control": "max-age=300"})
