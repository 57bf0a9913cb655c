"""Fixtures shared by every test tier.

Integration and end-to-end tests get a real Apache Kafka broker and, for end-to-end tests, the
real services, started once per test session in a temporary folder on free loopback ports, so a
running `make up` is never disturbed. Unit tests use none of this and need no broker.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from streampay_infra import session_broker
from streampay_infra.stack import Stack, scratch_config

TIERS = ("unit", "integration", "e2e")
"""Every test file says at module level which tier it is in (``pytestmark``), so that
``make test-unit``, ``make test-integration`` and ``make test-e2e`` together run every test."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    untiered = sorted(
        {
            str(item.path)
            for item in items
            if not any(mark.name in TIERS for mark in _module_marks(item))
        }
    )
    if untiered:
        raise pytest.UsageError(
            "test files without a tier marker (pytestmark = pytest.mark.unit, integration or "
            "e2e at module level): " + ", ".join(untiered)
        )


def _module_marks(item: pytest.Item) -> list[pytest.Mark]:
    module = item.getparent(pytest.Module)
    return list(module.iter_markers()) if module is not None else []


@pytest.fixture(scope="session")
def stack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stack")


@pytest.fixture(scope="session")
def stack(stack_dir: Path) -> Iterator[Stack]:
    """The test stack; its broker is started by `kafka`, its services by `services`.

    The broker is the local Apache Kafka, or with ``TEST_BROKER=redpanda`` and a Docker engine,
    a Redpanda container (:mod:`streampay_infra.session_broker`)."""
    # The simulation pays, requests and tops up whoever exists, test users included, so it
    # runs only in the tests that are about it (they start it themselves).
    with session_broker.external_broker(session_broker.choose()) as external:
        test_stack = Stack(scratch_config(stack_dir, external_broker=external))
        try:
            yield test_stack
        finally:
            test_stack.down()


@pytest.fixture(scope="session")
def kafka(stack: Stack) -> str:
    """Bootstrap servers of a real broker with every contract topic created."""
    stack.start_broker()
    stack.create_topics()
    return stack.config.bootstrap_servers


@pytest.fixture(scope="session")
def services(stack: Stack, kafka: str) -> Stack:
    """The stack that end-to-end tests talk to: broker, topics, streams worker and gateway."""
    for name in stack.config.services:
        stack.start_service(name)
    return stack
