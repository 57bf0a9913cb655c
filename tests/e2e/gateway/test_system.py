"""The System section's API through the real stack: who may read it, what it shows, its bounds.

The topics and groups come from the broker; a command's trace is found on the topics by its
correlation id, with records the real streams worker and projector wrote.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from decimal import Decimal

import httpx
import pytest

from streampay_contracts.headers import PROBLEM_CONTENT_TYPE
from streampay_gateway.auth.security import SCOPES, SYSTEM_SCOPE
from streampay_infra.stack import Stack
from tests.e2e.gateway.conftest import Person, open_sse, person

pytestmark = pytest.mark.e2e

SYSTEM = " ".join([*SCOPES, SYSTEM_SCOPE])
ROUTES = ["/system/topics", "/system/groups", "/system/topics/commands/records"]


async def pay(http: httpx.AsyncClient, payer: Person, payee: Person, amount: str) -> str:
    """Pay and wait for the reply; the command's correlation id."""
    await balance_of(http, payer)
    response = await http.post(
        "/pay",
        content=f'{{"userId": "{payee.user_id}", "amount": {Decimal(amount)}}}',
        headers={
            **payer.auth,
            "Content-Type": "application/json",
            "Prefer": "wait=20",
            "Idempotency-Key": uuid.uuid4().hex,
        },
    )
    assert response.status_code == 200, response.text
    cid = response.headers["Content-Location"].rsplit("/", 1)[-1]
    assert len(cid) == 64
    return cid


async def balance_of(http: httpx.AsyncClient, someone: Person) -> None:
    """Waits until the sign-up grant has reached the payer's account."""
    for _ in range(100):
        users = await http.get("/users", headers=someone.auth)
        if any(u["id"] == someone.user_id for u in users.json()):
            return
        await asyncio.sleep(0.1)


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE


async def test_sign_in_grants_read_system_only_when_asked(http: httpx.AsyncClient) -> None:
    plain = await http.post("/auth/token", json={"username": "plainuser", "name": "Plain"})
    assert "read:system" not in plain.json()["scope"].split()
    asked = await http.post(
        "/auth/token", json={"username": "operator", "name": "Op", "scope": SYSTEM}
    )
    assert "read:system" in asked.json()["scope"].split()


@pytest.mark.parametrize("path", ROUTES)
async def test_without_read_system_every_system_route_is_403(
    http: httpx.AsyncClient, path: str
) -> None:
    caller = await person(http)  # every ordinary scope, not read:system
    response = await http.get(path, headers=caller.auth)
    assert_problem(response, 403)
    assert 'scope="read:system"' in response.headers["www-authenticate"]
    assert_problem(await http.get(path), 401)


async def test_topics_and_groups(http: httpx.AsyncClient) -> None:
    operator = await person(http, SYSTEM)
    payer, payee = await person(http), await person(http)
    first = (await http.get("/system/topics", headers=operator.auth)).json()
    await pay(http, payer, payee, "1.25")
    await asyncio.sleep(1.1)  # a snapshot is taken at most once a second
    response = await http.get("/system/topics", headers=operator.auth)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    later = {t["name"]: t for t in response.json()["topics"]}
    before = {t["name"]: t for t in first["topics"]}
    commands = later["commands"]
    assert commands["end_offset"] > before["commands"]["end_offset"]
    assert commands["cleanup_policy"] == "delete"
    assert commands["retention_ms"] == 7 * 24 * 3600 * 1000
    assert [p["partition"] for p in commands["partitions"]] == [0, 1, 2]
    assert commands["end_offset"] == sum(p["end"] for p in commands["partitions"])
    assert later["balances"]["cleanup_policy"] == "compact"
    assert later["transactions"]["retention_ms"] == -1
    readers = {g["group"]: g for g in commands["groups"]}
    assert "streampay-streams" in readers, commands["groups"]
    assert all(p["lag"] >= 0 for p in readers["streampay-streams"]["partitions"])
    groups = (await http.get("/system/groups", headers=operator.auth)).json()["groups"]
    by_name = {g["group"]: g for g in groups}
    assert by_name["streampay-streams"]["members"] >= 1
    assert "commands" in {t["topic"] for t in by_name["streampay-streams"]["topics"]}
    assert "events" in {t["topic"] for t in by_name["streampay-streams-projector"]["topics"]}


async def test_a_topics_records_newest_first_then_live(
    http: httpx.AsyncClient, services: Stack
) -> None:
    operator = await person(http, SYSTEM)
    payer, payee = await person(http), await person(http)
    first = await pay(http, payer, payee, "1.00")
    path = f"/system/topics/replies/records?key={payer.user_id}&limit=5"
    async with open_sse(services.config.gateway_url, path, operator.token, {}) as stream:
        page = await stream.until("ready")
        records = [json.loads(e.data) for e in page[:-1]]
        assert records, "the payer's reply is on the page"
        assert {r["key"] for r in records} == {payer.user_id}
        assert records[0]["headers"]["zilla:correlation-id"] == first
        newest = [(r["timestamp"], r["offset"]) for r in records]
        assert newest == sorted(newest, reverse=True)
        second = await pay(http, payer, payee, "2.00")
        live = json.loads((await stream.until("record")).pop().data)
        assert live["headers"]["zilla:correlation-id"] == second
        assert live["format"] == "json"
        assert '"balance": ' in live["value"]


