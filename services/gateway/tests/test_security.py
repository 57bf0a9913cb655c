"""Token verification: every way a token can be wrong is refused, and why is said."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import math
import os
import stat
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from streampay_gateway.auth.jwks import KeysUnavailable, RemoteJwks, StaticKeys
from streampay_gateway.auth.security import Principal, TokenVerifier, require_scope
from streampay_gateway.auth.signing import KEY_FILE, SigningKey, TokenClaims
from streampay_gateway.http.problems import ProblemError

pytestmark = pytest.mark.unit

ISSUER, AUDIENCE = "test-issuer", "streampay"


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> SigningKey:
    return SigningKey.load_or_create(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def other_key(tmp_path_factory: pytest.TempPathFactory) -> SigningKey:
    return SigningKey.load_or_create(tmp_path_factory.mktemp("other-keys"))


@pytest.fixture
def verifier(key: SigningKey) -> TokenVerifier:
    return TokenVerifier(StaticKeys([key.public_jwk]), ISSUER, AUDIENCE, leeway_s=5)


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "local|alice",
        "scope": "read:users write:pay",
        "iat": now,
        "nbf": now,
        "exp": now + 60,
        **overrides,
    }


def sign(key: SigningKey, payload: dict[str, Any], **header: Any) -> str:
    return key.sign(payload, {"kid": key.kid, **header})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    parts = [b64(json.dumps(header).encode()), b64(json.dumps(payload).encode())]
    return ".".join([*parts, b64(signature)])


async def refusal(verifier: TokenVerifier, token: str) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        await verifier.verify(token)
    return caught.value


async def test_a_valid_token_gives_the_principal(verifier: TokenVerifier, key: SigningKey) -> None:
    payload = claims()
    principal = await verifier.verify(sign(key, payload))
    assert principal.user_id == "local|alice"
    assert principal.scopes == {"read:users", "write:pay"}
    assert principal.expires_at == payload["exp"]


class CountingKeys(StaticKeys):
    """Static keys that count how often a key is looked up."""

    lookups = 0

    async def key_for(self, kid: str) -> dict[str, Any] | None:
        self.lookups += 1
        return await super().key_for(kid)


async def test_a_verified_token_is_remembered_not_checked_again(key: SigningKey) -> None:
    keys = CountingKeys([key.public_jwk])
    verifier = TokenVerifier(keys, ISSUER, AUDIENCE, leeway_s=5)
    token = sign(key, claims())
    first = await verifier.verify(token)
    assert await verifier.verify(token) == first
    assert keys.lookups == 1
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    await refusal(verifier, tampered)  # another text is checked in full, and refused
    assert keys.lookups == 2


async def test_a_remembered_token_still_expires(key: SigningKey) -> None:
    verifier = TokenVerifier(StaticKeys([key.public_jwk]), ISSUER, AUDIENCE, leeway_s=0)
    now = time.time()
    expires = math.ceil(now) + 2  # a whole second, at least two seconds away
    token = sign(key, claims(iat=int(now), nbf=int(now), exp=expires))
    assert await verifier.verify(token)
    await asyncio.sleep(expires - time.time() + 0.1)
    error = await refusal(verifier, token)
    assert "expired" in (error.problem.detail or "")


async def test_alg_none_is_refused(verifier: TokenVerifier, key: SigningKey) -> None:
    token = unsigned({"alg": "none", "typ": "JWT", "kid": key.kid}, claims())
    error = await refusal(verifier, token)
    assert error.problem.status == 401 and "'none'" in (error.problem.detail or "")
    assert error.headers["WWW-Authenticate"].startswith(
        'Bearer realm="streampay", error="invalid_token"'
    )


async def test_hs256_signed_with_the_public_key_is_refused(
    verifier: TokenVerifier, key: SigningKey
) -> None:
    # The classic confusion attack: HMAC keyed with the (public) RSA key the server trusts.
    header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
    signing_input = ".".join([b64(json.dumps(header).encode()), b64(json.dumps(claims()).encode())])
    public = json.dumps(key.public_jwk).encode()
    signature = hmac.new(public, signing_input.encode(), hashlib.sha256).digest()
    error = await refusal(verifier, f"{signing_input}.{b64(signature)}")
    assert error.problem.status == 401 and "HS256" in (error.problem.detail or "")


async def test_an_expired_token_is_refused(verifier: TokenVerifier, key: SigningKey) -> None:
    past = int(time.time()) - 120
    error = await refusal(verifier, sign(key, claims(iat=past - 60, nbf=past - 60, exp=past)))
    assert error.problem.status == 401 and "expired" in (error.problem.detail or "")


async def test_expiry_within_the_leeway_is_accepted(
    verifier: TokenVerifier, key: SigningKey
) -> None:
    now = int(time.time())
    assert await verifier.verify(sign(key, claims(exp=now - 2)))


async def test_a_token_not_yet_valid_is_refused(verifier: TokenVerifier, key: SigningKey) -> None:
    future = int(time.time()) + 600
    error = await refusal(verifier, sign(key, claims(nbf=future, exp=future + 60)))
    assert error.problem.status == 401 and "not yet valid" in (error.problem.detail or "")


async def test_a_wrong_issuer_is_refused(verifier: TokenVerifier, key: SigningKey) -> None:
    error = await refusal(verifier, sign(key, claims(iss="https://evil.example")))
    assert error.problem.status == 401 and "issuer" in (error.problem.detail or "").lower()


async def test_a_wrong_audience_is_refused(verifier: TokenVerifier, key: SigningKey) -> None:
    error = await refusal(verifier, sign(key, claims(aud="another-api")))
    assert error.problem.status == 401 and "audience" in (error.problem.detail or "").lower()


async def test_an_unknown_key_id_is_refused(verifier: TokenVerifier, other_key: SigningKey) -> None:
    error = await refusal(verifier, sign(other_key, claims()))
    assert error.problem.status == 401 and "key" in (error.problem.detail or "")


async def test_a_foreign_key_under_a_known_kid_is_refused(
    verifier: TokenVerifier, key: SigningKey, other_key: SigningKey
) -> None:
    token = other_key.sign(claims(), {"kid": key.kid})
    error = await refusal(verifier, token)
    assert error.problem.status == 401 and "signature" in (error.problem.detail or "")


async def test_a_tampered_payload_is_refused(verifier: TokenVerifier, key: SigningKey) -> None:
    header, _, signature = sign(key, claims()).split(".")
    forged = b64(json.dumps(claims(sub="local|mallory")).encode())
    error = await refusal(verifier, f"{header}.{forged}.{signature}")
    assert error.problem.status == 401 and "signature" in (error.problem.detail or "")


async def test_a_token_without_kid_or_exp_is_refused(
    verifier: TokenVerifier, key: SigningKey
) -> None:
    no_kid = key.sign(claims(), {})
    assert (await refusal(verifier, no_kid)).problem.status == 401
    payload = claims()
    del payload["exp"]
    assert (await refusal(verifier, sign(key, payload))).problem.status == 401


async def test_garbage_is_refused(verifier: TokenVerifier) -> None:
    for token in ("", "abc", "a.b.c", "🙂.🙂.🙂"):
        assert (await refusal(verifier, token)).problem.status == 401


async def test_a_system_subject_is_refused_even_when_signed(
    verifier: TokenVerifier, key: SigningKey
) -> None:
    error = await refusal(verifier, sign(key, claims(sub="system|bank")))
    assert error.problem.status == 403
    assert "system" in (error.problem.detail or "")


async def test_a_subject_that_is_no_user_id_is_refused(
    verifier: TokenVerifier, key: SigningKey
) -> None:
    for subject in ("alice", "local|", "local|with space"):
        assert (await refusal(verifier, sign(key, claims(sub=subject)))).problem.status == 401


async def test_scopes_may_come_as_lists(verifier: TokenVerifier, key: SigningKey) -> None:
    payload = claims(permissions=["write:request"], scp=["read:balances", 7])
    principal = await verifier.verify(sign(key, payload))
    assert principal.scopes == {"read:users", "write:pay", "write:request", "read:balances"}


async def test_a_missing_scope_is_403_naming_it() -> None:
    principal = Principal("local|alice", frozenset({"read:users"}), 0, "t")
    scoped = require_scope("write:pay")
    assert await require_scope("read:users")(principal) is principal
    with pytest.raises(ProblemError) as caught:
        await scoped(principal)
    assert caught.value.problem.status == 403
    assert caught.value.headers["WWW-Authenticate"].endswith(
        'error="insufficient_scope", scope="write:pay"'
    )


# -- the development provider's key ------------------------------------------------------------


def test_the_key_is_created_once_private_and_reused(tmp_path: Path) -> None:
    first = SigningKey.load_or_create(tmp_path / "data")
    mode = stat.S_IMODE(os.stat(tmp_path / "data" / KEY_FILE).st_mode)
    assert mode == 0o600
    assert SigningKey.load_or_create(tmp_path / "data").kid == first.kid
    assert [p.name for p in (tmp_path / "data").iterdir()] == [KEY_FILE]


def test_instances_starting_together_share_one_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        kids = set(pool.map(lambda _: SigningKey.load_or_create(tmp_path).kid, range(8)))
    assert len(kids) == 1


async def test_issued_tokens_verify(key: SigningKey, verifier: TokenVerifier) -> None:
    token = key.issue(TokenClaims("local|bob", "Bob", ["read:users"], ISSUER, AUDIENCE, 60))
    principal = await verifier.verify(token)
    assert principal.user_id == "local|bob" and principal.scopes == {"read:users"}


# -- a remote identity provider's JWKS ---------------------------------------------------------


class FakeProvider:
    def __init__(self, *keys: SigningKey) -> None:
        self.keys = list(keys)
        self.fetches = 0
        self.down = False

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        if self.down:
            return httpx.Response(503)
        return httpx.Response(200, json={"keys": [k.public_jwk for k in self.keys]})


def remote(provider: FakeProvider) -> RemoteJwks:
    client = httpx.AsyncClient(transport=httpx.MockTransport(provider.handle))
    return RemoteJwks("https://idp.example/jwks", cache_seconds=600, client=client)


async def test_remote_keys_are_cached(key: SigningKey) -> None:
    provider = FakeProvider(key)
    keys = remote(provider)
    assert await keys.key_for(key.kid) is not None
    assert await keys.key_for(key.kid) is not None
    assert provider.fetches == 1


async def test_a_rotated_key_is_fetched_on_its_first_token(
    key: SigningKey, other_key: SigningKey
) -> None:
    provider = FakeProvider(key)
    keys = remote(provider)
    assert await keys.key_for(key.kid) is not None
    provider.keys.append(other_key)  # the provider rotates
    keys._fetched_at -= 31  # past the refetch interval
    assert await keys.key_for(other_key.kid) is not None
    assert provider.fetches == 2


async def test_unknown_kids_cannot_flood_the_provider(key: SigningKey) -> None:
    provider = FakeProvider(key)
    keys = remote(provider)
    for n in range(20):
        assert await keys.key_for(f"made-up-{n}") is None
    assert provider.fetches == 1


async def test_a_provider_never_reached_is_unavailable_not_unauthorized() -> None:
    provider = FakeProvider()
    provider.down = True
    verifier = TokenVerifier(remote(provider), ISSUER, AUDIENCE, 5)
    token = unsigned({"alg": "RS256", "kid": "k1"}, claims(), b"x")
    with pytest.raises(ProblemError) as caught:
        await verifier.verify(token)
    assert caught.value.problem.status == 503
    with pytest.raises(KeysUnavailable):
        await remote(provider).key_for("k1")
