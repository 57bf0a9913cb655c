"""Exact money: amounts are ``Decimal`` values in whole cents, never binary floats.

A float cannot hold 0.10 exactly, so a ledger built on floats drifts by fractions of a cent
and its sums stop matching. Every amount in StreamPay is therefore a ``Decimal`` quantized to
0.01, read from the JSON text by :mod:`streampay_contracts.codec` and written back as a JSON
number with exactly two decimals (``25.50``).

Three types cover every use:

- :data:`Amount` — what a command moves: greater than 0, at most :data:`MAX_AMOUNT`.
- :data:`SignedAmount` — one ledger leg: non-zero, negative when money leaves the owner.
- :data:`Money` — a balance, total or average: zero or more, no upper bound.

Validation accepts ``int`` and ``Decimal`` only. Anything else (a float, a string, a boolean,
an exponent form, NaN or infinity) is refused with a plain-English reason that ends up as the
``detail`` of a 400 reply. A value with more than two decimals is refused, never rounded: a
client that sends 1.005 made a mistake, and guessing which cent it meant would hide it. Code
that computes a value (an average) rounds explicitly with :func:`round_to_cents`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from streampay_contracts.codec import RejectedNumber

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000.00")
"""The largest amount one command may move."""

_ERROR_TYPE = "invalid_amount"


def _reject(message: str) -> PydanticCustomError:
    return PydanticCustomError(_ERROR_TYPE, message)


def _exact_decimal(value: object) -> Decimal:
    """The value as a finite ``Decimal``, or a reason why it is not an acceptable number."""
    if isinstance(value, RejectedNumber):
        raise _reject(value.reason)
    if isinstance(value, bool):
        raise _reject("amount must be a number, not true or false")
    if isinstance(value, float):
        raise _reject("binary floating-point amounts are not accepted")
    if isinstance(value, str):
        raise _reject("amount must be a JSON number, not a string")
    if not isinstance(value, int | Decimal):
        raise _reject("amount must be a number")
    number = Decimal(value)
    if not number.is_finite():
        raise _reject("amount must be a finite number")
    return number


def _decimal_places(number: Decimal) -> int:
    """Decimal places of the value itself, so 1.500 has 1 and 100 has 0 (no rounding context)."""
    parts = number.as_tuple()
    digits, exponent = parts.digits, int(parts.exponent)
    if not any(digits):
        return 0
    significant = len(digits)
    while significant > 1 and digits[significant - 1] == 0:
        significant -= 1
        exponent += 1
    return max(0, -exponent)


def _to_cents(number: Decimal) -> Decimal:
    if _decimal_places(number) > 2:
        raise _reject("amount must have at most 2 decimal places")
    # Enough precision for any magnitude, so quantizing can never round or overflow.
    context = Context(prec=max(28, number.adjusted() + 4))
    cents = number.quantize(CENT, context=context)
    return cents.copy_abs() if cents.is_zero() else cents  # never serialise "-0.00"


def _validate_amount(value: object) -> Decimal:
    number = _exact_decimal(value)
    if number <= 0:
        raise _reject("amount must be greater than 0")
    if number > MAX_AMOUNT:
        raise _reject(f"amount must be at most {MAX_AMOUNT}")
    return _to_cents(number)


def _validate_signed_amount(value: object) -> Decimal:
    number = _exact_decimal(value)
    if number.is_zero():
        raise _reject("amount must not be zero")
    if abs(number) > MAX_AMOUNT:
        raise _reject(f"amount must be between -{MAX_AMOUNT} and {MAX_AMOUNT}")
    return _to_cents(number)


def _validate_money(value: object) -> Decimal:
    number = _exact_decimal(value)
    if number < 0:
        raise _reject("amount must not be negative")
    return _to_cents(number)


def _refuse_json_mode(value: Decimal) -> Decimal:
    """Pydantic's own JSON output would write amounts as strings; refuse instead of lying.

    Python-mode dumps keep the ``Decimal``, and :func:`streampay_contracts.codec.encode` writes
    it as a JSON number. A ``model_dump_json()`` or FastAPI ``response_model`` on a message
    fails loudly here rather than send ``"25.50"`` to a client that expects ``25.50``.
    """
    raise TypeError(
        f"money ({value}) is written only by streampay_contracts.codec.encode, "
        "never by pydantic's JSON mode"
    )


_AS_NUMBER_ONLY = PlainSerializer(_refuse_json_mode, when_used="json")

_SCHEMA_MAX = int(MAX_AMOUNT)  # JSON Schema wants a plain number; the bound is whole


def _number_schema(**bounds: Any) -> dict[str, Any]:
    """How the OpenAPI document describes a money field: a number in cents, never a string."""
    return {"type": "number", "multipleOf": 0.01, **bounds}


Amount = Annotated[
    Decimal,
    PlainValidator(_validate_amount),
    _AS_NUMBER_ONLY,
    WithJsonSchema(_number_schema(exclusiveMinimum=0, maximum=_SCHEMA_MAX)),
]
"""An amount a command moves: 0 < amount <= 1000000.00, at most 2 decimals."""

SignedAmount = Annotated[
    Decimal,
    PlainValidator(_validate_signed_amount),
    _AS_NUMBER_ONLY,
    WithJsonSchema(_number_schema(minimum=-_SCHEMA_MAX, maximum=_SCHEMA_MAX)),
]
"""One ledger leg: non-zero, |amount| <= 1000000.00; negative means money out of the owner."""

Money = Annotated[
    Decimal,
    PlainValidator(_validate_money),
    _AS_NUMBER_ONLY,
    WithJsonSchema(_number_schema(minimum=0)),
]
"""A balance, total or average: >= 0 with at most 2 decimals and no upper bound."""


def round_to_cents(value: Decimal) -> Decimal:
    """Round a computed value (such as an average) to whole cents, half to even.

    This is the one place StreamPay rounds money, and only for values it computes itself;
    amounts that users send are never rounded.
    """
    context = Context(prec=max(28, value.adjusted() + 4))
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN, context=context)
