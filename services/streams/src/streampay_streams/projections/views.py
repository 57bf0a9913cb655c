"""A view record as a projection returns it: topic, key, value (None: a tombstone), headers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pydantic import BaseModel

_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class ViewRecord:
    topic: str
    key: str
    value: BaseModel | None
    headers: Mapping[str, str] = field(default_factory=lambda: _NO_HEADERS)
