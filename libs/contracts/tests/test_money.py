"""Money types: exact cents, and a clear reason for every amount they refuse."""

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from streampay_contracts.codec import EXPONENT_REASON, NOT_FINITE_REASON, RejectedNumber
from streampay_contracts.money import MAX_AMOUNT, Amount, Money, SignedAmount, round_to_cents

pytestmark = pytest.mark.unit

AMOUNT = TypeAdapter(Amount)
SIGNED = TypeAdapter(SignedAmount)
MONEY = TypeAdapter(Money)


def rejection(adapter: TypeAdapter[Decimal], value: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(value)
    [error] = caught.value.errors()
    return str(error["msg"])


NOT_A_NUMBER = [
    (1.5, "binary floating-point amounts are not accepted"),
    (0.1, "binary floating-point amounts are not accepted"),
    (True, "amount must be a number, not true or false"),
    ("25.50", "amount must be a JSON number, not a string"),
    (None, "amount must be a number"),
    ([1], "amount must be a number"),
    (Decimal("NaN"), "amount must be a finite number"),
    (Decimal("Infinity"), "amount must be a finite number"),
    (Decimal("-Infinity"), "amount must be a finite number"),
    (RejectedNumber("1e2", EXPONENT_REASON), EXPONENT_REASON),
    (RejectedNumber("NaN", NOT_FINITE_REASON), NOT_FINITE_REASON),
]


@pytest.mark.parametrize(("value", "message"), NOT_A_NUMBER)
@pytest.mark.parametrize("adapter", [AMOUNT, SIGNED, MONEY], ids=["amount", "signed", "money"])
def test_every_money_type_refuses_what_is_not_an_exact_number(
    adapter: TypeAdapter[Decimal], value: Any, message: str
) -> None:
    assert rejection(adapter, value) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "amount must be greater than 0"),
        (Decimal("0.00"), "amount must be greater than 0"),
        (Decimal("-0"), "amount must be greater than 0"),
        (-1, "amount must be greater than 0"),
        (Decimal("-0.01"), "amount must be greater than 0"),
        (Decimal("1.005"), "amount must have at most 2 decimal places"),
        (Decimal("0.001"), "amount must have at most 2 decimal places"),
        (Decimal("1000000.01"), "amount must be at most 1000000.00"),
        (1000001, "amount must be at most 1000000.00"),
    ],
)
def test_amount_refuses_out_of_range_or_too_precise_values(value: Any, message: str) -> None:
    assert rejection(AMOUNT, value) == message


@pytest.mark.parametrize(
    ("value", "exact"),
    [
        (1, "1.00"),
        (Decimal("25.5"), "25.50"),
        (Decimal("1.50"), "1.50"),
        (Decimal("1.500"), "1.50"),
        (Decimal("1E+2"), "100.00"),
        (Decimal("0.01"), "0.01"),
        (MAX_AMOUNT, "1000000.00"),
        (1000000, "1000000.00"),
    ],
)
def test_amount_accepts_cents_and_holds_exactly_two_decimals(value: Any, exact: str) -> None:
    result = AMOUNT.validate_python(value)
    assert isinstance(result, Decimal)
    assert str(result) == exact


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "amount must not be zero"),
        (Decimal("-0.00"), "amount must not be zero"),
        (Decimal("-1000000.01"), "amount must be between -1000000.00 and 1000000.00"),
        (Decimal("1000000.01"), "amount must be between -1000000.00 and 1000000.00"),
        (Decimal("-2.555"), "amount must have at most 2 decimal places"),
    ],
)
def test_signed_amount_refuses_zero_out_of_range_and_fractions_of_cents(
    value: Any, message: str
) -> None:
    assert rejection(SIGNED, value) == message


def test_signed_amount_keeps_the_sign_of_money_out() -> None:
    assert str(SIGNED.validate_python(Decimal("-25.5"))) == "-25.50"
    assert str(SIGNED.validate_python(-MAX_AMOUNT)) == "-1000000.00"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "amount must not be negative"),
        (Decimal("-0.01"), "amount must not be negative"),
        (Decimal("3.333"), "amount must have at most 2 decimal places"),
    ],
)
def test_money_refuses_negative_and_fractions_of_cents(value: Any, message: str) -> None:
    assert rejection(MONEY, value) == message


@pytest.mark.parametrize(
    ("value", "exact"),
    [
        (0, "0.00"),
        (Decimal("-0.00"), "0.00"),
        (Decimal("0.00000"), "0.00"),
        (Decimal("3.1000"), "3.10"),
        (Decimal("2000000"), "2000000.00"),
        (Decimal("12345678901234567890123456789.01"), "12345678901234567890123456789.01"),
    ],
)
def test_money_has_no_upper_bound_and_never_rounds_large_values(value: Any, exact: str) -> None:
    assert str(MONEY.validate_python(value)) == exact


def test_a_fraction_beyond_the_default_decimal_precision_is_refused_not_rounded() -> None:
    assert (
        rejection(MONEY, Decimal("1.0000000000000000000000000000001"))
        == "amount must have at most 2 decimal places"
    )


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        (Decimal("2.345"), "2.34"),
        (Decimal("2.355"), "2.36"),
        (Decimal(10) / Decimal(3), "3.33"),
        (Decimal(7), "7.00"),
    ],
)
def test_round_to_cents_rounds_half_to_even(value: Decimal, rounded: str) -> None:
    assert str(round_to_cents(value)) == rounded


def test_money_types_describe_themselves_as_numbers_in_the_api_schema() -> None:
    assert AMOUNT.json_schema() == {
        "type": "number",
        "multipleOf": 0.01,
        "exclusiveMinimum": 0,
        "maximum": 1000000,
    }
    assert MONEY.json_schema()["minimum"] == 0


@given(st.decimals(min_value=Decimal("0.01"), max_value=MAX_AMOUNT, places=2))
def test_any_amount_in_cents_validates_to_itself(value: Decimal) -> None:
    result = AMOUNT.validate_python(value)
    assert result == value
    assert result.as_tuple().exponent == -2
