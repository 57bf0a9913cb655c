"""Replies: success bodies and RFC 9457 problems."""

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from streampay_contracts import DepositReply, PayReply, Problem, RequestReply, decode, encode

pytestmark = pytest.mark.unit


def test_success_replies_carry_the_new_balance() -> None:
    pay = PayReply(command_id="c-1", amount=Decimal(5), balance=Decimal("95"), version=3)
    assert encode(pay) == b'{"commandId":"c-1","amount":5.00,"balance":95.00,"version":3}'
    deposit = DepositReply(command_id="c-2", balance=Decimal(100), version=1)
    assert encode(deposit) == b'{"commandId":"c-2","balance":100.00,"version":1}'
    assert encode(RequestReply(id="r-1")) == b'{"id":"r-1"}'


@pytest.mark.parametrize(
    ("factory", "status", "title"),
    [
        (Problem.bad_request, 400, "Bad Request"),
        (Problem.unauthorized, 401, "Unauthorized"),
        (Problem.forbidden, 403, "Forbidden"),
        (Problem.not_found, 404, "Not Found"),
        (Problem.conflict, 409, "Conflict"),
        (Problem.precondition_failed, 412, "Precondition Failed"),
        (Problem.content_too_large, 413, "Content Too Large"),
        (Problem.internal_error, 500, "Internal Server Error"),
        (Problem.gateway_timeout, 504, "Gateway Timeout"),
    ],
)
def test_problem_factories_set_status_and_fixed_title(
    factory: Any, status: int, title: str
) -> None:
    problem = factory("what went wrong")
    assert (problem.type, problem.status, problem.title) == ("about:blank", status, title)
    assert problem.detail == "what went wrong"


def test_a_reused_key_is_422_in_the_words_every_component_answers() -> None:
    problem = Problem.key_reused()
    assert (problem.status, problem.title) == (422, "Unprocessable Content")
    assert problem.detail is not None and "different body" in problem.detail


def test_problem_extensions_round_trip_exactly() -> None:
    problem = Problem.conflict("insufficient funds", balance=Decimal("3.10"))
    encoded = encode(problem)
    assert encoded == (
        b'{"type":"about:blank","title":"Conflict","status":409,'
        b'"detail":"insufficient funds","balance":3.10}'
    )
    assert decode(encoded, Problem).model_extra == {"balance": Decimal("3.10")}


def test_a_problem_must_be_an_error_status() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 400"):
        Problem.of(200, "fine")
