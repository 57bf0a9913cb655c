"""Which broker a test session runs on: the local Apache Kafka, or a Redpanda container.

``TEST_BROKER=redpanda`` asks for Redpanda, the broker of the Docker path (the same image as
``docker-compose.yml``), started by testcontainers for the session and removed after it. It is
used only when a Docker engine answers; otherwise, and by default, the session starts the local
Apache Kafka on free loopback ports as before. Either way the tests get the same fixture, a
broker's bootstrap servers with every topic created, and run unchanged.

testcontainers is a development dependency: it is imported only when a container is started.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
from typing import Literal

REDPANDA_IMAGE = "docker.redpanda.com/redpandadata/redpanda:v25.3.9"
"""The Redpanda of ``docker-compose.yml`` (a test holds the two to the same release)."""

STARTUP_TIMEOUT_S = 90

Broker = Literal["kafka", "redpanda"]


def docker_answers() -> bool:
    """Whether a Docker engine answers (as testcontainers would reach it: ``DOCKER_HOST`` or
    the local socket)."""
    try:
        import docker  # type: ignore[import-untyped]

        client = docker.from_env(timeout=5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def choose(
    env: Mapping[str, str] = os.environ,
    docker: Callable[[], bool] = docker_answers,
    say: Callable[[str], None] = print,
) -> Broker:
    """``redpanda`` when asked for and a Docker engine answers, else ``kafka``."""
    wanted = env.get("TEST_BROKER", "").strip().lower()
    if wanted not in ("", "kafka", "redpanda"):
        raise ValueError(f"TEST_BROKER must be kafka or redpanda, not {wanted!r}")
    if wanted != "redpanda":
        return "kafka"
    if docker():
        return "redpanda"
    say("TEST_BROKER=redpanda, but no Docker engine answers: the tests run on local Kafka")
    return "kafka"


@contextlib.contextmanager
def external_broker(broker: Broker) -> Iterator[str | None]:
    """The bootstrap servers of a Redpanda container for the block, or None for local Kafka
    (the test stack then starts its own)."""
    if broker == "kafka":
        yield None
        return
    from testcontainers.community.kafka import RedpandaContainer

    redpanda = RedpandaContainer(image=REDPANDA_IMAGE)
    redpanda.start(timeout=STARTUP_TIMEOUT_S)  # the library's own 10 s is short on a busy machine
    try:
        yield redpanda.get_bootstrap_server()
    finally:
        redpanda.stop()
