"""Event ids of the live views: they round-trip, and anything else is refused with a reason."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streampay_gateway.http.problems import ProblemError
from streampay_gateway.views.catalog import VIEWS
from streampay_gateway.views.positions import (
    InvalidEventId,
    decode_event_id,
    encode_event_id,
)
from streampay_gateway.views.sse import resume_point

pytestmark = pytest.mark.unit

view_names = st.sampled_from(["activities", "current-balance", "payment-requests", "x-1"])
offsets = st.dictionaries(
    st.integers(0, 99_999), st.integers(0, 2**63 - 1), min_size=1, max_size=12
)


@given(st.dictionaries(view_names, offsets, min_size=1, max_size=4))
def test_event_ids_round_trip(cursor: dict[str, dict[int, int]]) -> None:
    event_id = encode_event_id(cursor)
    assert decode_event_id(event_id, cursor.keys()) == cursor
    assert "\n" not in event_id and "\r" not in event_id


def test_event_id_is_readable_and_canonical() -> None:
    cursor = {"current-balance": {2: 9, 0: 12, 1: 5}, "activities": {0: 40}}
    assert encode_event_id(cursor) == "activities@0=40;current-balance@0=12,1=5,2=9"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "not an event id"),
        ("garbage", "not an event id"),
        ("activities", "not an event id"),
        ("activities@", "not an event id"),
        ("activities@0=1,", "not an event id"),
        ("activities@0=-1", "not an event id"),
        ("activities@a=1", "not an event id"),
        ("activities@0=1;", "not an event id"),
        ("Activities@0=1", "not an event id"),
        ("activities@0=1,0=2", "partition 0 twice"),
        ("activities@0=1;activities@0=2", "'activities' twice"),
        ("activities@0=9223372036854775808", "beyond any Kafka offset"),
        ("current-balance@0=1", "not an id of this stream"),
        ("activities@0=1;current-balance@0=1", "not an id of this stream"),
        ("activities@0=1" + ",1=1" * 2000, "too long"),
    ],
)
def test_foreign_or_garbled_ids_are_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidEventId, match=reason):
        decode_event_id(text, ["activities"])


def test_a_garbled_last_event_id_is_a_400_problem_that_says_what_to_do() -> None:
    with pytest.raises(ProblemError) as caught:
        resume_point("current-balance@0=1", [VIEWS["activities"]])
    problem = caught.value.problem
    assert problem.status == 400
    assert problem.detail and "reconnect without it" in problem.detail


def test_no_last_event_id_means_a_fresh_start() -> None:
    assert resume_point(None, [VIEWS["activities"]]) is None
    assert resume_point("", [VIEWS["activities"]]) is None
