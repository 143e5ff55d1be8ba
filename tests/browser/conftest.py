"""Browser tests drive the machine's Chromium through Playwright against a live server.

Without Chromium they skip with a one-line hint, except under CI=true, where that is a failure.
"""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = (
    os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _require_chromium():
    if CHROMIUM is None:
        hint = "Browser tests need Chromium: apt-get install chromium (or set CHROMIUM=/path)."
        if os.environ.get("CI") == "true":
            pytest.fail(hint)
        pytest.skip(hint)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def demo(transactional_db, seed_demo):
    """Acme and Globex as `manage.py seed_demo` leaves them (committed: the live server sees
    them)."""
    seed_demo()


@pytest.fixture
def sign_in(live_server, page):
    def sign_in_as(email: str, password: str = "throughline"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("E-mail address").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        return page

    return sign_in_as
