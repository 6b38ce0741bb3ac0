"""Security headers on every response, errors included; the health check on a private server."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.headers import DOCS_POLICY, FRAMED_DOCUMENT_POLICY, GRAPHIQL_POLICY, PAGE_POLICY

from .conftest import Api, Tokens

EMPTY_FILE = "format: orgchange/v1\nchanges: []\n"
QUERY = '{ organisation(asOf: "2017-03-01") { roots { id } } }'


def _directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


def _assert_secured(response, label: str) -> dict[str, str]:
    headers = response.headers
    assert headers.get("x-content-type-options") == "nosniff", label
    assert headers.get("referrer-policy") == "no-referrer", label
    assert headers.get("x-frame-options") in ("DENY", "SAMEORIGIN"), label
    policy = _directives(headers.get("content-security-policy", ""))
    assert policy, label
    scripts = policy.get("script-src", policy.get("default-src", ""))
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, label
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'", label
    framing = "'self'" if headers["x-frame-options"] == "SAMEORIGIN" else "'none'"
    assert policy["frame-ancestors"] == framing, label
    return policy


def test_every_route_answers_with_the_security_headers(api: Api, tokens: Tokens) -> None:
    client = api.client
    auth = {"Authorization": f"Bearer {tokens.registrar}"}
    responses = {
        "the page": client.get("/"),
        "the page's script": client.get("/static/app.js"),
        "GraphiQL": client.get("/graphql", headers={"accept": "text/html"}),
        "GraphQL over GET": client.get("/graphql", params={"query": QUERY}),
        "GraphQL over POST": client.post("/graphql", json={"query": QUERY}),
        "GraphQL refused": client.post("/graphql", json={"query": "{ nothing }"}),
        "a change file": client.post(
            "/changes", content=EMPTY_FILE, headers={"content-type": "application/yaml", **auth}
        ),
        "a write without a token": client.post(
            "/changes", content=EMPTY_FILE, headers={"content-type": "application/yaml"}
        ),
        "a diagram": client.get("/diagrams/orgchart.svg", params={"asOf": "2017-03-01"}),
        "a review pack": client.get("/reports/ks/2017-11-13.html"),
        "unreported changes": client.get("/reports/ks/unreported"),
        "a document": client.get("/documents/delegationsordning.html", params={"asOf": "2017-03-01"}),
        "a spreadsheet": client.get("/documents/delegationsordning.csv", params={"asOf": "2017-03-01"}),
        "open data": client.get("/opendata/register.ttl"),
        "the health check": client.get("/health"),
        "the API's description": client.get("/openapi.json"),
        "Swagger UI": client.get("/docs"),
        "a 404": client.get("/no/such/page"),
        "a 404 of the files": client.get("/static/no-such-file.js"),
        "a 405": client.delete("/health"),
        "a 422": client.get("/diagrams/orgchart.svg", params={"asOf": "2017-13-01"}),
        "a 413": client.post(
            "/changes", content=b"x" * (api.client.app.state.settings.max_upload_bytes + 1), headers=auth
        ),
    }
    statuses = {label: response.status_code for label, response in responses.items()}
    assert statuses["a 404"] == 404 and statuses["a 422"] == 422 and statuses["a 413"] == 413
    assert statuses["a write without a token"] == 401 and statuses["a 405"] == 405
    assert all(statuses[label] == 200 for label in ("the page", "a review pack", "a diagram", "GraphiQL"))
    for label, response in responses.items():
        _assert_secured(response, label)

    assert responses["the page"].headers["content-security-policy"] == PAGE_POLICY
    assert responses["GraphQL over POST"].headers["content-security-policy"] == PAGE_POLICY
    assert responses["GraphiQL"].headers["content-security-policy"] == GRAPHIQL_POLICY
    assert responses["Swagger UI"].headers["content-security-policy"] == DOCS_POLICY
    # The review view frames a review pack: framed by this origin only; no other page is framed.
    assert responses["a review pack"].headers["content-security-policy"] == FRAMED_DOCUMENT_POLICY
    assert responses["a review pack"].headers["x-frame-options"] == "SAMEORIGIN"
    framed = [label for label, response in responses.items() if response.headers["x-frame-options"] != "DENY"]
    assert framed == ["a review pack", "unreported changes"]
    # Documents, diagrams and data run no script at all.
    for label in ("a diagram", "a review pack", "a document", "open data"):
        policy = _directives(responses[label].headers["content-security-policy"])
        assert policy["default-src"] == "'none'" and "script-src" not in policy, label


def test_a_drafts_decision_document_is_served_as_a_document_its_inline_styles_allowed(
    api: Api, tokens: Tokens
) -> None:
    """The proposal is a printable page with its styles inline, like a review pack: under the
    documents' policy (no script at all), not the page's, which would block its styles."""
    auth = {"Authorization": f"Bearer {tokens.registrar}"}
    made = api.client.post(
        "/drafts", json={"name": "Prov", "file": {"format": "orgchange/v1", "changes": []}}, headers=auth
    )
    assert made.status_code == 201, made.text

    page = api.client.get(f"/drafts/{made.json()['id']}/proposal.html", headers=auth)

    assert page.status_code == 200
    policy = _directives(page.headers["content-security-policy"])
    assert policy["default-src"] == "'none'" and "script-src" not in policy
    assert "'unsafe-inline'" in policy["style-src"]
    assert "<style>" in page.text


def test_an_unexpected_error_carries_the_headers_too(demo_app, make_api) -> None:
    api = make_api(demo_app)

    def broken() -> None:
        raise RuntimeError("a bug")

    api.client.app.add_api_route("/broken", broken)
    client = TestClient(api.client.app, raise_server_exceptions=False)
    response = client.get("/broken")

    assert response.status_code == 500
    _assert_secured(response, "a 500")


def test_the_pages_hold_no_inline_script_nor_handler(api: Api) -> None:
    pages = {
        "the page": api.client.get("/").text,
        "GraphiQL": api.client.get("/graphql", headers={"accept": "text/html"}).text,
        "Swagger UI": api.client.get("/docs").text,
        "the page's script": api.client.get("/static/app.js").text,
    }
    for label, text in pages.items():
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), label
        assert not re.search(r"\son[a-z]+\s*=\s*[\"']", text), label  # onclick="…", onsubmit='…'


def test_swagger_ui_is_served_from_this_origin_under_a_policy_that_names_no_other(api: Api) -> None:
    """Swagger UI came from a CDN, which the page's policy had to allow; its files are now in
    the repository (orgchange/web/vendor, checked against SHA256SUMS) like GraphiQL's."""
    response = api.client.get("/docs")
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    policy = response.headers["content-security-policy"]

    assert sorted(sources) == [  # relative to the page: under the root path too (docs/http.md)
        "static/api-docs.js",
        "static/vendor/swagger-ui-bundle.js",
        "static/vendor/swagger-ui.css",
    ]
    for source in sources:
        served = api.client.get(f"/{source}")
        assert served.status_code == 200 and len(served.content) > 100, source
    assert "https:" not in policy and "jsdelivr" not in policy and "*" not in policy
    assert "script-src 'self';" in policy and "style-src 'self';" in policy


