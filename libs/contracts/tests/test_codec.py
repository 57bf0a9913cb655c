"""The codec reads and writes JSON without ever passing money through a float."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from pydantic_core import PydanticSerializationError

from streampay_contracts.codec import (
    EXPONENT_REASON,
    NOT_FINITE_REASON,
    MalformedMessage,
    RejectedNumber,
    decode,
    describe_validation_error,
    dumps,
    encode,
    loads,
)
from streampay_contracts.commands import PayCommand
from streampay_contracts.ledger import Transaction
from streampay_contracts.money import MAX_AMOUNT

pytestmark = pytest.mark.unit


def test_fractions_are_read_as_exact_decimals_and_integers_stay_integers() -> None:
    value = loads(b'{"a": 25.50, "b": 12, "c": [0.1, -3.0]}')
    assert value == {"a": Decimal("25.50"), "b": 12, "c": [Decimal("0.1"), Decimal("-3.0")]}
    assert type(value["a"]) is Decimal
    assert type(value["b"]) is int


@pytest.mark.parametrize("token", ["1e2", "1E2", "1.5E-3", "-2e+1", "0.5e1"])
def test_exponent_forms_become_rejected_numbers(token: str) -> None:
    assert loads(token) == RejectedNumber(token, EXPONENT_REASON)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_constants_become_rejected_numbers(token: str) -> None:
    assert loads(f"[{token}]") == [RejectedNumber(token, NOT_FINITE_REASON)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "body is not valid JSON: Expecting value (line 1, column 1)"),
        (
            b'{"amount": 1',
            "body is not valid JSON: Expecting ',' delimiter or '}' (line 1, column 13)",
        ),
        (b"\xff{}", "body is not valid UTF-8 text"),
        (b'{"amount": 1, "amount": 2}', "body is not valid JSON: field 'amount' appears twice"),
        (b'{"notes": "\\ud800"}', "body is not valid JSON: a string is not valid Unicode"),
        (b"[" * 100_000, "body is not valid JSON: it is nested too deeply"),
    ],
)
def test_malformed_bodies_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(MalformedMessage) as caught:
        loads(data)
    assert str(caught.value) == message


def test_an_absurdly_long_integer_is_malformed_not_a_crash() -> None:
    with pytest.raises(MalformedMessage, match=r"^body is not valid JSON: "):
        loads("1" * 5000)


def test_paired_surrogate_escapes_are_text() -> None:
    assert loads('"\\ud83d\\ude00"') == "\U0001f600"


def test_dumps_writes_decimals_as_numbers_compact_and_utf8() -> None:
    encoded = dumps({"amount": Decimal("25.50"), "notes": "café", "n": [1, None, True]})
    assert encoded == '{"amount":25.50,"notes":"café","n":[1,null,true]}'.encode()


def test_dumps_refuses_non_finite_decimals() -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        dumps({"amount": Decimal("NaN")})


def test_dumps_writes_what_the_fast_encoder_cannot_take_exactly() -> None:
    huge = 10**40  # beyond 64 bits: written by the fallback encoder, digit for digit
    assert dumps({"n": huge, "amount": Decimal("0.10")}) == f'{{"n":{huge},"amount":0.10}}'.encode()
    assert dumps({1: Decimal("-7.05")}) == b'{"1":-7.05}'


def test_dumps_refuses_what_is_not_json() -> None:
    with pytest.raises(TypeError):
        dumps({"when": object()})


def test_pay_command_round_trips_exactly() -> None:
    command = decode(b'{"userId":"local|bob","amount":25.5}', PayCommand)
    assert command.user_id == "local|bob"
    assert command.amount == Decimal("25.50")
    assert str(command.amount) == "25.50"
    assert encode(command) == (
        b'{"userId":"local|bob","amount":25.50,"notes":"","visibility":"private"}'
    )


def test_encode_leaves_out_absent_optional_fields_and_writes_present_ones() -> None:
    with_request = PayCommand(user_id="local|bob", amount=Decimal(5), request_id="r-1")
    assert encode(with_request) == (
        b'{"userId":"local|bob","amount":5.00,"notes":"","requestId":"r-1","visibility":"private"}'
    )


def test_decode_refuses_bad_content_with_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        decode(b'{"userId":"local|bob","amount":0}', PayCommand)


def test_decode_refuses_malformed_json_with_a_value_error() -> None:
    with pytest.raises(ValueError, match="not valid JSON"):
        decode(b"{", PayCommand)


def reason(data: bytes) -> str:
    with pytest.raises(ValidationError) as caught:
        decode(data, PayCommand)
    return describe_validation_error(caught.value)


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b'{"amount":0}', "userId: field required; amount: amount must be greater than 0"),
        (
            b'{"userId":"local|bob","amount":1e2}',
            "amount: amount must be a plain decimal number; exponent notation like 1e2 "
            "is not allowed",
        ),
        (b'{"userId":"local|bob","amount":NaN}', "amount: amount must be a finite number"),
        (b'{"userId":"local|bob","amount":-Infinity}', "amount: amount must be a finite number"),
        (
            b'{"userId":"local|bob","amount":"5"}',
            "amount: amount must be a JSON number, not a string",
        ),
        (
            b'{"userId":"local|bob","amount":1.005}',
            "amount: amount must have at most 2 decimal places",
        ),
        (
            b'{"userId":"local|bob","amount":1000000.01}',
            "amount: amount must be at most 1000000.00",
        ),
        (b'{"userId":"local|bob","amount":-5}', "amount: amount must be greater than 0"),
        (
            b'{"userId":"local|bob","amount":1,"fromUserId":"local|eve"}',
            "fromUserId: unknown field",
        ),
        (b'{"userId":"local|bob","amount":1,"notes":1e5}', "notes: Input should be a valid string"),
        (b"[]", "body: Input should be a valid dictionary or instance of PayCommand"),
    ],
)
def test_validation_errors_read_as_short_plain_english(data: bytes, detail: str) -> None:
    assert reason(data) == detail


@given(st.decimals(min_value=Decimal("0.01"), max_value=MAX_AMOUNT, places=2))
def test_any_amount_in_cents_round_trips_through_the_wire_exactly(amount: Decimal) -> None:
    command = PayCommand(user_id="local|bob", amount=amount)
    encoded = encode(command)
    assert f'"amount":{amount:.2f},'.encode() in encoded
    assert decode(encoded, PayCommand) == command


@given(st.decimals(min_value=-MAX_AMOUNT, max_value=MAX_AMOUNT, places=2).filter(lambda d: d != 0))
def test_any_ledger_leg_round_trips_through_the_wire_exactly(amount: Decimal) -> None:
    entry = Transaction(
        id="e-1",
        owner_id="local|alice",
        user_id="local|bob",
        amount=amount,
        kind="transfer",
        command_id="c-1",
        timestamp=1,
    )
    assert decode(encode(entry), Transaction).amount == amount


def test_python_dumps_keep_decimals_and_pydantic_json_mode_refuses_money() -> None:
    command = PayCommand(user_id="local|bob", amount=Decimal("7.1"))
    assert command.model_dump()["amount"] == Decimal("7.10")
    assert type(command.model_dump()["amount"]) is Decimal
    with pytest.raises(PydanticSerializationError, match=r"written only by .*codec\.encode"):
        command.model_dump_json()
