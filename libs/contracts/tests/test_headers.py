"""Header names of the Zilla wire contract and their Kafka encoding."""

import pytest

from streampay_contracts import headers

pytestmark = pytest.mark.unit


def test_header_names_are_those_of_the_zilla_contract() -> None:
    assert (
        headers.IDENTITY,
        headers.DOMAIN_MODEL,
        headers.CORRELATION_ID,
        headers.REPLY_TO,
        headers.IDEMPOTENCY_KEY,
        headers.STATUS,
        headers.IF_MATCH,
        headers.CONTENT_TYPE,
    ) == (
        "zilla:identity",
        "zilla:domain-model",
        "zilla:correlation-id",
        "zilla:reply-to",
        "idempotency-key",
        ":status",
        "if-match",
        "content-type",
    )


def test_headers_round_trip_through_kafka_encoding() -> None:
    sent = {headers.IDENTITY: "local|zoë", headers.STATUS: "200"}
    encoded = headers.to_kafka(sent)
    assert encoded == [("zilla:identity", "local|zoë".encode()), (":status", b"200")]
    assert headers.from_kafka(encoded) == sent


def test_reading_headers_never_fails_on_foreign_bytes() -> None:
    received = [("a", b"\xff\xfe"), ("b", None), ("c", b"1"), ("c", b"2")]
    assert headers.from_kafka(received) == {"a": "\ufffd\ufffd", "b": "", "c": "2"}
    assert headers.from_kafka(None) == {}


@pytest.mark.parametrize(("tag", "version"), [('"7"', 7), ("7", 7), (' "0" ', 0), ('"12"', 12)])
def test_if_match_reads_quoted_and_bare_versions(tag: str, version: int) -> None:
    assert headers.parse_version(tag) == version


@pytest.mark.parametrize("tag", ["", '""', "*", 'W/"7"', "-1", "7.0", "٣", "9" * 19, '"7'])
def test_if_match_refuses_anything_else(tag: str) -> None:
    with pytest.raises(ValueError, match=r'^If-Match must be a balance version such as "7"$'):
        headers.parse_version(tag)


def test_versions_are_written_as_quoted_entity_tags() -> None:
    assert headers.format_version(7) == '"7"'
    assert headers.parse_version(headers.format_version(41)) == 41
