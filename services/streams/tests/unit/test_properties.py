"""Properties of the core over random histories, with the delivery faults Kafka allows.

A small in-memory world routes what each decision publishes the way the worker does (through
``adapters/outputs.records_of``): commands to the acting user's partition, credit legs to the
payee's, routed request records to their owner's, each channel in order; the events go through
the projections, which keep the balance views the audit compares with the ledger. Histories
mix commands with redeliveries of a record, copies of a command (same correlation id, another
record) and records re-sent after a "crash". Whatever happens, no balance goes negative, no
money appears, every command has one answer, and once everything is delivered the ledger and
the balances agree (checked by the audit itself).
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streampay_contracts import (
    Balance,
    CancelRequestCommand,
    Command,
    DeclineRequestCommand,
    DepositCommand,
    PayCommand,
    RequestCommand,
    RequestReply,
    Transaction,
    TransactionKind,
    User,
    codec,
    headers,
    topics,
)
from streampay_contracts.events import decode_event
from streampay_infra.audit import check
from streampay_streams.adapters.outputs import records_of
from streampay_streams.adapters.records import Emit, parse_origin
from streampay_streams.domain.account import Account
from streampay_streams.domain.context import Context, Policy
from streampay_streams.domain.decide import decide
from streampay_streams.domain.effects import UNCHANGED, Origin
from streampay_streams.domain.inputs import CommandInput, CreditInput, Input, RoutedInput
from streampay_streams.domain.messages import ReplyAddress, Routed
from streampay_streams.projections import project
from streampay_streams.projections.state import Projected

pytestmark = pytest.mark.unit

USERS = ["local|u0", "local|u1", "local|u2", "local|u3"]
BANK = "system|bank"
POLICY = Policy(open_request_limit=3)


class Directory:
    def get(self, user_id: str) -> User | None:
        if user_id not in USERS:
            return None
        return User(id=user_id, name=user_id.upper(), username=user_id[6:])


def partition(user: str) -> int:
    return USERS.index(user) % 2


@dataclass
class World:
    ctx: Context = field(default_factory=lambda: Context(Directory(), POLICY))
    accounts: dict[str, Account] = field(default_factory=dict)
    channels: dict[tuple[str, int, int], deque[Input]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    offsets: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    commands: list[CommandInput] = field(default_factory=list)
    delivered: list[Input] = field(default_factory=list)
    replies: dict[str, set[tuple[str, bytes | None]]] = field(
        default_factory=lambda: defaultdict(set)
    )
    legs: list[Transaction] = field(default_factory=list)
    balances: dict[str, Balance] = field(default_factory=dict)
    projected: dict[str, Projected] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def command(self, command: Command, actor: str, owner: str | None = None) -> None:
        owner = owner or actor
        cid = f"c-{len(self.commands)}"
        address = ReplyAddress(topic="replies", key=owner, correlation_id=cid, identity=actor)
        given = CommandInput(
            owner,
            actor,
            command,
            address,
            1000 + len(self.commands),
            self._origin("commands", partition(owner)),
        )
        self.commands.append(given)
        self.apply(given)

    def copy(self, index: int) -> None:
        """The command produced again: same correlation id, a new record."""
        old = self.commands[index % len(self.commands)]
        origin = self._origin("commands", old.origin.partition)
        self.apply(CommandInput(old.owner, old.actor, old.command, old.address, old.at, origin))

    def apply(self, given: Input) -> None:
        account = self.accounts.get(given.owner) or Account.new(given.owner)
        decision = decide(account, given, self.ctx)
        if decision is not UNCHANGED and decision.account is None:
            assert decision.anything, "an empty answer"
        if decision.account is not None:
            self.accounts[given.owner] = decision.account
        self.delivered.append(given)
        for record in records_of(decision, "requests"):
            self._route(record)

    def deliver(self, pick: int) -> None:
        ready = [name for name, queue in self.channels.items() if queue]
        if ready:
            self.apply(self.channels[ready[pick % len(ready)]].popleft())

    def drain(self) -> None:
        while any(self.channels.values()):
            self.deliver(0)

    def _origin(self, topic: str, number: int) -> Origin:
        self.offsets[topic, number] += 1
        return Origin(topic, number, self.offsets[topic, number])

    def _route(self, record: Emit) -> None:
        if record.topic == "replies":
            self.replies[record.headers[headers.CORRELATION_ID]].add(
                (record.headers[headers.STATUS], record.body)
            )
            if record.headers[headers.STATUS] == "201":
                self.requests.append(codec.decode(record.body or b"", RequestReply).id)
        elif record.topic == topics.EVENTS:
            self._project(record)
        elif record.topic == topics.TRANSACTIONS:
            self._ledger(record)
        elif record.topic == "requests":
            origin = parse_origin(record.headers)
            assert origin is not None
            message = codec.decode(record.body or b"", Routed).message
            channel = ("requests", origin.partition, partition(record.key))
            here = Origin("requests", channel[2], len(self.channels[channel]))
            self.channels[channel].append(RoutedInput(record.key, message, origin, here))

    def _project(self, record: Emit) -> None:
        """The projector's part: the balance views from the account's events, each once."""
        event = decode_event(record.body or b"")
        assert record.key == event.user_id
        state = self.projected.get(event.user_id, Projected())
        assert event.seq == state.seq + 1, "an account's events arrive once and in order"
        self.projected[event.user_id], views = project(state, event)
        for view in views:
            if view.topic == topics.BALANCES:
                assert isinstance(view.value, Balance)
                self.balances[view.key] = view.value

    def _ledger(self, record: Emit) -> None:
        leg = codec.decode(record.body or b"", Transaction)
        self.legs.append(leg)
        if leg.kind is TransactionKind.TRANSFER and leg.amount > 0:
            origin = parse_origin(record.headers)
            assert origin is not None
            channel = ("transactions", origin.partition, partition(leg.owner_id))
            self.channels[channel].append(CreditInput(leg.owner_id, leg, origin))

    def money(self) -> tuple[Decimal, Decimal]:
        """(sum of balances, sum of deposits) as the ledger tells them."""
        unique = {leg.id: leg for leg in self.legs}.values()
        deposits = sum(
            (leg.amount for leg in unique if leg.kind is TransactionKind.DEPOSIT), Decimal(0)
        )
        return sum((a.balance for a in self.accounts.values()), Decimal(0)), deposits


user = st.sampled_from(USERS)
cents = st.integers(min_value=1, max_value=15_000).map(lambda c: Decimal(c) / 100)
pick = st.integers(min_value=0, max_value=1000)
actions = st.one_of(
    st.tuples(st.just("pay"), user, user, cents, st.booleans(), pick),
    st.tuples(st.just("request"), user, user, cents),
    st.tuples(st.just("decline"), user, pick),
    st.tuples(st.just("cancel"), user, pick),
    st.tuples(st.just("deposit"), user, cents),
    st.tuples(st.just("deliver"), pick),
    st.tuples(st.just("redeliver"), pick),
    st.tuples(st.just("copy"), pick),
)


def act(world: World, action: tuple[Any, ...]) -> None:
    name, *args = action
    if name == "pay":
        payer, payee, amount, settle, index = args
        request_id = (
            world.requests[index % len(world.requests)] if settle and world.requests else None
        )
        world.command(PayCommand(user_id=payee, amount=amount, request_id=request_id), payer)
    elif name == "request":
        world.command(RequestCommand(user_id=args[1], amount=args[2]), args[0])
    elif name in ("decline", "cancel") and world.requests:
        request_id = world.requests[args[1] % len(world.requests)]
        model = DeclineRequestCommand if name == "decline" else CancelRequestCommand
        world.command(model(request_id=request_id), args[0])
    elif name == "deposit":
        world.command(DepositCommand(user_id=args[0], amount=args[1]), BANK, owner=args[0])
    elif name == "deliver":
        world.deliver(args[0])
    elif name == "redeliver" and world.delivered:
        world.apply(world.delivered[args[0] % len(world.delivered)])
    elif name == "copy" and world.commands:
        world.copy(args[0])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(actions, min_size=1, max_size=60))
def test_money_is_conserved_never_negative_and_every_command_answered_once(
    history: list[tuple[Any, ...]],
) -> None:
    world = World()
    for user_id in USERS:
        world.command(DepositCommand(user_id=user_id, amount=Decimal(50)), BANK, owner=user_id)
    for action in history:
        act(world, action)
        balances, deposits = world.money()
        assert all(a.balance >= 0 for a in world.accounts.values())
        assert balances <= deposits, "money appeared that no deposit brought"
    world.drain()

    balances, deposits = world.money()
    assert balances == deposits
    assert check(world.legs, world.balances).ok, check(world.legs, world.balances).violations
    for command in world.commands:
        assert len(world.replies[command.correlation_id]) == 1, command


@given(st.lists(st.tuples(user, user, cents), min_size=1, max_size=20))
def test_a_command_applied_twice_is_applied_once(payments: list[tuple[str, str, Decimal]]) -> None:
    once, twice = World(), World()
    for world in (once, twice):
        for user_id in USERS:
            world.command(DepositCommand(user_id=user_id, amount=Decimal(100)), BANK, owner=user_id)
    for payer, payee, amount in payments:
        once.command(PayCommand(user_id=payee, amount=amount), payer)
        twice.command(PayCommand(user_id=payee, amount=amount), payer)
        twice.copy(len(twice.commands) - 1)
        twice.apply(twice.commands[-1])
    once.drain()
    twice.drain()
    assert once.accounts.keys() == twice.accounts.keys()
    assert {u: a.balance for u, a in once.accounts.items()} == {
        u: a.balance for u, a in twice.accounts.items()
    }
    assert once.replies == twice.replies
