"""The web page's view of a draft (#/utkast/ID), in a real headless Chromium against a live
`orgchange serve`: a registrar sees the draft, what is wrong with it and what it would do."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from api.graphql.types.change_input import DRAFTED_TYPES
from orgchange.domain.changes import CHANGE_CLASSES
from tests.browser import (
    answered_after_leaving,
    browser_page,
    hold_request,
    save_screenshot,
    settled,
    sign_out_in_the_page,
    wait_until_held,
)

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


@contextmanager
def _serving(folder: Path) -> Iterator[tuple[str, str, str]]:
    """The Nacka sample served by `orgchange serve` from a new database in `folder`, with a
    registrar's token and a reader's."""
    env = {**os.environ, "ORGCHANGE_DATABASE_URL": f"sqlite:///{folder / 'web.db'}", "ORGCHANGE_USER": "test"}
    subprocess.run([sys.executable, "-m", "orgchange", "demo"], env=env, check=True, capture_output=True)

    def token(name: str, role: str) -> str:
        created = subprocess.run(
            [sys.executable, "-m", "orgchange", "token", "create", name, "--role", role],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return created.stdout.strip()

    registrar, reader = token("registratorn", "registrar"), token("lasaren", "reader")
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
        yield url, registrar, reader
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """The Nacka sample served by `orgchange serve`, and a registrar's token for it."""
    with _serving(tmp_path_factory.mktemp("drafts-web")) as (url, registrar, _):
        yield url, registrar


@pytest.fixture
def fresh(tmp_path) -> Iterator[tuple[str, str, str]]:
    """A register of its own for a test that records: the sample as the demo makes it, served,
    with a registrar's token and a reader's."""
    with _serving(tmp_path) as running:
        yield running


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


# --- the workspace: drafting, checking, mending and recording in the page ------------------------


def _sign_in_in_the_page(page, url: str, token: str) -> None:
    """Signed in as a person signs in: the token typed into the page's own form."""
    page.goto(f"{url}/#/logga-in")
    page.fill("#token", token)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_selector("#signout:not([hidden])")
    # Signed in, the page shows the organisation: let it finish drawing before going elsewhere.
    settled(page, "Organisationen")
    page.wait_for_selector("#chart svg g.node")


def _saved(page, revision_above: int) -> int:
    """Waits until the page has saved the draft beyond `revision_above` and every save is done;
    the revision it is at."""
    page.wait_for_function(
        "(n) => { const m = /version (\\d+)/.exec(document.getElementById('draft-meta')?.textContent || '');"
        " return m && Number(m[1]) > n && !/Sparar/.test(document.getElementById('save-state')?.textContent || ''); }",
        arg=revision_above,
    )
    return _revision(page)


def _revision(page) -> int:
    text = page.inner_text("#draft-meta")
    return int(text.split("version ")[1].split()[0])


def _add_change(page, change_type: str, fields: dict[str, str]) -> None:
    """Adds a change of `change_type` with the page's form, one field after another as a person
    would (each saved as it is left), and closes the form."""
    revision = _revision(page)
    page.select_option("#new-change-type", change_type)
    page.get_by_role("button", name="Lägg till", exact=True).click()
    page.wait_for_selector(f'#change-form[data-type="{change_type}"]')
    revision = _saved(page, revision - 1)
    for field, value in fields.items():
        control = page.locator(f'#change-form [data-field="{field}"]')
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
            control.press("Tab")
        revision = _saved(page, revision)
    page.locator("#change-form").get_by_role("button", name="Klar").click()
    page.wait_for_selector("#change-form", state="detached")


MERGE = {
    "effective": "2019-01-01",
    "units": "trafikenheten, park-och-naturenheten",
    "into": "trafik-och-park",
    "name": "Enheten för trafik, park och natur",
    "kind": "unit",
    "parent": "territorieomradet",
}


def _editing_controls(page) -> int:
    """How many editing controls a person can see and use on the page."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-requires-write], #record-file, #new-draft, #change-form,'
             + ' #record-draft, #add-change, [data-fix]')]
           .filter((e) => e.offsetParent !== null || e.getClientRects().length > 0).length"""
    )


