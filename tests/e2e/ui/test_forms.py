"""Forms that know what happened.

An open "Pay this request" form hears when the request is closed elsewhere; a payment of more
than the balance is stopped before it is sent; `/send?to=<unknown>` says the person was not
found; after a reload the form shows how its last command ended; no message shows an internal
id.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from playwright.async_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

NewUser = Callable[..., Awaitable[Any]]
SignIn = Callable[[Any], Awaitable[None]]
Send = Callable[..., Awaitable[None]]
Choose = Callable[[Page, str, Any], Awaitable[None]]
Shoot = Callable[[Page, str], Awaitable[Any]]

# User ids (`local|ana-1a2b3c`) and UUIDs (request and command ids).
INTERNAL_ID = re.compile(r"\w+\|[\w.-]+|[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}")


async def messages(page: Page) -> str:
    """Every message the form shows: alerts, statuses and hints."""
    shown = page.locator("main [role=alert], main [role=status], main .hint")
    return "\n".join(await shown.all_inner_texts())


def pay_requests(page: Page) -> list[str]:
    """The URLs of the payments the page sends from now on."""
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.url.endswith("/pay") else None)
    return sent


async def test_pay_request_form_hears_the_request_was_cancelled(
    new_user: NewUser, sign_in: SignIn, send: Send, screenshot: Shoot
) -> None:
    ana = await new_user("Ana")
    ben = await new_user("Ben")
    await sign_in(ana)
    await sign_in(ben)
    await send(ana, "request", ben, "3.00", "Bus fare")

    await ben.page.get_by_test_id("nav-requests").click()
    await (
        ben.page.get_by_test_id("request-to-me")
        .filter(has_text=ana.name)
        .get_by_test_id("pay-request")
        .click()
    )
    await expect(ben.page).to_have_url(re.compile(r"/send\?request="))
    submit = ben.page.get_by_test_id("submit")
    await expect(submit).to_be_enabled()
    await expect(ben.page.get_by_test_id("request-closed")).to_have_count(0)

    await (
        ana.page.get_by_test_id("request-sent")
        .filter(has_text=ben.name)
        .get_by_role("button", name=re.compile("Cancel"))
        .click()
    )

    closed = ben.page.get_by_test_id("request-closed")
    await expect(closed).to_have_text(f"{ana.name} cancelled this request.")
    await expect(submit).to_be_disabled()
    shown = await messages(ben.page)
    assert not INTERNAL_ID.search(shown), shown
    await screenshot(ben.page, "form-request-cancelled")
    assert ben.errors == []


async def test_more_than_the_balance_is_not_sent_and_unknown_people_are_not_found(
    new_user: NewUser, sign_in: SignIn, choose_person: Choose, screenshot: Shoot
) -> None:
    cleo = await new_user("Cleo")
    dan = await new_user("Dan")
    await sign_in(dan)
    await sign_in(cleo)
    page = cleo.page
    sent = pay_requests(page)

    await page.goto("/send")
    await choose_person(page, "Pay to", dan)
    await page.get_by_label("Amount").fill("100.01")  # the starting balance is $100.00
    hint = page.get_by_test_id("amount-hint")
    await expect(hint).to_have_text("This is more than your balance ($100.00).")
    await page.get_by_test_id("submit").click()
    await expect(page.get_by_label("Amount")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("Amount")).to_be_focused()
    await expect(hint).to_have_text("This is more than your balance ($100.00).")
    await screenshot(page, "form-more-than-balance")
    assert sent == []

    await page.goto("/send?to=local%7Cnobody-here")
    error = page.get_by_test_id("form-error")
    await expect(error).to_have_text(
        "That person was not found on StreamPay. Choose someone below."
    )
    await expect(page.get_by_role("combobox", name="Pay to")).to_have_value("")
    shown = await messages(page)
    assert "nobody" not in shown
    assert not INTERNAL_ID.search(shown), shown
    assert cleo.errors == []


async def test_a_reload_shows_how_the_last_payment_ended(
    new_user: NewUser, sign_in: SignIn, choose_person: Choose, screenshot: Shoot
) -> None:
    eli = await new_user("Eli")
    fay = await new_user("Fay")
    await sign_in(fay)
    await sign_in(eli)
    page = eli.page

    await page.goto("/send")
    await choose_person(page, "Pay to", fay)
    await page.get_by_label("Amount").fill("1.00")
    # Reload as soon as the payment is on its way: its answer may or may not have come back.
    async with page.expect_request(lambda r: r.url.endswith("/pay")):
        await page.get_by_test_id("submit").click()
    await page.reload()
    if not page.url.endswith("/send"):  # the answer came first, and the app moved on
        await page.goto("/send")

    result = page.get_by_test_id("last-result")
    await expect(result).to_contain_text(f"Done: You paid {fay.name} $1.00.")
    shown = await messages(page)
    assert not INTERNAL_ID.search(shown), shown
    # Sent again with its key after the reload, the payment was still made once.
    balance = page.get_by_test_id("balance")
    await expect(balance).to_have_text("$99.00")
    await expect(balance).to_have_attribute("data-version", "2")
    await screenshot(page, "form-last-result")

    await page.reload()  # and again: the result stays until it is dismissed
    await expect(result).to_contain_text(f"You paid {fay.name} $1.00.")
    await result.get_by_role("button", name="OK").click()
    await expect(result).to_have_count(0)
    await page.reload()
    await expect(page.get_by_label("Amount")).to_have_value("")
    await expect(result).to_have_count(0)
    assert eli.errors == []
