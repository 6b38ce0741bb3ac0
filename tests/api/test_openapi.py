"""The OpenAPI description says what the REST part accepts and needs, and the service does what it says.

Each test here pins one thing tests/hardening/test_schemathesis.py found the
description or the service getting wrong: days and instants described as mere
strings, reads described as needing a token on a server whose reads are
public, a change file described as any object, and an instant the description
allows answered with a 500.
"""

from __future__ import annotations

from typing import Any

import pytest

from orgchange.domain.changes import CHANGE_CLASSES

from .conftest import Api, Tokens

DAYS = {"asOf", "compareWith", "from", "to", "meeting"}
INSTANTS = {"knownAt"}


def _operations(spec: dict[str, Any]):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_days_and_instants_are_described_with_their_formats(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    described = {}
    for label, operation in _operations(spec):
        for parameter in operation.get("parameters", []):
            if parameter["name"] in DAYS | INSTANTS:
                described[(label, parameter["name"])] = parameter["schema"].get("format")

    assert len(described) >= 15  # asOf alone is a parameter of six operations
    wrong = {
        key: found
        for key, found in described.items()
        if found != ("date-time" if key[1] in INSTANTS else "date")
    }
    assert not wrong, wrong


def test_a_public_server_describes_a_token_as_optional_for_reads(api: Api, tokens: Tokens) -> None:
    spec = api.client.get("/openapi.json").json()
    reads = {label: op for label, op in _operations(spec) if label.startswith("GET") and "security" in op}
    drafts = {label: reads.pop(label) for label in list(reads) if label.startswith("GET /drafts")}

    assert len(reads) == 9 and "GET /health" not in reads
    assert all(op["security"] == [{}, {"HTTPBearer": []}] for op in reads.values()), reads
    # Drafts are the registrars' work in progress, not the public record: a token on every server.
    assert len(drafts) == 7  # the list, one draft, its check, preview, file, decision document, charts
    assert all(op["security"] == [{"HTTPBearer": []}] for op in drafts.values()), drafts
    assert spec["paths"]["/changes"]["post"]["security"] == [{"HTTPBearer": []}]
    # …and is as good as its word: without a token a read is answered, a write refused.
    assert api.client.get("/diagrams/orgchart.dot", params={"asOf": "2017-03-01"}).status_code == 200
    assert api.post_changes("format: orgchange/v1\nchanges: []\n", None).status_code == 401


def test_a_server_without_public_reads_describes_their_401(demo_app, make_api, tokens: Tokens) -> None:
    api = make_api(demo_app, public_read=False)
    spec = api.client.get("/openapi.json").json()
    reads = {
        label: op
        for label, op in _operations(spec)
        if label.startswith("GET") and "security" in op and not label.startswith("GET /drafts")
    }

    assert len(reads) == 9
    assert all(op["security"] == [{"HTTPBearer": []}] for op in reads.values()), reads
    assert all("401" in op["responses"] for op in reads.values())
    refused = api.client.get("/diagrams/orgchart.dot", params={"asOf": "2017-03-01"})
    assert refused.status_code == 401 and set(refused.json()) == {
        "detail",
        "code",
    }  # the documented `Message`


def test_the_change_file_body_is_described_and_held_to(api: Api, tokens: Tokens) -> None:
    spec = api.client.get("/openapi.json").json()
    body = spec["paths"]["/changes"]["post"]["requestBody"]["content"]["application/json"]["schema"]

    assert body["required"] == ["format", "changes"] and body["additionalProperties"] is False
    assert body["properties"]["format"] == {"const": "orgchange/v1"}
    assert body["properties"]["changes"]["items"]["properties"]["type"]["enum"] == sorted(CHANGE_CLASSES)
    events = api.event_count()
    for outside in (
        {"changes": []},
        {"format": "orgchange/v1", "changes": [], "extra": 1},
        {"format": "orgchange/v1", "changes": [{"type": "renumber_unit"}]},
    ):
        response = api.client.post(
            "/changes", json=outside, headers={"Authorization": f"Bearer {tokens.registrar}"}
        )
        assert response.status_code == 422, outside
    assert api.event_count() == events


@pytest.mark.parametrize("instant", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_an_instant_outside_the_years_1_to_9999_in_utc_is_refused_plainly(api: Api, instant: str) -> None:
    # Valid RFC 3339, but in UTC it is in the year 0 or 10000: it was a 500 (OverflowError).
    response = api.client.get("/diagrams/orgchart.dot", params={"asOf": "2017-03-01", "knownAt": instant})
    assert response.status_code == 422
    assert response.json() == {
        "detail": f"'knownAt': not an instant between the years 1 and 9999 in UTC: {instant}",
        "code": "INVALID_PARAMETER",
    }

    error = api.errors(
        'query ($k: DateTime) { organisation(asOf: "2017-03-01", knownAt: $k) { asOf } }', {"k": instant}
    )[0]
    assert "not an instant between the years 1 and 9999 in UTC" in error["message"]
