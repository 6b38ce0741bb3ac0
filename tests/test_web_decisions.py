"""The web page's view "Delegationsbeslut" in headless Chromium against a live `orgchange serve`
with the Nacka sample and its illustrative decisions (docs/decisions.md)."""

from __future__ import annotations

from tests.browser import browser_page, save_screenshot
from tests.test_web import server  # noqa: F401 - the live service, a fixture


def test_the_decisions_view_highlights_a_decision_without_support_and_links_to_its_day(server) -> None:  # noqa: F811
    """NTN-2017-0031 lacked support after the VA-chef's post ended: marked, its finding shown, and
    its delegation linked to the delegationsordning of 2017-03-05."""
    with browser_page() as page:
        page.goto(f"{server}/#/delegationsbeslut?namnd=ntn")
        page.wait_for_selector('tr[data-decision="NTN-2017-0031"]')
        rows = page.locator("tr[data-decision]").evaluate_all(
            "rows => rows.map(r => [r.dataset.decision, r.classList.contains('finding')])"
        )
        assert rows == [["NTN-2016-0210", False], ["NTN-2017-0031", True], ["NTN-2017-0032", False]]
        finding = page.locator('tr[data-decision="NTN-2017-0031"] ul.findings li').inner_text()
        assert "innehade inte delegation N.2 den dagen" in finding
        link = page.locator('tr[data-decision="NTN-2017-0031"] a[data-delegation]')
        assert link.get_attribute("href") == "#/delegationer?datum=2017-03-05&namnd=ntn"
        save_screenshot(page, "web-decisions-ntn")
        page.check("#anmarkningar")
        page.wait_for_function("() => document.querySelectorAll('tr[data-decision]').length === 1")
        link = page.locator('tr[data-decision="NTN-2017-0031"] a[data-delegation]')
        link.click()
        page.wait_for_selector('tr.gap[data-delegation="ntn-n2"]')