def test_a_registrar_drafts_a_merger_mends_the_delegation_it_breaks_and_records_it_in_the_page(fresh):
    """The whole of a registrar's work in the page (issue: the registrar's workspace): a merger of
    two units in which the post holding the traffic board's delegation N.1 is abolished; the
    preview shows the delegation left without a delegate, the suggested amendment is added in one
    click and the gap is gone; with the decision filled in, the draft is recorded, and the
    register's answers show the new organisation at once. Signed out, and as a reader, the page
    offers no editing at all."""
    url, registrar, reader = fresh
    with browser_page(height=1000) as page:
        _sign_in_in_the_page(page, url, registrar)
        assert "registrator" in page.inner_text("#who")

        page.goto(f"{url}/#/utkast")
        page.fill("#new-draft-name", "Trafik och park")
        page.get_by_role("button", name="Skapa utkast").click()
        page.wait_for_selector("#add-change")
        assert page.inner_text("main h1") == "Utkast: Trafik och park"
        draft = page.url.rsplit("/", 1)[1]

        _add_change(page, "merge_units", MERGE)
        _add_change(
            page,
            "establish_position",
            {"position": "trafik-och-parkchef", "title": "Trafik- och parkchef", "unit": "trafik-och-park"},
        )
        _add_change(page, "abolish_position", {"position": "trafikchef"})

        gap = page.locator('#gaps li.gap[data-delegation="ntn-n1"]')
        gap.wait_for()
        assert "Trafikchef" in gap.inner_text()
        assert "trafik-och-park" in page.inner_text("#added")
        assert "trafikchef" in page.inner_text("#abolished")
        assert page.locator("#sentences li").count() == 3
        page.wait_for_function(  # the service's charts before and after, drawn
            "() => ['chart-before', 'chart-after'].every((id) => {"
            " const i = document.getElementById(id); return i && i.complete && i.naturalWidth > 0; })"
        )
        save_screenshot(page, "web-drafts-gap")

        revision = _revision(page)
        gap.locator('li.fix[data-type="amend_delegation"] button').click()
        _saved(page, revision)
        page.wait_for_selector("#no-gaps")
        assert page.locator("#gaps li.gap").count() == 0
        assert page.locator('#draft-changes > li[data-type="amend_delegation"]').count() == 1

        assert page.locator("#record-draft").is_disabled()  # no decision yet
        revision = _revision(page)
        page.fill("#f-common-body", "ks")
        page.fill("#f-common-date", "2018-12-10")
        page.fill("#f-common-paragraph", "§ 400")
        page.fill("#f-common-reference", "KFKS 2018/1")
        page.get_by_role("button", name="Fyll i beslutet på ändringarna").click()
        _saved(page, revision)
        assert page.locator("#record-draft").is_enabled(), page.inner_text("#record-why")

        page.locator("#record-draft").click()
        page.wait_for_selector("#recorded-notice")
        assert page.inner_text("#draft-status") == "registrerat"
        assert page.locator("#recorded-changes li").count() == 4
        assert page.locator("#add-change").count() == 0
        save_screenshot(page, "web-drafts-recorded")

        page.goto(f"{url}/#/organisation?datum=2019-01-01")
        page.wait_for_selector('#tree [data-unit="trafik-och-park"]')
        assert page.locator('#tree [data-unit="trafikenheten"]').count() == 0

        page.goto(f"{url}/#/andringar?fran=2019-01-01&till=2019-01-01")
        page.wait_for_selector("#log li")
        log = page.inner_text("#log")
        assert "Enheten för trafik, park och natur bildades genom sammanslagning" in log
        assert "KFKS 2018/1" in log

        page.goto(f"{url}/#/delegationer?datum=2019-01-01&namnd=ntn")
        row = page.locator('#table tr[data-delegation="ntn-n1"]')
        row.wait_for()
        assert "trafik-och-parkchef" in row.inner_text()
        assert "gap" not in (row.get_attribute("class") or "")

        page.goto(f"{url}/#/andringar")
        page.wait_for_selector("#record-file")
        sign_out_in_the_page(page)
        settled(page, "Ändringslogg")  # the view drawn again, for a visitor
        page.wait_for_selector("#log li")
        assert _editing_controls(page) == 0
        page.goto(f"{url}/#/utkast/{draft}")
        page.wait_for_selector("#signin")
        assert _editing_controls(page) == 0

        _sign_in_in_the_page(page, url, reader)
        assert "läsare" in page.inner_text("#who")
        page.goto(f"{url}/#/andringar")
        page.wait_for_selector("#log li")
        assert _editing_controls(page) == 0
        page.goto(f"{url}/#/utkast")
        settled(page, "Utkast")
        assert page.locator("#drafts").count() == 0
        assert _editing_controls(page) == 0
        assert "registratorer" in page.inner_text("main")


def test_recording_asked_for_as_another_draft_is_opened_records_neither(fresh):
    """ "Registrera" waits for the draft's saves to be done; if the registrar has opened another
    draft meanwhile, nothing is recorded — neither the draft asked for (its page was left) nor
    the one now shown (which nobody asked to record)."""
    url, registrar, _ = fresh
    rename = {"type": "rename_unit", "effective": "2018-06-01", "unit": "trafikenheten", "name": "Trafik"}
    ready = {"format": "orgchange/v1", "changes": [{**rename, "decision": DECISION}]}
    first = _draft(url, registrar, "Att registrera", ready)
    other = _draft(url, registrar, "Ett annat", ready)
    with browser_page() as page:
        _signed_in(page, url, registrar)
        page.goto(f"{url}/#/utkast/{first}")
        page.wait_for_selector("#record-draft:not([disabled])")
        page.click('[data-edit="0"]')
        page.wait_for_selector('#change-form[data-index="0"]')
        held = hold_request(page, "**/graphql", lambda r: "updateDraft" in (r.post_data or ""))
        _note_left_then(page, "En sista rad", "document.getElementById('record-draft').click();")
        saving = wait_until_held(page, held, "the note's save")
        page.evaluate(f"() => {{ location.hash = '#/utkast/{other}'; }}")
        page.wait_for_function("() => document.querySelector('main h1')?.textContent === 'Utkast: Ett annat'")
        saving.continue_()
        page.evaluate("() => new Promise((done) => setTimeout(done, 500))")  # a recording, if any, sent

    for draft in (first, other):
        answer = httpx.post(
            f"{url}/graphql",
            json={"query": "query($id: ID!) { draft(id: $id) { status } }", "variables": {"id": draft}},
            headers={"Authorization": f"Bearer {registrar}"},
        )
        assert answer.json()["data"]["draft"]["status"] == "open", draft


