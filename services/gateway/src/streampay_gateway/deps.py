"""FastAPI dependencies for the gateway's components, as ``Annotated`` aliases.

Every component is built once by :mod:`.bootstrap` and kept on ``app.state``; routes ask for
them by alias (``Settings``, ``Dispatcher``, ...) and never reach into ``app.state`` themselves.
Dependencies are coroutines: FastAPI runs a plain ``def`` dependency in its thread pool, a
thread hand-off per dependency per request that costs more than the dependency itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from streampay_contracts import PaymentRequest, User
from streampay_gateway.auth.signing import SigningKey
from streampay_gateway.bootstrap import Components
from streampay_gateway.commands.broker import Broker
from streampay_gateway.commands.dispatch import CommandDispatcher
from streampay_gateway.commands.prefer import Preferences, preferences
from streampay_gateway.config import GatewaySettings
from streampay_gateway.system.section import SystemSection
from streampay_gateway.views.table import TopicTable


def components(request: Request) -> Components:
    found: Components = request.app.state.components
    return found


async def _settings(request: Request) -> GatewaySettings:
    settings: GatewaySettings = request.app.state.settings
    return settings


async def _dispatcher(request: Request) -> CommandDispatcher:
    return components(request).dispatcher


async def _broker(request: Request) -> Broker:
    return components(request).broker


async def _users(request: Request) -> TopicTable[User]:
    return components(request).users


async def _payment_requests(request: Request) -> TopicTable[PaymentRequest]:
    return components(request).payment_requests


async def _signing_key(request: Request) -> SigningKey:
    key = components(request).signing_key
    assert key is not None, "the sign-in routes exist only with the development provider"
    return key


async def _system(request: Request) -> SystemSection:
    system: SystemSection = request.app.state.system
    return system


Settings = Annotated[GatewaySettings, Depends(_settings)]
Dispatcher = Annotated[CommandDispatcher, Depends(_dispatcher)]
KafkaBroker = Annotated[Broker, Depends(_broker)]
Signer = Annotated[SigningKey, Depends(_signing_key)]
UsersTable = Annotated[TopicTable[User], Depends(_users)]
PaymentRequestsTable = Annotated[TopicTable[PaymentRequest], Depends(_payment_requests)]
Prefer = Annotated[Preferences, Depends(preferences)]
System = Annotated[SystemSection, Depends(_system)]
