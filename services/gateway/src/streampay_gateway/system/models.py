"""What the System section's routes answer: topics, consumer groups, records and traces."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class PartitionLag(BaseModel):
    """How far one consumer group has read one partition."""

    partition: int
    committed: int | None
    """The group's committed offset (the next record it will read); None: nothing committed."""
    end: int
    lag: int
    """Records written and not yet read by the group: ``end - committed``."""


class GroupLag(BaseModel):
    """A consumer group reading a topic, with its lag per partition."""

    group: str
    lag: int
    partitions: list[PartitionLag]


class PartitionState(BaseModel):
    partition: int
    start: int
    """The first offset still on the broker (retention and compaction remove older ones)."""
    end: int
    """The offset the next record will get."""
    records: int
    """``end - start``: the records held; on a compacted topic, at most that many."""


class TopicState(BaseModel):
    """One topic as the broker has it now."""

    name: str
    cleanup_policy: str | None = Field(description="`delete`, `compact` or both")
    retention_ms: int | None = Field(description="-1: kept forever; None: the broker's default")
    end_offset: int
    """The sum of the partitions' end offsets: it grows by one with every record written."""
    records: int
    partitions: list[PartitionState]
    groups: list[GroupLag]
    """The consumer groups that have committed offsets on this topic."""


class Topics(BaseModel):
    at: int
    """When the broker was asked, in milliseconds since the epoch."""
    topics: list[TopicState]


class GroupTopic(BaseModel):
    topic: str
    lag: int
    partitions: list[PartitionLag]


class GroupState(BaseModel):
    """One consumer group: its state, members and lag on every topic it reads."""

    group: str
    state: str
    """As the broker reports it: ``Stable``, ``PreparingRebalance``, ``Empty``, ``Dead``..."""
    members: int
    lag: int
    topics: list[GroupTopic]


class Groups(BaseModel):
    at: int
    groups: list[GroupState]


class TopicRecord(BaseModel):
    """One record of a topic, for a person to read."""

    topic: str
    partition: int
    offset: int
    timestamp: int
    """The record's timestamp, in milliseconds since the epoch."""
    key: str | None
    headers: dict[str, str]
    value: str | None
    """The value: JSON indented (every number as written), else its text; None: a tombstone."""
    format: Literal["json", "text"] = "text"
    """How ``value`` reads: JSON (shown indented) or plain text."""
    truncated: bool = False
    """Whether ``value`` was cut short (records larger than 16 KiB)."""


class TraceStep(TopicRecord):
    """One record of a command's journey."""

    kind: str
    """``command``, ``ledger leg``, ``profile``, ``event``, ``reply`` or ``view``."""
    since_command_ms: int
    """The record's timestamp minus the command's."""
    withheld: bool = False
    """Another user's record: its place and time are shown, its key, headers and value not."""


class Trace(BaseModel):
    """A command's journey through the topics, in the order it happened."""

    correlation_id: str
    command_at: int
    """The command's timestamp on ``commands`` (its answer's, should the command's record be
    out of reach), in milliseconds since the epoch."""
    searched_until: int
    """Records written up to this moment were searched (the answer's time plus
    ``SYSTEM_TRACE_SECONDS``, or now when that is still to come)."""
    steps: list[TraceStep]
