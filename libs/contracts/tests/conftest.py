"""Fixtures shared by the contract tests."""

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from streampay_contracts import describe_validation_error


@pytest.fixture
def refusal() -> Callable[[type[BaseModel], dict[str, Any]], str]:
    """Validate a body that must fail, and return the reason a 400 reply would give."""

    def describe(model: type[BaseModel], body: dict[str, Any]) -> str:
        with pytest.raises(ValidationError) as caught:
            model.model_validate(body)
        return describe_validation_error(caught.value)

    return describe