def test_graphiql_is_served_from_this_origin_and_keeps_no_headers(api: Api) -> None:
    page = api.client.get("/graphql", headers={"accept": "text/html"}).text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    starter = api.client.get("/static/graphiql.js").text

    assert sources and all(source.startswith("static/") for source in sources)  # relative to the page
    for source in sources:
        assert api.client.get(f"/{source}").status_code == 200, source
    assert "shouldPersistHeaders: false" in starter
    assert "showPersistHeadersSettings: false" in starter
    assert "storage," in starter  # the storage that drops headers, given to GraphiQL


@pytest.mark.parametrize("public_read", [True, False])
def test_the_health_check_tells_event_counts_only_to_whoever_may_read(
    demo_app, make_api, tokens: Tokens, public_read: bool
) -> None:
    api = make_api(demo_app, public_read=public_read)

    anonymous = api.client.get("/health")
    wrong = api.client.get("/health", headers={"Authorization": "Bearer oc_0123456789abcdef_nothing"})
    reader = api.client.get("/health", headers={"Authorization": f"Bearer {tokens.reader}"})

    assert anonymous.status_code == wrong.status_code == reader.status_code == 200
    assert reader.json()["events"] > 100 and reader.json()["readModelsUpToDate"] is True
    if public_read:
        assert anonymous.json() == wrong.json() == reader.json()
    else:
        assert anonymous.json() == {"status": "ok"}
        assert wrong.json() == {"status": "ok"}
