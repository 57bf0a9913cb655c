"""`python -m streampay_streams.health`: exit 0 when this streams worker is serving its partitions.

A worker is healthy when the consumer group of the streams app is Stable with at least one
member, i.e. partitions are assigned, and this worker has written its readiness marker: its
tables are recovered and its user directory has caught up, so it decides with complete state.
(A worker joins its group before it has recovered; the group alone would say "ready" too early,
or, right after a crash, still count the dead member.) And it is alive: its ``/healthz`` on
``STREAMS_METRICS_PORT`` answers 200, i.e. it is not wedged (see
:mod:`streampay_streams.observability`); a member that holds its partitions without applying
anything fails the check. Docker compose uses this as the streams healthcheck and the local
stack waits on it, so both start in the same order.
"""

from __future__ import annotations

import asyncio
import sys
import urllib.error
import urllib.request

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from streampay_streams.adapters import readiness
from streampay_streams.config import StreamsSettings


async def stable_members(bootstrap_servers: str, group: str) -> int:
    """Members of consumer group `group` when it is Stable, else 0."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=3000)
    try:
        await admin.start()
        responses = await admin.describe_consumer_groups([group])
    except (KafkaError, OSError):
        return 0
    finally:
        await admin.close()
    for response in responses:
        for described in response.groups:
            state, members = described[2], described[5]
            if state == "Stable":
                return len(members)
    return 0


def main() -> int:
    return check(StreamsSettings())


def check(settings: StreamsSettings) -> int:
    """0 when the process ``settings`` describe is serving its partitions, else 1."""
    members = asyncio.run(
        asyncio.wait_for(stable_members(settings.kafka_bootstrap_servers, settings.group_id), 10)
    )
    ready = readiness.is_ready(settings.ready_marker)
    alive, why = liveness(settings)
    print(
        f"consumer group {settings.group_id}: {members} stable member(s); "
        f"this worker {'is' if ready else 'is not'} ready; {why}"
    )
    return 0 if members > 0 and ready and alive else 1


def liveness(settings: StreamsSettings) -> tuple[bool, str]:
    """Whether the worker's own ``/healthz`` says it is alive, and what it says."""
    if settings.streams_metrics_port == 0:
        return True, "liveness not served (metrics port 0)"
    host = (
        "127.0.0.1"
        if settings.streams_metrics_host in ("0.0.0.0", "")
        else settings.streams_metrics_host
    )
    url = f"http://{host}:{settings.streams_metrics_port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True, "alive"
    except urllib.error.HTTPError as error:
        return False, f"wedged: {error.read().decode(errors='replace')}"
    except OSError as error:
        return False, f"liveness unanswered at {url}: {error}"


if __name__ == "__main__":
    sys.exit(main())
