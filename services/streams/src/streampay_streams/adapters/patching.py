"""Replacing a method of a library class, once per process however often the app is built."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_ORIGINAL = "_streampay_original"


def replace_method(owner: Any, name: str, make: Callable[[Any], Any]) -> Any:
    """Set ``owner.name`` to ``make(original)`` and return ``original``: the library's own
    method, also when an earlier call already replaced it (so building a second app, as tests
    do, re-configures the replacement instead of wrapping it twice)."""
    current = getattr(owner, name)
    original = getattr(current, _ORIGINAL, current)
    replacement = make(original)
    setattr(replacement, _ORIGINAL, original)
    setattr(owner, name, replacement)
    return original
