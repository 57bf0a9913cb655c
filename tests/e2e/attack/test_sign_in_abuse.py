"""Sign-in abuse: sign-ins and first profiles (each brings the 100.00 sign-up grant) are
limited per client address, with 429 and ``Retry-After`` past the limit.

The test stack lets 127.0.0.1 sign in freely (every test is on it), so this runs on a gateway
of the stack with small limits: ``AUTH_SIGN_INS_PER_MINUTE`` sign-ins and
``NEW_PROFILES_PER_HOUR`` first profiles. Another address keeps its own allowance, a profile
update is not a first profile, and a refused first profile creates no user.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio

from streampay_infra.stack import Stack
from tests.e2e.attack.conftest import another_gateway, assert_problem, unb64

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

SIGN_INS, PROFILES = 6, 3


@pytest.fixture(scope="module")
def limited(services: Stack) -> Iterator[str]:
    env = {"AUTH_SIGN_INS_PER_MINUTE": str(SIGN_INS), "NEW_PROFILES_PER_HOUR": str(PROFILES)}
    with another_gateway(services, "gateway-limited", env) as url:
        yield url


def client(base_url: str, address: str) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(base_url=base_url, transport=transport, timeout=30)


@pytest_asyncio.fixture(loop_scope="session")
async def home(limited: str) -> AsyncIterator[httpx.AsyncClient]:
    async with client(limited, "127.0.0.4") as http:
        yield http


async def sign_in(http: httpx.AsyncClient) -> httpx.Response:
    username = f"s{uuid.uuid4().hex[:12]}"
    return await http.post("/auth/token", json={"username": username, "name": "Sign In"})


def too_many(response: httpx.Response, what: str) -> None:
    assert_problem(response, 429, f"too many {what} from your address")
    assert int(response.headers["retry-after"]) >= 1


async def test_sign_ins_are_limited_per_address(limited: str, home: httpx.AsyncClient) -> None:
    statuses = [(await sign_in(home)).status_code for _ in range(SIGN_INS)]
    assert statuses == [200] * SIGN_INS
    too_many(await sign_in(home), "sign-ins")
    async with client(limited, "127.0.0.5") as elsewhere:
        assert (await sign_in(elsewhere)).status_code == 200


async def test_first_profiles_are_limited_per_address(limited: str) -> None:
    async with client(limited, "127.0.0.6") as http:
        signed_in = [(await sign_in(http)).json() for _ in range(PROFILES + 1)]
        auth = [{"Authorization": f"Bearer {token['access_token']}"} for token in signed_in]
        for n, hdrs in enumerate(auth[:PROFILES]):
            profile = {"name": "New Person", "username": f"newperson{n}"}
            assert (await http.put("/current-user", json=profile, headers=hdrs)).status_code == 204
        last = {"name": "New Person", "username": "newpersonlast"}
        too_many(await http.put("/current-user", json=last, headers=auth[-1]), "new profiles")
        # Updating an existing profile is not a first profile.
        renamed = {"name": "Renamed Person", "username": "renamed"}
        assert (await http.put("/current-user", json=renamed, headers=auth[0])).status_code == 204
        users = (await http.get("/users", headers=auth[0])).json()
    by_id = {user["id"]: user["name"] for user in users}
    ids = [json.loads(unb64(token["access_token"].split(".")[1]))["sub"] for token in signed_in]
    assert by_id[ids[0]] == "Renamed Person"
    assert all(by_id.get(user_id) == "New Person" for user_id in ids[1:PROFILES])
    assert ids[-1] not in by_id  # refused: no user, so no sign-up grant
