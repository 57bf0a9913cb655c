"""The gallery: every page of the web app at phone and desktop width, as a person sees it.

Two people do some business (a private and a public payment, requests both ways, one declined),
then every page is opened at 360 by 740 (the narrowest common phone) and at 1280 by 860, checked
for sideways overflow, and photographed into ``docs/gallery/``, which the README links to. The
gallery's index names every picture this test takes.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from playwright.async_api import Page, expect

from streampay_infra.stack import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

NewUser = Callable[..., Awaitable[Any]]
SignIn = Callable[[Any], Awaitable[None]]
Choose = Callable[[Page, str, Any], Awaitable[None]]
Send = Callable[..., Awaitable[None]]

GALLERY = ROOT / "docs" / "gallery"
WIDTHS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 860}}
PAGES = {
    "landing": "/",
    "feed": "/feed",
    "requests": "/requests",
    "pay": "/send",
    "request-money": "/send?mode=request",
    "pay-a-request": "/send?request={request_id}",
    "statement": "/statement",
    "not-found": "/no/such/page",
}

OVERFLOW = """() => {
    const wide = (el) => el.scrollWidth - el.clientWidth
    const found = {}
    if (wide(document.documentElement) > 0) found.page = wide(document.documentElement)
    for (const el of document.querySelectorAll('main *')) {
        const clips = getComputedStyle(el).overflowX !== 'visible' && el.clientWidth > 1
        if (clips && wide(el) > 0) found[el.tagName.toLowerCase() + '.' + el.className] = wide(el)
    }
    return found
}"""


async def shown(page: Page, name: str) -> None:
    """The page with its live data in (its stream's initial state received)."""
    await expect(page.locator("main h1").first).to_be_visible()
    if name in ("feed", "statement", "requests"):
        await expect(page.locator("main .live-dot").last).to_have_class(re.compile("live-live"))
    if name == "feed":
        await expect(page.get_by_test_id("activity").first).to_be_visible()
    if name == "statement":
        await expect(page.get_by_test_id("balance-chart").locator("canvas")).to_be_visible()
    await page.wait_for_timeout(300)  # let the chart's entry animation end before the picture


async def test_every_page_fits_a_phone_and_is_in_the_gallery(
    new_user: NewUser, sign_in: SignIn, send: Send, choose_person: Choose
) -> None:
    GALLERY.mkdir(parents=True, exist_ok=True)
    users = {kind: await new_user("Maya", viewport=size) for kind, size in WIDTHS.items()}
    friend = await new_user("Jonas")
    await sign_in(friend)
    for user in users.values():
        await sign_in(user)
        await send(user, "pay", friend, "18.40", "Pizza on Friday")
        await send(user, "request", friend, "32.00", "Concert tickets")
        await send(friend, "request", user, "7.25", "Coffee beans")
    phone = users["phone"]
    # A public payment, and a declined request, so the feed shows every kind of row.
    page = friend.page
    await page.goto("/send")
    await choose_person(page, "Pay to", phone)
    await page.get_by_label("Amount").fill("5.00")
    await page.get_by_label("Notes").fill("Thanks for the lift")
    await page.get_by_test_id("visibility").locator("label", has_text="Public").click()
    await page.get_by_test_id("submit").click()
    await expect(page).to_have_url(re.compile("/feed$"))
    await page.goto("/requests")
    asked = page.get_by_test_id("request-to-me").filter(has_text="$32.00")
    await asked.first.get_by_test_id("decline-request").click()

    wide: dict[str, dict[str, int]] = {}
    taken = []
    for kind, user in users.items():
        await user.page.goto("/requests")
        waiting = user.page.get_by_test_id("request-to-me").first.get_by_test_id("pay-request")
        href = await waiting.get_attribute("href")
        request_id = re.sub(r".*request=", "", href or "")
        for name, path in PAGES.items():
            if name == "landing":
                visitor = await new_user("Visitor", viewport=WIDTHS[kind])
                target = visitor.page
            else:
                target = user.page
            await target.goto(path.format(request_id=request_id))
            await shown(target, name)
            if kind == "phone":
                wide[name] = await target.evaluate(OVERFLOW)
            picture = GALLERY / f"{name}-{kind}.png"
            await target.screenshot(path=str(picture), animations="disabled")
            taken.append(picture.name)
    assert {name: boxes for name, boxes in wide.items() if boxes} == {}
    index = (GALLERY / "README.md").read_text(encoding="utf-8")
    assert [name for name in taken if f"({name})" not in index] == []
    for user in (*users.values(), friend):
        assert user.errors == []
