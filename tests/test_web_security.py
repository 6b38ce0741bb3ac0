"""The web page and GraphiQL against script injection, under their policy, and signed in.

A real `orgchange serve` on loopback and a real headless Chromium. Injection is tried with
the page's Content-Security-Policy switched off in the browser (`bypass_csp`), so that what
is tested is the page's own escaping: the policy is a second wall, tested on its own.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.browser import browser_page, save_screenshot

# Planted by any script an address manages to run: an attribute, as a dialog would block.
MARK = "document.body.setAttribute('data-pwned','1')"
PAYLOADS = [
    f'"><img src=x onerror="{MARK}">',
    f"'><svg onload={MARK}>",
    f"javascript:{MARK}",
    f'2017-11-13"><iframe src=javascript:{MARK}></iframe>',
]
# Every route parameter of every view, with `{}` where the payload goes.
ADDRESSES = [
    "#/granskning?namnd=ks&sammantrade={}",
    "#/granskning?namnd={}&sammantrade=2017-11-13",
    "#/organisation?datum={}",
    "#/organisation?datum=2017-03-01&rot={}",
    "#/organisation?datum=2017-03-01&riktning={}",
    "#/enhet/{}?datum=2017-03-01",
    "#/enhet/ks?datum={}",
    "#/jamfor?fran={}&till=2017-01-01",
    "#/jamfor?fran=2016-12-31&till={}",
    "#/andringar?fran={}",
    "#/andringar?till={}",
    "#/andringar?enhet={}",
    "#/andringar?typ={}",
    "#/andringar?namnd={}",
    "#/delegationer?datum={}",
    "#/delegationer?datum=2017-03-01&namnd={}",
    "#/utkast/{}",
    "#/andring/{}",
    "#/anmalan?namnd={}",
]
# Collects the policy's violations in every frame, from the first script on.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _serving(folder: Path, **settings: str) -> Iterator[tuple[str, str]]:
    """The Nacka sample served by `orgchange serve`, and a reader's token for it."""
    env = {
        **os.environ,
        "ORGCHANGE_DATABASE_URL": f"sqlite:///{folder / 'web.db'}",
        "ORGCHANGE_USER": "test",
        **settings,
    }
    subprocess.run([sys.executable, "-m", "orgchange", "demo"], env=env, check=True, capture_output=True)
    created = subprocess.run(
        [sys.executable, "-m", "orgchange", "token", "create", "läsaren", "--role", "reader"],
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


@pytest.fixture(scope="module")
def public(tmp_path_factory) -> Iterator[str]:
    with _serving(tmp_path_factory.mktemp("public")) as (url, _):
        yield url


@pytest.fixture(scope="module")
def private(tmp_path_factory) -> Iterator[tuple[str, str]]:
    with _serving(tmp_path_factory.mktemp("private"), ORGCHANGE_PUBLIC_READ="false") as served:
        yield served


def _rendered(page) -> None:
    page.wait_for_selector("main:not([aria-busy]) h1")


def _injected(page) -> dict:
    """Whatever an injection left behind: the mark, handlers, foreign elements."""
    return page.evaluate(
        """() => ({
          mark: document.body.getAttribute('data-pwned'),
          handlers: [...document.querySelectorAll('*')].flatMap(
            (e) => [...e.attributes].filter((a) => a.name.startsWith('on')).map((a) => `${e.localName} ${a.name}`)),
          foreign: document.querySelectorAll('main img, main svg[onload], main iframe:not(.review)').length,
          scriptLinks: [...document.querySelectorAll('[href^="javascript:" i], [src^="javascript:" i]')].length,
        })"""
    )


def test_the_reported_address_runs_no_script_and_says_what_is_wrong(public):
    address = (
        "/#/granskning?namnd=ks&sammantrade=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(document.domain)%3E"
    )
    dialogs: list[str] = []
    for bypass_csp in (True, False):  # the page's escaping alone, then with its policy as well
        with browser_page(bypass_csp=bypass_csp) as page:
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(public + address)
            _rendered(page)
            page.wait_for_timeout(300)  # an image's error would have fired by now
            assert dialogs == []
            assert _injected(page) == {"mark": None, "handlers": [], "foreign": 0, "scriptLinks": 0}
            assert page.inner_text("main h1") == "Adressen stämmer inte"
            assert "Sammanträdet i adressen" in page.inner_text("main .error")
            assert "ÅÅÅÅ-MM-DD" in page.inner_text("main .error")
            if not bypass_csp:
                save_screenshot(page, "web-injected-meeting")


def test_no_route_parameter_of_any_view_runs_a_script(public):
    dialogs: list[str] = []
    with browser_page(bypass_csp=True) as page:
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        for address in ADDRESSES:
            for payload in PAYLOADS:
                page.goto("about:blank")
                page.goto(f"{public}/{address.format(quote(payload, safe=''))}")
                _rendered(page)
                page.wait_for_timeout(50)
                found = _injected(page)
                assert found == {"mark": None, "handlers": [], "foreign": 0, "scriptLinks": 0}, (
                    address,
                    payload,
                )
                # A value the register cannot hold is refused in Swedish, naming the parameter.
                assert page.inner_text("main h1") == "Adressen stämmer inte", (address, payload)
    assert dialogs == []


def test_every_view_works_under_its_policy_without_a_violation(public):
    with browser_page() as page:
        page.add_init_script(RECORD_VIOLATIONS)
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.on("pageerror", lambda error: console.append(str(error)))
        page.goto(f"{public}/#/organisation?datum=2017-03-01")
        page.wait_for_selector("#chart svg text")
        page.goto(f"{public}/#/enhet/va-och-avfall?datum=2016-06-01")
        page.wait_for_selector("#history li")
        page.goto(f"{public}/#/jamfor?fran=2016-12-31&till=2017-01-01")
        page.wait_for_selector("#added li")
        page.goto(f"{public}/#/andringar?namnd=ks")
        page.wait_for_selector("#log [data-change]")
        page.goto(f"{public}/#/delegationer?datum=2017-03-01&namnd=ntn")
        page.wait_for_selector("#chart svg text")
        page.goto(f"{public}/#/granskning?namnd=ks&sammantrade=2017-11-13")
        frame = page.frame_locator("iframe.review")
        assert "Anmälda ändringar till Kommunstyrelsen" in frame.locator("h1").inner_text()
        # the review pack keeps its own look in the frame (its inline stylesheet is allowed there)
        assert frame.locator("body").evaluate("b => getComputedStyle(b).maxWidth") != "none"
        page.wait_for_timeout(300)
        assert page.evaluate("window.__violations") == []
        assert [text for text in console if "Content Security Policy" in text] == []
        assert [text for text in console if "Uncaught" in text or "Error" in text] == []


def test_graphiql_keeps_no_authorization_header_in_the_browser(private):
    url, token = private
    page_html = httpx.get(f"{url}/graphql", headers={"accept": "text/html"}).text
    starter = httpx.get(f"{url}/static/graphiql.js").text
    assert "<script>" not in page_html and "unpkg" not in page_html and "jsdelivr" not in page_html
    assert "shouldPersistHeaders: false" in starter and "showPersistHeadersSettings: false" in starter

    with browser_page() as page:
        page.add_init_script(RECORD_VIOLATIONS)
        # What an older GraphiQL page of this origin kept: gone once ours has started.
        page.goto(f"{url}/static/app.css")
        page.evaluate(
            """t => { localStorage.setItem('graphiql:headers', JSON.stringify({Authorization: 'Bearer ' + t}));
                      localStorage.setItem('graphiql:shouldPersistHeaders', 'true'); }""",
            token,
        )
        page.goto(f"{url}/graphql")
        page.wait_for_selector(".graphiql-container .CodeMirror")
        page.click(".graphiql-editor-tools button:has-text('Headers')")
        page.evaluate(
            """t => document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror')
                 .CodeMirror.setValue(JSON.stringify({Authorization: 'Bearer ' + t}))""",
            token,
        )
        page.click("button[aria-label='Execute query (Ctrl-Enter)']")
        # reads are not public here: an answer with data shows the header was sent
        page.wait_for_function(
            "() => document.querySelector('.result-window').textContent.includes('Nacka kommun')"
        )
        page.wait_for_timeout(300)  # GraphiQL saves its tabs and history shortly after a change
        stored = page.evaluate("JSON.stringify(Object.entries(localStorage))")
        assert "graphiql:queries" in stored  # it did save its history…
        assert token not in stored and "Bearer" not in stored and "Authorization" not in stored  # …without it
        assert page.evaluate("window.__violations") == []
        save_screenshot(page, "graphiql-private-read")

        page.reload()
        page.wait_for_selector(".graphiql-container .CodeMirror")
        editors = page.evaluate(
            "[...document.querySelectorAll('.CodeMirror')].map(e => e.CodeMirror.getValue())"
        )
        assert not any(token in text for text in editors)
        assert not page.locator("#enable-persist-headers").count()


def test_with_private_reads_the_page_asks_to_sign_in_and_then_shows_the_register(private):
    url, token = private
    with browser_page() as page:
        page.add_init_script(RECORD_VIOLATIONS)
        page.goto(f"{url}/#/organisation?datum=2017-03-01")
        page.wait_for_selector("#signin")
        assert page.inner_text("main h1") == "Logga in"
        assert page.locator("#tree").count() == 0
        save_screenshot(page, "web-sign-in")

        page.fill("#token", "not a token")
        page.click("#signin button[type=submit]")
        assert "ser inte ut som en API-token" in page.inner_text("#signin-problem")
        page.fill("#token", "oc_0123456789abcdef_revokedorneverissued")
        page.click("#signin button[type=submit]")
        page.wait_for_selector("#signin-problem:has-text('känner inte igen')")

        page.fill("#token", token)
        page.click("#signin button[type=submit]")
        page.wait_for_selector('#tree [data-unit="ks"]')
        page.wait_for_selector("#chart svg text")  # the diagram, fetched with the session
        assert page.inner_text("#org-name") == "Nacka kommun"
        # The token is exchanged for a session: kept nowhere a script could read it.
        assert page.evaluate("sessionStorage.length + localStorage.length") == 0
        assert "orgchange_session" not in page.evaluate("document.cookie")  # HttpOnly
        assert token not in page.content()

        # Documents go with the session cookie too: the review pack is shown from its address.
        page.goto(f"{url}/#/granskning?namnd=ks&sammantrade=2017-11-13")
        page.wait_for_selector("iframe.review[src^='reports/']")
        frame = page.frame_locator("iframe.review")
        assert "Anmälda ändringar till Kommunstyrelsen" in frame.locator("h1").inner_text()
        assert frame.locator("body").evaluate("b => getComputedStyle(b).maxWidth") != "none"
        with page.expect_download() as download:
            page.click("text=Hämta som PDF")
        assert download.value.suggested_filename == "granskning-ks-2017-11-13.pdf"  # the server's name
        assert download.value.path().read_bytes().startswith(b"%PDF")
        page.goto(f"{url}/#/delegationer?datum=2017-03-01&namnd=ntn")
        with page.expect_download() as download:
            page.click("#csv-link")
        assert download.value.path().read_text(encoding="utf-8-sig").count("\n") > 1
        assert page.evaluate("window.__violations") == []
        save_screenshot(page, "web-signed-in-review")

        page.click("#signout")
        page.wait_for_selector("#signin")
        assert page.evaluate("fetch('/session').then(r => r.json())")["signedIn"] is False


def test_swagger_ui_works_from_this_origin_without_a_violation(public):
    """Swagger UI's files came from a CDN that the policy of /docs allowed; they are this
    origin's now, and the page runs under a policy that names no other."""
    with browser_page() as page:
        page.add_init_script(RECORD_VIOLATIONS)
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{public}/docs")
        page.wait_for_selector(".swagger-ui .opblock-tag", timeout=30_000)
        assert "POST" in page.locator(".swagger-ui").inner_text()
        page.wait_for_timeout(300)
        assert page.evaluate("window.__violations") == []
        assert requested and all(url.startswith(public) for url in requested), requested
