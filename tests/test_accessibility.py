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

# The view drawn, and no part of it still to be drawn again (a draft's panels wait for the
# register's lists to name what they show).
NOTHING_BUSY = "() => !document.querySelector('[aria-busy]')"

WEB = Path(__file__).resolve().parent.parent / "orgchange" / "web"
APP_JS = WEB / "app.js"
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

# Each view of app.js, at an address that shows what it has (a chart, a history, a list),
# and what shows that it has loaded.
VISITS = {
    "organisation": ("#/organisation?datum=2016-12-31", "#chart svg g.node"),
    "enhet": ("#/enhet/va-och-avfall?datum=2017-03-01", "#history li"),
    "jamfor": ("#/jamfor?fran=2016-12-31&till=2017-01-01", "#added li"),
    "andringar": ("#/andringar", "main li"),
    "delegationer": ("#/delegationer?datum=2017-03-01&namnd=ntn", "main table"),
    "delegationsbeslut": ("#/delegationsbeslut?namnd=ntn", "#decisions table"),
    "granskning": ("#/granskning", "main form"),
    "tillganglighet": ("#/tillganglighet", "main h2"),
}


# States of a view that draw more than it does at first: the chart in focus mode with the
# posts shown and the changes since another day marked, and the search box with its hits open.
STATES = {
    "organisation-focus-posts-marks": (
        "#/organisation?datum=2016-12-31&fokus=slk&befattningar=1",
        "#chart g.node.focused",
        "page.fill('#datum', '2017-01-01'); page.wait_for_selector('#chart-changes p')",  # fill sends change
    ),
    "search-hits": (
        "#/enhet/va-och-avfall?datum=2016-06-01",
        "#history li",
        "page.fill('#search-input', 'enhet'); page.wait_for_selector('#search-results li[role=option]');"
        "page.keyboard.press('ArrowDown')",
    ),
}


# Views only a registrar (or an admin) sees: visited signed in, with a draft to show.
SIGNED_IN_VISITS = {
    "utkast": ("#/utkast/{draft}", "#gaps"),
    "andring": ("#/andring/nacka-2017-031", "#correct-form"),
    "anmalan": ("#/anmalan?namnd=ks", "#report-form"),
}

# The registrar's forms with their errors shown: the button pressed with the form left empty.
FORMS_WITH_ERRORS = {
    "makulera": ("#/andring/nacka-2017-031", "#cancel-button", "#cancel-reason-error"),
    "ratta": ("#/andring/nacka-2017-031", "#correct-button", "#r-name-error"),
    "anmal": ("#/anmalan?namnd=ks", "#report-button", "#report-meeting-error"),
}


def _views_of_the_page() -> set[str]:
    """The views app.js and the modules it loads register (`views.x = …`, `context.views.x = …`)."""
    found: set[str] = set()
    for script in sorted(APP_JS.parent.glob("*.js")):
        text = script.read_text(encoding="utf-8")
        found |= set(re.findall(r"^\s*(?:\w+\.)*views\.(\w+) = ", text, flags=re.MULTILINE))
    return found


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
        page.wait_for_function(NOTHING_BUSY)
        results = axe.run(page, options=WCAG_21_AA).response
        if results["violations"]:
            save_screenshot(page, f"accessibility-{view}")
    assert results["violations"] == [], "\n" + _readable(results["violations"])


@pytest.mark.parametrize("state", sorted(STATES))
def test_the_chart_and_the_search_have_no_wcag_2_1_aa_violations_that_axe_can_find(server, state):  # noqa: F811
    address, loaded, steps = STATES[state]
    axe = Axe()
    with browser_page() as page:
        page.goto(f"{server}/{address}")
        page.wait_for_selector(loaded)
        page.wait_for_function(NOTHING_BUSY)
        for step in steps.split(";"):
            eval(step.strip(), {"page": page})
        page.wait_for_timeout(300)
        results = axe.run(page, options=WCAG_21_AA).response
        if results["violations"]:
            save_screenshot(page, f"accessibility-{state}")
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
        page.wait_for_function(NOTHING_BUSY)
        results = axe.run(page, options=WCAG_21_AA).response
        if results["violations"]:
            save_screenshot(page, f"accessibility-{view}")
    assert results["violations"] == [], "\n" + _readable(results["violations"])


