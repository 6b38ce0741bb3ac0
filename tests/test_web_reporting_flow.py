"""Reporting to a board from the web page (#/anmalan), in a real headless Chromium against a live
`orgchange serve` with the Nacka sample: the board's secretary sees what is still to be reported
to Kommunstyrelsen, reports two changes to a meeting, notes the report with its § after the
meeting, and opens the meeting's review pack with one click (docs/reporting.md)."""

from __future__ import annotations

import httpx

from tests.browser import browser_page, save_screenshot
from tests.test_web_session import served, settled, sign_in_with_the_form  # noqa: F401 - the fixture

MEETING = "2018-11-12"


def graphql(url: str, query: str, variables: dict | None = None) -> dict:
    body = httpx.post(f"{url}/graphql", json={"query": query, "variables": variables or {}}).json()
    assert "errors" not in body, body
    return body["data"]


def unreported(url: str) -> list[dict]:
    return graphql(url, '{ unreportedChanges(board: "ks") { id summary reportTo } }')["unreportedChanges"]


def test_the_secretary_reports_two_changes_to_a_meeting_notes_it_and_opens_its_review_pack(served) -> None:  # noqa: F811
    url, tokens, _ = served
    waiting = unreported(url)
    assert len(waiting) >= 3
    first, second = waiting[0], waiting[1]
    with browser_page() as page:
        sign_in_with_the_form(page, url, tokens["registrar"])
        page.click("[data-nav=anmalan]")  # the registrar's menu has the view
        settled(page, "Anmälan till Kommunstyrelsen")
        listed = page.locator("#unreported li[data-change]")
        assert [listed.nth(i).get_attribute("data-change") for i in range(listed.count())] == [
            c["id"] for c in waiting
        ]
        # Who it is reported to, as the register derives it.
        assert "Anmäls till Kommunstyrelsen" in page.inner_text(
            f"#unreported li[data-change='{first['id']}']"
        )

        page.click("#report-button")  # nothing chosen, no meeting: said on the page, nothing sent
        page.wait_for_selector("#report-changes-error:not([hidden])")
        assert page.inner_text("#report-changes-error") == "Välj minst en ändring att anmäla."
        assert page.inner_text("#report-meeting-error") == "Välj sammanträdets datum (ÅÅÅÅ-MM-DD)."
        assert page.get_attribute("#report-meeting", "aria-invalid") == "true"

        page.check(f"#pick-{first['id']}")
        page.check(f"#pick-{second['id']}")
        page.fill("#report-meeting", MEETING)
        page.click("#report-button")
        page.wait_for_selector("#report-result")
        settled(page, "Anmälan till Kommunstyrelsen")
        assert page.inner_text("#report-result").startswith(
            f"2 ändringar anmälda till Kommunstyrelsen, sammanträdet {MEETING}."
        )
        assert page.locator(f"#unreported li[data-change='{first['id']}']").count() == 0
        meeting = page.locator(f"#report-meetings li[data-meeting='{MEETING}']")
        assert "2 ändringar anmälda" in meeting.inner_text()
        assert meeting.locator(".noted").inner_text() == "ej noterat"

        page.fill(f"#note-{MEETING}-paragraph", "")
        page.click(f"#note-{MEETING} button")  # no § yet: said next to the field
        page.wait_for_selector(f"#note-{MEETING}-paragraph-error:not([hidden])")
        page.fill(f"#note-{MEETING}-paragraph", "§ 301")
        page.click(f"#note-{MEETING} button")
        page.wait_for_selector("#report-result:has-text('är noterad')")  # the report's own result is gone
        settled(page, "Anmälan till Kommunstyrelsen")
        assert (
            page.inner_text("#report-result") == f"Anmälan till Kommunstyrelsen {MEETING} är noterad, § 301."
        )
        meeting = page.locator(f"#report-meetings li[data-meeting='{MEETING}']")
        assert meeting.locator(".noted").inner_text() == "noterat § 301"
        assert page.locator(f"#note-{MEETING}").count() == 0
        save_screenshot(page, "web-reporting-noted")

        with page.expect_popup() as opened:
            meeting.locator("a.pack-html").click()
        pack = opened.value
        pack.wait_for_load_state()
        text = pack.inner_text("body")
        assert first["summary"] in text and second["summary"] in text
        assert "noterade informationen till protokollet (§ 301)" in text
        pdf = page.request.get(meeting.locator("a.pack-pdf").evaluate("a => a.href"))
        assert pdf.ok and pdf.body().startswith(b"%PDF")

    report = graphql(
        url,
        'query($m: Date!) { reports(board: "ks", meeting: $m) { changeIds notedParagraph } }',
        {"m": MEETING},
    )["reports"]
    assert report == [{"changeIds": [first["id"], second["id"]], "notedParagraph": "§ 301"}]
    assert [c["id"] for c in unreported(url)] == [c["id"] for c in waiting[2:]]


def test_a_reader_sees_what_is_to_be_reported_and_the_review_packs_and_no_control(served) -> None:  # noqa: F811
    url, tokens, _ = served
    with browser_page() as page:
        sign_in_with_the_form(page, url, tokens["reader"])
        assert page.locator("[data-nav=anmalan]:visible").count() == 0
        page.goto(f"{url}/#/anmalan?namnd=ks")
        settled(page, "Anmälan till Kommunstyrelsen")
        page.wait_for_selector("#report-meetings a.pack-html")
        assert page.locator("#unreported li").count() >= 1
        assert (
            page.locator(
                "main button, main input[type=checkbox], main input[type=date], #report-form"
            ).count()
            == 0
        )
        assert page.locator("main form:not(#board-form)").count() == 0
