"""The System section in a real browser: the topic explorer and a payment's trace.

An operator signs in with "System access" (`read:system`), opens the explorer and watches the
end offset of `commands` grow while someone else pays; then pays, and from the payment's row in
the activity feed opens its trace: the command, its ledger legs, the reply and the payee's
balance record, in the order they were written, each with its time since the command. A user
without the scope sees no System section.
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
Send = Callable[..., Awaitable[None]]
Shoot = Callable[[Page, str], Awaitable[Any]]


async def sign_in_with_system_access(user: User) -> None:
    page = user.page
    await page.goto("/")
    await page.get_by_label("Name", exact=True).fill(user.name)
    await page.get_by_label("Username").fill(user.username)
    await page.get_by_test_id("system-access").check()
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/feed$"))
    await expect(page.get_by_test_id("balance")).to_have_text(
        re.compile(r"^\$[\d,]+\.\d\d$"), timeout=20_000
    )


async def end_offset(page: Page, topic: str) -> int:
    cell = page.locator(f'[data-testid=topic-row][data-topic="{topic}"] [data-testid=end-offset]')
    return int((await cell.inner_text()).strip())


async def test_explorer_and_trace_of_a_payment(
    new_user: NewUser, sign_in: SignIn, send: Send, screenshot: Shoot
) -> None:
    ops = await new_user("Ops")
    ben = await new_user("Ben")
    cy = await new_user("Cy")
    await sign_in_with_system_access(ops)
    await sign_in(ben)
    await sign_in(cy)

    # --- the explorer: commands, and its end offset growing live -------------------------------
    await ops.page.get_by_role("navigation", name="Main").get_by_role("link", name="System").click()
    await expect(ops.page).to_have_url(re.compile(r"/explorer$"))
    commands = ops.page.locator('[data-testid=topic-row][data-topic="commands"]')
    await expect(commands).to_be_visible()
    await expect(commands).to_contain_text("delete")
    await expect(commands).to_contain_text("7 days")
    await expect(commands).to_contain_text("streampay-streams")
    before = await end_offset(ops.page, "commands")
    await send(cy, "pay", ben, "1.10", "While Ops watches")
    await ops.page.wait_for_function(
        """n => Number(document.querySelector(
            '[data-testid=topic-row][data-topic="commands"] [data-testid=end-offset]'
        )?.textContent) > n""",
        arg=before,
        timeout=10_000,
    )
    await expect(ops.page.get_by_test_id("group-row").first).to_be_visible()
    await screenshot(ops.page, "system-01-explorer")

    # a topic's records: the newest first, then live
    await commands.get_by_role("button", name="commands").click()
    records = ops.page.get_by_test_id("records")
    await expect(records.get_by_test_id("record").first).to_be_visible()
    await send(ben, "pay", cy, "0.20", "Live on the explorer")
    await expect(records.get_by_test_id("record").first.get_by_test_id("record-key")).to_have_text(
        ben.user_id
    )
    await expect(records.get_by_test_id("record").first).to_contain_text("Live on the explorer")
    await screenshot(ops.page, "system-02-records")

    # --- Ops pays Ben, then asks how it happened -------------------------------------------------
    await send(ops, "pay", ben, "2.35", "Trace me")
    row = ops.page.get_by_test_id("activity").filter(has_text="Trace me")
    await expect(row).to_have_count(1)
    await row.get_by_test_id("activity-trace").click()
    await expect(ops.page).to_have_url(re.compile(r"/trace/[0-9a-f]{64}$"))

    steps = ops.page.get_by_test_id("trace-step")
    balance = steps.and_(ops.page.locator(f'[data-topic="balances"][data-key="{ben.user_id}"]'))
    await expect(balance).to_have_count(1, timeout=10_000)  # the projector writes it last
    await screenshot(ops.page, "system-03-trace")

    shown = await steps.evaluate_all(
        "els => els.map(e => [e.dataset.topic, e.dataset.key, "
        "e.querySelector('[data-testid=trace-since]').textContent])"
    )
    where = [(topic, key) for topic, key, _ in shown]
    assert where[0] == ("commands", ops.user_id), where
    # the two legs share a millisecond and live on different partitions: either may come first
    legs = sorted(
        [where.index(("transactions", ops.user_id)), where.index(("transactions", ben.user_id))]
    )
    order = [
        where.index(("commands", ops.user_id)),
        *legs,
        where.index(("replies", ops.user_id)),
        where.index(("balances", ben.user_id)),
    ]
    assert order == sorted(order), shown
    assert all(re.fullmatch("[+\u2212]\\d+(\\.\\d\\d)? m?s", since) for _, _, since in shown), shown


async def test_without_read_system_there_is_no_system_section(
    new_user: NewUser, sign_in: SignIn
) -> None:
    ada = await new_user("Ada")
    await sign_in(ada)
    nav = ada.page.get_by_role("navigation", name="Main")
    await expect(nav.get_by_role("link", name="Statement")).to_be_visible()
    await expect(nav.get_by_role("link", name="System")).to_have_count(0)
    await ada.page.goto("/explorer")
    await expect(ada.page.get_by_test_id("system-forbidden")).to_be_visible()
    await expect(ada.page.get_by_test_id("topics")).to_have_count(0)
