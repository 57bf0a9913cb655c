"""The StreamPay web app in a real browser, against the real stack (gateway, streams, broker).

The acceptance scenario of the web app: two people in two browser contexts; A asks B for $7.50;
B's badge rises without a reload and B pays from the request; both balances update live within
2 s; both activity feeds show the payment once; paying more than the balance is stopped before
sending and changes nothing; a reload keeps the session. Screenshots of every page are saved in
artifacts/screenshots/.

The simulation runs alongside (as in the demo), so other money may move meanwhile: balances
are checked through their versions, and badge counts relative to what they were.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from playwright.async_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

# The fixtures of conftest.py (importing it is not how pytest shares code between test files).
User = Any
NewUser = Callable[..., Awaitable[Any]]
Shoot = Callable[[Page, str], Awaitable[Any]]
SignIn = Callable[[Any], Awaitable[None]]
Choose = Callable[[Page, str, Any], Awaitable[None]]

LIVE_WITHIN_MS = 2000


def money(text: str) -> Decimal:
    """'$1,234.50' → Decimal('1234.50')."""
    return Decimal(re.sub(r"[^0-9.\-]", "", text))


def usd(amount: Decimal) -> str:
    return f"${amount:,.2f}"


async def balance(page: Page) -> tuple[Decimal, int]:
    shown = page.get_by_test_id("balance")
    return money(await shown.inner_text()), int(await shown.get_attribute("data-version") or -1)


async def badge_count(page: Page) -> int:
    badge = page.get_by_test_id("requests-badge")
    return int(await badge.inner_text()) if await badge.count() else 0


async def wait_for_version(page: Page, above: int, timeout_ms: float) -> None:
    await page.wait_for_function(
        "v => Number(document.querySelector('[data-testid=balance]')?.dataset.version) > v",
        arg=above,
        timeout=max(timeout_ms, 1),
    )


async def go(page: Page, link: str) -> None:
    """Navigate inside the app, as a person does: through the drawer."""
    await page.get_by_role("navigation", name="Main").get_by_role("link", name=link).click()


async def streams_budget(user: User) -> None:
    """At most two live streams at once: counted by the app, and seen on the network."""
    await user.streams.sample(user.page)
    most_in_app = await user.page.evaluate("streampay.mostStreams()")
    assert most_in_app <= 2, f"{user.name}: the app had {most_in_app} streams open at once"
    assert user.streams.most <= 2, "\n".join(user.streams.log)


async def test_two_people_request_and_pay_live(
    new_user: NewUser, sign_in: SignIn, choose_person: Choose, screenshot: Shoot
) -> None:
    a = await new_user("Ada")
    b = await new_user("Ben")

    await a.page.goto("/")
    await screenshot(a.page, "01-landing")
    await sign_in(a)
    await sign_in(b)

    # --- A asks B for $7.50 ------------------------------------------------------------------
    await b.page.evaluate("window.__notReloaded = true")
    badge_before = await badge_count(b.page)

    await a.page.get_by_test_id("pay-or-request").click()
    await expect(a.page).to_have_url(re.compile(r"/send$"))
    await a.page.locator("label").filter(has_text="Request").click()
    await choose_person(a.page, "Ask", b)
    await a.page.get_by_label("Amount").fill("7.50")
    await a.page.get_by_label("Notes").fill("Lunch on Friday")
    await screenshot(a.page, "02-request-form")
    await a.page.get_by_test_id("submit").click()
    await expect(a.page).to_have_url(re.compile(r"/requests$"))
    sent = a.page.get_by_test_id("request-sent").filter(has_text=b.name).filter(has_text="$7.50")
    await expect(sent).to_have_count(1)
    await expect(sent.get_by_test_id("request-status")).to_have_text("Pending")

    # B's badge rises live: no reload, no navigation.
    await b.page.wait_for_function(
        "n => Number(document.querySelector('[data-testid=requests-badge]')?.textContent) > n",
        arg=badge_before,
        timeout=5000,
    )
    assert await b.page.evaluate("window.__notReloaded") is True

    # --- B pays it from the request -------------------------------------------------------------
    await go(b.page, "Requests")
    request = (
        b.page.get_by_test_id("request-to-me").filter(has_text=a.name).filter(has_text="$7.50")
    )
    await expect(request).to_have_count(1)
    await expect(request).to_contain_text("Lunch on Friday")
    await screenshot(b.page, "03-requests-to-me")
    await request.get_by_test_id("pay-request").click()
    await expect(b.page).to_have_url(re.compile(r"/send\?request="))
    await expect(b.page.get_by_label("Amount")).to_have_value("7.50")
    await expect(b.page.get_by_role("combobox", name="Pay to")).to_have_value(a.name)
    await screenshot(b.page, "04-pay-request-form")

    await go(a.page, "Activity")  # A watches the feed while B pays
    await expect(a.page.get_by_test_id("feed")).to_be_visible()
    a_before, a_version = await balance(a.page)
    b_before, b_version = await balance(b.page)

    started = time.monotonic()
    async with b.page.expect_response(lambda r: r.url.endswith("/pay")) as paid:
        await b.page.get_by_test_id("submit").click()
    reply = await (await paid.value).json()
    assert (await paid.value).status == 200, reply

    # --- both balances update live within 2 s ---------------------------------------------------
    elapsed_ms = lambda: (time.monotonic() - started) * 1000  # noqa: E731
    await wait_for_version(b.page, b_version, LIVE_WITHIN_MS - elapsed_ms())
    await wait_for_version(a.page, a_version, LIVE_WITHIN_MS - elapsed_ms())
    assert elapsed_ms() <= LIVE_WITHIN_MS
    b_after, b_new_version = await balance(b.page)
    a_after, a_new_version = await balance(a.page)
    if b_new_version == b_version + 1:
        assert b_after == b_before - Decimal("7.50")
        assert b_after == Decimal(str(reply["balance"]))
    if a_new_version == a_version + 1:  # no top-up from the simulation in between
        assert a_after == a_before + Decimal("7.50")

    # --- both feeds show the payment once -------------------------------------------------------
    received = a.page.get_by_test_id("activity").filter(has_text=f"{b.name} paid you $7.50")
    await expect(received).to_have_count(1, timeout=5000)
    await expect(received).to_have_class(re.compile("activity-in"))
    await expect(b.page).to_have_url(re.compile(r"/requests$"))
    await expect(b.page.get_by_test_id("request-to-me").filter(has_text=a.name)).to_have_count(0)
    await go(b.page, "Activity")
    await b.page.get_by_test_id("filter-me").click()
    paid_row = b.page.get_by_test_id("activity").filter(has_text=f"You paid {a.name} $7.50")
    await expect(paid_row).to_have_count(1, timeout=5000)
    await expect(paid_row).to_have_class(re.compile("activity-out"))
    await expect(paid_row.locator(".activity-amount")).to_contain_text("\u2212$7.50")
    await b.page.wait_for_timeout(1000)  # a second leg arriving late must not add a row
    await expect(paid_row).to_have_count(1)
    await expect(received).to_have_count(1)
    await screenshot(a.page, "05-feed-payee")
    await screenshot(b.page, "06-feed-payer")

    # A's sent request is now paid.
    await go(a.page, "Requests")
    await expect(sent.get_by_test_id("request-status")).to_have_text("Paid", timeout=5000)
    await expect(sent.get_by_role("button", name=re.compile("Cancel"))).to_have_count(0)

    # --- paying more than the balance: stopped before sending, and nothing changes -------------
    b_now, _ = await balance(b.page)
    too_much = b_now + Decimal("1000.00")
    await b.page.get_by_test_id("pay-or-request").click()
    await choose_person(b.page, "Pay to", a)
    await b.page.get_by_label("Amount").fill(f"{too_much:.2f}")
    await expect(b.page.get_by_test_id("amount-hint")).to_contain_text("more than your balance")
    pay_calls: list[str] = []
    b.page.on("request", lambda r: pay_calls.append(r.url) if r.url.endswith("/pay") else None)
    await b.page.get_by_test_id("submit").click()
    await expect(b.page.get_by_label("Amount")).to_be_focused()
    await expect(b.page.get_by_label("Amount")).to_have_attribute("aria-invalid", "true")
    await expect(b.page.get_by_test_id("form-error")).to_have_count(0)
    assert pay_calls == []  # stopped before sending
    await screenshot(b.page, "07-overspend-refused")
    await go(b.page, "Activity")
    await expect(
        b.page.get_by_test_id("activity").filter(has_text=f"You paid {a.name} {usd(too_much)}")
    ).to_have_count(0)

    # --- a reload keeps the session --------------------------------------------------------------
    await go(b.page, "Requests")
    await b.page.reload()
    await expect(b.page).to_have_url(re.compile(r"/requests$"))
    await expect(b.page.get_by_test_id("greeting")).to_have_text("Hi, Ben")
    await expect(b.page.get_by_test_id("balance")).to_have_text(re.compile(r"^\$[\d,]+\.\d\d$"))

    # --- the statement: balance chart, money in and out per day, global totals ------------------
    await go(b.page, "Statement")
    await expect(b.page.get_by_test_id("balance-chart").locator("canvas")).to_be_visible()
    first_row = b.page.get_by_test_id("period-table").locator("tbody tr").first
    await expect(first_row).to_contain_text("+$")
    await expect(b.page.get_by_test_id("stat-total")).to_have_text(re.compile(r"^[\d,]+$"))
    await expect(b.page.get_by_test_id("stat-average")).to_have_text(
        re.compile(r"^\$[\d,]+\.\d\d$")
    )
    await screenshot(b.page, "08-statement")

    for user in (a, b):
        await streams_budget(user)
        assert user.errors == [], user.errors


async def test_each_page_keeps_at_most_two_streams_and_closes_its_own(
    new_user: NewUser, sign_in: SignIn
) -> None:
    user = await new_user("Cy")
    await sign_in(user)
    for link, page_views in [
        ("Requests", ["current-balance,payment-requests", "sent-requests"]),
        (
            "Statement",
            [
                "average-transactions,balance-histories,statements,total-transactions",
                "current-balance,payment-requests",
            ],
        ),
        ("Activity", ["activities,my-activities", "current-balance,payment-requests"]),
    ]:
        await go(user.page, link)
        assert await user.streams.sample(user.page) == page_views, link
    await user.page.get_by_test_id("pay-or-request").click()
    await expect(user.page.get_by_label("Amount")).to_be_visible()
    assert await user.streams.sample(user.page) == ["current-balance,payment-requests"]
    await streams_budget(user)

    await user.page.get_by_test_id("sign-out").click()
    await expect(user.page.get_by_role("button", name="Sign in")).to_be_visible()
    assert await user.streams.sample(user.page) == []
    assert await user.page.evaluate("streampay.openStreams()") == []


async def test_pages_for_visitors_and_unknown_paths(new_user: NewUser, screenshot: Shoot) -> None:
    user = await new_user("Di")
    await user.page.goto("/statement")
    await expect(user.page).to_have_url(re.compile(r"/\?next=/statement$"))
    await user.page.goto("/no/such/page")
    await expect(user.page.get_by_role("heading", name="Page not found")).to_be_visible()
    await expect(user.page).to_have_title("Page not found · StreamPay")
    await screenshot(user.page, "09-not-found")

    # The sign-in form checks the username as the identity provider does.
    await user.page.goto("/")
    await user.page.get_by_label("Name", exact=True).fill("Di")
    await user.page.get_by_label("Username").fill("Di Test!")
    await user.page.get_by_role("button", name="Sign in").click()
    await expect(user.page.get_by_test_id("sign-in-error")).to_have_text(
        "Usernames are 1\u201332 lowercase letters, digits, underscores (_), dots (.)"
        " or hyphens (-)."
    )


async def test_phone_width_and_keyboard(new_user: NewUser, screenshot: Shoot) -> None:
    user = await new_user("Eve", phone=True)
    page = user.page
    # Sign in with the keyboard alone.
    await page.goto("/")
    await page.get_by_label("Name", exact=True).focus()
    await page.keyboard.type(user.name)
    await page.keyboard.press("Tab")
    await page.keyboard.press("Control+A")
    await page.keyboard.type(user.username)
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"/feed$"))

    drawer = page.get_by_role("navigation", name="Main")
    await expect(drawer).to_be_hidden()
    menu = page.get_by_role("button", name="Menu")
    await expect(menu).to_have_attribute("aria-expanded", "false")
    await screenshot(page, "10-phone-feed")
    await menu.click()
    await expect(drawer).to_be_visible()
    await expect(menu).to_have_attribute("aria-expanded", "true")
    await expect(page.get_by_test_id("greeting")).to_have_text("Hi, Eve")
    await screenshot(page, "11-phone-menu")
    await page.keyboard.press("Escape")
    await expect(drawer).to_be_hidden()

    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    await menu.click()
    await drawer.get_by_role("link", name="Pay or request").click()
    await expect(drawer).to_be_hidden()
    await expect(page.get_by_label("Amount")).to_be_visible()
    await page.get_by_label("Amount").fill("0")
    await page.get_by_test_id("submit").click()
    await expect(page.get_by_test_id("amount-hint")).to_have_text(
        "Amount must be greater than zero."
    )
    await screenshot(page, "12-phone-form-invalid")
    assert user.errors == []
