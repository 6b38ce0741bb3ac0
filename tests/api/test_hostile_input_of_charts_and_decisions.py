"""Hostile input to the surfaces of the org charts, the baseline import and delegated decisions:
each refused with a stable code and clear words, on both databases, nothing run in the database."""

from __future__ import annotations

import base64
from typing import Any

from tests.api.conftest import Api, Tokens

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


def _post(api: Api, path: str, body: str, token: str) -> Any:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    return api.client.post(path, content=body, headers=headers)


def test_a_decision_whose_id_is_half_a_surrogate_pair_is_refused_in_words_not_with_a_500(
    api: Api, tokens: Tokens
) -> None:
    """The refusal repeats the id; half a surrogate pair in it is shown as U+FFFD, so that the
    answer can be written as UTF-8 at all. Nothing is recorded."""
    item = '{"id": "\\udc00", "delegation": "N.2", "decided_by": "va-chef", "date": "2017-03-05", '
    item += '"matter": "x", "reference": "r"}'
    before = api.event_count()
    response = _post(
        api,
        "/decisions",
        '{"format": "orgchange-decisions/v1", "decisions": [' + item + "]}",
        tokens.registrar,
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "DECISIONS_MALFORMED"
    assert "decision #1 (\ufffd)" in response.json()["errors"][0]
    unknown_key = '{"format": "orgchange-decisions/v1", "decisions": [{"\\ud800": 1}]}'
    response = _post(api, "/decisions", unknown_key, tokens.registrar)
    assert response.status_code == 422, response.text
    assert api.event_count() == before


def test_a_change_whose_id_is_half_a_surrogate_pair_is_refused_in_words_not_with_a_500(
    api: Api, tokens: Tokens
) -> None:
    change = '{"id": "\\ud800", "type": "rename_unit", "effective": "2019-01-01", "unit": "ks", "name": "x", '
    change += '"decision": {"body": "kf", "date": "2018-01-01", "paragraph": "§ 1"}}'
    before = api.event_count()
    response = _post(
        api, "/changes", '{"format": "orgchange/v1", "changes": [' + change + "]}", tokens.registrar
    )
    assert response.status_code == 422, response.text
    assert "change #1 (\ufffd)" in response.json()["errors"][0]
    assert api.event_count() == before


def test_a_number_of_five_thousand_digits_in_a_json_body_is_refused_in_words_not_with_a_500(
    api: Api, tokens: Tokens
) -> None:
    """Python converts at most 4,300 digits to an integer; JSON's reader raises a plain ValueError
    past that. Refused as malformed input, naming the limit; nothing recorded."""
    huge = "9" * 5000
    item = '{"id": "H-1", "delegation": "N.2", "decided_by": "va-chef", "date": "2017-03-05", '
    item += f'"matter": "x", "reference": "r", "amount": {huge}}}'
    before = api.event_count()
    response = _post(
        api,
        "/decisions",
        '{"format": "orgchange-decisions/v1", "decisions": [' + item + "]}",
        tokens.registrar,
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "DECISIONS_MALFORMED"
    assert "more than 4300 digits" in response.json()["errors"][0]
    response = _post(api, "/changes", f'{{"format": "orgchange/v1", "changes": [{huge}]}}', tokens.registrar)
    assert response.status_code == 422, response.text
    assert "more than 4300 digits" in response.json()["errors"][0]
    assert api.event_count() == before
