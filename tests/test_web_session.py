"""Signing in on the web page, in a real headless Chromium against a real `orgchange serve`:
a registrar signs in with the page's form, sees who and what role, records a change file from
the page (a write with the session and its anti-CSRF token), and signs out; a reader, and a
visitor, see no editing controls (docs/http.md#sessions-and-csrf)."""

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

from tests.browser import browser_page, save_screenshot, settled, sign_out_in_the_page

CHANGE_FILE = """format: orgchange/v1
changes:
  - id: web-2019-001
    type: rename_unit
    effective: 2019-01-01
    decision: {body: ks, date: 2018-12-10}
    unit: bygglovenheten
    name: Bygglovsenheten
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, dict[str, str], Path]]:
    """The Nacka sample served by `orgchange serve`, with a registrar's and a reader's token."""
    folder = tmp_path_factory.mktemp("session")
    env = {**os.environ, "ORGCHANGE_DATABASE_URL": f"sqlite:///{folder / 'web.db'}", "ORGCHANGE_USER": "test"}
    subprocess.run([sys.executable, "-m", "orgchange", "demo"], env=env, check=True, capture_output=True)
    tokens = {}
    for name, role in (("registratorn", "registrar"), ("läsaren", "reader")):
        created = subprocess.run(
            [sys.executable, "-m", "orgchange", "token", "create", name, "--role", role],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        tokens[role] = created.stdout.strip()
    change_file = folder / "namn.yaml"
    change_file.write_text(CHANGE_FILE, encoding="utf-8")
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
        yield url, tokens, change_file
    finally:
        process.terminate()
        process.wait(timeout=10)


def sign_in_with_the_form(page, url: str, token: str) -> None:
    page.goto(f"{url}/#/andringar")
    page.wait_for_selector("#log li")
    page.click("#signin-link")
    page.wait_for_selector("#signin")
    page.get_by_label("API-token").fill(token)
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#signout:not([hidden])")
    settled(page, "Organisationen")  # where signing in leads


def test_a_registrar_signs_in_sees_the_role_records_a_file_and_signs_out(served) -> None:
    url, tokens, change_file = served
    with browser_page() as page:
        page.goto(f"{url}/#/andringar")
        page.wait_for_selector("#log li")
        assert page.locator("#record-file").count() == 0  # a visitor sees no editing control
        assert page.get_attribute("body", "data-role") == "visitor"

        sign_in_with_the_form(page, url, tokens["registrar"])
        assert page.inner_text("#who") == "Inloggad som registratorn (registrator)"
        page.goto(f"{url}/#/andringar")
        settled(page, "Ändringslogg")
        assert page.is_visible("#record-file")
        page.set_input_files("#change-file", str(change_file))
        page.click("#record-file button[type=submit]")
        page.wait_for_selector("#record-result:has-text('Registrerade 1 ändring (0 fanns redan)')")
        save_screenshot(page, "web-registrar-signed-in")

        sign_out_in_the_page(page)
        assert page.inner_text("#who") == ""
        settled(page, "Ändringslogg")
        page.wait_for_selector("#log li")
        assert page.locator("#record-file:visible").count() == 0
        assert page.get_attribute("body", "data-role") == "visitor"
        session = page.evaluate("fetch('/session').then(r => r.json())")
        assert session["signedIn"] is False
    recorded = httpx.post(
        f"{url}/graphql", json={"query": '{ change(id: "web-2019-001") { recordedBy } }'}
    ).json()
    assert recorded["data"]["change"]["recordedBy"] == "registratorn"


def test_a_reader_signs_in_and_sees_no_editing_controls(served) -> None:
    url, tokens, _ = served
    with browser_page() as page:
        sign_in_with_the_form(page, url, tokens["reader"])
        assert page.inner_text("#who") == "Inloggad som läsaren (läsare)"
        page.goto(f"{url}/#/andringar")
        settled(page, "Ändringslogg")
        page.wait_for_selector("#log li")
        assert page.get_attribute("body", "data-role") == "reader"
        assert page.locator("#record-file").count() == 0
        assert page.locator("[data-requires-write]:visible").count() == 0
