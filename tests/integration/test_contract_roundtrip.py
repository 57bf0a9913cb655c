"""Every message model crosses the real broker unchanged: value bytes, exact amounts, headers."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pydantic import BaseModel

from streampay_contracts import (
    SYSTEM_BANK,
    Activity,
    ActivityEvent,
    AverageTransactions,
    Balance,
    CancelRequestCommand,
    DeclineRequestCommand,
    DepositCommand,
    DepositReply,
    PayCommand,
    PaymentRequest,
    PayReply,
    Problem,
    RequestCommand,
    RequestReply,
    RequestStatus,
    TotalTransactions,
    Transaction,
    TransactionKind,
    User,
    codec,
    headers,
    topics,
)

pytestmark = pytest.mark.integration

NOW = 1_795_000_000_000
ALICE, BOB = "local|alice", "local|bob"

SAMPLES: list[tuple[str, str, BaseModel]] = [
    (topics.COMMANDS, ALICE, PayCommand(user_id=BOB, amount=Decimal("25.50"), notes="lunch 🍜")),
    (topics.COMMANDS, ALICE, PayCommand(user_id=BOB, amount=Decimal("7.5"), request_id="r-1")),
    (topics.COMMANDS, BOB, RequestCommand(user_id=ALICE, amount=Decimal(100), notes="rent")),
    (topics.COMMANDS, ALICE, DeclineRequestCommand(request_id="r-1", reason="not mine")),
    (topics.COMMANDS, BOB, CancelRequestCommand(request_id="r-1")),
    (topics.COMMANDS, SYSTEM_BANK, DepositCommand(user_id=ALICE, amount=Decimal("999999.99"))),
    (topics.REPLIES, ALICE, PayReply(command_id="c-1", amount=Decimal("25.50"),
                                     balance=Decimal("74.50"), version=3)),
    (topics.REPLIES, BOB, RequestReply(id="r-1")),
    (topics.REPLIES, SYSTEM_BANK,
     DepositReply(command_id="c-2", balance=Decimal("0.01"), version=1)),
    (topics.REPLIES, ALICE, Problem.of(409, "Not enough money: balance 12.00",
                                       balance=Decimal("12.00"))),
    (topics.TRANSACTIONS, ALICE, Transaction(
        id="c-1:debit", owner_id=ALICE, user_id=BOB, amount=Decimal("-25.50"),
        kind=TransactionKind.TRANSFER, command_id="c-1", timestamp=NOW)),
    (topics.TRANSACTIONS, BOB, Transaction(
        id="c-2:credit", owner_id=BOB, user_id=SYSTEM_BANK, amount=Decimal("100.00"),
        kind=TransactionKind.DEPOSIT, command_id="c-2", timestamp=NOW)),
    (topics.BALANCES, ALICE, Balance(balance=Decimal("74.50"), timestamp=NOW, version=3)),
    (topics.BALANCE_HISTORIES, ALICE, Balance(balance=Decimal(0), timestamp=NOW, version=4)),
    (topics.USERS, ALICE, User(id=ALICE, name="Alice Doe", username="alice")),
    (topics.PAYMENT_REQUESTS, "r-1", PaymentRequest(
        id="r-1", from_user_id=BOB, from_user_name="Bob", to_user_id=ALICE,
        to_user_name="Alice Doe", amount=Decimal("7.50"), timestamp=NOW,
        status=RequestStatus.PENDING)),
    (topics.ACTIVITIES, ALICE, Activity(
        event_name=ActivityEvent.PAYMENT_SENT, amount=Decimal("25.50"), from_user_id=ALICE,
        from_user_name="Alice Doe", to_user_id=BOB, to_user_name="Bob", timestamp=NOW)),
    (topics.TOTAL_TRANSACTIONS, "total-transaction", TotalTransactions(total=42, timestamp=NOW)),
    (topics.AVERAGE_TRANSACTIONS, "total-transaction",
     AverageTransactions(average=Decimal("12.34"), timestamp=NOW)),
]  # fmt: skip


def record_headers(model: BaseModel) -> dict[str, str]:
    return {
        headers.IDENTITY: ALICE,
        headers.DOMAIN_MODEL: type(model).__name__,
        headers.CORRELATION_ID: str(uuid.uuid4()),
        headers.IDEMPOTENCY_KEY: "key-ü-1",
        headers.STATUS: "200",
        headers.CONTENT_TYPE: headers.JSON_CONTENT_TYPE,
    }


async def test_every_model_round_trips_through_the_broker(kafka: str) -> None:
    sent = []
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for topic, key, model in SAMPLES:
            hdrs = record_headers(model)
            meta = await producer.send_and_wait(
                topic, codec.encode(model), key=key.encode(), headers=headers.to_kafka(hdrs)
            )
            sent.append((meta.topic_partition, meta.offset, key, model, hdrs))
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        for tp, offset, key, model, hdrs in sent:
            consumer.assign([TopicPartition(tp.topic, tp.partition)])
            consumer.seek(tp, offset)
            record = (await consumer.getmany(tp, timeout_ms=10_000, max_records=1))[tp][0]
            assert record.offset == offset
            assert record.key == key.encode()
            assert headers.from_kafka(record.headers) == hdrs
            assert record.value == codec.encode(model)
            assert codec.decode(record.value, type(model)) == model
    finally:
        await consumer.stop()


def test_amounts_travel_as_json_numbers_with_two_decimals() -> None:
    body = codec.encode(SAMPLES[0][2])
    assert b'"amount":25.50' in body and b'"userId":"local|bob"' in body