async def test_a_records_filter_by_header_value(http: httpx.AsyncClient, services: Stack) -> None:
    operator = await person(http, SYSTEM)
    payer, payee = await person(http), await person(http)
    cid = await pay(http, payer, payee, "0.50")
    path = f"/system/topics/transactions/records?header={cid}"
    async with open_sse(services.config.gateway_url, path, operator.token, {}) as stream:
        legs = [json.loads(e.data) for e in (await stream.until("ready"))[:-1]]
    assert sorted(leg["key"] for leg in legs) == sorted([payer.user_id, payee.user_id])
    assert {'"amount": -0.50', '"amount": 0.50'} <= {
        line.strip().rstrip(",") for leg in legs for line in leg["value"].splitlines()
    }


async def test_an_unknown_topic_is_404_and_a_bad_name_400(http: httpx.AsyncClient) -> None:
    operator = await person(http, SYSTEM)
    assert_problem(
        await http.get("/system/topics/no-such-topic/records", headers=operator.auth), 404
    )
    assert_problem(await http.get("/system/topics/a%20b/records", headers=operator.auth), 400)


async def test_readers_per_user_are_bounded(http: httpx.AsyncClient, services: Stack) -> None:
    operator = await person(http, SYSTEM)
    url = services.config.gateway_url
    path = "/system/topics/commands/records"
    async with (
        open_sse(url, path, operator.token, {}) as one,
        open_sse(url, path, operator.token, {}) as two,
    ):
        await one.until("ready")
        await two.until("ready")
        refused = await http.get(path, headers=operator.auth)
        assert_problem(refused, 429)
        assert refused.headers["retry-after"]
    # closed streams give their slots back
    for _ in range(50):
        async with (
            httpx.AsyncClient(base_url=url, timeout=10) as client,
            client.stream("GET", path, headers=operator.auth) as again,
        ):
            if again.status_code == 200:
                return
        await asyncio.sleep(0.1)
    pytest.fail("the slots of closed streams were not given back")


async def test_a_trace_shows_the_commands_journey(http: httpx.AsyncClient) -> None:
    payer, payee = await person(http), await person(http)
    cid = await pay(http, payer, payee, "3.10")
    operator = await person(http, SYSTEM)
    steps: list[dict[str, object]] = []
    for _ in range(50):  # the projector writes the views just after the reply
        response = await http.get(f"/system/commands/{cid}", headers=operator.auth)
        assert response.status_code == 200, response.text
        steps = response.json()["steps"]
        if any(s["topic"] == "balances" and s["key"] == payee.user_id for s in steps):
            break
        await asyncio.sleep(0.2)
    where = [(s["topic"], s["key"]) for s in steps]
    assert where[0] == ("commands", payer.user_id)
    for wanted in [
        ("replies", payer.user_id),
        ("transactions", payer.user_id),
        ("transactions", payee.user_id),
        ("balances", payee.user_id),
    ]:
        assert wanted in where, where
    assert where.index(("transactions", payee.user_id)) < where.index(("balances", payee.user_id))
    assert all(s["since_command_ms"] >= -2000 for s in steps)
    assert not any(s["withheld"] for s in steps)


async def test_own_trace_with_ordinary_scopes_hides_the_other_users_records(
    http: httpx.AsyncClient,
) -> None:
    payer, payee = await person(http), await person(http)
    cid = await pay(http, payer, payee, "0.75")
    response = await http.get(f"/system/commands/{cid}", headers=payer.auth)
    assert response.status_code == 200, response.text
    steps = response.json()["steps"]
    assert steps[0]["topic"] == "commands"
    legs = [s for s in steps if s["topic"] == "transactions"]
    assert len(legs) == 2
    theirs = [s for s in legs if s["withheld"]]
    assert len(theirs) == 1
    assert theirs[0]["value"] is None and theirs[0]["key"] is None
    assert any(s["key"] == payer.user_id and s["value"] for s in legs)


async def test_another_users_trace_is_404(http: httpx.AsyncClient) -> None:
    payer, payee = await person(http), await person(http)
    cid = await pay(http, payer, payee, "0.40")
    assert_problem(await http.get(f"/system/commands/{cid}", headers=payee.auth), 404)
    assert_problem(await http.get(f"/system/commands/{'0' * 64}", headers=payer.auth), 404)
    assert_problem(await http.get("/system/commands/not-an-id", headers=payer.auth), 400)
