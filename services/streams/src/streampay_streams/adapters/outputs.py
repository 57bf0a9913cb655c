"""A decision's effects as Kafka records: events, legs, routed messages and the reply.

This is where the functional core's typed results meet topics, keys, headers and bytes. The
order is the order of publication: the ledger legs, the profile on ``users``, the events, the
routed messages, and the reply last, so a client that reads its answer can already find what
the command recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pydantic import BaseModel

from streampay_contracts import codec, headers, topics
from streampay_contracts.envelopes import ReplyEnvelope
from streampay_streams.adapters.records import Emit, origin_headers
from streampay_streams.domain.account import Account
from streampay_streams.domain.effects import Decision, Reply
from streampay_streams.domain.messages import Routed


def records_of(decision: Decision, requests_topic: str) -> list[Emit]:
    """Every record ``decision`` publishes, in order."""
    records = [
        Emit.of(
            topics.TRANSACTIONS,
            leg.entry.owner_id,
            leg.entry,
            {
                headers.CAUSE: leg.entry.command_id,
                **({} if leg.origin is None else origin_headers(leg.origin)),
            },
        )
        for leg in decision.legs
    ]
    if decision.profile is not None:
        user = decision.profile
        marked = {headers.IDENTITY: user.id, headers.CONTENT_TYPE: headers.JSON_CONTENT_TYPE}
        records.append(Emit.of(topics.USERS, user.id, user, marked))
    records += [
        Emit.of(topics.EVENTS, event.user_id, event, {headers.CAUSE: event.cause})
        for event in decision.events
    ]
    records += [
        Emit.of(
            requests_topic, route.owner, Routed(message=route.message), origin_headers(route.origin)
        )
        for route in decision.routed
    ]
    if decision.reply is not None:
        records.append(reply_record(decision.reply))
    return records


def reply_record(reply: Reply) -> Emit:
    """The reply record: body, ``:status`` and the command's envelope copied back."""
    address, status = reply.address, reply.status
    envelope = ReplyEnvelope(
        correlation_id=address.correlation_id,
        status=status,
        content_type=headers.PROBLEM_CONTENT_TYPE if status >= 400 else headers.JSON_CONTENT_TYPE,
        identity=address.identity,
        idempotency_key=address.idempotency_key,
        fingerprint=address.fingerprint,
    )
    return Emit(address.topic, address.key, _body(reply.body), _frozen(envelope.to_headers()))


def _body(body: BaseModel | str) -> bytes:
    return codec.encode(body) if isinstance(body, BaseModel) else body.encode()


def remembered_as_sent(account: Account, reply: Emit) -> Account:
    """``account`` with the answer it remembers for ``reply``'s command kept as the text sent.

    The account is rewritten with every change, and with it every answer it remembers; stored
    as text, an answer is copied, not encoded again each time.
    """
    envelope = ReplyEnvelope.from_headers(reply.headers)
    cid = "" if envelope is None else envelope.correlation_id
    answered = account.recent.get(cid)
    if answered is None or isinstance(answered.body, str) or reply.body is None:
        return account
    recent = {**account.recent, cid: answered.model_copy(update={"body": reply.body.decode()})}
    return account.change(recent=recent)


def _frozen(values: dict[str, str]) -> Mapping[str, str]:
    return MappingProxyType(values)
