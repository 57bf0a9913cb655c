"""What every topic carries: its records' models and headers, and who writes and reads it.

:mod:`.topics` says how each topic is created; this module adds what is on it, for the AsyncAPI
document (:mod:`.asyncapi`). Header names come from :mod:`.headers`, value models from the
contracts' own models; the two internal topics of the streams service carry its private
messages and are described only in words. A topic of :mod:`.topics` that is not described
here is an error, so a new topic cannot be left out of the document.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, get_args

from pydantic import BaseModel

from streampay_contracts import headers, topics
from streampay_contracts.commands import COMMAND_MODELS, DomainModel
from streampay_contracts.envelopes import (
    FINGERPRINT,
    KEY_REUSED_STATUS,
    CommandEnvelope,
    ReplyEnvelope,
)
from streampay_contracts.events import Event
from streampay_contracts.ledger import Transaction
from streampay_contracts.replies import DepositReply, PayReply, Problem, RequestReply
from streampay_contracts.topics import TopicSpec
from streampay_contracts.views import (
    Activity,
    AverageTransactions,
    Balance,
    PaymentRequest,
    Statement,
    TotalTransactions,
    User,
)

APP_ID = "appId"
"""The parameter in the address of the streams service's internal topics (``STREAMS_APP_ID``)."""

GATEWAY, STREAMS, PROJECTOR, SIMULATION, AUDIT = (
    "gateway",
    "streams",
    "projector",
    "simulation",
    "audit",
)
COMPONENTS: Mapping[str, str] = {
    GATEWAY: "The HTTP gateway: writes the commands of signed-in users, reads the replies and "
    "serves the views (services/gateway)",
    STREAMS: "The deciders: the write model, the only component that moves money "
    "(services/streams, `python -m streampay_streams`)",
    PROJECTOR: "The projections: turn the event log into every view "
    "(`python -m streampay_streams.projector`)",
    SIMULATION: "Virtual users; deposits money as `system|bank` straight on `commands` "
    "(services/simulation)",
    AUDIT: "`make audit` and `replay --rebuild`: replay the ledger and the event log, check or "
    "rewrite the views",
}

Header = tuple[dict[str, Any], bool]
"""One header of a record: its schema, and whether every record carries it."""


def _text(description: str, **schema: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **schema}


_IDENTITY = _text("The acting user's id, set by the gateway from the verified token only")
_CORRELATION = _text(
    "Ties the reply to its command; the gateway derives it from the idempotency key, the "
    "identity, the route and the body"
)
_IDEMPOTENCY = _text("The client's key for one intended command", minLength=1, maxLength=255)
_JSON = _text("The value's media type", enum=[headers.JSON_CONTENT_TYPE])
_ORIGIN = _text(
    "Internal: `<topic>/<partition>/<offset>` of the record whose processing caused this one, "
    "so the receiving account applies it exactly once"
)
_ORIGIN_BY = _text("Internal: the user whose account decided the origin record")


_COMMAND_HEADERS: Mapping[str, dict[str, Any]] = {
    headers.IDENTITY: _IDENTITY,
    headers.DOMAIN_MODEL: _text("The command's type"),
    headers.CORRELATION_ID: _CORRELATION,
    headers.REPLY_TO: _text("The topic of the reply", default=topics.REPLIES),
    headers.CONTENT_TYPE: _JSON,
    headers.IDEMPOTENCY_KEY: _IDEMPOTENCY,
    FINGERPRINT: _text(
        "SHA-256 (hex) of the canonical body and the If-Match version: the same idempotency key "
        "with another body is answered 422"
    ),
    headers.IF_MATCH: _text(
        "The balance version the payment is conditional on, as the client sent it"
    ),
}
_REPLY_HEADERS: Mapping[str, dict[str, Any]] = {
    headers.CORRELATION_ID: _text("The command's correlation id"),
    headers.STATUS: _text("The HTTP status of the answer"),
    headers.CONTENT_TYPE: _text("The body's media type"),
    headers.IDENTITY: _text("The command's acting user"),
    headers.IDEMPOTENCY_KEY: _text("The command's idempotency key"),
    FINGERPRINT: _text("The fingerprint of the attempt answered, copied from the command"),
}


