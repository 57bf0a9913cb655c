"""Correlation ids, fingerprints and the indexes that recognise a retried command."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

from streampay_contracts import PayCommand, Problem, decode, headers
from streampay_contracts.envelopes import FINGERPRINT
from streampay_gateway.commands.correlation import (
    check_idempotency_key,
    correlation_id,
    fingerprint,
)
from streampay_gateway.commands.replies import ReplyIndex
from streampay_gateway.commands.window import WindowedIndex, now_ms

pytestmark = pytest.mark.unit

ALICE, BOB = "local|alice", "local|bob"


def test_the_correlation_id_depends_on_identity_route_and_key_only() -> None:
    cid = correlation_id(ALICE, "POST /pay", "k-1")
    assert cid == correlation_id(ALICE, "POST /pay", "k-1")
    assert len(cid) == 64 and int(cid, 16) >= 0
    others = {
        correlation_id(BOB, "POST /pay", "k-1"),
        correlation_id(ALICE, "POST /request", "k-1"),
        correlation_id(ALICE, "POST /pay", "k-2"),
    }
    assert cid not in others and len(others) == 3


def test_parts_cannot_be_shifted_between_fields() -> None:
    assert correlation_id("local|a", "POST /pay", "b") != correlation_id(
        "local|a", "POST /pa", "yb"
    )
    assert correlation_id("a|b", "r", "c") != correlation_id("a", "|b r", "c")


def test_the_fingerprint_is_of_the_canonical_body() -> None:
    short = decode(b'{"userId":"local|bob","amount":25.5}', PayCommand)
    long = decode(b'{"amount":25.50,"notes":"","userId":"local|bob"}', PayCommand)
    other = decode(b'{"userId":"local|bob","amount":25.51}', PayCommand)
    assert fingerprint(short) == fingerprint(long)
    assert fingerprint(short) != fingerprint(other)
    assert fingerprint(short, 7) != fingerprint(short) != fingerprint(short, 8)


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "ünï"])
def test_a_malformed_idempotency_key_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="1 to 255 printable ASCII"):
        check_idempotency_key(key)


def test_a_missing_key_becomes_a_fresh_one_every_time() -> None:
    assert check_idempotency_key("client key 1") == "client key 1"
    assert check_idempotency_key(None) != check_idempotency_key(None)


# -- indexes -----------------------------------------------------------------------------------


@dataclass
class FakeRecord:
    headers: list[tuple[str, bytes]]
    value: bytes | None
    timestamp: int
    offset: int = 0


def reply_record(
    cid: str,
    status: str = "200",
    body: bytes = b"{}",
    age_ms: int = 0,
    body_hash: str | None = None,
) -> Any:
    found = {
        headers.CORRELATION_ID: cid,
        headers.IDENTITY: ALICE,
        headers.STATUS: status,
        headers.CONTENT_TYPE: headers.JSON_CONTENT_TYPE,
    }
    if body_hash is not None:
        found[FINGERPRINT] = body_hash
    return FakeRecord(headers.to_kafka(found), body, now_ms() - age_ms)


def test_the_window_forgets_old_entries_and_respects_its_cap() -> None:
    index: WindowedIndex[int] = WindowedIndex(window_ms=1000, max_entries=3)
    index.put("old", 1, now_ms() - 5000)
    index.put("a", 2, now_ms())
    assert "old" not in index and index.get("a") == 2
    for key in "bcd":
        index.put(key, 3, now_ms())
    assert len(index) == 3 and "a" not in index


async def test_the_first_reply_of_a_correlation_id_wins() -> None:
    index = ReplyIndex(window_ms=60_000, max_entries=1000)
    index.handle(reply_record("c1", "201", b'{"id":"r1"}'))
    index.handle(reply_record("c1", "409", b"{}"))
    reply = index.get("c1")
    assert reply is not None and reply.status == 201 and reply.body == b'{"id":"r1"}'
    assert reply.identity == ALICE


async def test_replies_older_than_the_window_are_not_indexed() -> None:
    index = ReplyIndex(window_ms=60_000, max_entries=1000)
    index.handle(reply_record("c1", age_ms=120_000))
    assert index.get("c1") is None


async def test_a_reply_without_a_valid_status_becomes_a_502_problem() -> None:
    index = ReplyIndex(window_ms=60_000, max_entries=1000)
    index.handle(reply_record("c1", "two hundred"))
    reply = index.get("c1")
    assert reply is not None and reply.status == 502
    assert decode(reply.body, Problem).status == 502


async def test_a_waiter_gets_the_reply_when_it_arrives() -> None:
    index = ReplyIndex(window_ms=60_000, max_entries=1000)
    assert await index.wait("c1", 0.01) is None
    index.handle(reply_record("c2"))
    waited = await index.wait("c2", 1)
    assert waited is not None and waited.status == 200


async def test_a_reused_key_refusal_answers_its_attempt_and_never_replaces_the_reply() -> None:
    index = ReplyIndex(window_ms=60_000, max_entries=1000)
    other = asyncio.create_task(index.wait("c1", 5, "other-body"))
    mine = asyncio.create_task(index.wait("c1", 5, "first-body"))
    await asyncio.sleep(0)
    index.handle(reply_record("c1", "422", body_hash="other-body"))
    index.handle(reply_record("c1", "200", body_hash="first-body"))
    refused, answered = await other, await mine
    assert refused is not None and refused.status == 422
    assert answered is not None and answered.status == 200
    stored = index.get("c1")
    assert stored is not None and stored.status == 200
    assert stored.answers("first-body") and not stored.answers("other-body")


async def test_a_waiter_for_another_body_is_not_given_the_commands_reply() -> None:
    index = ReplyIndex(window_ms=60_000, max_entries=1000)
    waiting = asyncio.create_task(index.wait("c1", 0.3, "other-body"))
    await asyncio.sleep(0)
    index.handle(reply_record("c1", "200", body_hash="first-body"))
    assert await waiting is None
