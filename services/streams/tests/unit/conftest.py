"""Builders for the unit tests of the functional core: users, accounts, inputs, and a way to
look into a decision's records by topic."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count
from typing import Any, TypeVar

import pytest
from pydantic import BaseModel

from streampay_contracts import Command, Problem, User, codec, headers
from streampay_streams.domain.account import Account
from streampay_streams.domain.context import Context, Policy
from streampay_streams.domain.effects import Decision, Emit, Origin, ReplyAddress
from streampay_streams.domain.inputs import CommandInput

M = TypeVar("M", bound=BaseModel)

ALICE, BOB, CAROL = "local|alice", "local|bob", "local|carol"
NOW = 1_795_000_000_000
POLICY = Policy(requests_topic="requests", payments_topic="payments")


@dataclass
class Directory:
    users: dict[str, User] = field(default_factory=dict)

    def get(self, user_id: str) -> User | None:
        return self.users.get(user_id)

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
    ) -> CommandInput:
        correlation_id = cid or f"cmd-{next(self.ids)}"
        return CommandInput(
            owner=owner or actor,
            actor=actor,
            command=command,
            address=ReplyAddress(
                topic="replies", key=owner or actor, correlation_id=correlation_id, identity=actor
            ),
            at=at,
            origin=Origin("commands", partition, next(self.offsets)),
            if_match=if_match,
        )

    @staticmethod
    def on(decision: Decision, topic: str) -> list[Emit]:
        """The records a decision publishes on ``topic``, in order (the reply included)."""
        return [emit for emit in decision.records if emit.topic == topic]

    @staticmethod
    def value(emit: Emit, model: type[M]) -> M:
        assert emit.body is not None, f"a tombstone on {emit.topic}"
        return codec.decode(emit.body, model)

    @staticmethod
    def status(decision: Decision) -> int:
        assert decision.reply is not None, "no reply"
        return int(decision.reply.headers[headers.STATUS])

    def problem(self, decision: Decision) -> Problem:
        assert decision.reply is not None, "no reply"
        return self.value(decision.reply, Problem)

    def body(self, decision: Decision, model: type[M]) -> M:
        assert decision.reply is not None, "no reply"
        return self.value(decision.reply, model)


@pytest.fixture
def kit() -> Kit:
    directory = Directory()
    for user_id, name in ((ALICE, "Alice"), (BOB, "Bob"), (CAROL, "Carol")):
        directory.add(user_id, name)
    return Kit(directory)
