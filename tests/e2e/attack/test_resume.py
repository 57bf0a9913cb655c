"""A ``Last-Event-ID`` must name a position that exists: no partition the topic lacks, no offset
past a partition's end. Such an id once opened a stream (200) that waited for offsets the topic
would not reach for a long time, silently skipping every change of the caller until then."""

from __future__ import annotations

import pytest

from tests.e2e.attack.conftest import Gateway, Person, assert_problem

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

FAR = 10**12


async def resumed(gateway: Gateway, who: Person, path: str, event_id: str) -> int:
    """The status of ``path`` opened with ``Last-Event-ID: event_id`` (a 400 is checked)."""
    hdrs = {**who.auth, "Accept": "text/event-stream", "Last-Event-ID": event_id}
    async with gateway.client.stream("GET", path, headers=hdrs) as response:
        if response.status_code == 400:
            await response.aread()
            assert_problem(response, 400, "Last-Event-ID", "reconnect without it")
        return response.status_code


async def the_ready_id(gateway: Gateway, who: Person, path: str) -> str:
    async with gateway.sse(path, who.token) as stream:
        events = await stream.until("ready", within=15)
    assert events[-1].id, events[-1]
    return events[-1].id


@pytest.mark.parametrize(
    ("path", "view"),
    [
        ("/activities", "activities"),
        ("/current-balance", "current-balance"),
        ("/streams?views=activities,current-balance", "activities"),
    ],
)
async def test_an_offset_beyond_the_end_of_the_topic_is_refused(
    gateway: Gateway, path: str, view: str
) -> None:
    someone = await gateway.person()
    genuine = await the_ready_id(gateway, someone, path)
    assert await resumed(gateway, someone, path, genuine) == 200
    sections = dict(section.split("@") for section in genuine.split(";"))
    sections[view] = f"0={FAR},1=0,2=0"
    beyond = ";".join(f"{name}@{offsets}" for name, offsets in sorted(sections.items()))
    assert await resumed(gateway, someone, path, beyond) == 400


async def test_a_partition_the_topic_lacks_is_refused(gateway: Gateway) -> None:
    someone = await gateway.person(profile=False)
    assert await resumed(gateway, someone, "/activities", "activities@0=0,1=0,2=0,7=0") == 400
    assert await resumed(gateway, someone, "/activities", "activities@0=0,1=0,2=0") == 200