def _from_envelope(
    every: Mapping[str, str], always: Mapping[str, str], schemas: Mapping[str, dict[str, Any]]
) -> dict[str, Header]:
    """The headers an envelope writes (``every``), required when it always writes them."""
    return {name: (dict(schemas[name]), name in always) for name in every}


def _command_headers(domain_model: DomainModel) -> dict[str, Header]:
    if_match = "1" if domain_model is DomainModel.PAY else None  # only a payment is conditional
    name = str(domain_model)
    full = CommandEnvelope("u", name, "c", idempotency_key="k", fingerprint="f", if_match=if_match)
    every, always = full.to_headers(), CommandEnvelope("u", name, "c").to_headers()
    found = _from_envelope(every, always, _COMMAND_HEADERS)
    found[headers.DOMAIN_MODEL][0]["const"] = name
    return found


def _reply_headers(statuses: Sequence[int]) -> dict[str, Header]:
    every = ReplyEnvelope("c", statuses[0], identity="u", idempotency_key="k", fingerprint="f")
    found = _from_envelope(every.to_headers(), ReplyEnvelope("c", 200).to_headers(), _REPLY_HEADERS)
    problem = statuses[0] >= 400
    content_type = headers.PROBLEM_CONTENT_TYPE if problem else headers.JSON_CONTENT_TYPE
    found[headers.CONTENT_TYPE][0]["enum"] = [content_type]
    status = found[headers.STATUS][0]
    if problem:
        status["pattern"] = "^[45][0-9]{2}$"
        status["description"] += f" (400 to 599; {KEY_REUSED_STATUS} answers only the attempt "
        status["description"] += "that reused the key with another body)"
    else:
        status["enum"] = [str(code) for code in statuses]
    return found


_MARKED_IDENTITY: dict[str, Header] = {headers.IDENTITY: (_IDENTITY, True)}
_PROFILE: dict[str, Header] = {**_MARKED_IDENTITY, headers.CONTENT_TYPE: (_JSON, True)}
_ROUTED: dict[str, Header] = {
    headers.ORIGIN: (_ORIGIN, True),
    headers.ORIGIN_BY: (_ORIGIN_BY, False),
}
_CREDIT: dict[str, Header] = {
    headers.ORIGIN: (_ORIGIN, False),
    headers.ORIGIN_BY: (_ORIGIN_BY, False),
}


@dataclass(frozen=True, slots=True)
class Message:
    """One kind of record on a topic: its value's model (None: a schema given as is)."""

    name: str
    summary: str
    model: type[BaseModel] | None = None
    schema: Mapping[str, Any] | None = None
    headers: Mapping[str, Header] = field(default_factory=dict)
    writers: tuple[str, ...] = ()
    """Who writes this kind of record, when not every writer of the topic does."""


@dataclass(frozen=True, slots=True)
class Channel:
    """What a topic carries, who writes it and who reads it."""

    messages: tuple[Message, ...]
    writers: tuple[str, ...]
    readers: tuple[str, ...]


_TOMBSTONE = Message(
    "PaymentRequestClosed",
    "A tombstone (null value): the request is no longer open",
    schema={"type": "null"},
    headers=_MARKED_IDENTITY,
)
_VIEW_WRITERS = (PROJECTOR, AUDIT)


def _view(model: type[BaseModel], summary: str) -> Channel:
    return Channel((Message(model.__name__, summary, model),), _VIEW_WRITERS, (GATEWAY, AUDIT))


def _commands() -> tuple[Message, ...]:
    return tuple(
        Message(
            model.__name__,
            first_line(model),
            model,
            headers=_command_headers(name),
            # Deposits come from the funding account only, never from the gateway.
            writers=(SIMULATION,) if name is DomainModel.DEPOSIT else (GATEWAY,),
        )
        for name, model in COMMAND_MODELS.items()
    )


