"""Wiring: every component of the gateway, built from the settings in one place.

Nothing here waits for the broker. The producer, the followers of ``replies`` and ``commands``
and the topic tables all connect in the background and keep retrying, so the gateway starts
and serves ``/healthz`` while the broker is still coming up; ``/readyz`` says when it can work.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from streampay_contracts import PaymentRequest, User, topics
from streampay_gateway.auth.jwks import KeySource, RemoteJwks, StaticKeys
from streampay_gateway.auth.security import TokenVerifier
from streampay_gateway.auth.signing import SigningKey
from streampay_gateway.commands.broker import Broker
from streampay_gateway.commands.dispatch import CommandDispatcher
from streampay_gateway.commands.follower import TopicFollower
from streampay_gateway.commands.replies import ReplyIndex
from streampay_gateway.commands.submitted import SubmittedIndex
from streampay_gateway.config import GatewaySettings
from streampay_gateway.views.table import TopicTable


@dataclass
class Components:
    settings: GatewaySettings
    broker: Broker
    verifier: TokenVerifier
    signing_key: SigningKey | None
    remote_keys: RemoteJwks | None
    replies: ReplyIndex
    submitted: SubmittedIndex
    followers: tuple[TopicFollower, ...]
    dispatcher: CommandDispatcher
    users: TopicTable[User]
    payment_requests: TopicTable[PaymentRequest]
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        self.broker.start()
        for follower in self.followers:
            follower.start()
        for table in (self.users, self.payment_requests):
            self._tasks.append(asyncio.create_task(table.start_when_available()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for table in (self.users, self.payment_requests):
            await table.stop()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for follower in self.followers:
            await follower.stop()
        await self.broker.stop()
        if self.remote_keys is not None:
            await self.remote_keys.aclose()

    def readiness(self) -> dict[str, bool]:
        """Whether each cache has read what its topic held at start (the broker is separate)."""
        checks = {f"{follower.topic} index": follower.caught_up for follower in self.followers}
        for table in (self.users, self.payment_requests):
            checks[f"{table.topic} table"] = table.caught_up()
        return checks


def build(settings: GatewaySettings) -> Components:
    """Every component, not yet started (aiokafka clients are made when started)."""
    signing_key, remote_keys, keys = _key_source(settings)
    window = settings.replies_retention_ms
    cap = settings.replies_index_max_entries
    bootstrap = settings.kafka_bootstrap_servers
    replies, submitted = ReplyIndex(window, cap), SubmittedIndex(window, cap)
    followers = (
        TopicFollower(bootstrap, topics.REPLIES, window, replies.handle),
        TopicFollower(bootstrap, topics.COMMANDS, window, submitted.handle),
    )
    broker = Broker(bootstrap)
    return Components(
        settings=settings,
        broker=broker,
        verifier=TokenVerifier(
            keys, settings.auth_issuer, settings.auth_audience, settings.auth_leeway_seconds
        ),
        signing_key=signing_key,
        remote_keys=remote_keys,
        replies=replies,
        submitted=submitted,
        followers=followers,
        dispatcher=CommandDispatcher(broker, replies, submitted, followers),
        users=TopicTable(bootstrap, topics.USERS, User),
        payment_requests=TopicTable(bootstrap, topics.PAYMENT_REQUESTS, PaymentRequest),
    )


def _key_source(
    settings: GatewaySettings,
) -> tuple[SigningKey | None, RemoteJwks | None, KeySource]:
    if settings.auth_jwks_url:
        remote = RemoteJwks(settings.auth_jwks_url, settings.auth_jwks_cache_seconds)
        return None, remote, remote
    signing_key = SigningKey.load_or_create(settings.gateway_data_dir)
    return signing_key, None, StaticKeys([signing_key.public_jwk])
