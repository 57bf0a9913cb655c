"""Statements per hour and day, and the global totals of payments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from streampay_streams.domain import statements
from streampay_streams.domain.messages import PaymentRecorded
from streampay_streams.domain.totals import PayerTotals, Totals, newer

pytestmark = pytest.mark.unit

HOUR = 3_600_000
T0 = 1_795_000_000_000 - 1_795_000_000_000 % (24 * HOUR)  # a midnight, UTC


def test_an_entry_counts_in_its_hour_and_its_day() -> None:
    windows, changed = statements.record({}, "local|a", Decimal("-5"), T0 + 90 * 60_000)
    hour, day = changed
    assert (hour.start, hour.end) == ("2026-11-18T01:00:00Z", "2026-11-18T02:00:00Z")
    assert (day.start, day.end) == ("2026-11-18T00:00:00Z", "2026-11-19T00:00:00Z")
    assert (hour.money_out, hour.money_in, hour.count) == (Decimal("5.00"), Decimal(0), 1)
    _, changed = statements.record(windows, "local|a", Decimal("7.25"), T0 + 91 * 60_000)
    assert (changed[0].money_in, changed[0].money_out, changed[0].count) == (
        Decimal("7.25"),
        Decimal("5.00"),
        2,
    )
    assert statements.key_of(changed[1]) == "local|a|day|2026-11-18T00:00:00Z"


def test_old_windows_are_dropped_and_a_very_late_entry_does_not_reopen_one() -> None:
    windows, _ = statements.record({}, "local|a", Decimal(1), T0)
    windows, _ = statements.record(windows, "local|a", Decimal(1), T0 + 30 * HOUR)
    assert "hour|" + str(T0) not in windows
    windows, changed = statements.record(windows, "local|a", Decimal(1), T0 + 5 * 60_000)
    assert [s.period for s in changed] == ["day"]  # the hour is gone, the day is still kept
    assert changed[0].count == 2


def recorded(payer: str, payments: int, paid: str) -> PaymentRecorded:
    return PaymentRecorded(
        payment_id=f"{payer}-{payments}",
        payer_id=f"local|{payer}",
        amount=Decimal(1),
        payments=payments,
        paid=Decimal(paid),
        timestamp=payments,
    )


def test_only_a_higher_count_moves_a_payers_totals() -> None:
    row = newer(None, recorded("a", 2, "3.00"))
    assert row == PayerTotals(payments=2, paid=Decimal("3.00"), timestamp=2)
    assert newer(row, recorded("a", 2, "3.00")) is None
    assert newer(row, recorded("a", 1, "1.00")) is None


def test_totals_add_up_payers_and_round_the_average_to_cents() -> None:
    a1 = PayerTotals(payments=1, paid=Decimal("10.00"), timestamp=1)
    b2 = PayerTotals(payments=2, paid=Decimal("0.01"), timestamp=5)
    totals = Totals.of([a1, b2])
    count_view, average_view = totals.views() or ()
    assert (count_view.total, average_view.average, average_view.timestamp) == (
        3,
        Decimal("3.34"),
        5,
    )
    a3 = PayerTotals(payments=3, paid=Decimal("30.00"), timestamp=9)
    assert totals.replace(a1, a3) == Totals(5, Decimal("30.01"), 9)
    assert Totals().views() is None
