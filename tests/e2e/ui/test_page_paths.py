"""Page paths and API paths.

A person who types an API path the app also shows as a page (`/activities`, `/request`, ...)
into the address bar gets the app, on that page, instead of the API's JSON; API clients, which
do not ask for HTML, keep their answers.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from playwright.async_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

NewUser = Callable[..., Awaitable[Any]]
SignIn = Callable[[Any], Awaitable[None]]

# Typed path → the page's address and heading.
TYPED = [
    ("/activities", r"/feed$", "Activity"),
    ("/request", r"/send\?mode=request$", "Request money"),
    ("/pay", r"/send$", "Pay"),
    ("/payment-requests", r"/requests$", "Requests"),
    ("/statements", r"/statement$", "Statement"),
]


async def test_typed_api_paths_open_their_pages(new_user: NewUser, sign_in: SignIn) -> None:
    user = await new_user("Hal")
    page = user.page
    await page.goto("/activities")  # signed out: sign in first, then the page
    await expect(page).to_have_url(re.compile(r"/\?next=/feed$"))
    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()

    await sign_in(user)
    for typed, address, heading in TYPED:
        answer = await page.goto(typed)
        assert answer is not None
        assert answer.headers["content-type"].startswith("text/html"), typed
        await expect(page).to_have_url(re.compile(address))
        await expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert user.errors == []


async def test_api_clients_keep_their_answers(new_user: NewUser) -> None:
    user = await new_user("Ivy")
    api = user.context.request
    activities = await api.get("/activities")  # a live view: it needs a token
    assert activities.status == 401
    assert activities.headers["content-type"].startswith("application/problem+json")
    request = await api.get("/request", headers={"Accept": "application/json"})
    assert request.status in (404, 405)  # there is no GET /request in the API
    assert request.headers["content-type"].startswith("application/problem+json")
    # An API path the app has no page for stays the API's, even for a browser.
    token = await api.get("/auth/token", headers={"Accept": "text/html"})
    assert token.headers["content-type"].startswith("application/problem+json")
