"""`GET /reports/{board}/…`: the review pack of a meeting or a period (HTML, PDF) and the
changes not yet reported.

The pack itself is `orgchange.application.documents.review` (tested in tests/test_review.py); these tests
check what the service serves: the right changes, the status codes and messages.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from orgchange.application.documents.pdf import browser
from tests.support import IN_CI

from .conftest import Api, Tokens


class _Pack(HTMLParser):
    """The changes (data-change of the list items), citations and charts of a served pack."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.changes: list[str] = []
        self.charts: list[str] = []
        self.in_citation = False
        self.citations: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "li" and found.get("data-change"):
            self.changes.append(found["data-change"] or "")
        if tag == "figure":
            self.charts.append(found.get("data-chart") or "")
        self.in_citation = found.get("class") == "citation"

    def handle_data(self, data: str) -> None:
        if self.in_citation:
            self.citations.append(data)
            self.in_citation = False


def test_the_review_pack_of_a_meeting(api: Api) -> None:
    response = api.client.get("/reports/ks/2017-02-06.html")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    pack = _Pack(response.text)
    assert pack.changes == ["nacka-2017-002", "nacka-2017-003", "nacka-2017-004"]
    assert len(pack.citations) == 3 and all("KFKS 2016/880" in c for c in pack.citations)
    assert pack.charts == ["före", "efter"]
    assert "Anmälda ändringar till Kommunstyrelsen" in response.text
    assert "noterade informationen till protokollet (§ 27)" in response.text


def test_the_later_meeting_shows_the_gap_the_reorganisation_left(api: Api) -> None:
    response = api.client.get("/reports/ks/2017-11-13.html")

    assert response.status_code == 200
    pack = _Pack(response.text)
    assert pack.changes == [
        "nacka-2017-030",
        "nacka-2017-031",
        "nacka-2017-032",
        "nacka-2017-033",
        "nacka-2017-034",
    ]
    assert "data-delegation='ks-b1-samhallsbyggnad'" in response.text


def test_a_meeting_nothing_was_reported_to_is_404(api: Api) -> None:
    other_day = api.client.get("/reports/ks/2017-02-07.html")
    other_board = api.client.get("/reports/socialnamnden/2017-02-06.pdf")
    unknown_board = api.client.get("/reports/kommunstyrelsen/2017-02-06.html")

    assert other_day.status_code == other_board.status_code == unknown_board.status_code == 404
    assert other_day.json() == {
        "detail": "no changes were reported to 'ks' for the meeting 2017-02-07",
        "code": "NOT_FOUND",
    }
    assert "socialnamnden" in other_board.json()["detail"]
    assert unknown_board.json() == {
        "detail": "there is no unit 'kommunstyrelsen' in the register",
        "code": "NOT_FOUND",
    }


def test_a_bad_meeting_date_or_format_is_422_with_a_plain_message(api: Api) -> None:
    not_a_day = api.client.get("/reports/ks/2017-02-30.html")
    not_iso = api.client.get("/reports/ks/20170206.html")
    not_a_format = api.client.get("/reports/ks/2017-02-06.docx")

    assert not_a_day.status_code == not_iso.status_code == not_a_format.status_code == 422
    assert not_a_day.json() == {
        "detail": "'meeting': not a calendar date: 2017-02-30",
        "code": "INVALID_PARAMETER",
    }
    assert not_iso.json() == {
        "detail": "'meeting': not a date written YYYY-MM-DD: 20170206",
        "code": "INVALID_PARAMETER",
    }
    assert not_a_format.json() == {
        "detail": "path parameter 'fmt': not one of 'html' or 'pdf': docx",
        "code": "INVALID_PARAMETER",
    }


def test_the_review_pack_as_pdf(api: Api) -> None:
    if browser() is None:
        message = "PDF needs Chromium (Debian: apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)

    response = api.client.get("/reports/ks/2017-11-13.pdf")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'inline; filename="granskning-ks-2017-11-13.pdf"'
    assert response.content.startswith(b"%PDF-")


