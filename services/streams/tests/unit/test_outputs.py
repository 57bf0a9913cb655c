"""A decision's typed effects as Kafka records: the one place topics, headers and bytes appear."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from streampay_contracts import (
    PayCommand,
    PayReply,
    Problem,
    RequestStatus,
    Transaction,
    codec,
    headers,
    topics,
)
from streampay_contracts.events import decode_event
from streampay_streams.adapters.outputs import records_of, remembered_as_sent, reply_record
from streampay_streams.adapters.records import parse_origin
from streampay_streams.domain.decide import decide
from streampay_streams.domain.effects import Decision, Origin, Reply, Route
from streampay_streams.domain.messages import RequestClosed, Routed

pytestmark = pytest.mark.unit

ALICE, BOB, CAROL = "local|alice", "local|bob", "local|carol"


def test_legs_then_events_then_routed_messages_then_the_reply(kit: Any) -> None:
    command = PayCommand(user_id=BOB, amount=Decimal("10"))
    given = kit.command(command, ALICE, cid="c-1", partition=2)
    paid = decide(kit.account(ALICE), given, kit.ctx)
    back = Route(
        CAROL,
        RequestClosed(request_id="rq-1", status=RequestStatus.PAID),
        Origin("commands", 2, 7, ALICE),
    )
    decision = Decision(paid.account, paid.events, paid.legs, (back,), paid.reply)

    debit, credit, event, routed, reply = records_of(decision, "requests")

    assert [(r.topic, r.key) for r in (debit, credit, event, routed, reply)] == [
        (topics.TRANSACTIONS, ALICE),
        (topics.TRANSACTIONS, BOB),
        (topics.EVENTS, ALICE),
        ("requests", CAROL),
        ("replies", ALICE),
    ]
    assert codec.decode(debit.body or b"", Transaction) == decision.legs[0].entry
    assert codec.decode(credit.body or b"", Transaction) == decision.legs[1].entry
    assert headers.ORIGIN not in debit.headers
    assert parse_origin(credit.headers) == given.origin
    assert credit.headers[headers.ORIGIN] == f"commands/2/{given.origin.offset}"
    assert decode_event(event.body or b"") == decision.events[0]
    assert codec.decode(routed.body or b"", Routed).message == back.message
    assert (routed.headers[headers.ORIGIN], routed.headers[headers.ORIGIN_BY]) == (
        "commands/2/7",
        ALICE,
    )
    assert parse_origin(routed.headers) == back.origin
    assert dict(reply.headers) == {
        headers.CORRELATION_ID: "c-1",
        headers.STATUS: "200",
        headers.CONTENT_TYPE: headers.JSON_CONTENT_TYPE,
        headers.IDENTITY: ALICE,
    }
    assert codec.decode(reply.body or b"", PayReply) == kit.body(decision, PayReply)


def test_a_refusal_is_a_problem_and_a_remembered_answer_is_the_same_bytes(kit: Any) -> None:
    given = kit.command(PayCommand(user_id=BOB, amount=Decimal("500")), ALICE, cid="c-2")
    refused = decide(kit.account(ALICE), given, kit.ctx)
    (record,) = records_of(refused, "requests")
    assert record.headers[headers.STATUS] == "409"
    assert record.headers[headers.CONTENT_TYPE] == headers.PROBLEM_CONTENT_TYPE
    assert codec.decode(record.body or b"", Problem).status == 409

    assert refused.account is not None and refused.reply is not None
    copy = kit.command(given.command, ALICE, cid="c-2")
    decided_again = decide(refused.account, copy, kit.ctx)
    assert decided_again.reply is not None
    assert reply_record(decided_again.reply) == record

    stored = remembered_as_sent(refused.account, record)  # as the worker stores the account
    assert stored.recent["c-2"].body == (record.body or b"").decode()
    again = decide(stored, copy, kit.ctx)
    assert again.reply is not None and isinstance(again.reply.body, str)
    assert reply_record(again.reply) == record


def test_an_idempotency_key_is_copied_back_and_a_text_body_kept_as_it_was(kit: Any) -> None:
    address = kit.command(PayCommand(user_id=BOB, amount=Decimal(1)), ALICE).address
    keyed = address.model_copy(update={"idempotency_key": "k-1"})
    record = reply_record(Reply(keyed, 404, Problem.of(404, "There is no user local|zed")))
    assert record.headers[headers.IDEMPOTENCY_KEY] == "k-1"
    assert codec.decode(record.body or b"", Problem).detail == "There is no user local|zed"
    assert reply_record(Reply(address, 200, '{"old":1}')).body == b'{"old":1}'
