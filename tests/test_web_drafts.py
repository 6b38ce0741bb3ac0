"""The web page's view of a draft (#/utkast/ID), in a real headless Chromium against a live
`orgchange serve`: a registrar sees the draft, what is wrong with it and what it would do."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser import browser_page, save_screenshot

DECISION = {"body": "ks", "date": "2018-12-10", "paragraph": "§ 400"}
# The city lawyer's post goes; the board's delegation A.3 to it is left without a delegate.
WITHOUT_THE_LAWYER = {
    "format": "orgchange/v1",
    "changes": [
        {
            "type": "abolish_position",
            "effective": "2019-01-01",
            "position": "stadsjurist",
            "decision": DECISION,
        }
    ],
}
MOVED_UNDER_NOTHING = {
    "format": "orgchange/v1",
    "changes": [
        {"type": "move_unit", "effective": "2019-01-01", "unit": "ingen-sadan-enhet", "parent": "ks"}
    ],
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """The Nacka sample served by `orgchange serve`, and a registrar's token for it."""
    folder: Path = tmp_path_factory.mktemp("drafts-web")
    env = {**os.environ, "ORGCHANGE_DATABASE_URL": f"sqlite:///{folder / 'web.db'}", "ORGCHANGE_USER": "test"}
    subprocess.run([sys.executable, "-m", "orgchange", "demo"], env=env, check=True, capture_output=True)
    created = subprocess.run(
        [sys.executable, "-m", "orgchange", "token", "create", "registratorn", "--role", "registrar"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
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
        yield url, created.stdout.strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def _draft(url: str, token: str, name: str, file: dict) -> str:
    response = httpx.post(
        f"{url}/drafts", json={"name": name, "file": file}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _signed_in(page, url: str, token: str) -> None:
    """Signed in as the page signs in: a session cookie from `POST /session`, in the page's context."""
    answer = page.request.post(f"{url}/session", data={"token": token})
    assert answer.ok, answer.text()


def test_a_registrar_sees_a_drafts_changes_and_the_delegation_it_would_leave_without_a_delegate(served):
    url, token = served
    draft = _draft(url, token, "Utan stadsjurist", WITHOUT_THE_LAWYER)
    with browser_page() as page:
        _signed_in(page, url, token)
        page.goto(f"{url}/#/utkast/{draft}")
        page.wait_for_selector("#gaps")

        assert page.inner_text("main h1") == "Utkast: Utan stadsjurist"
        assert page.locator("#check-ok").count() == 1
        assert page.locator("#sentences li").count() == 1
        assert "stadsjurist" in page.inner_text("#abolished")
        gap = page.locator('#gaps li.gap[data-delegation="ks-a3"]')
        assert gap.count() == 1
        assert gap.locator('li.fix[data-type="revoke_delegation"]').count() == 1
        save_screenshot(page, "web-draft-preview")

        page.goto(f"{url}/#/utkast")
        page.wait_for_selector(f'#drafts [data-draft="{draft}"]')


def test_a_draft_that_does_not_fit_the_register_shows_why(served):
    url, token = served
    draft = _draft(url, token, "Fel", MOVED_UNDER_NOTHING)
    with browser_page() as page:
        _signed_in(page, url, token)
        page.goto(f"{url}/#/utkast/{draft}")
        page.wait_for_selector("#problems")

        [problem] = page.locator("#problems > li").all()
        assert problem.get_attribute("data-code") == "CHANGE_REJECTED"
        assert problem.get_attribute("data-index") == "1"
        assert page.locator("#sentences").count() == 0


def test_without_a_registrars_token_the_drafts_are_not_shown(served):
    url, _ = served
    with browser_page() as page:
        page.goto(f"{url}/#/utkast")
        page.wait_for_selector("#signin")
        assert page.locator("#drafts").count() == 0
