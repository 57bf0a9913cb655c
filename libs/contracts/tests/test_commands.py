"""Commands: the header names that select them, their wire names and what they refuse."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from streampay_contracts import (
    COMMAND_MODELS,
    SYSTEM_BANK,
    CancelRequestCommand,
    Command,
    DeclineRequestCommand,
    DepositCommand,
    DomainModel,
    PayCommand,
    RequestCommand,
    UserProfile,
    Visibility,
    command_model,
    encode,
    is_system_user,
)

pytestmark = pytest.mark.unit

VALID_BODIES: dict[DomainModel, dict[str, Any]] = {
    DomainModel.PAY: {"userId": "local|bob", "amount": 5},
    DomainModel.REQUEST: {"userId": "local|bob", "amount": 5},
    DomainModel.DECLINE_REQUEST: {"requestId": "r-1"},
    DomainModel.CANCEL_REQUEST: {"requestId": "r-1"},
    DomainModel.DEPOSIT: {"userId": "local|bob", "amount": 5},
    DomainModel.PROFILE: {"name": "Bob", "username": "bob"},
}


def test_domain_models_are_the_header_values_of_the_zilla_contract() -> None:
    assert [str(name) for name in DomainModel] == [
        "PayCommand",
        "RequestCommand",
        "DeclineRequestCommand",
        "CancelRequestCommand",
        "DepositCommand",
        "UserProfile",
    ]
    assert dict(COMMAND_MODELS) == {
        DomainModel.PAY: PayCommand,
        DomainModel.REQUEST: RequestCommand,
        DomainModel.DECLINE_REQUEST: DeclineRequestCommand,
        DomainModel.CANCEL_REQUEST: CancelRequestCommand,
        DomainModel.DEPOSIT: DepositCommand,
        DomainModel.PROFILE: UserProfile,
    }


def test_command_model_finds_the_class_for_a_header_value() -> None:
    assert command_model("PayCommand") is PayCommand
    with pytest.raises(ValueError, match="unknown domain model 'Steal'; expected one of Pay"):
        command_model("Steal")


@pytest.mark.parametrize("domain_model", list(DomainModel))
def test_every_command_refuses_unknown_fields(
    refusal: Callable[..., str], domain_model: DomainModel
) -> None:
    body = {**VALID_BODIES[domain_model], "identity": "local|eve"}
    assert refusal(COMMAND_MODELS[domain_model], body) == "identity: unknown field"


@pytest.mark.parametrize("domain_model", list(DomainModel))
def test_every_command_accepts_its_minimal_body(domain_model: DomainModel) -> None:
    model = COMMAND_MODELS[domain_model]
    assert model.model_validate(VALID_BODIES[domain_model]).domain_model == domain_model


def test_commands_write_camel_case_names() -> None:
    assert encode(RequestCommand(user_id="local|bob", amount=Decimal(100), notes="rent")) == (
        b'{"userId":"local|bob","amount":100.00,"notes":"rent","visibility":"private"}'
    )
    assert encode(DeclineRequestCommand(request_id="r-1", reason="no")) == (
        b'{"requestId":"r-1","reason":"no"}'
    )


def test_messages_are_immutable() -> None:
    command = PayCommand(user_id="local|bob", amount=Decimal(5))
    with pytest.raises(ValidationError, match="frozen"):
        command.amount = Decimal(500)  # type: ignore[misc]


@pytest.mark.parametrize(
    "user_id",
    ["local|alice", "virtual|virtual-user-3", SYSTEM_BANK, "auth0|5f7c8ec7c33c6c004bbafe82"],
)
def test_user_ids_of_known_providers_are_accepted(user_id: str) -> None:
    assert PayCommand(user_id=user_id, amount=Decimal(1)).user_id == user_id


@pytest.mark.parametrize(
    ("user_id", "message"),
    [
        ("", "userId: user id must not be empty"),
        ("alice", "userId: user id must be of the form provider|name, e.g. local|alice"),
        ("local|", "userId: user id must be of the form provider|name, e.g. local|alice"),
        ("|alice", "userId: user id must be of the form provider|name, e.g. local|alice"),
        ("local|al ice", "userId: user id must be of the form provider|name, e.g. local|alice"),
        ("local|" + "a" * 123, "userId: user id must be at most 128 characters"),
    ],
)
def test_malformed_user_ids_are_refused(
    refusal: Callable[..., str], user_id: str, message: str
) -> None:
    assert refusal(PayCommand, {"userId": user_id, "amount": 1}) == message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"requestId": ""}, "requestId: request id must not be empty"),
        ({"requestId": "r" * 65}, "requestId: request id must be at most 64 characters"),
        (
            {"requestId": "../etc"},
            "requestId: request id must be letters, digits, '_', '.', ':' or '-' only",
        ),
        (
            {"requestId": "r-1", "reason": "x" * 501},
            "reason: String should have at most 500 characters",
        ),
    ],
)
def test_decline_refuses_bad_request_ids_and_long_reasons(
    refusal: Callable[..., str], body: dict[str, Any], message: str
) -> None:
    assert refusal(DeclineRequestCommand, body) == message


def test_pay_notes_are_limited_to_500_characters(refusal: Callable[..., str]) -> None:
    assert PayCommand(user_id="local|bob", amount=Decimal(1), notes="x" * 500).notes == "x" * 500
    assert refusal(PayCommand, {"userId": "local|bob", "amount": 1, "notes": "x" * 501}) == (
        "notes: String should have at most 500 characters"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": " ", "username": "alice"}, "name: name must not be empty"),
        ({"name": "A" * 101, "username": "alice"}, "name: name must be at most 100 characters"),
        (
            {"name": "Alice", "username": "Alice"},
            "username: username must be lower-case letters, digits, '_', '.' or '-'",
        ),
        (
            {"name": "Alice", "username": "a" * 33},
            "username: username must be at most 32 characters",
        ),
        ({"name": "Alice", "username": "alice", "id": "local|eve"}, "id: unknown field"),
    ],
)
def test_profile_updates_are_validated(
    refusal: Callable[..., str], body: dict[str, Any], message: str
) -> None:
    assert refusal(UserProfile, body) == message


def test_system_accounts_are_recognised() -> None:
    assert is_system_user(SYSTEM_BANK)
    assert not is_system_user("local|system")


def test_a_payment_is_private_unless_asked_to_be_public() -> None:
    assert PayCommand(user_id="local|bob", amount=Decimal(1)).visibility is Visibility.PRIVATE
    public = PayCommand.model_validate({"userId": "local|bob", "amount": 1, "visibility": "public"})
    assert public.visibility is Visibility.PUBLIC


@pytest.mark.parametrize(
    ("model", "body"),
    [
        (RequestCommand, {"userId": "local|bob", "amount": 1, "visibility": "public"}),
        (
            PayCommand,
            {"userId": "local|bob", "amount": 1, "requestId": "r-1", "visibility": "public"},
        ),
    ],
)
def test_requests_and_their_payments_are_never_public(
    model: type[Command], body: dict[str, object]
) -> None:
    with pytest.raises(ValidationError, match="always private"):
        model.model_validate(body)
    with pytest.raises(ValidationError):
        model.model_validate({**body, "visibility": "friends"})
