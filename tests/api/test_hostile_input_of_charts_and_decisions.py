"""Hostile input to the surfaces of the org charts, the baseline import and delegated decisions:
each refused with a stable code and clear words, on both databases, nothing run in the database."""

from __future__ import annotations

import base64

from tests.api.conftest import Api

DECISIONS = "query($after: String) { delegatedDecisions(first: 2, after: $after) { edges { node { id } } } }"


def _cursor(decoded: str) -> str:
    return base64.urlsafe_b64encode(decoded.encode()).decode()


def test_a_forged_decision_cursor_holding_a_nul_is_refused_as_no_cursor_of_the_service(api: Api) -> None:
    """PostgreSQL cannot compare text holding U+0000: the cursor is refused before the database is
    asked, as a cursor the service never gave out, not as a database that cannot be used."""
    errors = api.errors(DECISIONS, {"after": _cursor("decision@2017-01-01@0@KS\x00")})
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["extensions"]["argument"] == "after"
    assert "cursor" in errors[0]["message"]


def test_half_a_surrogate_pair_in_a_graphql_variable_is_refused_naming_the_variable(api: Api) -> None:
    """JSON may write `"\\ud800"` alone; Python decodes it to a lone surrogate that no database
    driver can encode. Refused before anything runs, not answered as an internal error."""
    body = '{"query": "query($board: ID) { delegatedDecisions(board: $board) { edges { node { id } } } }", '
    body += '"variables": {"board": "\\ud800"}}'
    response = api.client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    errors = response.json()["errors"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "'board'" in errors[0]["message"] and "U+D800" in errors[0]["message"]
    assert response.json().get("data") is None