def _replies() -> tuple[Message, ...]:
    answers: tuple[tuple[str, type[BaseModel], Sequence[int], str], ...] = (
        ("PayReply", PayReply, (200,), "A payment made"),
        ("RequestReply", RequestReply, (201,), "A request opened"),
        ("PaymentRequestReply", PaymentRequest, (200,), "A request declined or cancelled"),
        ("DepositReply", DepositReply, (200,), "A deposit credited"),
        ("ProfileReply", User, (200,), "A profile saved"),
        ("ProblemReply", Problem, (400, 599), "A command refused (RFC 9457 problem)"),
    )
    return tuple(
        Message(name, summary, model, headers=_reply_headers(statuses))
        for name, model, statuses, summary in answers
    )


_EVENTS: tuple[type[BaseModel], ...] = get_args(get_args(Event)[0])
"""Every event type of the log, in the order of the :data:`~.events.Event` union."""


def channels() -> dict[str, tuple[TopicSpec, Channel]]:
    """Every topic by channel id, with its spec from :mod:`.topics` and what it carries.

    The internal topics' addresses keep the app id as the parameter ``{appId}``.
    """
    internal = "{" + APP_ID + "}"
    carried: dict[str, Channel] = {
        topics.COMMANDS: Channel(_commands(), (GATEWAY, SIMULATION), (STREAMS,)),
        topics.REPLIES: Channel(_replies(), (STREAMS,), (GATEWAY, SIMULATION)),
        topics.TRANSACTIONS: Channel(
            (Message("Transaction", first_line(Transaction), Transaction, headers=_CREDIT),),
            (STREAMS,),
            (STREAMS, AUDIT),
        ),
        topics.EVENTS: Channel(
            tuple(Message(event.__name__, first_line(event), event) for event in _EVENTS),
            (STREAMS,),
            (PROJECTOR, AUDIT),
        ),
        topics.USERS: Channel(
            (Message("User", first_line(User), User, headers=_PROFILE),),
            (STREAMS,),
            (STREAMS, GATEWAY),
        ),
        topics.BALANCES: _view(Balance, "A user's balance now"),
        topics.BALANCE_HISTORIES: _view(Balance, "A change of a user's balance"),
        topics.PAYMENT_REQUESTS: Channel(
            (
                Message(
                    "PaymentRequest", "An open request", PaymentRequest, headers=_MARKED_IDENTITY
                ),
                _TOMBSTONE,
            ),
            _VIEW_WRITERS,
            (GATEWAY, AUDIT),
        ),
        topics.ACTIVITIES: _view(Activity, "One line of the public activity feed"),
        topics.USER_ACTIVITIES: _view(Activity, "One line of a party's own activity"),
        topics.SENT_REQUESTS: Channel(
            (
                Message(
                    "SentRequest",
                    "A request as its requester sees it, with its status",
                    PaymentRequest,
                    headers=_MARKED_IDENTITY,
                ),
            ),
            _VIEW_WRITERS,
            (GATEWAY, AUDIT),
        ),
        topics.TOTAL_TRANSACTIONS: _view(TotalTransactions, "How many payments so far"),
        topics.AVERAGE_TRANSACTIONS: _view(AverageTransactions, "The average payment so far"),
        topics.STATEMENTS: _view(Statement, "A user's money in and out over one window"),
        topics.streams_requests_topic(internal): Channel(
            (
                Message(
                    "Routed",
                    "A payment request's or a username's business, routed to the partition "
                    "that decides it",
                    schema={"type": "object", "description": "Internal to the streams service"},
                    headers=_ROUTED,
                ),
            ),
            (STREAMS,),
            (STREAMS,),
        ),
        topics.streams_payments_topic(internal): Channel(
            (
                Message(
                    "PaymentRecorded",
                    "One payment with its payer's running totals, gathered for the totals",
                    schema={"type": "object", "description": "Internal to the streams service"},
                ),
            ),
            (PROJECTOR,),
            (PROJECTOR,),
        ),
    }
    specs = (*topics.topic_specs(), *topics.streams_topic_specs(internal))
    missing = {spec.name for spec in specs} ^ set(carried)
    if missing:
        raise LookupError(f"topics without a description of what they carry: {sorted(missing)}")
    return {spec.name.replace(internal, "streams"): (spec, carried[spec.name]) for spec in specs}


def first_line(model: type[BaseModel]) -> str:
    """The first line of a model's docstring, as a summary."""
    return (model.__doc__ or model.__name__).strip().splitlines()[0].replace("``", "`")
