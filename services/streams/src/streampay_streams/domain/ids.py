"""Identifiers of everything a command causes, derived from its correlation id.

Deriving instead of drawing random ids makes a record re-sent after a crash identical to the
first one, so every reader can recognise the copy: ledger legs, activities and requests all
carry the id of the command that caused them.
"""

from __future__ import annotations

import hashlib


def request_id(correlation_id: str) -> str:
    """A URL-safe request id; hashed, because a correlation id may hold any character."""
    return "rq-" + hashlib.sha256(correlation_id.encode()).hexdigest()[:29]


def leg_id(correlation_id: str, side: str) -> str:
    """``<correlation id>:debit``, ``:credit`` or ``:deposit``."""
    return f"{correlation_id}:{side}"


def signup_id(user_id: str) -> str:
    """The command id of a signup grant, which has no command: one per user, ever."""
    return f"signup:{user_id}"


def activity_id(cause: str, event: str) -> str:
    return f"{cause}:{event}"
