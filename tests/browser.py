"""Headless Chromium (Debian's build) driven by Playwright, for tests that look at pages."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support import IN_CI, ROOT

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = "Chromium is not installed (Debian: apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


@contextmanager
def browser_page(width: int = 1280, height: int = 900, bypass_csp: bool = False) -> Iterator:
    """A page in a fresh browser. `bypass_csp`: ignore the pages' Content-Security-Policy, for
    tests of what the page itself lets through (with it, the policy would hide a hole)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, bypass_csp=bypass_csp)
            yield page
        finally:
            browser.close()


def save_screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def settled(page, heading: str) -> None:
    """Wait until the view is drawn: a view asked for before it is done could be overwritten by it."""
    page.wait_for_function(
        """h => document.querySelector('main h1')?.textContent.startsWith(h)
                 && !document.getElementById('main').hasAttribute('aria-busy')""",
        arg=heading,
    )


def sign_out_in_the_page(page) -> None:
    """Signs out with the page's own button, and waits until the server has ended the session:
    the page shows itself signed out at once, before its `DELETE /session` is answered."""
    with page.expect_response(
        lambda response: response.request.method == "DELETE" and response.url.endswith("/session")
    ):
        page.click("#signout")
    page.wait_for_selector("#signin-link:not([hidden])")


def hold_request(page, url_pattern: str, wanted: Callable[[Any], bool]) -> list:
    """Holds back in the browser the first request to `url_pattern` that is `wanted`, until the
    test lets it through (`.continue_()` on the route put in the list returned): the moment
    between a request and its answer made to last. Every other request goes on at once."""
    held: list = []

    def route(found: Any) -> None:
        if not held and wanted(found.request):
            held.append(found)
        else:
            found.continue_()

    page.route(url_pattern, route)
    return held


def wait_until_held(page, held: list, what: str) -> Any:
    """The route `hold_request` holds, once the page has sent its request (10 s at most)."""
    for _ in range(200):
        if held:
            return held[0]
        page.wait_for_timeout(50)
    raise AssertionError(f"{what} was never sent")


def answered_after_leaving(
    page, asked_for: str, what: str, open_view: Callable[[], Any], next_hash: str, next_heading: str
) -> None:
    """The view `open_view` opens has its first GraphQL request holding `asked_for` held back in
    the browser; meanwhile the page goes on to `next_hash` and waits until it is drawn (its main
    heading starts with `next_heading`); then the request goes through to the server, and this
    waits until its answer has been handled. What the page shows then is the test's to check."""
    held = hold_request(page, "**/graphql", lambda r: asked_for in (r.post_data or ""))
    open_view()
    asked = wait_until_held(page, held, what)
    page.evaluate("next => { location.hash = next; }", next_hash)
    settled(page, next_heading)
    with page.expect_response(lambda r: r.request is asked.request):
        asked.continue_()
    page.evaluate("() => new Promise((done) => setTimeout(done, 300))")  # the answer handled