@pytest.mark.parametrize("form", sorted(FORMS_WITH_ERRORS))
def test_a_registrars_form_with_its_errors_shown_has_no_wcag_2_1_aa_violations(served, form):  # noqa: F811
    url, token = served
    address, button, error = FORMS_WITH_ERRORS[form]
    axe = Axe()
    with browser_page() as page:
        _signed_in(page, url, token)
        page.goto(f"{url}/{address}")
        page.wait_for_selector(button)
        page.wait_for_function(NOTHING_BUSY)
        if form == "ratta":
            page.fill("#r-name", "")
        page.click(button)
        page.wait_for_selector(f"{error}:not([hidden])")
        described = page.evaluate(
            "id => document.querySelector(`[aria-describedby~='${id}']`) !== null", error.lstrip("#")
        )
        results = axe.run(page, options=WCAG_21_AA).response
        if results["violations"]:
            save_screenshot(page, f"accessibility-form-{form}")
    assert described, f"{error} is tied to no field"
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


# The drafts workspace (drafts.js) in each of its states: the list with its forms, a draft with its
# preview (charts, gaps and the one-click fixes), the form of a change with a broken rule shown at
# its field, and the form of every change type.
WORKSPACE_STATES = ("list", "preview", "rule-at-field", "every-change-form", "spreadsheet-unmatched")
EVERY_TYPE = [
    "establish_unit", "rename_unit", "reclassify_unit", "move_unit", "merge_units", "split_unit",
    "dissolve_unit", "spin_off_unit", "establish_position", "move_position", "abolish_position",
    "grant_delegation", "amend_delegation", "revoke_delegation", "subdelegate", "cancel_change",
    "correct_change",
]  # fmt: skip


def _axe_violations(axe: Axe, page, name: str) -> list[dict]:
    page.wait_for_function(NOTHING_BUSY)
    violations = axe.run(page, options=WCAG_21_AA).response["violations"]
    if violations:
        save_screenshot(page, f"accessibility-{name}")
    return violations


@pytest.mark.parametrize("state", WORKSPACE_STATES)
def test_the_drafts_workspace_has_no_wcag_2_1_aa_violations_that_axe_can_find(served, state, tmp_path):  # noqa: F811
    url, token = served
    axe = Axe()
    violations: list[dict] = []
    with browser_page() as page:
        _signed_in(page, url, token)
        if state == "spreadsheet-unmatched":  # "Läs in kalkylblad som utkast" with a title left unmatched
            table = tmp_path / "delegationsordning.csv"
            table.write_text("code;matter;delegate\n1;Attest;Chef för månbasen\n", encoding="utf-8")
            page.goto(f"{url}/#/utkast")
            page.select_option("#sheet-kind", "delegations")
            page.fill("#sheet-board", "ks")
            page.set_input_files("#sheet-file", str(table))
            page.get_by_role("button", name="Läs in som utkast").click()
            page.wait_for_selector("#sheet-unmatched li")
            violations = _axe_violations(axe, page, "drafts-spreadsheet-unmatched")
        elif state == "list":
            _draft(url, token, "Tillgänglighet, listan", WITHOUT_THE_LAWYER)
            page.goto(f"{url}/#/utkast")
            page.wait_for_selector("#drafts li[data-draft]")
            violations = _axe_violations(axe, page, "drafts-list")
        elif state == "preview":
            draft = _draft(url, token, "Tillgänglighet, förhandsvisning", WITHOUT_THE_LAWYER)
            page.goto(f"{url}/#/utkast/{draft}")
            page.wait_for_selector("#gaps li.fix button")
            page.wait_for_function("() => [...document.images].every((i) => i.complete)")
            violations = _axe_violations(axe, page, "drafts-preview")
        elif state == "rule-at-field":
            wrong = {"type": "establish_position", "effective": "2019-01-01", "position": "ny-chef",
                     "title": "Ny chef", "unit": "ingen-sadan-enhet"}  # fmt: skip
            draft = _draft(url, token, "Tillgänglighet, fel", {"format": "orgchange/v1", "changes": [wrong]})
            page.goto(f"{url}/#/utkast/{draft}")
            page.locator('#draft-changes [data-edit="0"]').click()
            page.wait_for_selector("#f-unit-error:not([hidden])")
            violations = _axe_violations(axe, page, "drafts-rule-at-field")
        else:
            entries = [{"type": t} if t in ("cancel_change", "correct_change") else {"type": t, "effective": "2019-01-01"}
                       for t in EVERY_TYPE]  # fmt: skip
            draft = _draft(
                url, token, "Tillgänglighet, formulär", {"format": "orgchange/v1", "changes": entries}
            )
            page.goto(f"{url}/#/utkast/{draft}")
            page.wait_for_selector("#draft-changes [data-edit]")
            for index, change_type in enumerate(EVERY_TYPE):
                page.locator(f'#draft-changes [data-edit="{index}"]').click()
                page.wait_for_selector(f'#change-form[data-type="{change_type}"]')
                violations += _axe_violations(axe, page, f"drafts-form-{change_type}")
    assert violations == [], "\n" + _readable(violations)
