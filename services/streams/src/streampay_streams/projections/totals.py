"""The global number and average of payments, gathered from every payer's running totals.

Each payment record carries the payer's own running count and sum after it. The totals keep
the latest of these per payer and add them up, so a record delivered twice, or late, changes
nothing: only a higher count for a payer moves the totals. Deposits are not payments.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from streampay_contracts import AverageTransactions, TotalTransactions, WireModel, round_to_cents
from streampay_contracts.events import Event, PaymentSent
from streampay_contracts.fields import CommandId, Count, EpochMillis, UserId
from streampay_contracts.money import Amount, Money


class PaymentRecorded(WireModel):
    """To the totals: one more payment, with the payer's running count and sum after it."""

    payment_id: CommandId
    payer_id: UserId
    amount: Amount
    payments: Count
    paid: Money
    timestamp: EpochMillis


def recorded(event: Event) -> PaymentRecorded | None:
    """What a payment tells the totals, gathered on one key from every payer's partition."""
    if not isinstance(event, PaymentSent):
        return None
    return PaymentRecorded(
        payment_id=event.cause,
        payer_id=event.user_id,
        amount=event.amount,
        payments=event.payments,
        paid=event.paid,
        timestamp=event.at,
    )


class PayerTotals(WireModel):
    """One payer's payments so far, as last reported."""

    payments: Count
    paid: Money
    timestamp: EpochMillis


def newer(current: PayerTotals | None, record: PaymentRecorded) -> PayerTotals | None:
    """The payer's totals after ``record``, or None when it tells nothing new."""
    if current is not None and record.payments <= current.payments:
        return None
    return PayerTotals(payments=record.payments, paid=record.paid, timestamp=record.timestamp)


@dataclass(frozen=True, slots=True)
class Totals:
    count: int = 0
    total: Decimal = Decimal(0)
    timestamp: int = 0

    @classmethod
    def of(cls, rows: Iterable[PayerTotals]) -> Totals:
        totals = cls()
        for row in rows:
            totals = totals.replace(None, row)
        return totals

    def replace(self, before: PayerTotals | None, after: PayerTotals) -> Totals:
        """These totals with one payer's share moved from ``before`` to ``after``."""
        count = self.count + after.payments - (before.payments if before else 0)
        total = self.total + after.paid - (before.paid if before else Decimal(0))
        return Totals(count, total, max(self.timestamp, after.timestamp))

    def views(self) -> tuple[TotalTransactions, AverageTransactions] | None:
        """The ``total-transactions`` and ``average-transactions`` values; None before any."""
        if self.count == 0:
            return None
        average = round_to_cents(self.total / self.count)
        return (
            TotalTransactions(total=self.count, timestamp=self.timestamp),
            AverageTransactions(average=average, timestamp=self.timestamp),
        )
