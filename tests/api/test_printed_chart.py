"""`GET /diagrams/orgchart.pdf`: the printed org chart over HTTP, on A4 or A3, whole or a part."""

from __future__ import annotations

from io import BytesIO

from pdfminer.high_level import extract_pages

from orgchange.application.documents.chart_book import PAPERS

DAY = "2017-03-01"


def test_the_printed_org_chart_is_a_pdf_of_pages_on_the_paper_asked_for(api):
    response = api.client.get(f"/diagrams/orgchart.pdf?asOf={DAY}&paper=a3")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "organisationsschema-2017-03-01-a3.pdf" in response.headers["content-disposition"]
    pages = list(extract_pages(BytesIO(response.content)))
    assert len(pages) > 1
    width, height = PAPERS["a3"]
    assert abs(pages[0].width - width) < 2 and abs(pages[0].height - height) < 2


def test_a_part_of_the_org_chart_prints_on_fewer_pages_than_the_whole(api):
    whole = api.client.get(f"/diagrams/orgchart.pdf?asOf={DAY}")
    part = api.client.get(f"/diagrams/orgchart.pdf?asOf={DAY}&root=slk")
    assert whole.status_code == part.status_code == 200
    assert (
        1
        <= len(list(extract_pages(BytesIO(part.content))))
        < len(list(extract_pages(BytesIO(whole.content))))
    )


def test_a_paper_the_service_does_not_know_is_refused_and_nothing_is_printed(api):
    response = api.client.get(f"/diagrams/orgchart.pdf?asOf={DAY}&paper=a5")
    assert response.status_code == 422
    assert "paper" in response.text


def test_a_printed_chart_of_more_pages_than_allowed_is_refused_with_its_code(demo_app, make_api):
    small = make_api(demo_app, chart_max_pages=2)
    response = small.client.get(f"/diagrams/orgchart.pdf?asOf={DAY}")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "DIAGRAM_TOO_LARGE"
    assert body["limit"] == 2
    assert "root=" in body["detail"]


def test_without_graphviz_a_picture_is_503_with_its_code_and_the_dot_form_still_works(
    api, monkeypatch, tmp_path
):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` on it

    svg = api.client.get("/diagrams/orgchart.svg?asOf=2017-02-01", headers={"Accept-Language": "sv"})
    in_english = api.client.get("/diagrams/orgchart.svg?asOf=2017-02-01")
    dot = api.client.get("/diagrams/orgchart.dot?asOf=2017-02-01")

    assert svg.status_code == 503
    assert svg.json()["code"] == "GRAPHVIZ_MISSING"
    assert svg.json()["detail"].startswith("SVG kräver Graphviz program 'dot'")
    assert in_english.json()["detail"].startswith("SVG needs Graphviz's 'dot' program")
    assert dot.status_code == 200
    assert dot.text.startswith("digraph")
