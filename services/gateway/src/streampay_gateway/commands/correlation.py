"""Correlation ids and body fingerprints: how a retried command is recognised anywhere.

- The **correlation id** is ``sha256(identity, route, idempotency key)``. It is the same on
  every gateway instance and after every restart, so the reply to the first attempt, indexed
  from ``replies``, answers every retry; it is also the id under which the streams service
  applies a command at most once, so two attempts racing through two instances still move
  money once. The body is deliberately not part of it: "the same key with another body" must
  land on the same id to be detected instead of being applied as a second command.
- The **fingerprint** is ``sha256`` of the command's canonical encoding (``encode(decode(body))``,
  so ``25.5`` and ``25.50`` are the same body) and of the ``If-Match`` version. It travels in the
  command's envelope and comes back on its reply: a retry whose fingerprint differs from the
  answered command's is refused with 422, by the gateway when it knows the reply already, else
  by the streams service, which remembers what each correlation id asked for.
"""

from __future__ import annotations

import hashlib
import re
import uuid

from pydantic import BaseModel

from streampay_contracts import dumps, encode

_SCHEME = "streampay-command/1"
_KEY = re.compile(r"[\x20-\x7e]{1,255}")


def correlation_id(identity: str, route: str, idempotency_key: str) -> str:
    """The command's correlation id: 64 hex digits, a function of its three inputs only."""
    # A JSON array keeps the parts apart: no choice of key can imitate another identity.
    material = dumps([_SCHEME, identity, route, idempotency_key])
    return hashlib.sha256(material).hexdigest()


def fingerprint(command: BaseModel, if_match: int | None = None) -> str:
    """What the command asks for: its canonical body and the version it is conditional on."""
    condition = b"" if if_match is None else str(if_match).encode("ascii")
    return hashlib.sha256(encode(command) + b"\n" + condition).hexdigest()


def check_idempotency_key(key: str | None) -> str:
    """The client's key, or a fresh random one (which is never replayed) when absent.

    Raises ValueError for a key that is not 1-255 printable ASCII characters.
    """
    if key is None:
        return f"generated:{uuid.uuid4().hex}"
    if not _KEY.fullmatch(key):
        raise ValueError("Idempotency-Key must be 1 to 255 printable ASCII characters")
    return key
