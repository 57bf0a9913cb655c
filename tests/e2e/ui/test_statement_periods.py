"""The statement by period: the last 24 hours by hour, or the last 30 days by day.

The chart and the table follow the chosen period; the table gives money in, money out and net
per period, and the totals of the period.
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
Shoot = Callable[[Page, str], Awaitable[Any]]

DAY = re.compile(r"^[A-Z][a-z]{2}, [A-Z][a-z]{2} \d{1,2}$")  # Mon, Dec 7
HOUR = re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{1,2} [AP]M$")  # Dec 7, 3 AM
CHART_DAY = re.compile(r"^[A-Z][a-z]{2} \d{1,2}$")  # Dec 7
CHART_HOUR = re.compile(r"^\d{1,2} [AP]M$")  # 3 AM
# The starting grant and $5.00 in, $12.34 out.
TOTALS = re.compile(r"^Total\s*\+\$105\.00\s*\u2212\$12\.34\s*\$92\.66$")


async def shows_period(
    page: Page, period: str, row: re.Pattern[str], chart: re.Pattern[str]
) -> None:
    """The chosen period is pressed, the table's windows and the chart's labels are its own."""
    await expect(page.get_by_test_id(f"period-{period}")).to_have_attribute("aria-pressed", "true")
    await expect(page.get_by_test_id("period-total")).to_have_text(TOTALS)
    labels = await page.get_by_test_id("period-row").locator("th").all_inner_texts()
    assert labels, "no rows"
    assert all(row.match(label) for label in labels), labels
    drawn = [label["text"] for label in await page.evaluate("streampay.chartLabels()")]
    assert len(drawn) >= 2, drawn
    assert all(chart.match(label) for label in drawn), drawn


async def test_statement_by_hour_and_by_day(
    new_user: NewUser, sign_in: SignIn, send: Send, screenshot: Shoot
) -> None:
    hana = await new_user("Hana")
    ivo = await new_user("Ivo")
    await sign_in(hana)
    await sign_in(ivo)
    await send(hana, "pay", ivo, "12.34")
    await send(ivo, "pay", hana, "5.00")

    page = hana.page
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Statement").click()
    await expect(page.get_by_test_id("balance-chart").locator("canvas")).to_be_visible()
    await shows_period(page, "day", DAY, CHART_DAY)
    await screenshot(page, "statement-30-days")

    await page.get_by_role("button", name="Last 24 hours").click()
    await expect(page).to_have_url(re.compile(r"/statement\?period=hour$"))
    await shows_period(page, "hour", HOUR, CHART_HOUR)
    await expect(page.get_by_test_id("period-day")).to_have_attribute("aria-pressed", "false")
    await screenshot(page, "statement-24-hours")

    await page.reload()  # the address keeps the period
    await expect(page.get_by_test_id("balance-chart").locator("canvas")).to_be_visible()
    await shows_period(page, "hour", HOUR, CHART_HOUR)
    assert hana.errors == []
