"""The audit's checks of the ledger, and how ledger, profile and routed records are read."""

from __future__ import annotations

from decimal import Decimal

import pytest

from streampay_contracts import Balance, Transaction, TransactionKind, User, codec, headers, topics
from streampay_infra.audit import check
from streampay_streams.adapters.inbound import Reader
from streampay_streams.adapters.records import RawRecord, Skipped
from streampay_streams.domain.inputs import CreditInput, RoutedInput, SignupInput
from streampay_streams.domain.messages import RequestClosed, Routed

pytestmark = pytest.mark.unit

A, B, C, BANK = "local|a", "local|b", "local|c", "system|bank"


def leg(entry: str, owner: str, other: str, amount: str, cause: str = "c-1") -> Transaction:
    kind = TransactionKind.DEPOSIT if other == BANK else TransactionKind.TRANSFER
    return Transaction(
        id=entry,
        owner_id=owner,
        user_id=other,
        amount=Decimal(amount),
        kind=kind,
        command_id=cause,
        timestamp=1,
    )


def balance(amount: str) -> Balance:
    return Balance(balance=Decimal(amount), timestamp=1, version=1)


LEDGER = [
    leg("d-a", A, BANK, "100", "d-a"),
    leg("c-1:debit", A, B, "-30"),
    leg("c-1:credit", B, A, "30"),
]


def test_a_consistent_ledger_passes_and_copies_are_counted() -> None:
    report = check([*LEDGER, LEDGER[1]], {A: balance("70"), B: balance("30")})
    assert report.ok, report.violations
    assert (report.entries, report.copies, report.accounts, report.transfers) == (4, 1, 2, 1)
    assert report.deposits == report.balances == Decimal("100.00")
    assert report.lines()[-1].endswith("OK")


def test_every_violation_is_reported() -> None:
    conflicting = leg("c-1:credit", B, A, "31")
    lonely = leg("c-2:debit", A, C, "-5", "c-2")
    report = check([*LEDGER, conflicting, lonely], {A: balance("70"), B: balance("29")})
    assert not report.ok
    text = "\n".join(report.violations)
    assert "entry c-1:credit recorded twice with different contents" in text
    assert "local|b: balance 29.00 but the ledger sums to 30.00" in text
    assert "local|a: balance 70.00 but the ledger sums to 65.00" in text
    assert "transfer c-2 is not two legs that cancel out" in text
    assert "balances add up to 99.00 but deposits to 100.00" in text


def test_a_missing_balance_and_a_negative_ledger_are_violations() -> None:
    overdrawn = [leg("c-9:debit", C, A, "-1", "c-9"), leg("c-9:credit", A, C, "1", "c-9")]
    report = check(overdrawn, {A: balance("1")})
    assert "local|c: the ledger sums to -1.00, below zero" in report.violations
    assert "local|c: balance None but the ledger sums to -1.00" in report.violations


def test_a_group_of_users_can_be_audited_alone() -> None:
    report = check(LEDGER, {A: balance("70"), B: balance("30")}, users={B})
    assert report.ok, report.violations
    assert report.deposits == Decimal("30.00")  # what B received from outside the group


READER = Reader(requests_topic="requests")


def raw(topic: str, key: str, body: bytes, **found: str) -> RawRecord:
    return RawRecord(topic, 2, 5, key.encode(), body, found, 1_795_000_000_000)


def test_only_credit_legs_of_transfers_are_applied_by_the_payee() -> None:
    credit = raw(
        topics.TRANSACTIONS, B, codec.encode(LEDGER[2]), **{headers.ORIGIN: "commands/1/9"}
    )
    read = READER.read(credit)
    assert isinstance(read, CreditInput) and read.owner == B
    assert (read.origin.topic, read.origin.partition, read.origin.offset) == ("commands", 1, 9)
    assert READER.read(raw(topics.TRANSACTIONS, A, codec.encode(LEDGER[1]))) == Skipped()
    assert READER.read(raw(topics.TRANSACTIONS, A, codec.encode(LEDGER[0]))) == Skipped()
    no_origin = READER.read(raw(topics.TRANSACTIONS, B, codec.encode(LEDGER[2])))
    assert isinstance(no_origin, Skipped) and "no origin" in str(no_origin.reason)


def test_profiles_bring_the_signup_and_bad_records_are_skipped() -> None:
    user = User(id=A, name="A", username="a")
    read = READER.read(raw(topics.USERS, A, codec.encode(user)))
    assert isinstance(read, SignupInput) and read.user == user
    assert isinstance(READER.read(raw(topics.USERS, B, codec.encode(user))), Skipped)
    garbage = READER.read(raw(topics.USERS, A, b"not json"))
    assert isinstance(garbage, Skipped) and garbage.reason


def test_routed_records_need_their_origin() -> None:
    body = codec.encode(Routed(message=RequestClosed(request_id="rq-1")))
    read = READER.read(raw("requests", A, body, **{headers.ORIGIN: "requests/0/3"}))
    assert isinstance(read, RoutedInput) and read.owner == A
    assert isinstance(READER.read(raw("requests", A, body)), Skipped)
