"""Every Kafka topic StreamPay uses, defined once.

Names are those of the original demo. Keys are user ids unless stated, so everything about
one user lands in one partition and is processed in order. The partition count is not part of
a topic's definition: it is a deployment setting (``KAFKA_PARTITIONS``), the same for every
topic so that equal keys land in equal partition numbers across topics (co-partitioning).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

COMMANDS = "commands"
REPLIES = "replies"
TRANSACTIONS = "transactions"
BALANCES = "balances"
BALANCE_HISTORIES = "balance-histories"
PAYMENT_REQUESTS = "payment-requests"
USERS = "users"
ACTIVITIES = "activities"
USER_ACTIVITIES = "user-activities"
SENT_REQUESTS = "sent-requests"
TOTAL_TRANSACTIONS = "total-transactions"
AVERAGE_TRANSACTIONS = "average-transactions"
STATEMENTS = "statements"
EVENTS = "events"

FOREVER = -1
"""``retention.ms`` that keeps records until deleted by hand."""

DEFAULT_REPLIES_RETENTION_MS = 24 * 60 * 60 * 1000
_WEEK_MS = 7 * 24 * 60 * 60 * 1000

CleanupPolicy = Literal["delete", "compact"]


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """How one topic is created: its name, cleanup and retention, and what its key means."""

    name: str
    cleanup_policy: CleanupPolicy
    retention_ms: int | None
    """``None`` leaves the broker default; ``FOREVER`` (-1) keeps every record."""
    key: str
    description: str

    def configs(self) -> dict[str, str]:
        """The topic-level Kafka configs to create the topic with."""
        configs: dict[str, str] = {"cleanup.policy": self.cleanup_policy}
        if self.retention_ms is not None:
            configs["retention.ms"] = str(self.retention_ms)
        return configs


def topic_specs(
    replies_retention_ms: int = DEFAULT_REPLIES_RETENTION_MS,
) -> tuple[TopicSpec, ...]:
    """All topics. Replies live as long as the idempotency window (``REPLIES_RETENTION_MS``)."""
    return (
        TopicSpec(
            COMMANDS,
            "delete",
            _WEEK_MS,
            "acting user id",
            "commands from users, applied by the streams service",
        ),
        TopicSpec(
            REPLIES,
            "delete",
            replies_retention_ms,
            "acting user id",
            "one reply per command; a retry within retention is answered from here",
        ),
        # The ledger is the source of truth: balances are rebuilt by replaying it.
        TopicSpec(TRANSACTIONS, "delete", FOREVER, "owner user id", "ledger entries, one per leg"),
        TopicSpec(BALANCES, "compact", None, "user id", "each user's current balance"),
        # The balance chart and the activity feed show the whole history, and their keys
        # repeat by design, so compaction would erase it: keep every record instead.
        TopicSpec(
            BALANCE_HISTORIES,
            "delete",
            FOREVER,
            "user id",
            "every change of every balance",
        ),
        TopicSpec(
            PAYMENT_REQUESTS,
            "compact",
            None,
            "request id",
            "open payment requests; a tombstone once one is closed",
        ),
        TopicSpec(USERS, "compact", None, "user id", "user profiles"),
        TopicSpec(
            ACTIVITIES,
            "delete",
            FOREVER,
            "owner user id",
            "the public activity feed: public payments only",
        ),
        TopicSpec(
            USER_ACTIVITIES,
            "delete",
            FOREVER,
            "user id of the party it is for",
            "each user's own activity: every payment, deposit and request they are a party to",
        ),
        TopicSpec(
            SENT_REQUESTS,
            "compact",
            None,
            "request id",
            "every request with its status, marked with its requester; kept once closed",
        ),
        TopicSpec(
            TOTAL_TRANSACTIONS,
            "compact",
            None,
            "total-transaction",
            "number of transfers so far",
        ),
        TopicSpec(
            AVERAGE_TRANSACTIONS,
            "compact",
            None,
            "total-transaction",
            "average transfer amount so far",
        ),
    )


TOPIC_NAMES: tuple[str, ...] = tuple(spec.name for spec in topic_specs())
"""Every topic name, in creation order."""


def streams_topic_specs(app_id: str = "streampay-streams") -> tuple[TopicSpec, ...]:
    """Topics the streams worker creates itself at start-up, with the same partition count.

    ``events`` is the write model's event log, kept forever: every fact it records, keyed by
    the account that recorded it (see :mod:`streampay_contracts.events`); the projections read
    it. ``statements`` is a view the gateway reads; the two others are the worker's own internal
    topics, named after its app id (``STREAMS_APP_ID``) like Faust's table changelogs, on which
    it routes records from one user's partition to another's (see the streams README).
    """
    return (
        TopicSpec(
            EVENTS,
            "delete",
            FOREVER,
            "user id of the account that recorded the event",
            "the write model's event log: every fact it records, in each account's order",
        ),
        TopicSpec(
            STATEMENTS,
            "compact",
            None,
            "<user id>|<hour|day>|<window start>",
            "money in and out per user per hour and per day",
        ),
        TopicSpec(
            streams_requests_topic(app_id),
            "delete",
            _WEEK_MS,
            "user id",
            "payment-request records routed to the payer's or requester's partition",
        ),
        TopicSpec(
            streams_payments_topic(app_id),
            "delete",
            _WEEK_MS,
            "total-transaction",
            "one record per payment, gathered on one key for the global totals",
        ),
    )


def streams_requests_topic(app_id: str) -> str:
    """The streams worker's internal topic for payment-request routing."""
    return f"{app_id}-requests"


def streams_payments_topic(app_id: str) -> str:
    """The streams worker's internal topic that gathers payments for the global totals."""
    return f"{app_id}-payments"
