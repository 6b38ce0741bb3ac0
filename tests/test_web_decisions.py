"""The web page's view "Delegationsbeslut" in headless Chromium against a live `orgchange serve`
with the Nacka sample and its illustrative decisions (docs/decisions.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from tests.browser import browser_page, save_screenshot
from tests.test_web import SERVED, server  # noqa: F401 - the live service, a fixture


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


def test_the_decisions_view_shows_a_hundred_at_a_time_and_the_next_hundred_on_asking(
    server,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A board with 230 decisions in a year: the first 100 are drawn with the counts of all of
    them (and of those with findings, not only among the shown), "Visa fler" adds the next 100
    after them, then the last 30, and is gone once all are shown."""
    many = [
        {
            "id": f"FRN-2016-{n:04d}",
            "delegation": "F.1",
            "decided_by": "fritidschef",
            "date": (date(2016, 1, 1) + timedelta(days=n - 1000)).isoformat(),
            "matter": "Bidrag till förening (illustrativt)",
            "reference": f"FRN 2016/{n}",
            # two above F.1's limit of 100 000 kronor: findings, among the last 30
            "amount": 150000 if n in (1215, 1225) else 20000,
        }
        for n in range(1000, 1230)
    ]
    file = tmp_path / "many.json"
    file.write_text(json.dumps({"format": "orgchange-decisions/v1", "decisions": many}), encoding="utf-8")
    env = {**os.environ, "ORGCHANGE_DATABASE_URL": SERVED[server], "ORGCHANGE_USER": "test"}
    subprocess.run([sys.executable, "-m", "orgchange", "decisions", "import", str(file)], env=env, check=True)
    with browser_page() as page:
        page.goto(f"{server}/#/delegationsbeslut?namnd=fritidsnamnden&fran=2016-01-01&till=2019-12-31")
        page.wait_for_selector('tr[data-decision="FRN-2016-1000"]')
        assert page.locator("tr[data-decision]").count() == 100
        summary = page.locator("#decision-summary").inner_text()
        # the sample's own two F.1 decisions beside the 230; FRN-2017-0044 and the two above are flagged
        assert summary == "de första 100 av 232 beslut, 3 med anmärkning."
        page.click("#decisions-more")
        page.wait_for_function("() => document.querySelectorAll('tr[data-decision]').length === 200")
        page.click("#decisions-more")
        page.wait_for_function("() => document.querySelectorAll('tr[data-decision]').length === 232")
        ids = page.locator("tr[data-decision]").evaluate_all("rows => rows.map(r => r.dataset.decision)")
        assert len(set(ids)) == 232 and ids[0] == "FRN-2016-1000"
        assert {"FRN-2016-0015", "FRN-2017-0044"} < set(ids)
        assert page.locator("#decision-summary").inner_text() == "232 beslut, 3 med anmärkning."
        assert page.locator("#decisions-more").is_hidden()