def test_without_a_browser_the_pdf_is_503_with_its_code_and_the_html_still_works(
    api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("ORGCHANGE_CHROMIUM", str(tmp_path / "no-such-browser"))

    pdf = api.client.get("/reports/ks/2017-02-06.pdf", headers={"Accept-Language": "sv"})
    in_english = api.client.get("/reports/ks/2017-02-06.pdf")
    html = api.client.get("/reports/ks/2017-02-06.html")

    assert pdf.status_code == 503
    assert pdf.json() == {
        "code": "PDF_UNAVAILABLE",
        "detail": "PDF kräver en huvudlös Chromium (Debian: apt-get install chromium); HTML fungerar utan den",
    }
    assert in_english.json()["detail"] == (
        "PDF needs a headless Chromium (Debian: apt-get install chromium); the HTML works without it"
    )
    assert html.status_code == 200


def test_the_review_pack_of_a_period(api: Api) -> None:
    response = api.client.get("/reports/ks/review.html", params={"from": "2017-01-01", "to": "2017-01-31"})
    changes = api.data(
        '{ changes(from: "2017-01-01", to: "2017-01-31") { edges { node { id cancelled reportTo } } } }'
    )

    assert response.status_code == 200
    nodes = [e["node"] for e in changes["changes"]["edges"] if not e["node"]["cancelled"]]
    # First what was to be reported to KS (the stadsdirektör's adjustments), then the rest
    # for its information (the council's spin-off), each in the order of the change log.
    due = [n["id"] for n in nodes if n["reportTo"] == "ks"]
    assert due == ["nacka-2017-002", "nacka-2017-003", "nacka-2017-004"]
    assert _Pack(response.text).changes == due + [n["id"] for n in nodes if n["reportTo"] != "ks"]
    assert "nacka-2017-001" in _Pack(response.text).changes
    assert "nacka-2017-005" not in _Pack(response.text).changes  # cancelled
    assert "Underlag för perioden" in response.text
    assert "Ändringar att anmäla till kommunstyrelsen" in response.text
    assert "Övriga ändringar (för kännedom)" in response.text


def test_a_period_needs_two_good_dates_in_order(api: Api) -> None:
    def get(**params: str):
        return api.client.get("/reports/ks/review.html", params=params)

    missing = get(**{"from": "2017-01-01"})
    bad = get(**{"from": "2017-01-01", "to": "2017-02-29"})
    reversed_ = get(**{"from": "2017-02-01", "to": "2017-01-01"})
    unknown = api.client.get("/reports/nobody/review.html", params={"from": "2017-01-01", "to": "2017-02-01"})

    assert missing.status_code == bad.status_code == reversed_.status_code == 422
    assert missing.json() == {"detail": "query parameter 'to': is missing", "code": "INVALID_PARAMETER"}
    assert bad.json() == {"detail": "'to': not a calendar date: 2017-02-29", "code": "INVALID_PARAMETER"}
    assert reversed_.json() == {
        "detail": "'to' (2017-01-01) is before 'from' (2017-02-01)",
        "code": "INVALID_PARAMETER",
    }
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "there is no board 'nobody'", "code": "NOT_FOUND"}


def test_changes_not_yet_reported_as_json(api: Api) -> None:
    response = api.client.get("/reports/ks/unreported")
    graphql = api.data(
        '{ unreportedChanges(board: "ks") { id type effective summary recordedBy unitIds reportTo reportReason } }'
    )

    assert response.status_code == 200
    listed = response.json()
    assert [c["id"] for c in listed] == [c["id"] for c in graphql["unreportedChanges"]]
    first = listed[0]
    assert set(first) == {
        "id",
        "type",
        "effective",
        "recordedAt",
        "recordedBy",
        "unitIds",
        "summary",
        "decision",
        "cancelled",
        "reportTo",
        "reportReason",
    }
    for key, value in graphql["unreportedChanges"][0].items():  # the same names and values
        assert first[key] == value, key
    assert first["cancelled"] is False
    assert first["decision"] == {
        "body": None,
        "date": "2017-05-15",
        "paragraph": None,
        "reference": "KFKS 2017/305",
        "position": "valfardsdirektor",
        "name": "Välfärdsdirektör",
    }
    assert first["reportTo"] == "ks"
    assert first["reportReason"] == "Ska anmälas: beslut av en tjänsteman i nämndens förvaltning"
    assert "nacka-2017-002" not in [c["id"] for c in listed]


def test_unreported_changes_paged_and_errors(api: Api) -> None:
    three = api.client.get("/reports/ks/unreported", params={"first": 3})
    unknown = api.client.get("/reports/kommunstyrelsen/unreported")
    too_many = api.client.get("/reports/ks/unreported", params={"first": 5000})

    assert len(three.json()) == 3
    assert unknown.status_code == 404
    assert unknown.json() == {
        "detail": "there is no unit 'kommunstyrelsen' in the register",
        "code": "NOT_FOUND",
    }
    assert too_many.status_code == 422
    assert too_many.json()["detail"].startswith("query parameter 'first': ")


def test_reports_follow_the_public_read_rule(demo_app, make_api, tokens: Tokens) -> None:
    api = make_api(demo_app, public_read=False)
    reader = {"Authorization": f"Bearer {tokens.reader}"}

    for path in ("/reports/ks/2017-02-06.html", "/reports/ks/unreported"):
        assert api.client.get(path).status_code == 401, path
        assert api.client.get(path, headers=reader).status_code == 200, path
