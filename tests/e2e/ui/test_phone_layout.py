"""Every page fits a phone: nothing scrolls sideways at 360 px or wider.

Each page is opened at the narrowest common phone width (360 by 740) and at 390 by 844, and the
document's scroll width is compared with its client width. On the statement, the balance
chart's time labels are measured as drawn: no two may overlap.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from playwright.async_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

NewUser = Callable[..., Awaitable[Any]]
SignIn = Callable[[Any], Awaitable[None]]
Shoot = Callable[[Page, str], Awaitable[Any]]
Send = Callable[..., Awaitable[None]]

PHONES = [{"width": 360, "height": 740}, {"width": 390, "height": 844}]
LONG_NOTE = "Concert tickets, the train there and back, and dinner after the show"
SIGNED_IN_PAGES = ["/feed", "/requests", "/send", "/send?mode=request", "/statement", "/no/such"]


# The page's own sideways overflow, and that of any box inside it that scrolls or clips
# sideways (a table cut off in its panel is as unreadable as a page wider than the screen):
# each as `{what: pixels}`.
OVERFLOW = """() => {
    const wide = (el) => el.scrollWidth - el.clientWidth
    const name = (el) => el.tagName.toLowerCase() + [...el.classList].map((c) => '.' + c).join('')
    const found = {}
    if (wide(document.documentElement) > 0) found.page = wide(document.documentElement)
    for (const el of document.querySelectorAll('main *')) {
        // A 1 px box clips text that only screen readers read (visually-hidden).
        const clips = getComputedStyle(el).overflowX !== 'visible' && el.clientWidth > 1
        if (clips && wide(el) > 0) found[name(el)] = wide(el)
    }
    return found
}"""


async def overflow(page: Page) -> dict[str, int]:
    """What is wider than its room, and by how many pixels (empty when everything fits)."""
    found: dict[str, int] = await page.evaluate(OVERFLOW)
    return found


async def settled(page: Page, path: str) -> None:
    """The page shown with its live data (its stream's initial state received), if it has any."""
    await expect(page.locator("main h1").first).to_be_visible()
    if path in ("/feed", "/statement"):
        await expect(page.locator("main .live-dot").first).to_have_class(re.compile("live-live"))
    if path == "/statement":
        await expect(page.get_by_test_id("balance-chart").locator("canvas")).to_be_visible()


@pytest.mark.parametrize("viewport", PHONES, ids=lambda v: f"{v['width']}x{v['height']}")
async def test_no_page_scrolls_sideways_on_a_phone(
    new_user: NewUser,
    sign_in: SignIn,
    send: Send,
    screenshot: Shoot,
    viewport: dict[str, int],
) -> None:
    user = await new_user("Florentina", viewport=viewport)
    page = user.page
    width = viewport["width"]
    await page.goto("/")
    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    wide = {"/": await overflow(page)}
    await sign_in(user)
    # Rows on every page: a payment and requests both ways, with long names and notes.
    other = await new_user("Bartholomew")
    await sign_in(other)
    await send(user, "pay", other, "12.34", LONG_NOTE)
    await send(user, "request", other, "1234.56", LONG_NOTE)
    await send(other, "request", user, "7.50", LONG_NOTE)
    for path in SIGNED_IN_PAGES:
        await page.goto(path)
        await settled(page, path)
        wide[path] = await overflow(page)
        name = re.sub(r"\W+", "-", path.strip("/")) or "feed"
        await screenshot(page, f"phone-{width}-{name}")
    assert {path: boxes for path, boxes in wide.items() if boxes} == {}

    await page.goto("/statement")
    await settled(page, "/statement")
    canvas = await page.get_by_test_id("balance-chart").locator("canvas").bounding_box()
    assert canvas is not None
    labels = await page.evaluate("streampay.chartLabels()")
    assert len(labels) >= 2, labels
    texts = [label["text"] for label in labels]
    assert len(set(texts)) == len(texts), f"repeated chart labels: {texts}"
    assert {label["rotation"] for label in labels} == {0}, f"slanted chart labels: {labels}"
    ordered = sorted(labels, key=lambda box: box["left"])
    assert ordered[0]["left"] >= 0, f"a chart label is cut off on the left: {ordered[0]}"
    assert ordered[-1]["right"] <= canvas["width"], f"cut off on the right: {ordered[-1]}"
    for before, after in itertools.pairwise(ordered):
        assert before["right"] <= after["left"], f"chart labels overlap: {before} {after}"
    assert user.errors == []
