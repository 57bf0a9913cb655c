"""The API docs work offline: Swagger UI at /docs and ReDoc at /redoc load
their scripts, styles and icon from the gateway itself.

The browser is cut off from every host but the gateway: any request elsewhere is refused and
recorded, so a page that needs the internet stays blank and the test says what it asked for.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Page, Route, expect

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

NewUser = Callable[..., Awaitable[Any]]
Shoot = Callable[[Page, str], Awaitable[Any]]


async def offline(page: Page, base_url: str) -> list[str]:
    """Refuses every request that is not for the gateway; returns the list of those refused."""
    gateway = urlsplit(base_url).netloc
    refused: list[str] = []

    async def only_the_gateway(route: Route) -> None:
        if urlsplit(route.request.url).netloc == gateway:
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort("internetdisconnected")

    await page.route("**/*", only_the_gateway)
    return refused


async def test_swagger_ui_and_redoc_need_no_internet(
    new_user: NewUser, base_url: str, screenshot: Shoot
) -> None:
    user = await new_user("Gil")
    page = user.page
    refused = await offline(page, base_url)

    await page.goto("/docs")
    await expect(page.locator(".swagger-ui .info .title")).to_contain_text("StreamPay gateway")
    paths = page.locator(".opblock .opblock-summary-path")
    await expect(paths.filter(has_text=re.compile(r"^/pay$"))).to_be_visible()
    await screenshot(page, "docs-swagger-offline")

    await page.goto("/redoc")
    await expect(page.get_by_role("heading", name=re.compile("StreamPay gateway"))).to_be_visible()
    await expect(page.locator("[data-section-id^='operation/']").first).to_be_attached()
    await screenshot(page, "docs-redoc-offline")

    assert refused == []
    assert user.errors == []
