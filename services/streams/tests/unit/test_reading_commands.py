"""Reading command records: what a malformed one is answered, and what a good one becomes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from streampay_contracts import DepositCommand, PayCommand, Problem, codec, headers
from streampay_streams.adapters.inbound import Reader
from streampay_streams.adapters.records import Malformed, RawRecord, Skipped
from streampay_streams.domain.inputs import CommandInput

pytestmark = pytest.mark.unit

ALICE = "local|alice"
GOOD = b'{"userId":"local|bob","amount":25.50}'
READER = Reader(requests_topic="requests", reply_topics=("replies", "other-replies"))


def record(
    value: bytes | None = GOOD, key: bytes | None = ALICE.encode(), **overrides: str | None
) -> RawRecord:
    found: dict[str, str | None] = {
        headers.IDENTITY: ALICE,
        headers.DOMAIN_MODEL: "PayCommand",
        headers.CORRELATION_ID: "c-1",
        headers.IDEMPOTENCY_KEY: "k-1",
        **overrides,
    }
    present = {name: text for name, text in found.items() if text is not None}
    return RawRecord("commands", 1, 17, key, value, present, 1_795_000_000_000)


def refused(raw: RawRecord) -> tuple[int, str, dict[str, str]]:
    read = READER.read(raw)
    assert isinstance(read, Malformed), read
    body = codec.decode(read.reply.body or b"", Problem)
    return body.status, str(body.detail), dict(read.reply.headers)


def test_a_good_record_becomes_a_command_input() -> None:
    read = READER.read(record(**{headers.IF_MATCH: '"7"'}))
    assert isinstance(read, CommandInput)
    assert read.command == PayCommand(user_id="local|bob", amount=Decimal("25.50"))
    assert (read.owner, read.actor, read.if_match, read.at) == (ALICE, ALICE, 7, 1_795_000_000_000)
    assert (read.origin.topic, read.origin.partition, read.origin.offset) == ("commands", 1, 17)
    assert (read.address.topic, read.address.key, read.address.idempotency_key) == (
        "replies",
        ALICE,
        "k-1",
    )


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b'{"userId":"local|bob","amount":1e2}', "amount: amount must be a plain decimal number"),
        (b'{"userId":"local|bob","amount":-5}', "amount: amount must be greater than 0"),
        (b'{"userId":"local|bob","amount":0}', "amount: amount must be greater than 0"),
        (b'{"userId":"local|bob","amount":1.005}', "amount: amount must have at most 2 decimal"),
        (b'{"userId":"local|bob","amount":"NaN"}', "amount: amount must be a JSON number"),
        (b'{"userId":"local|bob","amount":NaN}', "amount: amount must be a finite number"),
        (b'{"userId":"local|bob","amount":25.5', "Body is not valid JSON"),
        (b"", "Body is not valid JSON"),
        (b'{"userId":"local|bob","amount":1,"fromUserId":"local|x"}', "fromUserId: unknown field"),
    ],
)
def test_bad_bodies_and_amounts_are_400_in_plain_words(raw: bytes, detail: str) -> None:
    status, text, found = refused(record(raw))
    assert status == 400 and text.startswith(detail), text
    assert found[headers.STATUS] == "400"
    assert found[headers.CONTENT_TYPE] == headers.PROBLEM_CONTENT_TYPE
    assert (found[headers.CORRELATION_ID], found[headers.IDEMPOTENCY_KEY]) == ("c-1", "k-1")


@pytest.mark.parametrize(
    ("overrides", "detail"),
    [
        ({headers.DOMAIN_MODEL: None}, "The command has no zilla:domain-model header"),
        ({headers.DOMAIN_MODEL: "StealCommand"}, "Unknown domain model 'StealCommand'"),
        ({headers.IDENTITY: None}, "The command has no zilla:identity header"),
        ({headers.IDENTITY: "alice"}, "The zilla:identity header 'alice' is not a user id"),
        ({headers.IF_MATCH: "W/abc"}, 'If-Match must be a balance version such as "7"'),
        ({headers.REPLY_TO: "elsewhere"}, "Replies cannot be sent to topic 'elsewhere'"),
        ({headers.CORRELATION_ID: "x" * 129}, "The correlation id must be at most 128"),
    ],
)
def test_bad_headers_are_400_in_plain_words(overrides: dict[str, Any], detail: str) -> None:
    status, text, found = refused(record(**overrides))
    assert status == 400 and text.startswith(detail), text
    assert found.get(headers.IDENTITY) == overrides.get(headers.IDENTITY, ALICE)


def test_a_refused_reply_to_is_answered_on_replies() -> None:
    read = READER.read(record(**{headers.REPLY_TO: "elsewhere"}))
    assert isinstance(read, Malformed) and read.reply.topic == "replies"
    allowed = READER.read(record(**{headers.REPLY_TO: "other-replies"}))
    assert isinstance(allowed, CommandInput) and allowed.address.topic == "other-replies"


def test_a_command_must_be_keyed_by_whoever_sends_it() -> None:
    status, text, _ = refused(record(key=b"local|mallory"))
    assert (status, text) == (400, "A command from local|alice must be keyed by local|alice")


def test_a_deposit_is_keyed_by_the_account_it_credits() -> None:
    body = codec.encode(DepositCommand(user_id="local|bob", amount=Decimal(5)))
    deposit = {headers.IDENTITY: "system|bank", headers.DOMAIN_MODEL: "DepositCommand"}
    read = READER.read(record(body, key=b"local|bob", **deposit))
    assert isinstance(read, CommandInput) and (read.owner, read.actor) == (
        "local|bob",
        "system|bank",
    )
    status, text, _ = refused(record(body, key=b"system|bank", **deposit))
    assert (status, text) == (400, "A deposit to local|bob must be keyed by that account")


def test_a_record_without_correlation_id_cannot_be_answered() -> None:
    read = READER.read(record(**{headers.CORRELATION_ID: None}))
    assert isinstance(read, Skipped) and read.reason
