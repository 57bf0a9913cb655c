"""Field types shared by every message: identifiers, names, notes and timestamps.

Each text type checks its own shape and says what is wrong in plain English, because these
messages become the ``detail`` of a 400 reply. The OpenAPI schema of each type states the same
rule, so the browser and the services agree on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, Field, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

SYSTEM_PREFIX = "system|"
"""User ids of StreamPay's own accounts. No one can sign in as one of them."""

SYSTEM_BANK = "system|bank"
"""The funding account: every deposit comes from it, and only it may send a DepositCommand."""

USER_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]*\|[!-~]+"
"""``provider|name``: the JWT ``sub`` of the identity provider, e.g. ``local|alice``,
``auth0|5f7c...``, ``virtual|virtual-user-3``. The name part is printable ASCII without spaces."""

USERNAME_PATTERN = r"[a-z0-9_.-]{1,32}"
"""A sign-in name: 1 to 32 of lower-case letters, digits, ``_``, ``.`` and ``-``."""

REQUEST_ID_PATTERN = r"[A-Za-z0-9_.:-]+"
"""Request ids appear in URLs (``/payment-requests/{id}``), so they stay URL-safe."""


def _text_rule(
    label: str, max_length: int, pattern: str | None, shape: str
) -> Callable[[str], str]:
    """A check that a text field is non-empty, not too long and, if given, matches ``pattern``."""
    regex = re.compile(pattern) if pattern else None

    def check(value: str) -> str:
        if not value.strip():
            raise PydanticCustomError("invalid_text", f"{label} must not be empty")
        if len(value) > max_length:
            raise PydanticCustomError(
                "invalid_text", f"{label} must be at most {max_length} characters"
            )
        if regex and not regex.fullmatch(value):
            raise PydanticCustomError("invalid_text", f"{label} must be {shape}")
        return value

    return check


def _string_schema(max_length: int, pattern: str | None = None, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": max_length, **extra}
    if pattern:
        schema["pattern"] = f"^{pattern}$"
    return schema


UserId = Annotated[
    str,
    AfterValidator(
        _text_rule("user id", 128, USER_ID_PATTERN, "of the form provider|name, e.g. local|alice")
    ),
    WithJsonSchema(_string_schema(128, USER_ID_PATTERN, examples=["local|alice"])),
]
"""A user's id, which is also the Kafka key of everything about that user."""

RequestId = Annotated[
    str,
    AfterValidator(
        _text_rule(
            "request id", 64, REQUEST_ID_PATTERN, "letters, digits, '_', '.', ':' or '-' only"
        )
    ),
    WithJsonSchema(_string_schema(64, REQUEST_ID_PATTERN)),
]
"""The id of a payment request, chosen by the streams service when the request is made."""

Username = Annotated[
    str,
    AfterValidator(
        _text_rule("username", 32, USERNAME_PATTERN, "lower-case letters, digits, '_', '.' or '-'")
    ),
    WithJsonSchema(_string_schema(32, USERNAME_PATTERN)),
]
"""A sign-in name; the development identity provider makes ``local|<username>`` of it."""

_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
"""Control characters, and those that change or hide how the text around them reads:
zero-width spaces and joiners, direction marks, bidirectional embeddings, overrides and
isolates, the byte-order mark."""


def _plain_name(value: str) -> str:
    if _HIDDEN.search(value):
        raise PydanticCustomError(
            "invalid_text",
            "name must not contain control, zero-width or text-direction characters",
        )
    return value


DisplayName = Annotated[
    str,
    AfterValidator(_text_rule("name", 100, None, "")),
    AfterValidator(_plain_name),
    WithJsonSchema(_string_schema(100)),
]
"""A person's name as other users see it: visible characters only, read in their own order."""

CommandId = Annotated[str, Field(min_length=1, max_length=128)]
"""The correlation id of a command, which every effect of the command carries."""

EntryId = Annotated[str, Field(min_length=1, max_length=200)]
"""The id of one ledger entry; unique on ``transactions``."""

Notes = Annotated[str, Field(max_length=500)]
"""Free text a user attaches to a payment or request; may be empty."""

EpochMillis = Annotated[int, Strict(), Field(ge=0)]
"""A moment as milliseconds since the Unix epoch, as in the original StreamPay demo."""

Count = Annotated[int, Strict(), Field(ge=0)]
"""A non-negative whole number, such as a balance version or a number of transactions."""


def is_system_user(user_id: str) -> bool:
    """True for StreamPay's own accounts (``system|...``), which no person may act as."""
    return user_id.startswith(SYSTEM_PREFIX)


class Visibility(StrEnum):
    """Who may see a payment: its two parties only (``private``, the default), or everyone.

    A private payment never reaches the public feed; its parties see all of it in their own
    feed. Requests are always private: what one person asks of another is theirs alone.
    """

    PRIVATE = "private"
    PUBLIC = "public"
