"""What the projections remember of one account's stream between events."""

from __future__ import annotations

from decimal import Decimal
from typing import Self

from pydantic import Field

from streampay_contracts import WireModel
from streampay_contracts.fields import Count, EpochMillis
from streampay_contracts.money import Money

ZERO = Decimal("0.00")


class Window(WireModel):
    """Money in and out of one statement window so far."""

    money_in: Money = ZERO
    money_out: Money = ZERO
    count: Count = 0
    timestamp: EpochMillis = 0


class Projected(WireModel):
    """One account as the projections know it: how far its stream was applied, and the
    statement windows still open to late entries (by ``<period>|<start ms>``)."""

    seq: Count = 0
    """The ``seq`` of the last event applied; an event at or below it is a copy."""
    windows: dict[str, Window] = Field(default_factory=dict)

    def change(self, **fields: object) -> Self:
        return self.model_copy(update=fields)
