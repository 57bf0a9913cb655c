"""After a scenario: the promises of ARCHITECTURE §5, checked against what is on the topics.

- every command got a final answer (nothing accepted is lost);
- every key got one answer, however often and wherever it was sent;
- every accepted payment has exactly its two ledger legs, every refused command none; every
  created request is one a client was told about, created once;
- the audit (`streampay_infra.audit`) passes for the scenario's users, with exactly one
  starting grant each;
- every live balance view ends on the balance the `balances` topic ends on.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from streampay_contracts import Balance, PaymentRequest, Transaction, codec, topics
from streampay_contracts.replies import RequestReply
from streampay_infra.audit import audit, read_topic
from streampay_infra.faults.load import Command
from streampay_infra.faults.views import BalanceWatcher

GRANT = Decimal("100.00")
SHOWN = 5
"""At most this many examples in a failed check's detail."""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _check(name: str, failures: list[str], passed: str) -> Check:
    if failures:
        more = f" (+{len(failures) - SHOWN} more)" if len(failures) > SHOWN else ""
        return Check(name, False, f"{len(failures)} failed: " + "; ".join(failures[:SHOWN]) + more)
    return Check(name, True, passed)


def answered(commands: list[Command]) -> Check:
    lost = [f"{c.kind} {c.key} ({c.attempts} attempts)" for c in commands if c.final is None]
    return _check("every command answered", lost, f"{len(commands)} of {len(commands)}")


def one_answer_per_key(commands: list[Command]) -> Check:
    differing = []
    for command in commands:
        finals = {(a.status, a.body) for a in command.answers if a.final}
        if len(finals) > 1:
            differing.append(f"{command.key}: {sorted(s for s, _ in finals)}")
    repeated = sum(1 for c in commands if len(c.answers) > 1)
    return _check("one answer per key", differing, f"{repeated} keys answered more than once")


async def effects(bootstrap: str, commands: list[Command], users: set[str]) -> list[Check]:
    legs: dict[str, list[Transaction]] = defaultdict(list)
    for _, value in await read_topic(bootstrap, topics.TRANSACTIONS):
        if value is not None:
            leg = codec.decode(value, Transaction)
            if leg.owner_id in users:
                legs[leg.command_id].append(leg)
    wrong = []
    copies = 0
    for command in commands:
        if command.final is None:
            continue
        if command.cid is None:
            wrong.append(f"{command.kind} {command.key}: no correlation id in any answer")
            continue
        moves = command.kind in ("pay", "pay-request") and command.final.status == 200
        found = legs.get(command.cid, [])
        distinct = {leg.id: leg for leg in found}
        copies += len(found) - len(distinct)
        if len(distinct) != (2 if moves else 0):
            wrong.append(f"{command.kind} {command.final.status} has {len(distinct)} legs")
        elif any(leg != distinct[leg.id] for leg in found):
            wrong.append(f"{command.kind} {command.cid}: copies of a leg differ")
    # A leg re-sent after a crash or a broker failover is a copy (same id, same content);
    # readers ignore copies by id (ARCHITECTURE §5), so only distinct legs count.
    passed = f"2 legs per payment, 0 per refusal ({copies} re-sent copies)"
    ledger = _check("one effect per accepted command", wrong, passed)
    return [ledger, await _requests(bootstrap, commands, users)]


async def _requests(bootstrap: str, commands: list[Command], users: set[str]) -> Check:
    told = {
        codec.decode(c.final.body, RequestReply).id
        for c in commands
        if c.kind == "request" and c.final is not None and c.final.status == 201
    }
    history: dict[str, list[PaymentRequest | None]] = defaultdict(list)
    for key, value in await read_topic(bootstrap, topics.PAYMENT_REQUESTS):
        history[key].append(None if value is None else codec.decode(value, PaymentRequest))
    created = {
        key
        for key, states in history.items()
        if any(s is not None and s.from_user_id in users for s in states)
    }
    wrong = [f"request {rid} created but never answered 201" for rid in created - told]
    wrong += [f"request {rid} answered 201 but not on the topic" for rid in told - created]
    for rid in created & told:
        states = history[rid]
        if None in states and any(s is not None for s in states[states.index(None) :]):
            wrong.append(f"request {rid} opened again after it was closed")
    return _check("one request per accepted request command", wrong, f"{len(told)} requests")


async def latest_balances(bootstrap: str, users: set[str]) -> dict[str, Balance]:
    latest: dict[str, Balance] = {}
    for key, value in await read_topic(bootstrap, topics.BALANCES):
        if key in users and value is not None:
            latest[key] = codec.decode(value, Balance)
    return latest


def views_match(watchers: list[tuple[str, BalanceWatcher]], latest: dict[str, Balance]) -> Check:
    wrong = []
    for user, watcher in watchers:
        expected = latest.get(user)
        if expected is None or watcher.balance != expected.balance:
            shown = None if expected is None else expected.balance
            wrong.append(f"{user}: view {watcher.balance}, topic {shown}")
    reconnects = sum(max(w.connects - 1, 0) for _, w in watchers)
    detail = f"{len(watchers)} SSE clients, {reconnects} reconnects"
    return _check("every SSE client ends on the balances topic", wrong, detail)


def reconnected(watchers: list[tuple[str, BalanceWatcher]]) -> Check:
    """The fault reached the clients: each had its stream broken and opened it again."""
    once = [f"{user} connected {w.connects} time(s)" for user, w in watchers if w.connects < 2]
    return _check("every SSE client reconnected and resumed", once, f"{len(watchers)} clients")


async def verify(
    bootstrap: str,
    commands: list[Command],
    users: set[str],
    watchers: list[tuple[str, BalanceWatcher]],
    settle_s: float = 60.0,
) -> list[Check]:
    """Every check; the ledger ones once the worker has applied everything it answered (the
    payee's side of a payment follows the reply), waiting up to `settle_s` for that."""
    results = [answered(commands), one_answer_per_key(commands)]
    deadline = time.monotonic() + settle_s
    while True:
        report = await audit(bootstrap, users)
        latest = await latest_balances(bootstrap, users)
        views = views_match(watchers, latest)
        if (report.ok and views.ok) or time.monotonic() > deadline:
            break
        await asyncio.sleep(1.0)
    results += await effects(bootstrap, commands, users)
    grants = report.deposits == GRANT * len(users)
    lines = "; ".join(report.violations[:SHOWN])
    detail = f"{report.transfers} transfers, deposits {report.deposits}"
    results.append(Check("audit (make audit)", report.ok, detail if report.ok else lines))
    results.append(Check("one starting grant per user", grants, detail))
    results.append(views)
    return results
