"""`python -m streampay_infra.audit` (`make audit`): check the ledger and every view.

Replays ``transactions`` from the beginning up to its current end, recomputes every balance and
checks the ledger's invariants against the latest ``balances``:

- each balance equals the sum of its account's ledger entries, and none is negative;
- the sum of all balances equals the sum of all deposits (money is only created by deposits);
- every transfer has exactly two legs that cancel out;
- a leg recorded twice is the same both times (a re-sent copy), never two different entries.

Then replays ``events`` through the projections (:mod:`streampay_streams.replay`, the streams
package's replay tool, so that the audit holds every view to exactly what the projector makes of
the log; the audit runs from the workspace, which installs both packages) and checks
every view topic against the result: balances, open requests and statements record for record,
the balance histories and the activity feed as sets (a copy is allowed, a missing or altered
record is not), and the global totals.

Run it when the system is quiet: a payment whose credit is still on its way shows as a
difference. It prints what it checked and exits non-zero on any violation.
"""

from __future__ import annotations

import asyncio
import sys
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from streampay_contracts import (
    Activity,
    AverageTransactions,
    Balance,
    KafkaSettings,
    MalformedMessage,
    PaymentRequest,
    Statement,
    TotalTransactions,
    Transaction,
    TransactionKind,
    codec,
    topics,
)
from streampay_contracts.reading import keyed, read_to_end
from streampay_streams.replay import differences, replay

__all__ = ["AuditReport", "audit", "check", "read_topic"]

VIEW_MODELS: dict[str, type[BaseModel]] = {
    topics.BALANCES: Balance,
    topics.BALANCE_HISTORIES: Balance,
    topics.ACTIVITIES: Activity,
    topics.USER_ACTIVITIES: Activity,
    topics.PAYMENT_REQUESTS: PaymentRequest,
    topics.SENT_REQUESTS: PaymentRequest,
    topics.STATEMENTS: Statement,
    topics.TOTAL_TRANSACTIONS: TotalTransactions,
    topics.AVERAGE_TRANSACTIONS: AverageTransactions,
}

ZERO = Decimal("0.00")
M = TypeVar("M", bound=BaseModel)


@dataclass
class AuditReport:
    entries: int = 0
    copies: int = 0
    accounts: int = 0
    deposits: Decimal = ZERO
    balances: Decimal = ZERO
    transfers: int = 0
    events: int = 0
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def lines(self) -> list[str]:
        verdict = "OK" if self.ok else f"{len(self.violations)} VIOLATION(S)"
        return [
            f"ledger entries        {self.entries} ({self.copies} re-sent copies ignored)",
            f"transfers             {self.transfers}",
            f"accounts              {self.accounts}",
            f"sum of deposits       {self.deposits}",
            f"sum of balances       {self.balances}",
            f"events replayed       {self.events} (every view compared with its projection)",
            f"result                {verdict}",
            *(f"  - {violation}" for violation in self.violations[:50]),
        ]


def check(
    entries: Iterable[Transaction],
    balances: Mapping[str, Balance],
    users: Collection[str] | None = None,
) -> AuditReport:
    """The invariants over ``entries`` and the latest ``balances``, optionally for ``users``
    only: money they received from outside that group counts like a deposit."""
    report = AuditReport()
    ledger = _unique(entries, report)
    if users is not None:
        ledger = [leg for leg in ledger if leg.owner_id in users]
        balances = {user: balance for user, balance in balances.items() if user in users}
    sums = _sums(ledger)
    _check_accounts(sums, balances, report)
    _check_transfers(ledger, users, report)
    report.deposits = sum((_new_money(leg, users) for leg in ledger), ZERO)
    report.balances = sum((b.balance for b in balances.values()), ZERO)
    if report.balances != report.deposits:
        report.violations.append(
            f"balances add up to {report.balances} but deposits to {report.deposits}"
        )
    return report


