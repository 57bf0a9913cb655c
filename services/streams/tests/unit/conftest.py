"""Builders for the unit tests of the functional core: users, accounts, inputs, and a way to
look into a decision's typed values: its events, legs, routed messages and reply."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count
from typing import Any, TypeVar

import pytest
from pydantic import BaseModel

from streampay_contracts import Command, Problem, Transaction, User
from streampay_contracts.events import EventBase
from streampay_streams.domain.account import Account
from streampay_streams.domain.context import Context, Policy
from streampay_streams.domain.effects import Decision, Origin, Route
from streampay_streams.domain.inputs import CommandInput
from streampay_streams.domain.messages import ReplyAddress

M = TypeVar("M", bound=BaseModel)
E = TypeVar("E", bound=EventBase)

ALICE, BOB, CAROL = "local|alice", "local|bob", "local|carol"
NOW = 1_795_000_000_000
POLICY = Policy()


@dataclass
class Directory:
    users: dict[str, User] = field(default_factory=dict)

    def get(self, user_id: str) -> User | None:
        return self.users.get(user_id)

    def holder_of(self, username: str) -> str | None:
        return next((u.id for u in self.users.values() if u.username == username), None)

    def add(self, user_id: str, name: str) -> None:
        username = user_id.partition("|")[2]
        self.users[user_id] = User(id=user_id, name=name, username=username)


@dataclass
class Kit:
    """Inputs with fresh correlation ids and offsets, and the context they are decided in."""

    directory: Directory
    policy: Policy = POLICY
    offsets: count[int] = field(default_factory=lambda: count(1))
    ids: count[int] = field(default_factory=lambda: count(1))

    @property
    def ctx(self) -> Context:
        return Context(self.directory, self.policy)

    def account(self, user_id: str, balance: str = "100.00", **fields: Any) -> Account:
        return Account.new(user_id).change(balance=Decimal(balance), **fields)

    def command(
        self,
        command: Command,
        actor: str,
        *,
        owner: str | None = None,
        cid: str | None = None,
        if_match: int | None = None,
        partition: int = 0,
        at: int = NOW,
        fingerprint: str | None = None,
    ) -> CommandInput:
        correlation_id = cid or f"cmd-{next(self.ids)}"
        return CommandInput(
            owner=owner or actor,
            actor=actor,
            command=command,
            address=ReplyAddress(
                topic="replies",
                key=owner or actor,
                correlation_id=correlation_id,
                identity=actor,
                fingerprint=fingerprint,
            ),
            at=at,
            origin=Origin("commands", partition, next(self.offsets)),
            if_match=if_match,
        )

    @staticmethod
    def events(decision: Decision, kind: type[E]) -> list[E]:
        """The events of type ``kind`` a decision records, in order."""
        return [event for event in decision.events if isinstance(event, kind)]

    @staticmethod
    def legs(decision: Decision) -> list[Transaction]:
        """The ledger entries a decision records, in order."""
        return [leg.entry for leg in decision.legs]

    @staticmethod
    def routed(decision: Decision) -> Route:
        """The one message a decision routes to another account."""
        (route,) = decision.routed
        return route

    @staticmethod
    def status(decision: Decision) -> int:
        assert decision.reply is not None, "no reply"
        return decision.reply.status

    def problem(self, decision: Decision) -> Problem:
        assert decision.reply is not None, "no reply"
        assert decision.reply.status >= 400, f"not a refusal: {decision.reply.status}"
        return self.body(decision, Problem)

    @staticmethod
    def body(decision: Decision, model: type[M]) -> M:
        """The reply's body as ``model``: the model itself, or a remembered body read as one."""
        assert decision.reply is not None, "no reply"
        body = decision.reply.body
        if isinstance(body, model):
            return body
        assert isinstance(body, Mapping), f"a {type(body).__name__} body, not {model.__name__}"
        return model.model_validate(dict(body))

    @staticmethod
    def nothing_recorded(decision: Decision) -> bool:
        """No event, leg or routed message: at most a reply."""
        return decision.events == () and decision.legs == () and decision.routed == ()


@pytest.fixture
def kit() -> Kit:
    directory = Directory()
    for user_id, name in ((ALICE, "Alice"), (BOB, "Bob"), (CAROL, "Carol")):
        directory.add(user_id, name)
    return Kit(directory)