def test_a_draft_the_register_has_moved_under_shows_its_conflicts_and_cannot_be_recorded(fresh):
    """A change recorded after the draft was made (here: the unit the draft moves is dissolved
    before the move) leaves the draft conflicting: the page names the draft's change that no
    longer fits, and offers no way to record it; the API refuses it too."""
    url, registrar, _ = fresh
    move = {
        "type": "move_unit",
        "effective": "2019-06-01",
        "unit": "bygglovenheten",
        "parent": "planenheten",
        "decision": DECISION,
    }
    draft = _draft(url, registrar, "Bygglov under plan", {"format": "orgchange/v1", "changes": [move]})
    dissolved = httpx.post(
        f"{url}/changes",
        json={
            "format": "orgchange/v1",
            "changes": [
                {
                    "type": "dissolve_unit",
                    "effective": "2019-01-01",
                    "unit": "bygglovenheten",
                    "decision": DECISION,
                }
            ],
        },
        headers={"Authorization": f"Bearer {registrar}"},
    )
    assert dissolved.status_code == 200, dissolved.text
    with browser_page() as page:
        _signed_in(page, url, registrar)
        page.goto(f"{url}/#/utkast/{draft}")
        page.wait_for_selector("#conflicts")

        [conflict] = page.locator("#conflict-list > li").all()
        assert conflict.get_attribute("data-index") == "1"
        assert "bygglovenheten" in conflict.inner_text()
        assert page.locator("#record-draft").is_disabled()
        assert "ändrats" in page.inner_text("#record-why")
        save_screenshot(page, "web-drafts-conflict")
    refused = httpx.post(f"{url}/drafts/{draft}/record", headers={"Authorization": f"Bearer {registrar}"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "DRAFT_CONFLICT"


def test_a_broken_rule_is_shown_next_to_the_field_it_concerns(served):
    """A post established in a unit the register does not have: the check's message appears under
    the unit field, in Swedish, tied to it (aria-describedby) and the field marked invalid."""
    url, token = served
    with browser_page() as page:
        _signed_in(page, url, token)
        page.goto(f"{url}/#/utkast")
        page.fill("#new-draft-name", "Fel enhet")
        page.get_by_role("button", name="Skapa utkast").click()
        page.wait_for_selector("#add-change")
        revision = _revision(page)
        page.select_option("#new-change-type", "establish_position")
        page.get_by_role("button", name="Lägg till", exact=True).click()
        page.wait_for_selector('#change-form[data-type="establish_position"]')
        revision = _saved(page, revision)
        for field, value in {
            "effective": "2019-01-01",
            "position": "ny-chef",
            "title": "Ny chef",
            "unit": "ingen-sadan-enhet",
        }.items():
            page.fill(f"#f-{field}", value)
            page.press(f"#f-{field}", "Tab")
            revision = _saved(page, revision)

        error = page.locator("#f-unit-error")
        error.wait_for()
        assert "ingen-sadan-enhet" in error.inner_text()
        assert error.get_attribute("data-code") == "CHANGE_REJECTED"
        unit = page.locator("#f-unit")
        assert unit.get_attribute("aria-invalid") == "true"
        assert "f-unit-error" in (unit.get_attribute("aria-describedby") or "").split()
        assert page.locator("#f-title").get_attribute("aria-invalid") is None

        page.locator("#change-form").get_by_role("button", name="Klar").click()
        page.wait_for_function("() => document.activeElement.id === 'f-unit'")  # the focus goes to the error


def test_the_type_chosen_for_the_next_change_and_the_focus_outlast_a_redraw_of_the_changes(served):
    """The list of a draft's changes is drawn again whenever a save answers or the register's lists
    arrive, which can be just as a person has chosen the type of the next change: the choice and the
    focus stay where they were, so that "Lägg till" adds the type that is shown."""
    url, token = served
    draft = _draft(url, token, "Val av typ", WITHOUT_THE_LAWYER)
    with browser_page() as page:
        _signed_in(page, url, token)
        page.goto(f"{url}/#/utkast/{draft}")
        page.wait_for_selector("#add-change")
        revision = _revision(page)
        first = page.locator("#new-change-type option").first.get_attribute("value")
        assert first != "split_unit"
        page.select_option("#new-change-type", "split_unit")
        page.focus("#new-change-type")

        # A save that answers while the choice is shown: the draft renamed, the focus left alone.
        page.fill("#draft-name", "Val av typ, omdöpt")
        page.focus("#new-change-type")
        page.evaluate("() => document.getElementById('rename-draft').requestSubmit()")
        assert _saved(page, revision) == revision + 1
        page.wait_for_function("() => document.querySelector('main h1').textContent.endsWith('omdöpt')")

        assert page.eval_on_selector("#new-change-type", "s => s.value") == "split_unit"
        assert page.evaluate("() => document.activeElement.id") == "new-change-type"
        page.get_by_role("button", name="Lägg till", exact=True).click()
        page.wait_for_selector('#change-form[data-type="split_unit"]')


def test_a_name_being_typed_and_the_decision_field_in_use_outlast_a_save(served):
    """A save's answer draws the draft's name and decision panels again; a person typing a new
    name (not yet saved) or a decision keeps the text, the cursor and the focus."""
    url, token = served
    draft = _draft(url, token, "Namnbyte", WITHOUT_THE_LAWYER)
    with browser_page() as page:
        _open_form(page, url, token, draft, 0)

        for field, typed in (
            ("#draft-name", "Namnbyte, nytt nam"),
            ('[data-field="common.paragraph"]', "§ 1"),
        ):
            revision = _revision(page)
            page.fill(field, typed)
            page.focus(field)
            page.evaluate(
                """() => {
                    const note = document.querySelector('#change-form [data-field="note"]');
                    note.value = note.value + '.';
                    note.dispatchEvent(new Event('change', { bubbles: true }));
                }"""
            )
            _saved(page, revision)
            assert page.eval_on_selector(field, "e => e.value") == typed
            assert page.evaluate(f"() => document.activeElement === document.querySelector('{field}')")
            assert page.eval_on_selector(field, "e => e.selectionStart") == len(typed)
        assert page.inner_text("main h1") == "Utkast: Namnbyte"  # typed, not saved


def test_a_drafts_panels_are_marked_busy_until_the_registers_names_have_drawn_them_again(served):
    """The list of changes and the preview are drawn at once and again when the register's lists
    arrive (names for the keys they show): until then they say they are busy (aria-busy), so that
    assistive technology — and a test — waits for the drawing that stays. The lists' query is
    held back in the browser to make the moment last."""
    url, token = served
    draft = _draft(url, token, "Upptagen", WITHOUT_THE_LAWYER)
    with browser_page() as page:
        _signed_in(page, url, token)
        held = hold_request(page, "**/graphql", lambda r: "delegations(asOf" in (r.post_data or ""))
        page.goto(f"{url}/#/utkast/{draft}")
        page.wait_for_selector("#add-change")
        lists = wait_until_held(page, held, "the register's lists")
        busy = "() => ['draft-changes-panel', 'preview-area'].map((id) => document.getElementById(id).getAttribute('aria-busy'))"
        assert page.evaluate(busy) == ["true", "true"]

        lists.continue_()
        page.wait_for_function("() => !document.querySelector('[aria-busy]')")
        assert page.evaluate(busy) == [None, None]


def test_a_corrections_new_change_type_shows_its_fields_at_once_and_keeps_what_is_typed(served):
    """Choosing the type of a correction's replacement draws that type's fields at once, not when
    the save of the choice has answered: what is typed into them meanwhile stays. The save is held
    back in the browser until the field is filled."""
    url, token = served
    draft = _draft(
        url,
        token,
        "Rättelse",
        {"format": "orgchange/v1", "changes": [{"type": "correct_change", "change": "nacka-2016-01"}]},
    )
    with browser_page() as page:
        _signed_in(page, url, token)
        page.goto(f"{url}/#/utkast/{draft}")
        page.wait_for_selector("#add-change")
        page.click('[data-edit="0"]')
        page.wait_for_selector('#change-form[data-type="correct_change"]')
        revision = _revision(page)
        held = hold_request(page, "**/graphql", lambda r: "updateDraft" in (r.post_data or ""))

        page.select_option('#change-form [data-field="replacement.type"]', "rename_unit")
        name = page.locator('#change-form [data-field="replacement.name"]')
        assert name.count() == 1  # drawn at once, the save still held
        assert page.evaluate("() => document.activeElement.dataset.field") == "replacement.type"
        name.fill("Enheten med rättat namn")
        wait_until_held(page, held, "the choice's save").continue_()
        _saved(page, revision)

        assert name.input_value() == "Enheten med rättat namn"
    saved = httpx.get(
        f"{url}/drafts/{draft}/file?format=json", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert saved["changes"][0]["replacement"]["type"] == "rename_unit"


def _posts(*keys: str) -> dict:
    """A change file establishing a post of each key under the kommunstyrelse."""
    return {
        "format": "orgchange/v1",
        "changes": [
            {
                "type": "establish_position",
                "effective": "2019-01-01",
                "position": k,
                "title": k.title(),
                "unit": "ks",
            }
            for k in keys
        ],
    }


def _open_form(page, url: str, token: str, draft: str, index: int) -> None:
    """Signed in, the draft's page with the form of its change at `index` open."""
    _signed_in(page, url, token)
    page.goto(f"{url}/#/utkast/{draft}")
    page.click(f'[data-edit="{index}"]')
    page.wait_for_selector(f'#change-form[data-index="{index}"]')


def _note_left_then(page, note: str, then: str) -> None:
    """In one turn of the page's script, as quick hands can do it: the open form's note set to
    `note` and left (its save asked for), then `then` (a statement of the page's script)."""
    page.evaluate(
        "() => { const field = document.querySelector('#change-form [data-field=\"note\"]');"
        f" field.value = {json.dumps(note)};"
        " field.dispatchEvent(new Event('change', { bubbles: true }));"
        f" {then} }}"
    )


def _file(url: str, token: str, draft: str) -> dict:
    answer = httpx.get(f"{url}/drafts/{draft}/file?format=json", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_one_removal_and_one_addition_at_a_time_each_of_the_change_clicked(served):
    """A removal is on its way: no other is offered until it is saved (the places in the list are
    then those of the file it edits), so a second "Ta bort" clicked at once removes nothing, and
    the buttons come back once it is saved. "Lägg till" clicked twice at once adds one change."""
    url, token = served
    draft = _draft(url, token, "Snabba klick", _posts("forsta", "andra", "tredje"))
    with browser_page() as page:
        _signed_in(page, url, token)
        page.goto(f"{url}/#/utkast/{draft}")
        page.wait_for_selector('#draft-changes [data-remove="2"]')
        revision = _revision(page)
        page.evaluate(
            """() => { document.querySelector('[data-remove="0"]').click();
                       document.querySelector('[data-remove="1"]').click(); }"""
        )
        revision = _saved(page, revision)
        page.evaluate("() => new Promise((done) => setTimeout(done, 300))")  # a second save, if any, sent
        assert [c["position"] for c in _file(url, token, draft)["changes"]] == ["andra", "tredje"]
        assert page.is_enabled('[data-remove="1"]')
        page.click('[data-remove="1"]')
        revision = _saved(page, revision)
        assert [c["position"] for c in _file(url, token, draft)["changes"]] == ["andra"]

        page.evaluate(
            """() => { const form = document.getElementById('add-change');
                       form.requestSubmit(); form.requestSubmit(); }"""
        )
        page.wait_for_selector('#change-form[data-index="1"]')
        _saved(page, revision)
        page.evaluate("() => new Promise((done) => setTimeout(done, 300))")  # a second save, if any, sent
        assert len(_file(url, token, draft)["changes"]) == 2


def test_the_form_open_on_a_change_saves_to_it_after_a_change_before_it_is_removed(served):
    url, token = served
    draft = _draft(url, token, "Flyttad ändring", _posts("forsta", "andra"))
    with browser_page() as page:
        _open_form(page, url, token, draft, 1)
        revision = _revision(page)
        page.click('[data-remove="0"]')
        revision = _saved(page, revision)
        assert page.get_attribute("#change-form", "data-index") == "0"
        assert page.inner_text("#editor-h").startswith("Ändring 1")

        page.fill('#change-form [data-field="note"]', "Flyttad upp")
        page.press('#change-form [data-field="note"]', "Tab")
        _saved(page, revision)
    assert _file(url, token, draft)["changes"] == [{**_posts("andra")["changes"][0], "note": "Flyttad upp"}]


def test_a_change_removed_just_after_one_of_its_fields_was_left_is_removed(served):
    """The field's save goes first and changes the entry; the removal that follows removes the
    change at the place clicked, which no other removal can have moved (one at a time)."""
    url, token = served
    draft = _draft(url, token, "Ändrad och borttagen", _posts("forsta", "andra"))
    with browser_page() as page:
        _open_form(page, url, token, draft, 1)
        revision = _revision(page)
        _note_left_then(page, "Strax borta", """document.querySelector('[data-remove="1"]').click();""")
        _saved(page, revision + 1)
    assert [c["position"] for c in _file(url, token, draft)["changes"]] == ["forsta"]


def test_a_removal_that_is_not_saved_leaves_the_open_form_on_its_change(served):
    """A removal of a change before the one in the form moves the form's place back; if the
    removal is not saved (here the request fails), the place is as it was, and a field left in
    the form meanwhile is saved to the form's change, not to the one before it. While the
    removal is on its way, no other change can be removed or opened."""
    url, token = served
    draft = _draft(url, token, "Misslyckad borttagning", _posts("forsta", "andra"))
    with browser_page() as page:
        _open_form(page, url, token, draft, 1)
        revision = _revision(page)
        held = hold_request(page, "**/graphql", lambda r: "updateDraft" in (r.post_data or ""))
        page.click('[data-remove="0"]')
        assert page.get_attribute("#change-form", "data-index") == "0"
        assert not page.is_enabled('[data-remove="1"]') and not page.is_enabled('[data-edit="0"]')
        page.fill('#change-form [data-field="note"]', "Kvar på sin plats")
        page.press('#change-form [data-field="note"]', "Tab")
        wait_until_held(page, held, "the removal's save").abort()
        _saved(page, revision)  # the field's save, after the removal that was not
        assert page.get_attribute("#change-form", "data-index") == "1"
        assert page.inner_text("#editor-h").startswith("Ändring 2")
        assert page.is_enabled('[data-remove="0"]') and page.is_enabled('[data-edit="0"]')  # offered again
    saved = _file(url, token, draft)["changes"]
    assert [c["position"] for c in saved] == ["forsta", "andra"]
    assert "note" not in saved[0] and saved[1]["note"] == "Kvar på sin plats"


def test_a_change_added_and_one_before_it_removed_at_once_keeps_what_is_typed_in_the_new_one(served):
    """ "Lägg till", then "Ta bort" on an earlier change before the addition is saved: the new
    change's form opens when the addition is saved and moves one place up when the removal is,
    so what is typed into it is saved to it."""
    url, token = served
    draft = _draft(url, token, "Tillagd och borttagen", _posts("forsta", "andra"))
    with browser_page() as page:
        _signed_in(page, url, token)
        page.goto(f"{url}/#/utkast/{draft}")
        page.wait_for_selector("#add-change")
        revision = _revision(page)
        held = hold_request(page, "**/graphql", lambda r: "updateDraft" in (r.post_data or ""))
        page.select_option("#new-change-type", "establish_position")
        page.get_by_role("button", name="Lägg till", exact=True).click()
        adding = wait_until_held(page, held, "the addition's save")
        page.click('[data-remove="0"]')
        adding.continue_()
        revision = _saved(page, revision + 1)
        page.wait_for_selector('#change-form[data-index="1"]')
        page.fill('#change-form [data-field="title"]', "Ny befattning")
        page.press('#change-form [data-field="title"]', "Tab")
        _saved(page, revision)
    saved = _file(url, token, draft)["changes"]
    assert [c.get("position") for c in saved] == ["andra", None]
    assert saved[1]["type"] == "establish_position" and saved[1]["title"] == "Ny befattning"


def test_a_form_replaced_while_a_removal_waits_saves_its_last_field_to_its_own_change(served):
    """The form of a change is replaced (by the form of a change just added) while a removal of a
    change before it waits its turn; the replaced form's last field is saved after the removal,
    to its change where the removal left it — not to the place it had, now another change's."""
    url, token = served
    draft = _draft(url, token, "Ersatt formulär", _posts("forsta", "andra", "tredje"))
    with browser_page() as page:
        _open_form(page, url, token, draft, 2)
        revision = _revision(page)
        held = hold_request(page, "**/graphql", lambda r: "updateDraft" in (r.post_data or ""))
        page.select_option("#new-change-type", "establish_position")
        page.get_by_role("button", name="Lägg till", exact=True).click()
        adding = wait_until_held(page, held, "the addition's save")
        page.click('[data-remove="0"]')
        page.fill('#change-form [data-field="note"]', "Den tredje, fast nu den andra")
        adding.continue_()
        page.wait_for_selector('#change-form[data-type="establish_position"]')
        _saved(page, revision + 2)
        page.wait_for_function(
            "() => !/Sparar/.test(document.getElementById('save-state')?.textContent || '')"
        )
        page.evaluate(
            "() => new Promise((done) => setTimeout(done, 300))"
        )  # the last save, if still on its way
        assert page.get_attribute("#change-form", "data-index") == "2"
    saved = _file(url, token, draft)["changes"]
    assert [c.get("position") for c in saved] == ["andra", "tredje", None]
    assert saved[1].get("note") == "Den tredje, fast nu den andra"
    assert "note" not in saved[2] and saved[2]["type"] == "establish_position"


def test_a_correction_form_drawn_again_while_a_removal_fails_stays_on_its_change(served):
    """A correction's form is drawn again when its replacement's type is chosen; if that happens
    while a removal of a change before it is on its way and the removal is then not saved, the
    form drawn again goes back to its change with the form it replaced, and saves there."""
    url, token = served
    correction = {"type": "correct_change", "change": "nacka-2016-01"}
    draft = _draft(
        url,
        token,
        "Rättelse och borttagning",
        {**_posts("forsta"), "changes": [*_posts("forsta")["changes"], correction]},
    )
    with browser_page() as page:
        _signed_in(page, url, token)
        page.goto(f"{url}/#/utkast/{draft}")
        page.click('[data-edit="1"]')
        page.wait_for_selector('#change-form[data-type="correct_change"][data-index="1"]')
        revision = _revision(page)
        held = hold_request(page, "**/graphql", lambda r: "updateDraft" in (r.post_data or ""))
        page.click('[data-remove="0"]')
        removal = wait_until_held(page, held, "the removal's save")
        page.select_option('#change-form [data-field="replacement.type"]', "rename_unit")
        assert page.get_attribute("#change-form", "data-index") == "0"
        removal.abort()
        _saved(page, revision)  # the type's save, after the removal that was not
        assert page.get_attribute("#change-form", "data-index") == "1"
        assert page.inner_text("#editor-h").startswith("Ändring 2")
    saved = _file(url, token, draft)["changes"]
    assert saved[0]["position"] == "forsta"
    assert saved[1]["type"] == "correct_change" and saved[1]["replacement"]["type"] == "rename_unit"


def test_lagg_till_asked_again_after_a_save_before_it_drew_the_panel_again_adds_one_change(served):
    """A field's save on its way, then "Lägg till": the field's save answers and draws the list
    again, with a new "Lägg till" — which waits, as the old one did, until the addition is saved."""
    url, token = served
    draft = _draft(url, token, "En i taget", _posts("forsta"))
    with browser_page() as page:
        _open_form(page, url, token, draft, 0)
        revision = _revision(page)
        held = hold_request(page, "**/graphql", lambda r: "updateDraft" in (r.post_data or ""))
        _note_left_then(page, "Först", "document.getElementById('add-change').requestSubmit();")
        field = wait_until_held(page, held, "the field's save")
        with page.expect_response(lambda r: r.request is field.request):
            field.continue_()
        page.wait_for_function(  # the field's save answered and the list drawn again
            "(n) => Number(/version (\\d+)/.exec(document.getElementById('draft-meta').textContent)[1]) > n",
            arg=revision,
        )
        page.evaluate("() => document.getElementById('add-change').requestSubmit()")  # asked again
        page.wait_for_selector('#change-form[data-index="1"]')
        _saved(page, revision + 1)
        page.evaluate("() => new Promise((done) => setTimeout(done, 500))")  # a third save, if any, sent
    saved = _file(url, token, draft)["changes"]
    assert len(saved) == 2 and saved[0]["note"] == "Först"


def test_text_typed_in_the_form_as_another_form_replaces_it_is_saved(served):
    """A field being typed in when the form is replaced (here by the form of a change just
    added, whose save was slow) is left first, and so saved, not dropped with the form.
    (Chromium itself leaves a focused field that is taken out of the page, so this holds the
    behaviour here; the page leaves it explicitly for browsers that do not.)"""
    url, token = served
    draft = _draft(url, token, "Skrivet i tid", _posts("forsta"))
    with browser_page() as page:
        _open_form(page, url, token, draft, 0)
        revision = _revision(page)
        held = hold_request(page, "**/graphql", lambda r: "updateDraft" in (r.post_data or ""))
        page.get_by_role("button", name="Lägg till", exact=True).click()
        adding = wait_until_held(page, held, "the addition's save")
        page.fill('#change-form [data-field="note"]', "Skrivet medan den nya sparades")
        adding.continue_()
        page.wait_for_selector('#change-form[data-index="1"]')
        _saved(page, revision + 1)
    assert _file(url, token, draft)["changes"][0]["note"] == "Skrivet medan den nya sparades"


def test_a_decision_filled_in_for_every_change_shows_in_the_form_that_is_open(served):
    """The decision applied to the draft's changes while a change's form is open: the form shows
    it, so that the next field left there does not save the decision fields as they were."""
    url, token = served
    draft = _draft(url, token, "Beslut i formuläret", _posts("forsta"))
    with browser_page() as page:
        _open_form(page, url, token, draft, 0)
        revision = _revision(page)
        page.fill('[data-field="common.body"]', "ks")
        page.fill('[data-field="common.date"]', "2018-11-12")
        page.click("#apply-decision")
        _saved(page, revision)
        page.wait_for_function(
            """() => document.querySelector('#change-form [data-field="decision.date"]')?.value === '2018-11-12'"""
        )
        revision = _revision(page)
        page.fill('#change-form [data-field="note"]', "Med beslut")
        page.press('#change-form [data-field="note"]', "Tab")
        _saved(page, revision)
    [change] = _file(url, token, draft)["changes"]
    assert change["decision"] == {"body": "ks", "date": "2018-11-12"}
    assert change["note"] == "Med beslut"


def test_a_draft_left_before_it_was_read_does_not_draw_over_the_view_gone_on_to(served):
    url, token = served
    draft = _draft(url, token, "Lämnat", WITHOUT_THE_LAWYER)
    with browser_page() as page:
        _signed_in(page, url, token)
        page.goto(f"{url}/#/andringar")
        settled(page, "Ändringslogg")
        answered_after_leaving(
            page,
            "draft(id:",
            "the draft's query",
            lambda: page.evaluate(f"() => {{ location.hash = '#/utkast/{draft}'; }}"),
            "#/andringar?typ=rename_unit",
            "Ändringslogg",
        )
        assert page.inner_text("main h1").startswith("Ändringslogg")
        assert page.locator("#draft-title").count() == 0


def test_a_change_added_while_an_edit_is_being_saved_keeps_the_edit(served):
    """Saves go one at a time; each applies its edit to the draft as the save before it left it.
    A note typed into a change's form (saved as the field is left) and a new change asked for at
    once: both are in the draft, the second save did not put back the file from before the first."""
    url, token = served
    draft = _draft(url, token, "Två sparningar", WITHOUT_THE_LAWYER)
    with browser_page() as page:
        _open_form(page, url, token, draft, 0)
        revision = _revision(page)

        # Both in one turn of the page's script, as a quick person's blur and click can come.
        _note_left_then(
            page, "Tjänsten upphör vid årsskiftet", "document.getElementById('add-change').requestSubmit();"
        )
        _saved(page, revision + 1)
        page.wait_for_selector('#change-form[data-index="1"]')

    saved = httpx.get(
        f"{url}/drafts/{draft}/file?format=json", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert len(saved["changes"]) == 2
    assert saved["changes"][0]["note"] == "Tjänsten upphör vid årsskiftet"
    assert saved["changes"][0]["position"] == "stadsjurist"


def test_a_view_asked_for_while_signing_out_is_shown_as_to_a_visitor(served):
    """Signing out shows the page signed out at once, while the server is still ending the
    session: a view asked for in that moment waits for it, and is the visitor's view (asked to
    sign in), not a request refused for a missing anti-CSRF token and a failed page."""
    url, token = served
    with browser_page() as page:
        _sign_in_in_the_page(page, url, token)
        page.goto(f"{url}/#/andringar")
        settled(page, "Ändringslogg")
        refused: list[str] = []
        page.on("response", lambda r: refused.append(r.url) if r.status == 403 else None)
        # The server's end of the session held back in the browser, so that the moment lasts.
        held = hold_request(page, "**/session", lambda r: r.method == "DELETE")

        page.evaluate("() => { document.getElementById('signout').click(); location.hash = '#/utkast'; }")
        page.wait_for_selector("#signin-link:not([hidden])")
        ending = wait_until_held(page, held, "the end of the session")
        page.evaluate("() => new Promise((done) => setTimeout(done, 500))")  # time for a view's requests
        ending.continue_()
        page.wait_for_selector("#signin")
        settled(page, "Logga in")

        assert refused == []
        assert page.locator("main p.error[role=alert]:not([hidden])").count() == 0
        session = page.evaluate("fetch('session').then((r) => r.json())")
        assert session["signedIn"] is False


def test_a_save_made_after_someone_else_saved_is_refused_and_the_registrar_is_told(served):
    """Two registrars on one draft: the one who saves second is told, and what they tried to save
    is shown to them rather than silently dropped; the draft keeps the first one's save."""
    url, token = served
    draft = _draft(url, token, "Två registratorer", WITHOUT_THE_LAWYER)
    with browser_page() as page:
        _signed_in(page, url, token)
        page.goto(f"{url}/#/utkast/{draft}")
        page.wait_for_selector("#draft-changes")
        page.locator('#draft-changes [data-edit="0"]').click()
        page.wait_for_selector("#change-form")

        other = {**WITHOUT_THE_LAWYER["changes"][0], "note": "den andras ändring"}
        saved = httpx.put(
            f"{url}/drafts/{draft}/file",
            json={"format": "orgchange/v1", "changes": [other]},
            headers={"Authorization": f"Bearer {token}", "If-Match": '"1"'},
        )
        assert saved.status_code == 200, saved.text

        page.fill("#f-note", "min ändring")
        page.press("#f-note", "Tab")
        alert = page.locator("#save-conflict")
        alert.wait_for()
        assert alert.get_attribute("data-code") == "DRAFT_CHANGED"
        assert "Någon annan har sparat utkastet" in alert.inner_text()
        assert "min ändring" in alert.locator("pre").text_content()

        page.get_by_role("button", name="Öppna den senaste versionen").click()
        page.wait_for_selector("#save-conflict", state="detached")
        assert page.locator("#editor").is_hidden()
        assert "version 2" in page.inner_text("#draft-meta")
    kept = httpx.get(f"{url}/drafts/{draft}", headers={"Authorization": f"Bearer {token}"}).json()
    assert kept["changes"][0]["note"] == "den andras ändring"


def test_a_change_file_opens_as_a_draft_and_the_draft_exports_as_one(served, tmp_path):
    """A file an engineer wrote and a draft made in the page are the same thing: the file opens
    as a draft with its changes, and the draft's export is that file again."""
    url, token = served
    file = tmp_path / "utan-stadsjurist.yaml"
    file.write_text(
        "format: orgchange/v1\nchanges:\n  - type: abolish_position\n    id: utan-jurist-1\n"
        "    effective: 2019-01-01\n    position: stadsjurist\n",
        encoding="utf-8",
    )
    with browser_page() as page:
        _signed_in(page, url, token)
        page.goto(f"{url}/#/utkast")
        page.set_input_files("#open-file-input", str(file))
        page.get_by_role("button", name="Öppna som utkast").click()
        page.wait_for_selector("#draft-changes > li[data-type]")
        assert page.inner_text("main h1") == "Utkast: utan-stadsjurist"
        assert page.locator("#draft-changes > li").count() == 1

        exported = page.request.get(page.locator("#file-link").evaluate("a => a.href"))
        assert exported.ok
        assert "id: utan-jurist-1" in exported.text()
        assert "position: stadsjurist" in exported.text()

        page.fill("#draft-name", "Utan stadsjurist 2019")
        page.get_by_role("button", name="Byt namn").click()
        page.wait_for_function(
            "() => document.querySelector('main h1').textContent === 'Utkast: Utan stadsjurist 2019'"
        )

        page.on("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Kasta utkastet").click()
        page.wait_for_selector("#discarded-notice")
        assert page.locator("#add-change").count() == 0


def test_the_draft_charts_before_and_after_mark_what_the_draft_changes(served):
    """The preview's org charts are the service's drawing of the part the draft touches, the units
    it ends marked on the chart before and those it starts on the chart after."""
    url, token = served
    merge = {
        "type": "merge_units",
        "effective": "2019-01-01",
        "units": ["bygg-och-anlaggning", "lokalenheten"],
        "into": "fastighet-och-bygg",
        "name": "Enheten för fastighet och bygg",
        "kind": "unit",
    }
    draft = _draft(url, token, "Fastighet och bygg", {"format": "orgchange/v1", "changes": [merge]})
    auth = {"Authorization": f"Bearer {token}"}
    before = httpx.get(f"{url}/drafts/{draft}/chart/before.svg", headers=auth)
    after = httpx.get(f"{url}/drafts/{draft}/chart/after.svg", headers=auth)
    assert before.headers["content-type"].startswith("image/svg+xml")
    assert "upphör" in before.text and "tillkommer" not in before.text
    assert "Enheten för fastighetsförvaltning" in before.text
    assert "tillkommer" in after.text and "Enheten för fastighet och bygg" in after.text
    broken = _draft(url, token, "Trasig", MOVED_UNDER_NOTHING)
    missing = httpx.get(f"{url}/drafts/{broken}/chart/after.svg", headers=auth)
    assert missing.status_code == 404
    assert missing.json()["code"] == "DRAFT_NOT_PREVIEWED"
    assert httpx.get(f"{url}/drafts/{draft}/chart/after.svg").status_code == 401


DRAFTS_JS = Path(__file__).resolve().parent.parent / "orgchange" / "web" / "drafts.js"


def _form_fields() -> dict[str, set[str]]:
    """The fields of each change type's form in drafts.js, with those every form has."""
    script = DRAFTS_JS.read_text(encoding="utf-8")
    terms = re.search(r"^const DELEGATION_TERMS = \[(.*?)\];$", script, flags=re.MULTILINE | re.DOTALL)
    assert terms is not None
    shared = re.findall(r'F\("(\w+)"', terms.group(1))
    table = re.search(r"^const TYPES = \{\n(.*?)\n\};$", script, flags=re.MULTILINE | re.DOTALL)
    assert table is not None
    forms: dict[str, set[str]] = {}
    for change_type, body in re.findall(
        r"^  (\w+): \{(.*?)\] \},?$", table.group(1), flags=re.MULTILINE | re.DOTALL
    ):
        fields = set(re.findall(r'F\("(\w+)"', body)) | {"id", "decision", "note"}
        if "...DELEGATION_TERMS" in body:
            fields |= set(shared)
        if "undated: true" not in body:
            fields.add("effective")
        forms[change_type] = fields
    return forms


def test_the_workspace_has_a_form_for_every_change_type_a_draft_can_hold_with_all_its_fields():
    """The change-file format is the contract: a form that left out a type or a field would make
    a draft made in the page less than a file an engineer can write."""
    forms = _form_fields()
    assert set(forms) == set(DRAFTED_TYPES)
    for change_type, fields in forms.items():
        model = CHANGE_CLASSES[change_type]
        keys = {field.alias or name for name, field in model.model_fields.items() if name != "type"}
        assert fields == keys, change_type


def test_the_findings_a_draft_would_create_are_shown_per_board(served):
    """A delegation granted on a repealed act (KL (1991:900)) is a finding of the board that grants
    it: the preview lists it under that board, before anything is recorded."""
    url, token = served
    grant = {
        "type": "grant_delegation",
        "effective": "2019-01-01",
        "delegation": "ntn-n9",
        "from": "ntn",
        "to": "trafikchef",
        "matter": "Beslut om parkeringstillstånd",
        "legal_basis": "KL (1991:900) 6 kap. 33 §",
        "decision": {"body": "ntn", "date": "2018-12-10"},
    }
    draft = _draft(url, token, "Parkering", {"format": "orgchange/v1", "changes": [grant]})
    with browser_page() as page:
        _signed_in(page, url, token)
        page.goto(f"{url}/#/utkast/{draft}")
        page.wait_for_selector("#findings li.finding")
        board = page.locator('#findings h3[data-board="ntn"]')
        board.wait_for()
        page.wait_for_function(  # named as soon as the page has read the register's names
            "() => document.querySelector('#findings h3[data-board=ntn]')?.textContent === 'Natur- och trafiknämnden'"
        )
        [finding] = page.locator("#findings li.finding").all()
        assert finding.get_attribute("data-code") == "REPEALED_ACT"
        assert "KL (1991:900)" in finding.inner_text()


# --- a spreadsheet read in as a draft (docs/baseline.md#over-http) ------------------------------


def test_a_spreadsheet_of_units_is_read_in_as_a_draft_and_nothing_is_recorded(served, tmp_path):
    """The registrar's start from a spreadsheet: the table goes to the dry run, the change file it
    answers opens as a draft, checked against the register; the register itself is untouched."""
    url, token = served
    table = tmp_path / "nya enheter.csv"
    table.write_text(
        "Kod;Namn;Typ;Överordnad;Chef\n"
        "it-stod;IT-stöd;enhet;Stödenheterna;IT-chef\n"
        "it-drift;IT-drift;enhet;it-stod;\n",
        encoding="utf-8-sig",
    )
    mapping = tmp_path / "mappning.yaml"
    mapping.write_text(
        "columns: {key: Kod, name: Namn, kind: Typ, parent: Överordnad, manager_title: Chef}\n",
        encoding="utf-8",
    )
    with browser_page() as page:
        _signed_in(page, url, token)
        page.goto(f"{url}/#/utkast")
        page.wait_for_selector("#open-sheet")
        assert page.locator("#sheet-board").is_hidden()
        page.set_input_files("#sheet-file", str(table))
        page.set_input_files("#sheet-mapping", str(mapping))
        page.fill("#sheet-as-of", "2019-02-01")
        page.get_by_role("button", name="Läs in som utkast").click()
        page.wait_for_selector("#draft-changes > li[data-type]")

        assert page.inner_text("main h1") == "Utkast: Utgångsläge 2019-02-01 (nya enheter.csv)"
        assert [li.get_attribute("data-type") for li in page.locator("#draft-changes > li").all()] == [
            "establish_unit",
            "establish_position",
            "establish_unit",
        ]
        page.wait_for_selector("#check-ok")
        save_screenshot(page, "web-draft-from-spreadsheet")

    unit = httpx.post(f"{url}/graphql", json={"query": '{ unit(id: "it-stod", asOf: "2019-02-01") { id } }'})
    assert unit.json()["data"]["unit"] is None


def test_a_spreadsheet_that_cannot_be_read_is_refused_in_the_form_naming_its_line(served, tmp_path):
    url, token = served
    table = tmp_path / "enheter.csv"
    table.write_text("key,name,kind,parent\nx,X,enhet,ingen-sadan-enhet\n", encoding="utf-8")
    with browser_page() as page:
        _signed_in(page, url, token)
        page.goto(f"{url}/#/utkast")
        page.set_input_files("#sheet-file", str(table))
        page.fill("#sheet-as-of", "2019-02-01")
        page.get_by_role("button", name="Läs in som utkast").click()
        page.wait_for_selector("#sheet-problems li")

        assert (
            page.inner_text("#open-sheet-error")
            == "Kalkylbladet kunde inte läsas in; ingenting registrerades."
        )
        assert page.inner_text("#sheet-problems li").startswith(
            "enheter.csv rad 2, kolumn 'parent': 'ingen-sadan-enhet' finns varken i tabellen eller i registret"
        )
        assert page.locator("#draft-changes").count() == 0


def test_a_delegationsordning_with_an_unmatched_title_lists_it_before_the_matched_rows_open_as_a_draft(
    served, tmp_path
):
    url, token = served
    table = tmp_path / "delegationsordning.csv"
    table.write_text(
        "code;matter;delegate\n1;Yttranden i brådskande ärenden;Stadsdirektör\n2;Attest;Chef för månbasen\n",
        encoding="utf-8",
    )
    with browser_page() as page:
        _signed_in(page, url, token)
        page.goto(f"{url}/#/utkast")
        page.select_option("#sheet-kind", "delegations")
        page.fill("#sheet-board", "ks")
        page.set_input_files("#sheet-file", str(table))
        page.fill("#sheet-as-of", "2019-02-01")
        page.get_by_role("button", name="Läs in som utkast").click()
        page.wait_for_selector("#sheet-unmatched li")

        assert page.locator("#sheet-unmatched li").all_inner_texts() == [
            "delegationsordning.csv rad 3, kolumn 'delegate': ingen befattning heter 'Chef för månbasen'"
        ]
        assert page.locator("#draft-changes").count() == 0
        page.get_by_role("button", name="Öppna de matchade som utkast").click()
        page.wait_for_selector("#draft-changes > li[data-type]")
        assert page.inner_text("main h1") == (
            "Utkast: Delegationsordning ks från 2019-02-01 (delegationsordning.csv)"
        )
        assert [li.get_attribute("data-type") for li in page.locator("#draft-changes > li").all()] == [
            "grant_delegation"
        ]


def test_a_column_mapping_too_long_to_send_is_refused_in_the_form_before_anything_is_sent(served, tmp_path):
    """The mapping travels in the query string, which with the headers must stay within 16 KiB:
    a mapping of 11,500 bytes of Swedish comments is 18,000 characters once URL-encoded. The form says so in
    words a registrar can act on, instead of the protocol's 431 or a broken connection."""
    url, token = served
    table = tmp_path / "enheter.csv"
    table.write_text("key,name,kind,parent\nx,X,enhet,ks\n", encoding="utf-8")
    mapping = tmp_path / "mappning.yaml"
    mapping.write_text(
        "".join(f"# kolumnen för överordnad enhet, rad {n}: så här läses den\n" for n in range(200))
        + "columns: {key: key}\n",
        encoding="utf-8",
    )
    assert 10_000 < mapping.stat().st_size < 16_000
    with browser_page() as page:
        _signed_in(page, url, token)
        page.goto(f"{url}/#/utkast")
        page.wait_for_selector("#open-sheet")
        page.set_input_files("#sheet-file", str(table))
        page.set_input_files("#sheet-mapping", str(mapping))
        page.fill("#sheet-as-of", "2019-02-01")
        page.get_by_role("button", name="Läs in som utkast").click()
        page.wait_for_selector("#open-sheet-error", state="visible")
        page.wait_for_timeout(1000)  # whatever the service would answer has come by now

        assert page.inner_text("#open-sheet-error").startswith("Kolumnmappningen är för lång")
        assert page.locator("#draft-changes").count() == 0
