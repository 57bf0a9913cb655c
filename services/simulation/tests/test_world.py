"""The simulated world, with an in-memory gateway: rebuilding, numbering, amounts, verdicts."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from faker import Faker

from streampay_contracts import User
from streampay_contracts.client import Session
from streampay_simulation import behaviours
from streampay_simulation.config import SimulationSettings
from streampay_simulation.smoke import verdict
from streampay_simulation.stats import Outcome, Stats
from streampay_simulation.world import World

pytestmark = pytest.mark.unit


class FakeGateway:
    """Stands in for the gateway's HTTP API: a user directory and sign-ins."""

    def __init__(self, users: list[User]) -> None:
        self.users_list = users
        self.registered: list[str] = []

    async def sign_in(self, username: str, name: str, scope: str | None = None) -> Session:
        return Session(f"local|{username}", username, name, f"token-{username}", 1e12)

    async def users(self, session: Session) -> list[User]:
        return list(self.users_list)

    async def register(self, session: Session) -> None:
        self.registered.append(session.user_id)
        self.users_list.append(
            User(id=session.user_id, name=session.name, username=session.username)
        )


def make_world(gateway: FakeGateway, **settings: object) -> World:
    return World(
        settings=SimulationSettings(**settings),  # type: ignore[arg-type]
        gateway=gateway,  # type: ignore[arg-type]
        bank=None,  # type: ignore[arg-type]
        rng=random.Random(1),
        faker=Faker(),
    )


def user(username: str, name: str = "Someone") -> User:
    return User(id=f"local|{username}", name=name, username=username)


async def test_rebuild_keeps_existing_virtual_users_and_continues_numbering() -> None:
    gateway = FakeGateway(
        [
            user("virtual-user-1", "Ann Lee"),
            user("virtual-user-7", "Bo Chen"),
            user("alice", "Alice Doe"),
        ]
    )
    world = make_world(gateway)
    await world.rebuild()
    assert sorted(world.virtual) == ["local|virtual-user-1", "local|virtual-user-7"]
    assert world.virtual["local|virtual-user-7"].name == "Bo Chen"
    assert list(world.real) == ["local|alice"]
    assert world.next_index == 8
    await behaviours.new_virtual_user(world)
    assert gateway.registered == ["local|virtual-user-8"]


async def test_no_virtual_user_beyond_the_cap() -> None:
    gateway = FakeGateway([])
    world = make_world(gateway, simulation_max_virtual_users=3)
    for _ in range(10):
        await behaviours.new_virtual_user(world)
    assert len(world.virtual) == 3
    assert len(gateway.registered) == 3
    restarted = make_world(gateway, simulation_max_virtual_users=3)
    await restarted.rebuild()
    for _ in range(5):
        await behaviours.new_virtual_user(restarted)
    assert sorted(restarted.virtual) == sorted(world.virtual)
    assert len(gateway.registered) == 3


def test_amounts_are_whole_cents_within_the_range() -> None:
    world = make_world(FakeGateway([]))
    amounts = [world.amount(Decimal("1.00"), Decimal("2.50")) for _ in range(500)]
    assert all(Decimal("1.00") <= a <= Decimal("2.50") for a in amounts)
    assert all(a == a.quantize(Decimal("0.01")) and a.as_tuple().exponent == -2 for a in amounts)
    assert len(set(amounts)) > 50


def test_verdict_names_unanswered_and_server_errors_but_not_refusals() -> None:
    stats = Stats()
    assert verdict(stats) == ["no command was sent"]
    stats.record(Outcome("PayCommand", 200))
    stats.record(Outcome("PayCommand", 409, "Not enough money"))
    assert verdict(stats) == []
    stats.record(Outcome("DepositCommand", 504, "no reply"))
    stats.record(Outcome("RequestCommand", 500, "boom"))
    assert verdict(stats) == ["1 command(s) got no reply", "1 command(s) got a server error"]


def test_only_accepted_deposits_count_as_money_in() -> None:
    stats = Stats()
    stats.record(Outcome("DepositCommand", 200), Decimal("10.00"))
    stats.record(Outcome("DepositCommand", 404, "unknown user"), Decimal("5.00"))
    assert stats.deposited == Decimal("10.00")
    assert "deposits 10.00" in stats.summary()


async def test_a_newcomer_is_topped_up_next_then_every_real_user_in_turn() -> None:
    gateway = FakeGateway([user("alice"), user("bob")])
    world = make_world(gateway)
    await world.rebuild()
    first = [world.pick_real_to_top_up() for _ in range(2)]
    assert sorted(first) == ["local|alice", "local|bob"]
    gateway.users_list.append(user("carol"))
    await world.rebuild()
    assert world.pick_real_to_top_up() == "local|carol"
    assert [world.pick_real_to_top_up() for _ in range(3)] == [*first, "local|carol"]


def test_some_virtual_payments_are_public_as_configured() -> None:
    never = make_world(FakeGateway([]), simulation_public_share=0)
    always = make_world(FakeGateway([]), simulation_public_share=1)
    assert not any(never.public() for _ in range(50))
    assert all(always.public() for _ in range(50))
