"""Wiring: every component of the gateway, built from the settings in one place.

Nothing here waits for the broker. The producer and the one consumer (which reads ``replies``
and every view topic) connect in the background and keep retrying, so the gateway starts and
serves ``/healthz`` while the broker is still coming up; ``/readyz`` says when it can work.
"""

from __future__ import annotations

from dataclasses import dataclass

from streampay_contracts import PaymentRequest, User, topics
from streampay_gateway.auth.jwks import KeySource, RemoteJwks, StaticKeys
from streampay_gateway.auth.security import TokenVerifier
from streampay_gateway.auth.signing import SigningKey
from streampay_gateway.commands.broker import Broker
from streampay_gateway.commands.dispatch import CommandDispatcher
from streampay_gateway.commands.follower import TopicFollower
from streampay_gateway.commands.replies import ReplyIndex
from streampay_gateway.commands.window import WindowedIndex
from streampay_gateway.config import GatewaySettings
from streampay_gateway.feed import KafkaFeed
from streampay_gateway.views.hub import ViewHub
from streampay_gateway.views.table import TopicTable


@dataclass
class Components:
    settings: GatewaySettings
    broker: Broker
    feed: KafkaFeed
    verifier: TokenVerifier
    signing_key: SigningKey | None
    remote_keys: RemoteJwks | None
    replies: TopicFollower
    reply_index: ReplyIndex
    dispatcher: CommandDispatcher
    users: TopicTable[User]
    payment_requests: TopicTable[PaymentRequest]
    views: ViewHub

    async def start(self) -> None:
        self.broker.start()
        self.feed.start()

    async def stop(self) -> None:
        await self.feed.stop()
        await self.broker.stop()
        if self.remote_keys is not None:
            await self.remote_keys.aclose()

    def readiness(self) -> dict[str, bool]:
        """Whether each cache has read what its topic held at start (the broker is separate)."""
        checks = {f"{self.replies.topic} index": self.replies.caught_up()}
        for table in (self.users, self.payment_requests):
            checks[f"{table.topic} table"] = table.caught_up()
        return checks


def build(settings: GatewaySettings) -> Components:
    """Every component, not yet started (aiokafka clients are made when started)."""
    signing_key, remote_keys, keys = _key_source(settings)
    window = settings.replies_retention_ms
    cap = settings.replies_index_max_entries
    bootstrap = settings.kafka_bootstrap_servers
    index = ReplyIndex(window, cap)
    replies = TopicFollower(topics.REPLIES, window, index.handle)
    users = TopicTable(topics.USERS, User)
    payment_requests = TopicTable(topics.PAYMENT_REQUESTS, PaymentRequest)
    views = ViewHub(settings, shared=[payment_requests])
    feed = KafkaFeed(
        bootstrap,
        [replies, users, *views.readers.values()],
        fetch_min_bytes=settings.feed_fetch_min_bytes,
        fetch_max_wait_ms=settings.feed_fetch_wait_ms,
    )
    broker = Broker(bootstrap)
    return Components(
        settings=settings,
        broker=broker,
        feed=feed,
        verifier=TokenVerifier(
            keys, settings.auth_issuer, settings.auth_audience, settings.auth_leeway_seconds
        ),
        signing_key=signing_key,
        remote_keys=remote_keys,
        replies=replies,
        reply_index=index,
        dispatcher=CommandDispatcher(broker, index, replies, WindowedIndex(window, cap)),
        users=users,
        payment_requests=payment_requests,
        views=views,
    )


def _key_source(
    settings: GatewaySettings,
) -> tuple[SigningKey | None, RemoteJwks | None, KeySource]:
    if settings.auth_jwks_url:
        remote = RemoteJwks(settings.auth_jwks_url, settings.auth_jwks_cache_seconds)
        return None, remote, remote
    signing_key = SigningKey.load_or_create(settings.gateway_data_dir)
    return signing_key, None, StaticKeys([signing_key.public_jwk])
