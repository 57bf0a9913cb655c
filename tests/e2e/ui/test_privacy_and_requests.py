"""Private payments, requests on any device, and the small things, in a real browser.

- A payment is private unless its payer makes it public on the pay form: a third person's feed
  never shows a private one (not its amount, notes or even its parties), while both parties see
  it with everything, marked Private; a public one reaches everyone with its amount and notes.
- "Sent by you" comes from the server: a request made on one device is seen, followed and
  cancelled on another, and the payer's list loses it live.
- A chosen sign-out leaves no way back into the last page for the next person; the row of a
  declined request shows the face of who declined it; the username hint's `_ . -` are readable.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from playwright.async_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

User = Any
NewUser = Callable[..., Awaitable[Any]]
SignIn = Callable[[Any], Awaitable[None]]
Choose = Callable[[Page, str, Any], Awaitable[None]]
Send = Callable[..., Awaitable[None]]

LIVE_MS = 10_000


def rows(page: Page, text: str | re.Pattern[str]) -> Any:
    return page.get_by_test_id("activity").filter(has_text=text)


async def pay(
    user: User, choose_person: Choose, who: User, amount: str, notes: str, visibility: str
) -> None:
    page = user.page
    await page.goto("/send")
    await choose_person(page, "Pay to", who)
    await page.get_by_label("Amount").fill(amount)
    await page.get_by_label("Notes").fill(notes)
    choice = page.get_by_test_id("visibility")
    await expect(choice.get_by_role("radio", name="Private")).to_be_checked()
    await expect(page.get_by_test_id("visibility-hint")).to_contain_text(f"Only you and {who.name}")
    await choice.locator("label", has_text=visibility.capitalize()).click()
    await expect(choice.get_by_role("radio", name=visibility.capitalize())).to_be_checked()
    await page.get_by_test_id("submit").click()
    await expect(page).to_have_url(re.compile("/feed$"))


async def test_a_private_payment_is_seen_by_its_two_parties_only(
    new_user: NewUser, sign_in: SignIn, choose_person: Choose
) -> None:
    alice, bob, carol = await new_user("Alice"), await new_user("Bob"), await new_user("Carol")
    for user in (alice, bob, carol):
        await sign_in(user)
    await carol.page.goto("/feed")
    await expect(carol.page.locator("main .live-dot").first).to_have_class(re.compile("live-live"))

    await pay(alice, choose_person, bob, "13.57", "our secret dinner", "private")
    await pay(alice, choose_person, bob, "2.46", "everyone may know", "public")

    # Carol, watching the whole feed, gets the public payment live, and nothing of the other.
    public = rows(carol.page, f"{alice.name} paid {bob.name} $2.46")
    await expect(public).to_have_count(1, timeout=LIVE_MS)
    await expect(public).to_contain_text("everyone may know")
    await expect(public.get_by_test_id("visibility")).to_have_text("Public")
    await carol.page.reload()
    await expect(rows(carol.page, "$2.46")).to_have_count(1, timeout=LIVE_MS)
    feed = carol.page.get_by_test_id("feed")
    await expect(feed).not_to_contain_text("13.57")
    await expect(feed).not_to_contain_text("our secret dinner")

    # Both parties see the private one, with its amount and notes, marked Private.
    for user, text in (
        (alice, f"You paid {bob.name} $13.57"),
        (bob, f"{alice.name} paid you $13.57"),
    ):
        await user.page.goto("/feed")
        row = rows(user.page, text)
        await expect(row).to_have_count(1, timeout=LIVE_MS)
        await expect(row).to_contain_text("our secret dinner")
        await expect(row.get_by_test_id("visibility")).to_have_text("Private")
    for user in (alice, bob, carol):
        assert user.errors == []


async def test_requests_i_sent_are_followed_and_cancelled_from_another_device(
    new_user: NewUser, sign_in: SignIn, send: Send, browser: Any, base_url: str
) -> None:
    alice, bob = await new_user("Alice"), await new_user("Bob")
    await sign_in(alice)
    await sign_in(bob)
    await send(alice, "request", bob, "21.09", "bike repair")
    await send(alice, "request", bob, "4.20", "coffee")

    # Alice's other device: a browser with nothing stored, the same person signing in.
    other = await browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 860})
    try:
        page = await other.new_page()
        await page.goto("/")
        await page.get_by_label("Name", exact=True).fill(alice.name)
        await page.get_by_label("Username").fill(alice.username)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page).to_have_url(re.compile(r"/feed$"))
        await page.goto("/requests")
        sent = page.get_by_test_id("request-sent")
        repair = sent.filter(has_text="$21.09")
        await expect(repair).to_contain_text(f"You asked {bob.name} for $21.09")
        await expect(repair.get_by_test_id("request-status")).to_have_text("Pending")
        await expect(sent.filter(has_text="$4.20")).to_have_count(1)

        # Bob pays the coffee: the other device follows it live.
        await bob.page.goto("/requests")
        await (
            bob.page.get_by_test_id("request-to-me")
            .filter(has_text="$4.20")
            .get_by_test_id("pay-request")
            .click()
        )
        await bob.page.get_by_test_id("submit").click()
        await expect(bob.page).to_have_url(re.compile("/requests$"))
        coffee = sent.filter(has_text="$4.20").get_by_test_id("request-status")
        await expect(coffee).to_have_text("Paid", timeout=LIVE_MS)

        # Cancelled there: Bob's list loses it live, and Alice's first device shows it cancelled.
        await repair.get_by_test_id("cancel-request").click()
        await expect(repair.get_by_test_id("request-status")).to_have_text("Cancelled")
        await expect(
            bob.page.get_by_test_id("request-to-me").filter(has_text="$21.09")
        ).to_have_count(0, timeout=LIVE_MS)
        await alice.page.goto("/requests")
        first = alice.page.get_by_test_id("request-sent").filter(has_text="$21.09")
        await expect(first.get_by_test_id("request-status")).to_have_text("Cancelled")
        await expect(first.get_by_test_id("cancel-request")).to_have_count(0)
    finally:
        await other.close()
    assert alice.errors == [] and bob.errors == []


async def test_sign_out_leaves_no_way_back_for_the_next_person(
    new_user: NewUser, sign_in: SignIn
) -> None:
    alice, bob = await new_user("Alice"), await new_user("Bob")
    await sign_in(alice)
    page = alice.page
    await page.goto("/statement")
    await expect(page.locator("main h1")).to_be_visible()
    await page.get_by_test_id("sign-out").click()
    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert "next=" not in page.url, page.url
    # The next person at this browser signs in and starts on their own feed.
    await page.get_by_label("Name", exact=True).fill(bob.name)
    await page.get_by_label("Username").fill(bob.username)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/feed$"))


async def test_a_declined_request_shows_who_declined_it(
    new_user: NewUser, sign_in: SignIn, send: Send
) -> None:
    alice, bob = await new_user("Alice"), await new_user("Bob")
    await sign_in(alice)
    await sign_in(bob)
    await send(alice, "request", bob, "6.66", "a favour")
    await bob.page.goto("/requests")
    await (
        bob.page.get_by_test_id("request-to-me")
        .filter(has_text="$6.66")
        .get_by_test_id("decline-request")
        .click()
    )
    await expect(bob.page.get_by_test_id("request-to-me").filter(has_text="$6.66")).to_have_count(0)
    for user, text in ((alice, f"{bob.name} declined your request"), (bob, "You declined")):
        await user.page.goto("/feed")
        row = rows(user.page, re.compile(re.escape(text)))  # case matters: not "you Declined"
        await expect(row).to_have_count(1, timeout=LIVE_MS)
        await expect(row.locator(".avatar")).to_have_text("BT")  # Bob Test's initials


async def test_the_username_hint_names_and_shows_its_symbols_large(new_user: NewUser) -> None:
    user = await new_user("Hint")
    page = user.page
    await page.goto("/")
    hint = page.locator("#sign-in-username-hint")
    await expect(hint).to_contain_text("underscore")
    await expect(hint).to_contain_text("dot")
    await expect(hint).to_contain_text("hyphen")
    symbols = hint.locator("code")
    await expect(symbols).to_have_text(["_", ".", "-"])
    for n in range(3):
        size = await symbols.nth(n).evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
        box = await symbols.nth(n).bounding_box()
        assert size >= 14 and box is not None and box.get("width", 0) >= 14, (size, box)
