"""Text holding U+0000 (NUL) is refused where it comes in, in plain words, on SQLite as on PostgreSQL.

PostgreSQL can neither store nor compare such text. Before it was refused at
the door, a board or an id holding NUL reached the database: REST answered 500,
GraphQL said the database could not be used (and logged an error), a token
with NUL in its key id was a 503, and a change file with NUL in a name was a 500.
"""

from __future__ import annotations

import json

import pytest

from orgchange.application.changefile import NUL_MESSAGE

from .conftest import Api, Tokens
from .test_graphql_limits import statements_of_a_request
from .test_query_count import counting_statements


def test_a_change_file_with_nul_is_malformed_and_records_nothing(api: Api, tokens: Tokens) -> None:
    events = api.event_count()
    entry = {"type": "rename_unit", "effective": "2017-01-01", "unit": "ks", "name": "Kommun\u0000styrelsen"}

    as_json = api.post_changes(
        json.dumps({"format": "orgchange/v1", "changes": [entry]}), tokens.registrar, "application/json"
    )
    as_yaml = api.post_changes(
        'format: orgchange/v1\norganisation: "Nacka\\0"\nchanges: []\n', tokens.registrar
    )

    assert as_json.status_code == 422
    assert as_json.json() == {"errors": [f"change #1: {NUL_MESSAGE}"], "rule": "malformed-input"}
    assert as_yaml.status_code == 422
    assert as_yaml.json()["errors"] == [f"request body: 'organisation': {NUL_MESSAGE}"]
    assert api.event_count() == events


@pytest.mark.parametrize(
    "path, params",
    [
        ("/reports/k%00s/unreported", {}),
        ("/documents/delegationsordning.csv", {"asOf": "2017-03-01", "board": "k\x00s"}),
        ("/diagrams/delegations.dot", {"asOf": "2017-03-01", "board": "k\x00s"}),
        ("/diagrams/orgchart.dot", {"asOf": "2017-03-01", "root": "k\x00s"}),
    ],
)
def test_a_rest_parameter_with_nul_is_422(api: Api, path: str, params: dict[str, str]) -> None:
    response = api.client.get(path, params=params)

    assert response.status_code == 422
    name = "root" if "root" in params else "board"
    assert response.json() == {"detail": f"'{name}': {NUL_MESSAGE}", "code": "INVALID_PARAMETER"}


@pytest.mark.parametrize(
    "query, variables",
    [
        ('{ unit(id: "k\\u0000s", asOf: "2017-03-01") { id } }', None),
        ('{ changes(unitId: "k\\u0000s") { totalCount } }', None),
        ("query ($by: String) { audit(recordedBy: $by) { totalCount } }", {"by": "te\x00st"}),
        ("query ($id: ID!) { change(id: $id) { id } }", {"id": "x\x00"}),
    ],
)
def test_a_graphql_argument_with_nul_is_refused_before_it_runs(
    api: Api, query: str, variables: dict[str, str] | None
) -> None:
    with counting_statements(api.orgchange) as statements:
        [error] = api.errors(query, variables)

    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert error["message"].endswith(NUL_MESSAGE)
    assert len(statements) <= statements_of_a_request(api)


def test_a_mutation_with_nul_records_nothing(api: Api, tokens: Tokens) -> None:
    events = api.event_count()
    mutation = (
        'mutation { noteReport(board: "ks", meeting: "2017-02-06", paragraph: "§ 2\\u0000") { board } }'
    )

    [error] = api.errors(mutation, token=tokens.registrar)

    assert error["message"] == NUL_MESSAGE
    assert api.event_count() == events


def test_a_token_with_nul_in_its_key_id_is_401(api: Api, tokens: Tokens) -> None:
    key_id = tokens.registrar.split("_")[1]
    forged = tokens.registrar.replace(key_id, key_id[:-1] + "\x00", 1)

    response = api.post_changes("format: orgchange/v1\nchanges: []\n", forged)

    assert response.status_code == 401
