"""A change's page (#/andring/ID), in a real headless Chromium against a live `orgchange serve`
with the Nacka sample: a registrar cancels a change with a reason, and corrects a change's
effective date in one step (one `correct_change`), and the change log and the org chart show
it; a reader and a visitor see the change and no control to change it (docs/web.md)."""

from __future__ import annotations

import httpx

from tests.browser import browser_page, hold_request, save_screenshot, wait_until_held
from tests.test_web_session import served, settled, sign_in_with_the_form  # noqa: F401 - the fixture

# Changes of the sample that nothing later builds on: a rename of Lokalenheten (cancelled
# below) and a rename of Park- och naturenheten (its effective date corrected below).
TO_CANCEL = "nacka-2017-031"
TO_CORRECT = "nacka-2018-012"


def graphql(url: str, query: str, variables: dict | None = None) -> dict:
    body = httpx.post(f"{url}/graphql", json={"query": query, "variables": variables or {}}).json()
    assert "errors" not in body, body
    return body["data"]


def change(url: str, change_id: str) -> dict:
    return graphql(
        url,
        "query($id: ID!) { change(id: $id) { id type effective cancelled cancelledBy entry "
        "cancellation { id type entry } } }",
        {"id": change_id},
    )["change"]


def events(url: str) -> int:
    return httpx.get(f"{url}/health").json()["events"]


def test_a_registrar_cancels_a_change_from_its_page_with_a_reason_the_page_insists_on(served) -> None:  # noqa: F811
    url, tokens, _ = served
    with browser_page() as page:
        sign_in_with_the_form(page, url, tokens["registrar"])
        page.goto(f"{url}/#/andringar?typ=rename_unit")
        settled(page, "Ändringslogg")
        page.click(f"#log li[data-change='{TO_CANCEL}'] a")  # every change in the log links to its page
        settled(page, f"Ändring {TO_CANCEL}")
        assert page.inner_text("#change-status") == "gäller"
        assert "Stadsdirektör 2017-06-19" in page.inner_text("#change-decision")

        page.click("#cancel-button")  # without a reason: refused on the page, next to the field
        page.wait_for_selector("#cancel-reason-error:not([hidden])")
        assert page.inner_text("#cancel-reason-error") == "Skriv varför ändringen makuleras."
        assert page.get_attribute("#cancel-reason", "aria-invalid") == "true"
        assert page.evaluate("document.activeElement.id") == "cancel-reason"
        assert change(url, TO_CANCEL)["cancelled"] is False

        page.fill("#cancel-reason", "Namnbytet registrerades på fel enhet.")
        page.click("#cancel-button")
        page.wait_for_selector("#change-result")
        settled(page, f"Ändring {TO_CANCEL}")
        assert "är makulerad" in page.inner_text("#change-result")
        assert page.inner_text("#change-status").startswith("makulerad")
        assert page.locator("#cancel-form").count() == 0  # a cancelled change cannot be cancelled again
        save_screenshot(page, "web-change-cancelled")

    cancelled = change(url, TO_CANCEL)
    assert cancelled["cancelled"] is True
    assert cancelled["cancellation"]["type"] == "cancel_change"
    assert cancelled["cancellation"]["entry"]["reason"] == "Namnbytet registrerades på fel enhet."


def test_a_registrar_corrects_an_effective_date_in_one_step_and_the_log_and_the_chart_show_it(served) -> None:  # noqa: F811
    url, tokens, _ = served
    original = change(url, TO_CORRECT)
    unit, name, effective = original["entry"]["unit"], original["entry"]["name"], original["effective"]
    corrected_day = "2017-09-01"
    assert corrected_day < effective
    with browser_page() as page:
        sign_in_with_the_form(page, url, tokens["registrar"])
        page.goto(f"{url}/#/andring/{TO_CORRECT}")
        settled(page, f"Ändring {TO_CORRECT}")
        # The form starts from the change's own fields.
        assert page.input_value("#r-effective") == effective
        assert page.input_value("#r-name") == name
        assert page.input_value("#r-decision-reference") == original["entry"]["decision"]["reference"]

        # A name left empty: the page says so next to the field, and sends nothing.
        page.fill("#r-name", "")
        page.click("#correct-button")
        page.wait_for_selector("#r-name-error:not([hidden])")
        assert page.inner_text("#r-name-error") == "Namn måste fyllas i."
        assert page.get_attribute("#r-name", "aria-invalid") == "true"
        assert page.evaluate("document.activeElement.id") == "r-name"
        page.fill("#r-name", name)
        # A day before the deciding post existed: the register refuses, in Swedish, and the page
        # shows it next to the field whose value the refusal names.
        page.fill("#r-effective", "2000-01-01")
        page.click("#correct-button")
        page.wait_for_selector("#r-decision-position-error:not([hidden])")
        assert "det finns ingen befattning 'stadsdirektor'" in page.inner_text("#r-decision-position-error")
        assert page.locator("#r-name-error").is_hidden()
        assert change(url, TO_CORRECT)["cancelled"] is False

        before = events(url)
        page.fill("#r-effective", corrected_day)
        page.click("#correct-button")
        page.wait_for_selector("#change-result")
        settled(page, f"Ändring {TO_CORRECT}")
        assert page.inner_text("#change-result") == (
            f"Ändringen {TO_CORRECT} är rättad: den är makulerad och ersatt av {TO_CORRECT}-r1."
        )
        assert page.inner_text("#change-replaced-by") == f"{TO_CORRECT}-r1"
        assert events(url) == before + 2  # the correction and its replacement: one event pair

        page.click("#change-replaced-by a")
        settled(page, f"Ändring {TO_CORRECT}-r1")
        assert page.inner_text("#change-effective") == corrected_day

        page.goto(f"{url}/#/andringar?enhet={unit}&typ=rename_unit")
        settled(page, "Ändringslogg")
        page.wait_for_selector(f"#log li[data-change='{TO_CORRECT}-r1']")
        assert corrected_day in page.inner_text(f"#log li[data-change='{TO_CORRECT}-r1']")
        assert page.locator(f"#log li[data-change='{TO_CORRECT}'] .badge").inner_text() == "makulerad"

        page.goto(f"{url}/#/organisation?datum=2017-09-15")
        settled(page, "Organisationen")
        page.wait_for_selector(f"#tree li[data-unit='{unit}']")
        assert page.inner_text(f"#tree li[data-unit='{unit}'] > a") == name
        save_screenshot(page, "web-change-corrected")

    replacement = change(url, f"{TO_CORRECT}-r1")
    assert (replacement["effective"], replacement["cancelled"]) == (corrected_day, False)
    assert change(url, TO_CORRECT)["cancellation"]["type"] == "correct_change"


