"""What a decision may consult besides the account: the user directory and the rules in force."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from streampay_contracts import SYSTEM_BANK, User

BANK_NAME = "StreamPay Bank"


class Directory(Protocol):
    """Who exists: the latest profile of every user on ``users``."""

    def get(self, user_id: str) -> User | None: ...

    def holder_of(self, username: str) -> str | None:
        """The user whose profile on ``users`` has this username, if any."""


@dataclass(frozen=True, slots=True)
class Policy:
    """Limits and settings of the write model (see ``StreamsSettings``)."""

    signup_grant: Decimal = Decimal("100.00")
    recent_limit: int = 64
    """Answers remembered per account for idempotency, on top of the time window."""
    recent_ttl_ms: int = 24 * 60 * 60 * 1000
    open_request_limit: int = 100
    """Pending requests one user may have addressed to them, and may have sent."""
    open_requests_per_pair: int = 10
    """Pending requests one user may have addressed to any one other user."""
    closed_request_limit: int = 50


@dataclass(frozen=True, slots=True)
class Context:
    directory: Directory
    policy: Policy

    def exists(self, user_id: str) -> bool:
        return self.directory.get(user_id) is not None

    def name(self, user_id: str) -> str:
        """The user's display name; a placeholder for accounts with no profile (yet)."""
        if user_id == SYSTEM_BANK:
            return BANK_NAME
        user = self.directory.get(user_id)
        return user.name if user is not None else user_id.partition("|")[2] or user_id
