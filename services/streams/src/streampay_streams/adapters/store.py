"""Account state in Faust tables, written with its outbox in one changelog record.

Each account is stored together with the records its latest decisions produced and that are
not yet known to be published (its outbox). Both go to the changelog in a single write, and the
records are published only once that write is acknowledged, so no one ever sees an effect the
state does not record. A per-partition mark tells which outbox entries were published (every
entry tagged at or below it); after a crash, recovery re-publishes the others.

Faust writes a table change to the changelog partition of the event being processed. The store
instead takes the partition explicitly: it is always the partition of the record being applied,
which is the partition of the account's user id on every co-partitioned topic.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import faust
from pydantic import BaseModel

from streampay_contracts import WireModel, codec
from streampay_streams.adapters.records import Emit
from streampay_streams.domain.account import Account

MINUTE_MS = 60_000

CHANGELOG_CONFIGS = {
    "cleanup.policy": "compact",
    # The broker compacts only closed segments. Closing one every MiB or every minute,
    # whichever comes first, and cleaning once a tenth of the log is superseded, keeps what a
    # recovering worker reads (Faust restores about a thousand records a second) close to one
    # record per key plus the last minute of changes, however long the history.
    "segment.bytes": str(1024 * 1024),
    "segment.ms": str(MINUTE_MS),
    "min.cleanable.dirty.ratio": "0.1",
}
"""Topic configs of every table's changelog (set at creation, and on existing ones at start)."""


class StoredRecord(WireModel):
    """A record waiting in an outbox; the value is the encoded JSON (None: a tombstone)."""

    topic: str
    key: str
    value: str | None = None
    headers: dict[str, str] = {}

    @classmethod
    def of(cls, emit: Emit) -> StoredRecord:
        value = None if emit.body is None else emit.body.decode()
        return cls(topic=emit.topic, key=emit.key, value=value, headers=dict(emit.headers))

    def emit(self) -> Emit:
        body = None if self.value is None else self.value.encode()
        return Emit(self.topic, self.key, body, self.headers)


class Outboxed(WireModel):
    """The records of one decision, in order; ``tag`` is its batch, ``seq`` its place in it."""

    tag: int
    seq: int
    records: list[StoredRecord]


class StoredAccount(WireModel):
    partition: int
    account: Account
    outbox: list[Outboxed] = []


class PartitionMark(WireModel):
    """Outbox entries of this partition tagged at or below ``confirmed`` are published."""

    confirmed: int


class CodecTable(faust.Table[bytes, Any]):
    """A Faust table of pydantic models, encoded with the contracts codec, written explicitly.

    Recovery leaves the changelog's raw values in place and a value is decoded the first time it
    is read: a recovering worker reads every change ever made to a key since the changelog was
    last compacted, but only the last one matters.
    """

    def __init__(
        self, app: faust.App, *, name: str, model: type[BaseModel], partitions: int
    ) -> None:
        super().__init__(
            app,
            name=name,
            key_type=bytes,
            value_type=bytes,
            partitions=partitions,
            beacon=app.tables.beacon,
            extra_topic_configs=CHANGELOG_CONFIGS,
        )
        self.model = model

    def read(self, key: str) -> Any:
        return self._decoded(key.encode())

    def keep(self, key: str, value: BaseModel) -> None:
        """Store ``value`` here only; it becomes durable with a later :meth:`write`."""
        self.data[key.encode()] = value

    def write(self, partition: int, key: str, value: BaseModel) -> Emit:
        """Store ``value`` here; returns the changelog record that makes it durable.

        The caller publishes that record (and waits for it) before announcing anything that
        depends on the value, and the changelog is what recovery rebuilds the table from.
        """
        self.data[key.encode()] = value
        topic = self.changelog_topic.get_topic_name()
        return Emit(topic, key, codec.encode(value), partition=partition)

    def values_now(self) -> list[Any]:
        return [self._decoded(key) for key in list(self.data.keys())]

    def _decoded(self, raw_key: bytes) -> Any:
        value = self.data.get(raw_key)
        if isinstance(value, bytes):
            value = codec.decode(value, self.model)
            self.data[raw_key] = value
        return value


class AccountStore:
    """Accounts and their outboxes, and the per-partition publication marks."""

    def __init__(self, accounts: CodecTable, marks: CodecTable) -> None:
        self._accounts = accounts
        self._marks = marks

    def load(self, user_id: str) -> StoredAccount | None:
        stored: StoredAccount | None = self._accounts.read(user_id)
        return stored

    def keep(self, stored: StoredAccount) -> None:
        """The account's new state, seen by the next decisions, not yet sent to the changelog."""
        self._accounts.keep(stored.account.user_id, stored)

    def save(self, stored: StoredAccount) -> Emit:
        """The changelog record of the account's state, to publish before its outbox."""
        return self._accounts.write(stored.partition, stored.account.user_id, stored)

    def confirmed(self, partition: int) -> int:
        mark: PartitionMark | None = self._marks.read(str(partition))
        return mark.confirmed if mark is not None else 0

    def confirm(self, partition: int, tag: int) -> Emit:
        return self._marks.write(partition, str(partition), PartitionMark(confirmed=tag))

    def in_partition(self, partition: int) -> Iterator[StoredAccount]:
        for stored in self._accounts.values_now():
            if isinstance(stored, StoredAccount) and stored.partition == partition:
                yield stored


def staged(
    before: StoredAccount | None,
    partition: int,
    account: Account,
    records: Sequence[Emit],
    place: tuple[int, int],
    confirmed: int,
) -> StoredAccount:
    """The account's next stored state: published outbox entries dropped, ``records`` added."""
    kept = [entry for entry in (before.outbox if before else []) if entry.tag > confirmed]
    if records:
        tag, seq = place
        stored_records = [StoredRecord.of(record) for record in records]
        kept.append(Outboxed(tag=tag, seq=seq, records=stored_records))
    return StoredAccount(partition=partition, account=account, outbox=kept)


def pending(accounts: Iterator[StoredAccount], confirmed: int) -> list[Outboxed]:
    """Outbox entries not known to be published, in the order they were decided."""
    entries = [entry for stored in accounts for entry in stored.outbox if entry.tag > confirmed]
    return sorted(entries, key=lambda entry: (entry.tag, entry.seq))
