"""Reading a command record: headers, key and body, checked before any account is touched.

Everything that can be said about a command from the record alone is checked here, and a
record that fails is answered with a 400 problem in plain words: bad JSON, an unknown or
missing ``zilla:domain-model``, a missing identity, an invalid amount, a malformed
``If-Match``, a key that is not the acting user. A record without a correlation id cannot be
answered at all; it is logged and skipped.
"""

from __future__ import annotations

from collections.abc import Collection

from pydantic import TypeAdapter, ValidationError

from streampay_contracts import (
    Command,
    DepositCommand,
    MalformedMessage,
    Problem,
    codec,
    command_model,
    describe_validation_error,
    headers,
    topics,
)
from streampay_contracts.envelopes import CommandEnvelope
from streampay_contracts.fields import UserId
from streampay_streams.adapters.outputs import reply_record
from streampay_streams.adapters.records import Malformed, RawRecord, Skipped
from streampay_streams.domain.effects import Reply
from streampay_streams.domain.inputs import CommandInput
from streampay_streams.domain.messages import ReplyAddress

_USER_ID: TypeAdapter[str] = TypeAdapter(UserId)
_MAX_CORRELATION_ID = 128
_MAX_FINGERPRINT = 128


class MalformedCommandError(ValueError):
    """The record is malformed; ``problem`` says how, for the 400 reply."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.problem = Problem.bad_request(detail)


def read_command(
    raw: RawRecord, reply_topics: Collection[str]
) -> CommandInput | Malformed | Skipped:
    envelope = CommandEnvelope.from_headers(raw.headers)
    if not envelope.correlation_id:
        return Skipped("a command without a correlation id cannot be answered")
    address = _address(raw, envelope, reply_topics)
    try:
        _check_envelope(envelope, reply_topics)
        return _command(raw, envelope, address)
    except MalformedCommandError as refused:
        return Malformed(reply_record(Reply(address, 400, refused.problem)), str(refused))


def _address(
    raw: RawRecord, envelope: CommandEnvelope, reply_topics: Collection[str]
) -> ReplyAddress:
    asked = envelope.reply_to
    return ReplyAddress(
        topic=asked if asked in reply_topics else topics.REPLIES,
        key=raw.text_key,
        correlation_id=envelope.correlation_id,
        identity=envelope.identity or None,
        idempotency_key=envelope.idempotency_key,
        fingerprint=envelope.fingerprint,
    )


def _check_envelope(envelope: CommandEnvelope, reply_topics: Collection[str]) -> None:
    if envelope.reply_to not in reply_topics:
        raise MalformedCommandError(f"Replies cannot be sent to topic {envelope.reply_to!r}")
    if len(envelope.correlation_id) > _MAX_CORRELATION_ID:
        raise MalformedCommandError(
            f"The correlation id must be at most {_MAX_CORRELATION_ID} characters"
        )
    if envelope.fingerprint is not None and len(envelope.fingerprint) > _MAX_FINGERPRINT:
        raise MalformedCommandError(
            f"The body fingerprint must be at most {_MAX_FINGERPRINT} characters"
        )


def _command(raw: RawRecord, envelope: CommandEnvelope, address: ReplyAddress) -> CommandInput:
    actor = _identity(envelope)
    command = _body(raw, _model(envelope))
    return CommandInput(
        owner=_owner(raw, actor, command),
        actor=actor,
        command=command,
        address=address,
        at=raw.moment,
        origin=raw.origin,
        if_match=_if_match(envelope),
    )


def _identity(envelope: CommandEnvelope) -> str:
    identity = envelope.identity
    if not identity:
        raise MalformedCommandError("The command has no zilla:identity header, so nobody sent it")
    try:
        return _USER_ID.validate_python(identity)
    except ValidationError:
        raise MalformedCommandError(
            f"The zilla:identity header {identity!r} is not a user id"
        ) from None


def _model(envelope: CommandEnvelope) -> type[Command]:
    name = envelope.domain_model
    if not name:
        raise MalformedCommandError(
            "The command has no zilla:domain-model header, so its type is unknown"
        )
    try:
        return command_model(name)
    except ValueError as error:
        raise MalformedCommandError(_sentence(str(error))) from None


def _body(raw: RawRecord, model: type[Command]) -> Command:
    try:
        return codec.decode(raw.value or b"", model)
    except ValidationError as error:
        raise MalformedCommandError(describe_validation_error(error)) from None
    except MalformedMessage as error:
        raise MalformedCommandError(_sentence(str(error))) from None


def _owner(raw: RawRecord, actor: str, command: Command) -> str:
    """The account that decides: the acting user, or for a deposit the account credited.

    It must be the record's key, because that is the partition the record is in.
    """
    if isinstance(command, DepositCommand):
        if raw.text_key != command.user_id:
            raise MalformedCommandError(
                f"A deposit to {command.user_id} must be keyed by that account"
            )
        return command.user_id
    if raw.text_key != actor:
        raise MalformedCommandError(f"A command from {actor} must be keyed by {actor}")
    return actor


def _if_match(envelope: CommandEnvelope) -> int | None:
    tag = envelope.if_match
    if tag is None or not tag.strip():
        return None
    try:
        return headers.parse_version(tag)
    except ValueError as error:
        raise MalformedCommandError(str(error)) from None


def _sentence(text: str) -> str:
    """The contracts' messages start in lower case; a problem's detail is a sentence."""
    return text[:1].upper() + text[1:]
