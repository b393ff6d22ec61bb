"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright's own browser download is not used (no network): the Chromium binary comes from
CHROMIUM_PATH or the PATH, as in scripts/find-chromium.sh. Without one, the tests fail loudly.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Request, Route, sync_playwright

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse
# the ORM calls the tests make (creating users, reading the outbox) from that thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests may run as root, in a container
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these, Chromium keeps calling Google services and floods refused connections.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BLOCKING_IMPACTS = {"serious", "critical"}
_AXE = Axe()  # injects the axe-core copy bundled with the package: works offline


def find_chromium() -> str:
    """CHROMIUM_PATH if set (it must then be executable), else the first Chromium on the PATH."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        if Path(configured).is_file() and os.access(configured, os.X_OK):
            return configured
        pytest.fail(
            f"CHROMIUM_PATH={configured} is not an executable file: point it to a Chromium "
            "binary, or unset it to use the one on the PATH.",
            pytrace=False,
        )
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(
        "No Chromium found for the browser tests (looked for CHROMIUM_PATH, then "
        f"{', '.join(CHROMIUM_NAMES)} on the PATH). Install Debian's package "
        "(apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary.",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = find_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, live_server, mailoutbox) -> Iterator[Page]:
    """A fresh browser context on the live server; any request to another host fails the test.

    mailoutbox empties django.core.mail.outbox before each test (the server thread shares it).
    """
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(10_000)
    local_host = urlsplit(live_server.url).netloc
    external: list[str] = []

    def keep_local(route: Route, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in {"http", "https"} and parts.netloc != local_host:
            external.append(request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", keep_local)
    page = context.new_page()
    yield page
    context.close()
    assert external == [], f"the pages requested other hosts: {external}"


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- [{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation['helpUrl']})"
        )
        for node in violation["nodes"][:5]:
            target = " ".join(str(part) for part in node["target"])
            snippet = re.sub(r"\s+", " ", node.get("html", ""))[:200]
            lines.append(f"    at {target}: {snippet}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more elements")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fail on any axe-core violation of impact "serious" or "critical" on the current page.

    Waits for the DSFR script to have run (it sets data-fr-js on <html>), since it changes the
    page (menus, collapses) that axe inspects.
    """
    page.wait_for_load_state("load")
    page.wait_for_function("document.documentElement.getAttribute('data-fr-js') === 'true'")
    results = _AXE.run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        pytest.fail(
            f"Accessibility violations on {page.url} ({page.title()!r}):\n"
            + format_violations(blocking),
            pytrace=False,
        )


@pytest.fixture(name="assert_accessible")
def assert_accessible_fixture() -> Callable[[Page], None]:
    return assert_accessible
