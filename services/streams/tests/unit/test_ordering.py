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


def test_records_in_order_are_admitted_and_move_the_next_offset() -> None:
    g = guard()
    assert [g.admit(C, 0, offset) for offset in (10, 11, 12)] == [True, True, True]
    assert g.expected[(C, 0)] == 13


def test_a_record_ahead_of_its_turn_is_held_and_its_partition_sought_back() -> None:
    g = guard()
    assert not g.admit(C, 0, 294)  # a stale fetch from before the seek
    assert g.seeks([(C, 0), (C, 0)]) == {(C, 0): 10}
    assert g.seeks([(C, 0)]) == {}  # asked once; the seek is under way
    assert g.admit(C, 0, 10) and not g.admit(C, 0, 12)
    assert g.seeks([(C, 0)]) == {(C, 0): 11}


def test_copies_below_the_next_offset_pass_for_the_marks_to_recognise() -> None:
    g = guard()
    assert g.admit(C, 0, 3)
    assert g.expected[(C, 0)] == 10


def test_unguarded_topics_and_unknown_partitions_pass() -> None:
    g = guard()
    assert g.admit("users", 0, 99)  # compacted: holes are legitimate
    assert g.admit("transactions", 2, 40) and g.expected[("transactions", 2)] == 41


def test_records_lost_to_retention_are_skipped_once_known_gone() -> None:
    g = guard()
    g.skip_lost((C, 1), 50)
    assert g.expected[(C, 1)] == 50 and g.admit(C, 1, 50)
    g.skip_lost((C, 1), 20)  # never moves backwards
    assert g.expected[(C, 1)] == 51


def test_a_new_assignment_replaces_what_was_expected() -> None:
    g = guard()
    g.reset({(C, 2): 7})
    assert (C, 0) not in g.expected and not g.admit(C, 2, 8)
