"""Every view of the web page passes axe-core's WCAG 2.1 A and AA rules, in a real Chromium.

The register is a public record of a public body: its page must meet WCAG 2.1 AA (the
level the law on the accessibility of digital public services asks for), as its
accessibility statement (#/tillganglighet) says. axe-core checks what a program can check — contrast,
names, labels, roles, structure — on each view as it is once loaded; what it cannot
check is listed in the statement.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser import browser_page, save_screenshot
from tests.test_web import _free_port, server  # noqa: F401 - the fixture: the Nacka sample, served
from tests.test_web_drafts import WITHOUT_THE_LAWYER, _draft, _signed_in, served  # noqa: F401

APP_JS = Path(__file__).resolve().parent.parent / "orgchange" / "web" / "app.js"
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

# Each view of app.js, at an address that shows what it has (a chart, a history, a list),
# and what shows that it has loaded.
VISITS = {
    "organisation": ("#/organisation?datum=2016-12-31", "#chart svg"),
    "enhet": ("#/enhet/va-och-avfall?datum=2017-03-01", "#history li"),
    "jamfor": ("#/jamfor?fran=2016-12-31&till=2017-01-01", "#added li"),
    "andringar": ("#/andringar", "main li"),
    "delegationer": ("#/delegationer?datum=2017-03-01&namnd=ntn", "main table"),
    "delegationsbeslut": ("#/delegationsbeslut?namnd=ntn", "#decisions table"),
    "granskning": ("#/granskning", "main form"),
    "tillganglighet": ("#/tillganglighet", "main h2"),
}


# Views only a registrar (or an admin) sees: visited signed in, with a draft to show.
SIGNED_IN_VISITS = {
    "utkast": ("#/utkast/{draft}", "#gaps"),
}


def _views_of_the_page() -> set[str]:
    return set(re.findall(r"^views\.(\w+) = ", APP_JS.read_text(encoding="utf-8"), flags=re.MULTILINE))


def _readable(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} — {violation['helpUrl']}"
        )
        for node in violation["nodes"][:5]:
            lines.append(
                f"    {' '.join(node['target'])}: {node.get('failureSummary', '').splitlines()[-1:]}"
            )
    return "\n".join(lines)


def test_every_view_of_the_page_is_visited():
    assert set(VISITS) | set(SIGNED_IN_VISITS) == _views_of_the_page()


@pytest.mark.parametrize("view", sorted(VISITS))
def test_a_view_of_the_page_has_no_wcag_2_1_aa_violations_that_axe_can_find(server, view):  # noqa: F811
    address, loaded = VISITS[view]
    axe = Axe()
    with browser_page() as page:
        page.goto(f"{server}/{address}")
        page.wait_for_selector(loaded)
        page.wait_for_function("() => !document.querySelector('main[aria-busy]')")
        results = axe.run(page, options=WCAG_21_AA).response
        if results["violations"]:
            save_screenshot(page, f"accessibility-{view}")
    assert results["violations"] == [], "\n" + _readable(results["violations"])


@pytest.mark.parametrize("view", sorted(SIGNED_IN_VISITS))
def test_a_registrars_view_has_no_wcag_2_1_aa_violations_that_axe_can_find(served, view):  # noqa: F811
    url, token = served
    address, loaded = SIGNED_IN_VISITS[view]
    draft = _draft(url, token, f"Tillgänglighet {view}", WITHOUT_THE_LAWYER)
    axe = Axe()
    with browser_page() as page:
        _signed_in(page, url, token)
        page.goto(f"{url}/{address.format(draft=draft)}")
        page.wait_for_selector(loaded)
        page.wait_for_function("() => !document.querySelector('main[aria-busy]')")
        results = axe.run(page, options=WCAG_21_AA).response
        if results["violations"]:
            save_screenshot(page, f"accessibility-{view}")
    assert results["violations"] == [], "\n" + _readable(results["violations"])


def test_the_footer_links_to_the_accessibility_statement(server):  # noqa: F811
    with browser_page() as page:
        page.goto(f"{server}/#/organisation")
        page.get_by_role("contentinfo").get_by_role("link", name="Tillgänglighetsredogörelse").click()
        page.wait_for_selector("main h1")
        assert page.locator("main h1").inner_text() == "Tillgänglighetsredogörelse"
        assert "#/tillganglighet" in page.url


@pytest.fixture(scope="module")
def closed_server(tmp_path_factory) -> Iterator[str]:
    """A server whose reads are not public: the page asks for a token first."""
    folder: Path = tmp_path_factory.mktemp("closed")
    env = {
        **os.environ,
        "ORGCHANGE_DATABASE_URL": f"sqlite:///{folder / 'closed.db'}",
        "ORGCHANGE_PUBLIC_READ": "false",
    }
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "orgchange", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code in (200, 503):
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("orgchange serve did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_sign_in_form_ties_its_error_to_its_field_and_moves_the_focus_there(closed_server):
    axe = Axe()
    with browser_page() as page:
        page.goto(f"{closed_server}/#/organisation")
        page.wait_for_selector("#signin")
        before = axe.run(page, options=WCAG_21_AA).response["violations"]
        page.get_by_label("API-token").fill("x" * 43)  # not the shape of a token: the page says so
        page.get_by_role("button", name="Logga in").click()
        page.wait_for_selector("#signin-problem:not([hidden])")
        field = page.locator("#token")
        assert "signin-problem" in (field.get_attribute("aria-describedby") or "").split()
        assert field.get_attribute("aria-invalid") == "true"
        assert page.evaluate("document.activeElement.id") == "token"
        assert page.locator("#signin-problem").inner_text().strip()
        after = axe.run(page, options=WCAG_21_AA).response["violations"]
    assert before == [] and after == [], "\n" + _readable(before + after)
