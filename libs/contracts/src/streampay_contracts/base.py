"""Base classes of every StreamPay message model.

All messages are immutable and use camelCase names on the wire (``userId``, ``fromUserName``),
as the original StreamPay demo did; Python code uses the snake_case field names. Encode and
decode them with :mod:`streampay_contracts.codec`, which keeps money exact.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


def _title(name: str, _: object) -> str:
    """Schema titles from field names: ``from_user_id`` reads "From user id"."""
    return name.replace("_", " ").capitalize()


class WireModel(BaseModel):
    """A message StreamPay writes and reads itself: events, views and replies.

    Unknown fields are ignored, so a field added by a newer producer does not break an older
    consumer; schemas evolve by adding fields only.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        frozen=True,
        extra="ignore",
        use_attribute_docstrings=True,
        field_title_generator=_title,
    )


class InboundModel(WireModel):
    """A body a client sends. Unknown fields are an error, not silently dropped.

    A client that misspells ``notes`` or adds a ``fromUserId`` must hear about it: in
    particular no body field ever names the caller, who is known only from the token.
    """

    model_config = ConfigDict(extra="forbid")
