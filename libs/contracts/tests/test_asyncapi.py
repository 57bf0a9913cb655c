"""The AsyncAPI document: every topic described from the contracts, and the committed file
equal to what the code generates (regenerate with ``python -m streampay_contracts.asyncapi``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from streampay_contracts import PayCommand, asyncapi, channels, topics
from streampay_contracts.envelopes import CommandEnvelope, ReplyEnvelope
from streampay_contracts.topics import TopicSpec

pytestmark = pytest.mark.unit

COMMITTED = Path(__file__).resolve().parents[3] / asyncapi.OUTPUT


def test_the_committed_document_is_the_one_the_contracts_generate() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == asyncapi.render(asyncapi.document()), (
        "docs/asyncapi.yaml is stale: run `python -m streampay_contracts.asyncapi`"
    )


def test_the_check_command_fails_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "asyncapi.yaml"
    stale.write_text(
        COMMITTED.read_text(encoding="utf-8").replace("maximum: 1000000", "maximum: 5")
    )
    assert asyncapi.main(["--check", "--output", str(stale)]) == 1
    assert asyncapi.main(["--output", str(stale)]) == 0
    assert asyncapi.main(["--check", "--output", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == COMMITTED.read_text(encoding="utf-8")


def test_every_topic_is_a_channel_with_its_cleanup_and_retention() -> None:
    channels = asyncapi.document()["channels"]
    specs = (*topics.topic_specs(), *topics.streams_topic_specs("{appId}"))
    assert sorted(channel["address"] for channel in channels.values()) == sorted(
        spec.name for spec in specs
    )
    replies = channels["replies"]["bindings"]["kafka"]["topicConfiguration"]
    assert replies == {"cleanup.policy": ["delete"], "retention.ms": 86_400_000}
    balances = channels["balances"]["bindings"]["kafka"]["topicConfiguration"]
    assert balances == {"cleanup.policy": ["compact"]}
    assert channels["streams-requests"]["parameters"]["appId"]["default"] == "streampay-streams"


def test_a_command_record_is_the_model_with_the_gateway_headers() -> None:
    document = asyncapi.document()
    pay = document["channels"]["commands"]["messages"]["PayCommand"]
    assert pay["payload"] == {"$ref": "#/components/schemas/PayCommand"}
    amount = document["components"]["schemas"]["PayCommand"]["properties"]["amount"]
    assert amount == PayCommand.model_json_schema()["properties"]["amount"]
    described = pay["headers"]["properties"]
    assert described["zilla:domain-model"]["const"] == "PayCommand"
    every = CommandEnvelope(
        "local|alice", "PayCommand", "c1", idempotency_key="k", fingerprint="f", if_match='"7"'
    )
    assert set(described) == set(every.to_headers())
    always = CommandEnvelope("local|alice", "PayCommand", "c1").to_headers()
    assert set(pay["headers"]["required"]) == set(always)
    request = document["channels"]["commands"]["messages"]["RequestCommand"]
    assert "if-match" not in request["headers"]["properties"]
    assert pay["bindings"]["kafka"]["key"]["description"] == "acting user id"


def test_a_reply_record_carries_the_reply_envelope() -> None:
    replies = asyncapi.document()["channels"]["replies"]["messages"]
    every = ReplyEnvelope("c1", 409, identity="local|alice", idempotency_key="k", fingerprint="f")
    for message in replies.values():
        assert set(message["headers"]["properties"]) == set(every.to_headers())
        assert set(message["headers"]["required"]) == set(ReplyEnvelope("c1", 200).to_headers())
    assert replies["ProblemReply"]["payload"] == {"$ref": "#/components/schemas/Problem"}
    assert replies["PayReply"]["headers"]["properties"][":status"]["enum"] == ["200"]


def test_operations_say_which_component_writes_and_reads_each_topic() -> None:
    operations = asyncapi.document()["operations"]
    ids = set(operations)
    assert {"gateway.send.commands", "streams.receive.commands"} <= ids
    assert {"streams.send.events", "projector.receive.events", "gateway.receive.balances"} <= ids
    assert "gateway.send.balances" not in ids
    # The gateway never writes a deposit; the simulation writes nothing else.
    gateway_sends = operations["gateway.send.commands"]["messages"]
    simulation_sends = operations["simulation.send.commands"]["messages"]
    assert {"$ref": "#/channels/commands/messages/DepositCommand"} not in gateway_sends
    assert simulation_sends == [{"$ref": "#/channels/commands/messages/DepositCommand"}]


def test_a_topic_without_a_description_of_its_records_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    extra = TopicSpec("refunds", "delete", None, "user id", "a topic nobody described")
    known = topics.topic_specs()
    monkeypatch.setattr(topics, "topic_specs", lambda: (*known, extra))
    with pytest.raises(LookupError, match="refunds"):
        channels.channels()


def test_the_yaml_reads_back_as_the_document() -> None:
    assert yaml.safe_load(asyncapi.render(asyncapi.document())) == asyncapi.document()
