"""What virtual users do, one function per behaviour, each run on its own schedule.

Like the original demo: new virtual users arrive, the bank tops up virtual and real users (the
way real users get money), virtual users request money from each other and from real users.
Beyond it: virtual users pay each other, and every request addressed to a virtual user is
answered — paid when the money is there, declined when it is not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog

from streampay_simulation.answers import answer
from streampay_simulation.world import World

log = structlog.get_logger(__name__)

Behaviour = Callable[[World], Awaitable[None]]


async def new_virtual_user(world: World) -> None:
    if len(world.virtual) >= world.settings.simulation_max_virtual_users:
        return
    username = f"virtual-user-{world.next_index}"
    world.next_index += 1
    session = await world.gateway.sign_in(username, world.faker.name())
    await world.gateway.register(session)
    world.virtual[session.user_id] = session
    world.joined(session.user_id)
    log.info("virtual user joined", user=session.user_id, name=session.name)


async def top_up_virtual_user(world: World) -> None:
    picked = world.pick_virtual(1)
    if picked:
        await _deposit(world, picked[0], "Top-up")


async def top_up_real_user(world: World) -> None:
    await world.rebuild()  # real users sign up at any time
    user_id = world.pick_real_to_top_up()
    if user_id is not None:
        await _deposit(world, user_id, "Welcome money from the StreamPay bank")


async def request_between_virtual_users(world: World) -> None:
    picked = world.pick_virtual(2)
    if picked:
        requester, payer = picked
        s = world.settings
        amount = world.amount(s.simulation_request_min, s.simulation_request_max)
        notes = world.faker.sentence(nb_words=4).rstrip(".")
        outcome = await world.gateway.request(await world.session(requester), payer, amount, notes)
        world.stats.record(outcome)
        log.info(
            "requested", requester=requester, payer=payer, amount=str(amount), status=outcome.status
        )


async def request_from_real_user(world: World) -> None:
    picked, payer = world.pick_virtual(1), world.pick_real()
    if picked and payer is not None:
        s = world.settings
        amount = world.amount(s.simulation_request_min, s.simulation_request_max)
        session = await world.session(picked[0])
        outcome = await world.gateway.request(session, payer, amount, "Please send me some money")
        world.stats.record(outcome)
        log.info(
            "requested", requester=picked[0], payer=payer, amount=str(amount), status=outcome.status
        )


async def pay_between_virtual_users(world: World) -> None:
    picked = world.pick_virtual(2)
    if picked:
        payer, payee = picked
        s = world.settings
        amount = world.amount(s.simulation_pay_min, s.simulation_pay_max)
        notes = world.faker.catch_phrase()[:100]
        session = await world.session(payer)
        outcome = await world.gateway.pay(session, payee, amount, notes, public=world.public())
        world.stats.record(outcome)
        log.info("paid", payer=payer, payee=payee, amount=str(amount), status=outcome.status)


async def answer_requests(world: World) -> None:
    """Each virtual user answers every request open to it now (the running simulation answers
    them as they arrive instead: see :mod:`streampay_simulation.answers`)."""
    for user_id in sorted(world.virtual):
        for request in await world.gateway.open_requests(await world.session(user_id)):
            await answer(world, user_id, request)


async def _deposit(world: World, user_id: str, notes: str) -> None:
    s = world.settings
    amount = world.amount(s.simulation_topup_min, s.simulation_topup_max)
    outcome = await world.bank.deposit(user_id, amount, notes)
    world.stats.record(outcome, amount)
    log.info("topped up", user=user_id, amount=str(amount), status=outcome.status)


def schedule(world: World) -> list[tuple[Behaviour, float]]:
    """Each behaviour with its mean period in seconds at speed 1."""
    s = world.settings
    return [
        (new_virtual_user, s.simulation_new_user_period_s),
        (top_up_virtual_user, s.simulation_topup_virtual_period_s),
        (top_up_real_user, s.simulation_topup_real_period_s),
        (request_between_virtual_users, s.simulation_request_virtual_period_s),
        (request_from_real_user, s.simulation_request_real_period_s),
        (pay_between_virtual_users, s.simulation_pay_virtual_period_s),
    ]
