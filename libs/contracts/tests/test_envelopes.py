"""The command and reply envelopes: what they write is what they read, and reading never fails."""

from __future__ import annotations

import pytest

from streampay_contracts import headers
from streampay_contracts.envelopes import CommandEnvelope, ReplyEnvelope

pytestmark = pytest.mark.unit


def test_a_command_envelope_reads_back_as_written() -> None:
    envelope = CommandEnvelope(
        identity="local|alice",
        domain_model="PayCommand",
        correlation_id="c-1",
        idempotency_key="k-1",
        fingerprint="f" * 64,
        if_match='"7"',
    )
    written = envelope.to_headers()
    assert written[headers.IDENTITY] == "local|alice"
    assert written["streampay:body-sha256"] == "f" * 64
    assert CommandEnvelope.from_headers(written) == envelope


def test_a_command_envelope_leaves_out_what_it_lacks_and_reads_missing_names_as_empty() -> None:
    written = CommandEnvelope("local|bank", "DepositCommand", "c-2").to_headers()
    assert set(written) == {
        headers.IDENTITY,
        headers.DOMAIN_MODEL,
        headers.CORRELATION_ID,
        headers.REPLY_TO,
        headers.CONTENT_TYPE,
    }
    empty = CommandEnvelope.from_headers({})
    assert (empty.identity, empty.correlation_id, empty.fingerprint) == ("", "", None)


def test_a_reply_envelope_reads_back_as_written() -> None:
    envelope = ReplyEnvelope("c-1", 409, headers.PROBLEM_CONTENT_TYPE, "local|alice", "k", "f")
    assert ReplyEnvelope.from_headers(envelope.to_headers()) == envelope


@pytest.mark.parametrize(
    "status", ["", "abc", "99", "600", "2000", "1" * 5000, "\uff12\uff10\uff10"]
)
def test_a_reply_status_that_is_not_200_to_599_reads_as_none(status: str) -> None:
    found = ReplyEnvelope.from_headers({headers.CORRELATION_ID: "c", headers.STATUS: status})
    assert found is not None and found.status is None


def test_a_record_without_a_correlation_id_is_no_reply() -> None:
    assert ReplyEnvelope.from_headers({headers.STATUS: "200"}) is None


def test_only_a_reused_key_refusal_answers_one_attempt_only() -> None:
    assert ReplyEnvelope("c", 422).answers_attempt_only
    assert not ReplyEnvelope("c", 409).answers_attempt_only
