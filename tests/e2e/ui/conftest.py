"""Browser tests: the built web app, served by the real gateway, driven in Chromium.

Playwright drives the machine's own Chromium (`infra/install_chromium.sh` installs Debian's
package; `CHROMIUM=/path` points elsewhere): this project never runs `playwright install`.
The UI is built before the gateway serves it; the gateway takes its file list and the app's page
paths at start-up, so the session's gateway (started earlier by other end-to-end tests, maybe
with an older build) is restarted once to serve exactly this one.
"""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from uuid import uuid4

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Request, async_playwright, expect

from streampay_infra import frontend
from streampay_infra.stack import ROOT, Stack

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
GRANT_TIMEOUT_MS = 20_000


def _served_index(base_url: str) -> str:
    """The index page the gateway serves; empty when it serves none (started before a build)."""
    try:
        with urllib.request.urlopen(f"{base_url}/", timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except urllib.error.HTTPError:
        return ""


@pytest.fixture(scope="session")
def built_frontend() -> Path:
    """frontend/dist, built from the current sources (npm ci / vite build only when stale)."""
    frontend.build(say=lambda line: None)
    index = frontend.FRONTEND / "dist" / "index.html"
    assert index.exists(), "the frontend build produced no dist/index.html"
    return index


@pytest.fixture(scope="session")
def ui_stack(built_frontend: Path, services: Stack) -> Stack:
    """The whole stack, with the gateway serving exactly the build above."""
    services.stop_service("gateway")
    services.start_service("gateway")
    assert _served_index(services.config.gateway_url) == built_frontend.read_text(encoding="utf-8")
    return services


@pytest.fixture(scope="session")
def base_url(ui_stack: Stack) -> str:
    return ui_stack.config.gateway_url


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: run `bash infra/install_chromium.sh` "
            "(Debian: apt-get install chromium), or set CHROMIUM=/path/to/chromium"
        )
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        await launched.close()


@dataclass
class StreamTracker:
    """The `/streams` connections a page has open, seen from the network, not from the app.

    A stream is named by its views. The browser reports an aborted request some time after the
    abort, possibly after the request that follows it (the app closes a page's stream before
    the next page opens its own, and a stream it reconnects before reconnecting), so `most` is
    sampled when the page is quiet (`sample`), and a request replaces an open one of its views.
    """

    open: dict[str, Request] = field(default_factory=dict)
    most: int = 0
    log: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("request", self._opened)
        page.on("requestfinished", self._closed)
        page.on("requestfailed", self._closed)

    @staticmethod
    def _views(request: Request) -> str:
        return re.sub(r".*views=", "", request.url)

    def _opened(self, request: Request) -> None:
        if "/streams?" in request.url:
            self.open[self._views(request)] = request
            self.log.append(f"open {self._views(request)} -> {sorted(self.open)}")

    def _closed(self, request: Request) -> None:
        views = self._views(request)
        if self.open.get(views) is request:
            del self.open[views]
            self.log.append(f"close {views} -> {sorted(self.open)}")

    def views(self) -> list[str]:
        return sorted(self.open)

    async def sample(self, page: Page) -> list[str]:
        """The streams open once the page is quiet; also counted in `most`."""
        await page.wait_for_timeout(300)
        self.most = max(self.most, len(self.open))
        return self.views()


@dataclass
class User:
    """A person in the browser: their own context (cookies, storage), page and identity."""

    name: str
    username: str
    context: BrowserContext
    page: Page
    streams: StreamTracker
    errors: list[str]

    @property
    def user_id(self) -> str:
        return f"local|{self.username}"


NewUser = Callable[..., Awaitable[User]]


@pytest.fixture
async def new_user(browser: Browser, base_url: str) -> AsyncIterator[NewUser]:
    """Makes users, each in a browser context of their own; closes them after the test."""
    contexts: list[BrowserContext] = []

    async def make(
        first_name: str, *, phone: bool = False, viewport: dict[str, int] | None = None
    ) -> User:
        suffix = uuid4().hex[:6]
        viewport = viewport or (PHONE if phone else DESKTOP)
        context = await browser.new_context(base_url=base_url, viewport=viewport)  # type: ignore[arg-type]
        contexts.append(context)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        tracker = StreamTracker()
        tracker.attach(page)
        username = f"{first_name.lower()}-{suffix}"
        return User(f"{first_name} Test", username, context, page, tracker, errors)

    yield make
    for context in contexts:
        await context.close()


SignIn = Callable[[User], Awaitable[None]]


@pytest.fixture(scope="session")
def sign_in() -> SignIn:
    """Signs a user in through the landing page and waits for their starting balance."""

    async def enter(user: User) -> None:
        page = user.page
        await page.goto("/")
        await page.get_by_label("Name", exact=True).fill(user.name)
        await page.get_by_label("Username").fill(user.username)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page).to_have_url(re.compile(r"/feed$"))
        await expect(page.get_by_test_id("greeting")).to_have_text(f"Hi, {user.name.split()[0]}")
        # The streams worker grants every new user a starting balance on their first appearance.
        await expect(page.get_by_test_id("balance")).to_have_text(
            re.compile(r"^\$[\d,]+\.\d\d$"), timeout=GRANT_TIMEOUT_MS
        )

    return enter


Choose = Callable[[Page, str, User], Awaitable[None]]


@pytest.fixture(scope="session")
def choose_person() -> Choose:
    """Searches the form's person picker with the keyboard and takes the first match."""

    async def choose(page: Page, label: str, who: User) -> None:
        picker = page.get_by_role("combobox", name=label)
        await picker.fill(who.username)
        await expect(page.get_by_role("option").first).to_contain_text(who.name)
        await picker.press("Enter")
        await expect(picker).to_have_value(who.name)

    return choose


Send = Callable[..., Awaitable[None]]


@pytest.fixture(scope="session")
def send(choose_person: Choose) -> Send:
    """Pays someone (`mode="pay"`) or asks them for money (`"request"`) through the form."""

    async def submit(user: User, mode: str, who: User, amount: str, notes: str = "") -> None:
        page = user.page
        await page.goto(f"/send?mode={mode}")
        await choose_person(page, "Pay to" if mode == "pay" else "Ask", who)
        await page.get_by_label("Amount").fill(amount)
        await page.get_by_label("Notes").fill(notes)
        await page.get_by_test_id("submit").click()
        await expect(page).to_have_url(re.compile("/feed$" if mode == "pay" else "/requests$"))

    return submit


@pytest.fixture(scope="session")
def screenshot() -> Callable[[Page, str], Awaitable[Path]]:
    """Saves a full-page screenshot in artifacts/screenshots/ (git-ignored)."""

    async def shoot(page: Page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        await page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path

    return shoot
