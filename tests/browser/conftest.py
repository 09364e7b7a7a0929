"""Browser tests: pytest-playwright driving Debian's Chromium against pytest-django's live server.

Playwright's own browser downloads are never used: the tests launch /usr/bin/chromium
(``apt-get install chromium``; .ci/run installs it) and skip with that reason without it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD
from tests.waiting import QUIET_SECONDS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}

# Playwright waits for one thing at a time (a page, an element, a text) and its defaults
# (30 s, 5 s for expect) fail a test on a busy machine. A single page event shows no
# progress to watch, so it gets the same long patience as every other wait in the suite.
PATIENCE_MS = QUIET_SECONDS * 1000
expect.set_options(timeout=PATIENCE_MS)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        pytest.skip(
            f"Browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)."
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "has_touch": True}


@pytest.fixture(autouse=True)
def _patient_browser(request):
    if "page" in request.fixturenames:
        context = request.getfixturevalue("context")
        context.set_default_timeout(PATIENCE_MS)
        context.set_default_navigation_timeout(PATIENCE_MS)


@pytest.fixture(scope="session", autouse=True)
def _orm_beside_playwright():
    # Playwright's sync API keeps an event loop running in this thread; the test's own
    # ORM calls (and the database setup) are still plain synchronous code.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture
def sign_in(live_server, page):
    def sign_in_as(user):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(user.email)
        # Email first: without single sign-on, the password is asked next.
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return sign_in_as
