"""Topic definitions: every topic of the architecture, with its cleanup and retention."""

import pytest

from streampay_contracts import topics
from streampay_contracts.topics import TOPIC_NAMES, TopicSpec, topic_specs

pytestmark = pytest.mark.unit

WEEK_MS = 604_800_000
DAY_MS = 86_400_000


def specs_by_name(**kwargs: int) -> dict[str, TopicSpec]:
    return {spec.name: spec for spec in topic_specs(**kwargs)}


def test_every_topic_of_the_architecture_is_defined_once() -> None:
    assert TOPIC_NAMES == (
        "commands",
        "replies",
        "transactions",
        "balances",
        "balance-histories",
        "payment-requests",
        "users",
        "activities",
        "user-activities",
        "sent-requests",
        "total-transactions",
        "average-transactions",
    )
    assert len(set(TOPIC_NAMES)) == len(TOPIC_NAMES)


def test_name_constants_match_the_specs() -> None:
    constants = {
        topics.COMMANDS,
        topics.REPLIES,
        topics.TRANSACTIONS,
        topics.BALANCES,
        topics.BALANCE_HISTORIES,
        topics.PAYMENT_REQUESTS,
        topics.USERS,
        topics.ACTIVITIES,
        topics.USER_ACTIVITIES,
        topics.SENT_REQUESTS,
        topics.TOTAL_TRANSACTIONS,
        topics.AVERAGE_TRANSACTIONS,
    }
    assert constants == set(TOPIC_NAMES)


def test_views_keyed_by_identity_are_compacted_and_histories_are_not() -> None:
    compacted = {spec.name for spec in topic_specs() if spec.cleanup_policy == "compact"}
    assert compacted == {
        "balances",
        "payment-requests",
        "sent-requests",
        "users",
        "total-transactions",
        "average-transactions",
    }


def test_history_topics_and_the_ledger_are_kept_forever() -> None:
    specs = specs_by_name()
    for name in ("transactions", "balance-histories", "activities", "user-activities"):
        assert specs[name].configs() == {"cleanup.policy": "delete", "retention.ms": "-1"}


def test_commands_are_kept_a_week() -> None:
    assert specs_by_name()["commands"].configs() == {
        "cleanup.policy": "delete",
        "retention.ms": str(WEEK_MS),
    }


def test_replies_live_as_long_as_the_idempotency_window() -> None:
    assert specs_by_name()["replies"].retention_ms == DAY_MS
    short = specs_by_name(replies_retention_ms=60_000)["replies"]
    assert short.configs() == {"cleanup.policy": "delete", "retention.ms": "60000"}


def test_compacted_topics_leave_retention_to_the_broker() -> None:
    assert specs_by_name()["balances"].configs() == {"cleanup.policy": "compact"}


def test_every_topic_documents_its_key() -> None:
    specs = specs_by_name()
    assert specs["payment-requests"].key == "request id"
    assert specs["total-transactions"].key == "total-transaction"
    assert all(spec.key and spec.description for spec in specs.values())
