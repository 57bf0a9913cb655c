"""The in-order guard: a partition's records are applied in offset order with none skipped."""

from __future__ import annotations

import pytest

from streampay_streams.agents.ordering import OrderGuard

pytestmark = pytest.mark.unit

C = "commands"


def guard() -> OrderGuard:
    g = OrderGuard(frozenset({C, "transactions"}))
    g.reset({(C, 0): 10, (C, 1): 0, ("users", 0): 5})
    return g


def test_records_in_order_leave_no_hole_and_move_the_next_offset() -> None:
    g = guard()
    assert [g.check(C, 0, offset) for offset in (10, 11, 12)] == [None, None, None]
    assert g.expected[(C, 0)] == 13


def test_a_record_ahead_of_its_turn_reveals_the_hole_before_it() -> None:
    g = guard()
    assert g.check(C, 0, 294) == ((C, 0), 10, 294)  # 10..293 were skipped by the consumer
    assert g.expected[(C, 0)] == 295
    assert g.check(C, 0, 295) is None


def test_copies_below_the_next_offset_move_nothing() -> None:
    g = guard()
    assert g.check(C, 0, 3) is None
    assert g.expected[(C, 0)] == 10


def test_unguarded_topics_and_unknown_partitions_pass() -> None:
    g = guard()
    assert g.check("users", 0, 99) is None  # compacted: holes are legitimate
    assert g.check("transactions", 2, 40) is None and g.expected[("transactions", 2)] == 41


def test_a_new_assignment_replaces_what_was_expected() -> None:
    g = guard()
    g.reset({(C, 2): 7})
    assert (C, 0) not in g.expected
    assert g.check(C, 2, 8) == ((C, 2), 7, 8)


def test_the_end_of_a_partition_beyond_the_next_offset_is_the_hole_at_its_tail() -> None:
    guard = OrderGuard(frozenset({"commands"}))
    guard.reset({("commands", 0): 2})
    assert guard.tail("commands", 0, 2) is None  # all applied
    assert guard.tail("commands", 0, 5) == (("commands", 0), 2, 5)
    assert guard.tail("commands", 0, 5) is None  # taken as applied
    assert guard.check("commands", 0, 5) is None  # the next record follows on
    assert guard.tail("commands", 1, 9) is None  # not a partition this worker applies
