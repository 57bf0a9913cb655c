"""Exact JSON on the wire: every StreamPay message is read and written here.

The standard ``json`` module turns ``25.5`` into a binary float, which cannot hold most cent
values exactly. StreamPay never lets a float near money, so this codec:

- reads every number with a fraction as :class:`~decimal.Decimal`, straight from its text;
- turns exponent forms (``1e2``) and ``NaN``/``Infinity`` into :class:`RejectedNumber` markers
  that the money types refuse with a plain-English reason, instead of guessing a value;
- writes ``Decimal`` values as JSON numbers (``25.50``), never as strings.

Writing uses orjson (a ``Decimal`` goes in as a pre-encoded number fragment, its exact text),
about ten times faster than a pure-Python encoder on the worker's account records; reading uses
simplejson, which hands every fraction to :func:`_parse_fraction` as text.

Bodies that are not JSON raise :class:`MalformedMessage`; JSON that does not fit a model raises
pydantic's ``ValidationError``. Both are ``ValueError`` subclasses, so an edge that only needs
"bad input → 400" can catch ``ValueError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import orjson
import simplejson  # type: ignore[import-untyped, unused-ignore]
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

ModelT = TypeVar("ModelT", bound=BaseModel)

_PLAIN_DECIMAL = re.compile(r"-?\d+\.\d+")
_COMPACT = (",", ":")

EXPONENT_REASON = "amount must be a plain decimal number; exponent notation like 1e2 is not allowed"
NOT_FINITE_REASON = "amount must be a finite number"


class MalformedMessage(ValueError):  # noqa: N818 - the contract's name, known to every service
    """The bytes are not a JSON document StreamPay can read; the message says why."""


@dataclass(frozen=True, slots=True)
class RejectedNumber:
    """A JSON number the codec refuses to turn into a value.

    It is deliberately not a ``str`` or a number, so a field of any other type rejects it as the
    wrong type, and the money types reject it with :attr:`reason`.
    """

    token: str
    reason: str


def loads(data: bytes | str) -> Any:
    """Parse one JSON document exactly: fractions become ``Decimal``, integers stay ``int``."""
    text = _as_text(data)
    try:
        value = simplejson.loads(
            text,
            parse_float=_parse_fraction,
            parse_constant=_parse_constant,
            object_pairs_hook=_unique_keys,
        )
    except MalformedMessage:
        raise
    except simplejson.JSONDecodeError as error:
        raise MalformedMessage(
            f"body is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from error
    except RecursionError as error:
        raise MalformedMessage("body is not valid JSON: it is nested too deeply") from error
    except ValueError as error:  # e.g. an integer with thousands of digits
        raise MalformedMessage(f"body is not valid JSON: {error}") from error
    _check_unicode(value)
    return value


def dumps(obj: Any) -> bytes:
    """Encode plain JSON values (``Decimal`` included, as numbers) as compact UTF-8 JSON."""
    try:
        return orjson.dumps(obj, default=_number_fragment, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:
        # What orjson does not take (an integer beyond 64 bits, a non-finite Decimal): the
        # slower encoder writes it, or refuses it with its own error.
        text: str = simplejson.dumps(
            obj, use_decimal=True, separators=_COMPACT, ensure_ascii=False, allow_nan=False
        )
        return text.encode("utf-8")


def pretty(data: bytes | str) -> str:
    """One JSON document indented for a person to read, every number exactly as written.

    Raises :class:`MalformedMessage` when ``data`` is not JSON, as :func:`loads` does."""
    value = loads(data)
    try:
        return orjson.dumps(value, default=_number_fragment, option=orjson.OPT_INDENT_2).decode()
    except orjson.JSONEncodeError:
        text: str = simplejson.dumps(value, use_decimal=True, indent=2, ensure_ascii=False)
        return text


def _number_fragment(value: Any) -> orjson.Fragment:
    """A finite ``Decimal`` as the JSON number it is (``25.50``)."""
    if isinstance(value, Decimal) and value.is_finite():
        return orjson.Fragment(str(value))
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def encode(model: BaseModel) -> bytes:
    """Encode a message model with its camelCase wire names; ``None`` fields are left out."""
    return dumps(model.model_dump(mode="python", by_alias=True, exclude_none=True))


def decode(data: bytes | str, model_cls: type[ModelT]) -> ModelT:
    """Parse and validate one message; raises MalformedMessage or pydantic's ValidationError."""
    return model_cls.model_validate(loads(data))


def describe_validation_error(error: ValidationError) -> str:
    """One short sentence per problem, e.g. ``amount: amount must be greater than 0``.

    Used as the ``detail`` of a 400 problem+json reply, so it names fields by their wire names
    and never echoes the rejected input back.
    """
    return "; ".join(_describe(item) for item in error.errors(include_input=False))


_FRIENDLY_MESSAGES = {
    "missing": "field required",
    "extra_forbidden": "unknown field",
}


def _describe(item: ErrorDetails) -> str:
    location = ".".join(str(part) for part in item["loc"]) or "body"
    message = _FRIENDLY_MESSAGES.get(item["type"], item["msg"])
    return f"{location}: {message}"


def _as_text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedMessage("body is not valid UTF-8 text") from error


def _parse_fraction(token: str) -> Decimal | RejectedNumber:
    if _PLAIN_DECIMAL.fullmatch(token):
        return Decimal(token)
    return RejectedNumber(token, EXPONENT_REASON)


def _parse_constant(token: str) -> RejectedNumber:
    return RejectedNumber(token, NOT_FINITE_REASON)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two parsers may disagree on which duplicate wins; refusing them removes the ambiguity.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise MalformedMessage(f"body is not valid JSON: field '{key}' appears twice")
        result[key] = value
    return result


def _check_unicode(value: Any) -> None:
    """Refuse unpaired surrogates (``"\\ud800"``): valid JSON syntax, but not text."""
    for text in _strings(value):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise MalformedMessage(
                "body is not valid JSON: a string is not valid Unicode"
            ) from error


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
