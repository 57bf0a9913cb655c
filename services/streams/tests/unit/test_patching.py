"""Replacing a library method keeps hold of the library's own, however often it is done."""

from __future__ import annotations

from typing import Any

from streampay_streams.adapters.patching import replace_method


class Library:
    def greet(self) -> str:
        return "hello"


def test_a_second_replacement_wraps_the_original_not_the_first_replacement() -> None:
    own = Library.greet

    def exclaim(original: Any) -> Any:
        return lambda self: original(self) + "!"

    assert replace_method(Library, "greet", exclaim) is own
    assert replace_method(Library, "greet", exclaim) is own
    assert Library().greet() == "hello!"  # not "hello!!": the first replacement was replaced
