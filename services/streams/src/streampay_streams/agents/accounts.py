"""Applying a batch of records to accounts: decide, store, publish, in that order.

For every record of a batch the account is read, the functional core decides, and the new
account is written with the decision's records in its outbox. Only when every write of the batch
is acknowledged are the records published, and only when those are acknowledged are the
consumed records acknowledged to Faust (and so, later, committed). A crash anywhere in between
loses nothing and duplicates no effect: an unstored decision is made again from the redelivered
record; a stored one is recognised by its mark, and its records are re-published from the
outbox when the partition is recovered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import structlog

from streampay_contracts import DepositCommand, PayCommand, RequestCommand
from streampay_contracts.envelopes import ReplyEnvelope
from streampay_streams.adapters.directory import UserDirectory
from streampay_streams.adapters.inbound import Read, Reader
from streampay_streams.adapters.outputs import records_of, remembered_as_sent, reply_record
from streampay_streams.adapters.publisher import Publisher
from streampay_streams.adapters.records import Emit, Malformed, RawRecord, Skipped
from streampay_streams.adapters.store import AccountStore, StoredAccount, staged
from streampay_streams.domain import problems
from streampay_streams.domain.account import Account
from streampay_streams.domain.context import Context
from streampay_streams.domain.decide import decide
from streampay_streams.domain.effects import Decision, Reply
from streampay_streams.domain.inputs import CommandInput, Input
from streampay_streams.observability import DECISIONS

log = structlog.get_logger(__name__)


@dataclass
class Batch:
    """What one batch has decided: the accounts it changed, and the records to publish.

    An account changed several times in a batch is stored once, in its final state: only the
    state at the end of the batch must be durable before its records are published.
    """

    tags: dict[int, int] = field(default_factory=dict)
    changed: dict[str, StoredAccount] = field(default_factory=dict)
    records: list[Emit] = field(default_factory=list)
    decided: int = 0


class AccountsWorker:
    def __init__(
        self,
        store: AccountStore,
        publisher: Publisher,
        directory: UserDirectory,
        reader: Reader,
        ctx: Context,
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._directory = directory
        self._reader = reader
        self._ctx = ctx

    async def apply(self, raws: Sequence[RawRecord]) -> None:
        """Decide every record, store the changed accounts, then publish, then raise marks."""
        await self._directory.ready.wait()  # decide nothing before every user is known
        reads = [(raw, self._reader.read(raw)) for raw in raws]
        await self._catch_up_for(read for _, read in reads)
        batch = Batch()
        for raw, read in reads:
            self._one(raw, read, batch)
        await self._publisher.publish([self._store.save(s) for s in batch.changed.values()])
        await self._publisher.publish(batch.records)
        marks = [self._store.confirm(partition, tag) for partition, tag in batch.tags.items()]
        await self._publisher.publish(marks)

    async def _catch_up_for(self, reads: Iterable[Read]) -> None:
        """When a command names a user the directory does not know, read ``users`` up to now
        before deciding: the profile may have been written just before the command. Once per
        batch, since the batch's commands were all produced before it is decided."""
        named = (_named_user(read) for read in reads if isinstance(read, CommandInput))
        if any(user is not None and self._directory.get(user) is None for user in named):
            await self._directory.catch_up()

    def _one(self, raw: RawRecord, read: Read, batch: Batch) -> None:
        if isinstance(read, Skipped):
            if read.reason:
                log.warning("record skipped", topic=raw.topic, offset=raw.offset, why=read.reason)
            return
        if isinstance(read, Malformed):
            log.info("command refused", offset=raw.offset, reason=read.reason)
            refused = ReplyEnvelope.from_headers(read.reply.headers)
            DECISIONS.labels(str(refused.status if refused else 400)).inc()
            batch.records.append(read.reply)
            return
        try:
            decision = self._decide(read)
        except Exception:
            log.exception("command failed", topic=raw.topic, offset=raw.offset)
            batch.records.extend(_failure_reply(read))
            return
        self._stage(raw.partition, decision, batch)

    def _decide(self, given: Input) -> Decision:
        stored = self._store.load(given.owner)
        account = stored.account if stored is not None else Account.new(given.owner)
        return decide(account, given, self._ctx)

    def _stage(self, partition: int, decision: Decision, batch: Batch) -> None:
        """Keep the new account, its records in its outbox, under this batch's tag."""
        records = records_of(decision, self._reader.requests_topic)
        if decision.reply is not None:
            DECISIONS.labels(str(decision.reply.status)).inc()
        account = decision.account
        if account is not None:
            if decision.reply is not None:
                account = remembered_as_sent(account, records[-1])  # the reply is last
            confirmed = self._store.confirmed(partition)
            tag = batch.tags.setdefault(partition, confirmed + 1)
            batch.decided += 1
            before = self._store.load(account.user_id)
            place = (tag, batch.decided)
            new = staged(before, partition, account, records, place, confirmed)
            self._store.keep(new)
            batch.changed[new.account.user_id] = new
        batch.records.extend(records)


def _named_user(given: Input) -> str | None:
    """The other user a command names, whom the directory must know."""
    if isinstance(given, CommandInput) and isinstance(
        given.command, PayCommand | RequestCommand | DepositCommand
    ):
        return given.command.user_id
    return None


def _failure_reply(given: Input) -> list[Emit]:
    if isinstance(given, CommandInput):
        problem = problems.not_applied()
        return [reply_record(Reply(given.address, problem.status, problem))]
    return []
