"""Statements: money in and out per user per hour and per day, on the compacted `statements`."""

from decimal import Decimal

import pytest

from streampay_contracts import (
    Statement,
    StatementPeriod,
    decode,
    encode,
    statement_key,
    window_bounds,
)
from streampay_contracts.topics import (
    EVENTS,
    STATEMENTS,
    TOPIC_NAMES,
    streams_payments_topic,
    streams_requests_topic,
    streams_topic_specs,
)

pytestmark = pytest.mark.unit

MOMENT = 1_795_000_000_000  # 2026-11-18T11:06:40Z


@pytest.mark.parametrize(
    ("period", "bounds"),
    [
        (StatementPeriod.HOUR, ("2026-11-18T11:00:00Z", "2026-11-18T12:00:00Z")),
        (StatementPeriod.DAY, ("2026-11-18T00:00:00Z", "2026-11-19T00:00:00Z")),
    ],
)
def test_windows_are_utc_hours_and_days(period: StatementPeriod, bounds: tuple[str, str]) -> None:
    assert window_bounds(period, MOMENT) == bounds


def test_a_window_holds_its_start_but_not_its_end() -> None:
    hour = 3_600_000
    start = MOMENT - MOMENT % hour
    assert window_bounds(StatementPeriod.HOUR, start)[0] == "2026-11-18T11:00:00Z"
    assert window_bounds(StatementPeriod.HOUR, start - 1)[0] == "2026-11-18T10:00:00Z"


def test_the_key_names_user_period_and_window_start() -> None:
    key = statement_key("local|alice", StatementPeriod.DAY, "2026-11-18T00:00:00Z")
    assert key == "local|alice|day|2026-11-18T00:00:00Z"


def test_a_statement_travels_with_exact_amounts_and_camel_case_names() -> None:
    statement = Statement(
        user_id="local|alice",
        period=StatementPeriod.HOUR,
        start="2026-11-18T11:00:00Z",
        end="2026-11-18T12:00:00Z",
        money_in=Decimal("100"),
        money_out=Decimal("25.5"),
        count=3,
        timestamp=MOMENT,
    )
    data = encode(statement)
    assert data == (
        b'{"userId":"local|alice","period":"hour","start":"2026-11-18T11:00:00Z",'
        b'"end":"2026-11-18T12:00:00Z","moneyIn":100.00,"moneyOut":25.50,"count":3,'
        b'"timestamp":1795000000000}'
    )
    assert decode(data, Statement) == statement


def test_the_worker_topics_are_separate_from_the_architecture_topics() -> None:
    specs = {spec.name: spec for spec in streams_topic_specs("streampay-streams")}
    assert set(specs) == {
        EVENTS,
        STATEMENTS,
        "streampay-streams-requests",
        "streampay-streams-payments",
    }
    assert specs[STATEMENTS].configs() == {"cleanup.policy": "compact"}
    assert specs[EVENTS].configs() == {"cleanup.policy": "delete", "retention.ms": "-1"}
    assert not set(specs) & set(TOPIC_NAMES)


def test_internal_topics_follow_the_app_id() -> None:
    assert streams_requests_topic("other-app") == "other-app-requests"
    assert streams_payments_topic("other-app") == "other-app-payments"
    assert {spec.name for spec in streams_topic_specs("other-app")} >= {
        "other-app-requests",
        "other-app-payments",
    }
