"""Statements: a user's money in and out per hour and per day, from the posting events.

Each ledger entry of a user lands in the hour and the day of its timestamp (UTC), so the
windows are the same however late the entry is applied. Windows older than a day (hours) or
three days (days) before the newest are dropped from the account; an entry later than that is
too late to count, which only a long outage with a backlog could cause.
"""

from __future__ import annotations

from decimal import Decimal

from streampay_contracts import Statement, StatementPeriod, statement_key, topics, window_bounds
from streampay_contracts.events import Deposited, Event, PaymentReceived, PaymentSent
from streampay_streams.projections.state import Projected, Window
from streampay_streams.projections.views import ViewRecord

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
LENGTH_MS = {StatementPeriod.HOUR: HOUR_MS, StatementPeriod.DAY: DAY_MS}
KEEP_MS = {StatementPeriod.HOUR: 25 * HOUR_MS, StatementPeriod.DAY: 3 * DAY_MS}

Windows = dict[str, Window]


def project(state: Projected, event: Event) -> tuple[Projected, list[ViewRecord]]:
    """Count a posting in its hour and day; the statements it changed."""
    if isinstance(event, Deposited | PaymentReceived):
        amount = event.amount
    elif isinstance(event, PaymentSent):
        amount = -event.amount
    else:
        return state, []
    windows, changed = record(state.windows, event.user_id, amount, event.at)
    views = [ViewRecord(topics.STATEMENTS, key_of(s), s) for s in changed]
    return state.change(windows=windows), views


def record(
    windows: Windows, user_id: str, amount: Decimal, at: int
) -> tuple[Windows, list[Statement]]:
    """Add one entry (negative = money out) to its hour and day; the updated statements."""
    statements = []
    for period in StatementPeriod:
        windows, statement = _record_in(windows, period, user_id, amount, at)
        if statement is not None:
            statements.append(statement)
    return windows, statements


def _record_in(
    windows: Windows, period: StatementPeriod, user_id: str, amount: Decimal, at: int
) -> tuple[Windows, Statement | None]:
    start = at - at % LENGTH_MS[period]
    name = f"{period}|{start}"
    if name not in windows and start < _newest(windows, period) - KEEP_MS[period]:
        return windows, None
    window = _add(windows.get(name, Window()), amount, at)
    updated = _prune({**windows, name: window}, period)
    return updated, _statement(user_id, period, at, window)


def _add(window: Window, amount: Decimal, at: int) -> Window:
    money_in = window.money_in + max(amount, Decimal(0))
    money_out = window.money_out + max(-amount, Decimal(0))
    return Window(
        money_in=money_in,
        money_out=money_out,
        count=window.count + 1,
        timestamp=max(window.timestamp, at),
    )


def _statement(user_id: str, period: StatementPeriod, at: int, window: Window) -> Statement:
    start, end = window_bounds(period, at)
    return Statement(
        user_id=user_id,
        period=period,
        start=start,
        end=end,
        money_in=window.money_in,
        money_out=window.money_out,
        count=window.count,
        timestamp=window.timestamp,
    )


def key_of(statement: Statement) -> str:
    return statement_key(statement.user_id, statement.period, statement.start)


def _starts(windows: Windows, period: StatementPeriod) -> list[int]:
    prefix = f"{period}|"
    return [int(name[len(prefix) :]) for name in windows if name.startswith(prefix)]


def _newest(windows: Windows, period: StatementPeriod) -> int:
    return max(_starts(windows, period), default=0)


def _prune(windows: Windows, period: StatementPeriod) -> Windows:
    horizon = _newest(windows, period) - KEEP_MS[period]
    prefix = f"{period}|"
    return {
        name: window
        for name, window in windows.items()
        if not name.startswith(prefix) or int(name[len(prefix) :]) >= horizon
    }
