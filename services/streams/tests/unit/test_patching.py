"""Replacing a library method keeps hold of the library's own, however often it is done."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from faust.transport.consumer import Consumer as FaustConsumer
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

from streampay_streams.adapters.patching import replace_method

pytestmark = pytest.mark.unit


class Library:
    def greet(self) -> str:
        return "hello"


def test_a_second_replacement_wraps_the_original_not_the_first_replacement() -> None:
    own = Library.greet

    def exclaim(original: Any) -> Any:
        return lambda self: original(self) + "!"

    assert replace_method(Library, "greet", exclaim) is own
    assert replace_method(Library, "greet", exclaim) is own
    assert Library().greet() == "hello!"  # not "hello!!": the first replacement was replaced


# -- the library internals the worker replaces, pinned in services/streams/pyproject.toml --------
# Each test fails loudly when an upgrade changes what a replacement relies on.


def own(owner: Any, name: str) -> Any:
    """The library's own method, also after a worker built in this process replaced it."""
    current = getattr(owner, name)
    return getattr(current, "_streampay_original", current)


def test_faust_still_builds_its_consumer_with_a_fixed_fetch_hold() -> None:
    """``answer_fetches_within`` (app.py) wraps this method and replaces the hold it fixes."""
    method = own(AIOKafkaConsumerThread, "_create_worker_consumer")
    assert list(inspect.signature(method).parameters) == ["self", "transport"]
    assert "fetch_max_wait_ms=1500" in inspect.getsource(method)


async def test_aiokafka_still_reads_the_fetch_settings_when_the_consumer_starts() -> None:
    """The replacement sets ``_fetch_max_wait_ms`` and ``_fetch_min_bytes`` on the consumer
    before it starts."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers="127.0.0.1:1", fetch_max_wait_ms=7, fetch_min_bytes=9
    )
    assert (consumer._fetch_max_wait_ms, consumer._fetch_min_bytes) == (7, 9)
    source = inspect.getsource(AIOKafkaConsumer.start)
    assert "fetch_max_wait_ms=self._fetch_max_wait_ms" in source
    assert "fetch_min_bytes=self._fetch_min_bytes" in source


def test_faust_still_counts_skipped_offsets_as_acknowledged_in_add_gap() -> None:
    """``guard_gap_acks`` (agents/ordering.py) replaces this method for the guarded topics."""
    method = own(FaustConsumer, "_add_gap")
    assert list(inspect.signature(method).parameters) == ["self", "tp", "offset_from", "offset_to"]
    assert inspect.iscoroutinefunction(method)
    assert "self._add_gap(" in inspect.getsource(FaustConsumer)