def _unique(entries: Iterable[Transaction], report: AuditReport) -> list[Transaction]:
    seen: dict[str, Transaction] = {}
    for leg in entries:
        report.entries += 1
        first = seen.get(leg.id)
        if first is None:
            seen[leg.id] = leg
            continue
        report.copies += 1
        if first != leg:
            report.violations.append(f"entry {leg.id} recorded twice with different contents")
    return list(seen.values())


def _sums(ledger: Iterable[Transaction]) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for leg in ledger:
        sums[leg.owner_id] += leg.amount
    return sums


def _check_accounts(
    sums: Mapping[str, Decimal], balances: Mapping[str, Balance], report: AuditReport
) -> None:
    owners = set(sums) | set(balances)
    report.accounts = len(owners)
    for owner in sorted(owners):
        expected = sums.get(owner, ZERO)
        balance = balances.get(owner)
        shown = balance.balance if balance is not None else None
        if expected < 0:
            report.violations.append(f"{owner}: the ledger sums to {expected}, below zero")
        if shown != expected:
            report.violations.append(f"{owner}: balance {shown} but the ledger sums to {expected}")


def _check_transfers(
    ledger: Iterable[Transaction], users: Collection[str] | None, report: AuditReport
) -> None:
    legs: dict[str, list[Transaction]] = defaultdict(list)
    for leg in ledger:
        if leg.kind is TransactionKind.TRANSFER:
            legs[leg.command_id].append(leg)
    report.transfers = len(legs)
    for command_id, pair in legs.items():
        expected = 2 if users is None or pair[0].user_id in users else 1
        if len(pair) != expected or (expected == 2 and sum(leg.amount for leg in pair) != 0):
            report.violations.append(f"transfer {command_id} is not two legs that cancel out")


def _new_money(leg: Transaction, users: Collection[str] | None) -> Decimal:
    """A deposit, or within a group of users, a transfer from outside it."""
    if leg.kind is TransactionKind.DEPOSIT:
        return leg.amount
    if users is not None and leg.user_id not in users:
        return leg.amount
    return ZERO


async def read_topic(bootstrap_servers: str, topic: str) -> list[tuple[str, bytes | None]]:
    """Every record of ``topic`` up to its current end, as key and value, in order."""
    records, _ = await read_to_end(bootstrap_servers, topic)
    return keyed(records)


async def audit(bootstrap_servers: str, users: Collection[str] | None = None) -> AuditReport:
    """Read the ledger, the event log and every view up to their current ends; check them."""
    entries, problems = _decoded(
        await read_topic(bootstrap_servers, topics.TRANSACTIONS), Transaction
    )
    views: dict[str, list[tuple[str, BaseModel | None]]] = {}
    for topic, model in VIEW_MODELS.items():
        decoded, more = _decoded(await read_topic(bootstrap_servers, topic), model, keep_none=True)
        views[topic] = decoded
        problems += more
    balances = {k: v for k, v in views[topics.BALANCES] if isinstance(v, Balance)}
    report = check((leg for _, leg in entries if leg is not None), balances, users)
    replayed = await replay(bootstrap_servers)
    report.events = replayed.events
    report.violations[:0] = problems + replayed.unreadable
    report.violations += differences(replayed, views, users)
    return report


def _decoded(
    records: Iterable[tuple[str, bytes | None]], model: type[M], keep_none: bool = False
) -> tuple[list[tuple[str, M | None]], list[str]]:
    decoded: list[tuple[str, M | None]] = []
    problems: list[str] = []
    for key, value in records:
        if value is None:
            if keep_none:
                decoded.append((key, None))
            continue
        try:
            decoded.append((key, codec.decode(value, model)))
        except (MalformedMessage, ValidationError) as error:
            problems.append(f"unreadable {model.__name__} for {key}: {error}")
    return decoded, problems


def main() -> int:
    settings = KafkaSettings()
    report = asyncio.run(audit(settings.kafka_bootstrap_servers))
    print(f"StreamPay audit of the ledger and the views on {settings.kafka_bootstrap_servers}")
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
