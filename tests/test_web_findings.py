"""The web page's delegations view shows the findings, in a real headless Chromium against
a live `orgchange serve`: a delegated matter the board keeps, a repealed act cited."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.browser import browser_page, save_screenshot
from tests.builders import base_organisation, change
from tests.test_web import _free_port


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    folder: Path = tmp_path_factory.mktemp("web-findings")
    changes = [
        *(c.canonical() for c in base_organisation()),
        change(
            "grant_delegation",
            effective="2016-01-01",
            delegation="ks-mal",
            from_="ks",
            to="stadsdirektor",
            code="A.1",
            matter="Fastställa mål och budget",
            reserved_matter=True,
        ).canonical(),
        change(
            "grant_delegation",
            effective="2016-01-01",
            delegation="ks-avtal",
            from_="ks",
            to="va-chef",
            code="B.2",
            matter="Avtal om VA",
            legal_basis="KL (1991:900) 6 kap. 33 §",
        ).canonical(),
    ]
    file = folder / "register.yaml"
    file.write_text(yaml.safe_dump({"format": "orgchange/v1", "changes": changes}, allow_unicode=True))
    env = {**os.environ, "ORGCHANGE_DATABASE_URL": f"sqlite:///{folder / 'web.db'}", "ORGCHANGE_USER": "test"}
    subprocess.run(
        [sys.executable, "-m", "orgchange", "import", str(file)], env=env, check=True, capture_output=True
    )
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
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("orgchange serve did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_delegations_view_lists_and_marks_the_findings(server):
    with browser_page() as page:
        page.goto(f"{server}/#/delegationer?datum=2017-06-01&namnd=ks")
        page.wait_for_selector('tr.finding[data-delegation="ks-mal"]')
        # Before 2018 only the reserved matter is a finding; the repealed act was in force.
        assert page.locator("#findings li.finding").count() == 1
        item = page.locator('#findings li.finding[data-delegation="ks-mal"]')
        assert item.get_attribute("data-code") == "RESERVED_MATTER"
        assert "KL (1991:900) 6 kap. 34 §" in item.inner_text()
        assert page.locator('tr[data-delegation="ks-avtal"]').get_attribute("class") == ""
        assert "anmärkning" in page.locator('tr[data-delegation="ks-mal"]').inner_text()

        page.goto(f"{server}/#/delegationer?datum=2018-06-01&namnd=ks")
        page.wait_for_selector('tr.finding[data-delegation="ks-avtal"]')
        codes = {
            page.locator("#findings li.finding").nth(i).get_attribute("data-code")
            for i in range(page.locator("#findings li.finding").count())
        }
        assert codes == {"RESERVED_MATTER", "REPEALED_ACT"}
        assert (
            "hänvisar till upphävd lag"
            in page.locator('#findings li.finding[data-delegation="ks-avtal"]').inner_text()
        )
        page.wait_for_selector("#chart svg")
        assert "⚠ A.1" in page.locator("#chart svg").text_content()
        save_screenshot(page, "web-delegations-findings")
