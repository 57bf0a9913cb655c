"""The development identity provider's RSA key pair, kept in the gateway's data folder.

The private key is created on first start and written once, readable by its owner only
(0600). It is created under a temporary name and then hard-linked into place, which fails if
another gateway sharing the folder got there first; the loser reads the winner's key. So every
instance sharing a data folder signs with, and accepts, the same key, and tokens survive a
restart.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt

KEY_FILE = "jwt-signing-key.pem"
ALGORITHM = "RS256"


@dataclass(frozen=True)
class TokenClaims:
    """What a development token says: who, for whom, which scopes, for how long."""

    subject: str
    name: str
    scopes: Iterable[str]
    issuer: str
    audience: str
    ttl_seconds: int


class SigningKey:
    """An RSA private key with its public JWK; signs the development provider's tokens."""

    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        # Prepared once: given the PEM, jose would load and check the private key again for
        # every token, which costs tens of milliseconds of CPU per sign-in.
        self._private_key = jwk.construct(private_key, ALGORITHM)
        self.public_jwk = _public_jwk(private_key.public_key())
        self.kid: str = self.public_jwk["kid"]

    @classmethod
    def load_or_create(cls, data_dir: Path) -> SigningKey:
        """The key in ``data_dir``, created there (0600) on first use."""
        path = data_dir / KEY_FILE
        if not path.exists():
            _create(path)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"{path} does not hold an RSA private key")
        return cls(key)

    def issue(self, claims: TokenClaims) -> str:
        """A signed RS256 token for ``claims``, valid from now for ``ttl_seconds``."""
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": claims.issuer,
            "aud": claims.audience,
            "sub": claims.subject,
            "name": claims.name,
            "scope": " ".join(claims.scopes),
            "iat": now,
            "nbf": now,
            "exp": now + claims.ttl_seconds,
            "jti": uuid.uuid4().hex,
        }
        return self.sign(payload, {"kid": self.kid})

    def sign(self, payload: dict[str, Any], headers: dict[str, Any]) -> str:
        """``payload`` signed RS256 as it is, with exactly these extra JOSE ``headers``."""
        token: str = jwt.encode(payload, self._private_key, algorithm=ALGORITHM, headers=headers)
        return token


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
        file.flush()
        os.fsync(file.fileno())
    try:
        os.link(temporary, path)  # atomic, and refuses to replace a key another instance made
    except FileExistsError:
        pass
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _public_jwk(public_key: rsa.RSAPublicKey) -> dict[str, str]:
    numbers = public_key.public_numbers()
    core = {"e": _b64(numbers.e), "kty": "RSA", "n": _b64(numbers.n)}
    # RFC 7638 thumbprint: a key id that is the same wherever the key is loaded.
    canonical = json.dumps(core, separators=(",", ":"), sort_keys=True).encode("ascii")
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
    return {**core, "kid": kid, "alg": ALGORITHM, "use": "sig"}