def test_a_reader_and_a_visitor_see_a_change_and_no_control_to_change_it(served) -> None:  # noqa: F811
    url, tokens, _ = served
    address = f"{url}/#/andring/nacka-2017-005"
    with browser_page() as page:
        page.goto(address)
        settled(page, "Ändring nacka-2017-005")
        assert page.locator("main button, main form, main textarea").count() == 0

        sign_in_with_the_form(page, url, tokens["reader"])
        page.goto(address)
        settled(page, "Ändring nacka-2017-005")
        assert page.get_attribute("body", "data-role") == "reader"
        assert page.locator("main button, main form, main textarea").count() == 0
        assert page.locator("[data-nav=anmalan]:visible").count() == 0
        # The API refuses the reader's session anyway, with its anti-CSRF token and all.
        answer = page.evaluate(
            """async () => {
                const session = await (await fetch('/session')).json();
                const response = await fetch('/graphql', {method: 'POST', headers: {
                    'Content-Type': 'application/json', 'X-CSRF-Token': session.csrfToken},
                  body: JSON.stringify({query: 'mutation($f: JSON!) { recordChanges(file: $f) }',
                    variables: {f: {format: 'orgchange/v1', changes: [
                      {type: 'cancel_change', change: 'nacka-2018-011', reason: 'läsaren'}]}}})});
                return {status: response.status, body: await response.json()};
            }"""
        )
    assert answer["status"] == 403
    assert answer["body"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert change(url, "nacka-2018-011")["cancelled"] is False


def test_a_cancellation_answered_after_the_registrar_went_on_says_so_and_leaves_them_there(served) -> None:  # noqa: F811
    """A registrar who asks for a cancellation and goes on to another view before the register
    answers stays on that view: the answer is said in the page's status line, not by taking
    them back to the change's page."""
    url, tokens, _ = served
    renames = graphql(
        url, '{ changes(types: ["rename_unit"], first: 50) { edges { node { id cancelled } } } }'
    )
    target = next(
        edge["node"]["id"]
        for edge in renames["changes"]["edges"]
        if edge["node"]["id"] not in (TO_CANCEL, TO_CORRECT) and not edge["node"]["cancelled"]
    )
    with browser_page() as page:
        sign_in_with_the_form(page, url, tokens["registrar"])
        page.goto(f"{url}/#/andring/{target}")
        settled(page, f"Ändring {target}")
        held = hold_request(page, "**/graphql", lambda r: "recordChanges" in (r.post_data or ""))
        page.fill("#cancel-reason", "Registrerad två gånger.")
        page.click("#cancel-button")
        saving = wait_until_held(page, held, "the cancellation")

        page.evaluate("() => { location.hash = '#/tillganglighet'; }")
        settled(page, "Tillgänglighetsredogörelse")
        with page.expect_response(lambda r: r.request is saving.request):
            saving.continue_()
        page.wait_for_function(
            "id => document.getElementById('status').textContent.startsWith(`Ändringen ${id}`)", arg=target
        )
        page.evaluate("() => new Promise((done) => setTimeout(done, 300))")  # nothing more comes of it

        assert page.inner_text("main h1").startswith("Tillgänglighetsredogörelse")
        assert "#/tillganglighet" in page.url
        said = page.text_content("#status") or ""
    # (accepted or refused, as the register had it: the page says which)
    assert change(url, target)["cancelled"] == (f"Ändringen {target} är makulerad" in said)
