"""Errors are for the caller, never stack traces; limits keep one request from asking too much."""

from __future__ import annotations

from api.graphql.errors import INTERNAL_ERROR_MESSAGE
from api.graphql.schema import MAX_ALIASES, MAX_DEPTH

from .conftest import Api, Tokens


def test_malformed_dates_are_explained(api: Api) -> None:
    month = api.errors('{ organisation(asOf: "2017-13-01") { asOf } }')[0]["message"]
    compact = api.errors('{ organisation(asOf: "20170301") { asOf } }')[0]["message"]
    variable = api.errors("query ($d: Date!) { organisation(asOf: $d) { asOf } }", {"d": "2017-02-30"})[0][
        "message"
    ]

    assert "not a calendar date: 2017-13-01" in month
    assert "not a date written YYYY-MM-DD: 20170301" in compact
    assert "not a calendar date: 2017-02-30" in variable


def test_an_instant_without_time_zone_is_refused(api: Api) -> None:
    error = api.errors(
        'query ($k: DateTime) { organisation(asOf: "2017-03-01", knownAt: $k) { asOf } }',
        {"k": "2017-03-01T12:00:00"},
    )[0]

    assert "an instant needs a time zone, e.g. Z for UTC or +01:00" in error["message"]


def test_missing_and_unknown_arguments_are_validation_errors(api: Api) -> None:
    missing = api.errors("{ organisation { asOf } }")[0]["message"]
    unknown = api.errors('{ organisation(asOf: "2017-03-01", at: 1) { asOf } }')[0]["message"]

    assert "Argument 'Query.organisation(asOf:)' of type 'Date!' is required" in missing
    assert "Unknown argument 'at'" in unknown


def test_an_internal_failure_is_masked(api: Api, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("connection to postgresql://admin:hunter2@db failed")

    monkeypatch.setattr(api.orgchange.read_model.reports, "reports", broken)

    response = api.graphql('{ reports(board: "ks") { meeting } }')

    swedish = api.client.post(
        "/graphql", json={"query": '{ reports(board: "ks") { meeting } }'}, headers={"Accept-Language": "sv"}
    )

    assert response.status_code == swedish.status_code == 200
    assert response.json()["errors"][0]["message"] == INTERNAL_ERROR_MESSAGE
    assert swedish.json()["errors"][0]["message"] == "Ett fel i servern; det är loggat."
    assert response.json()["errors"][0]["extensions"] == swedish.json()["errors"][0]["extensions"]
    assert swedish.json()["errors"][0]["extensions"] == {"code": "INTERNAL_ERROR"}
    assert "hunter2" not in response.text + swedish.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text


def test_a_rejected_file_through_graphql_uses_the_contract_words(api: Api, tokens: Tokens) -> None:
    events = api.event_count()
    file = {
        "format": "orgchange/v1",
        "changes": [
            {
                "id": "m-1",
                "type": "move_unit",
                "effective": "2017-03-01",
                "unit": "planenheten",
                "parent": "va-och-avfall",
            },
        ],
    }

    error = api.errors(
        "mutation ($file: JSON!) { recordChanges(file: $file) }", {"file": file}, tokens.registrar
    )[0]

    assert error["message"] == (
        "change #1 (m-1) move_unit: unit 'planenheten' cannot move under 'va-och-avfall': "
        "'va-och-avfall' is not in effect on 2017-03-01 (it ends 2016-12-31)"
    )
    assert error["extensions"]["code"] == "CHANGE_REJECTED"
    assert error["extensions"]["rule"] == "in-effect"
    assert api.event_count() == events


def test_record_changes_takes_json_or_yaml_text(empty_api: Api, tokens: Tokens) -> None:
    mutation = "mutation ($file: JSON!) { recordChanges(file: $file) }"
    as_json = {
        "format": "orgchange/v1",
        "changes": [
            {
                "id": "kf-1",
                "type": "establish_unit",
                "effective": "2020-01-01",
                "unit": "kf",
                "name": "Kommunfullmäktige",
                "kind": "council",
            }
        ],
    }
    as_yaml = (
        "format: orgchange/v1\nchanges:\n"
        "  - {id: ks-1, type: establish_unit, effective: 2020-01-01, unit: ks,"
        " name: Kommunstyrelsen, kind: board, parent: kf}\n"
    )

    first = empty_api.data(mutation, {"file": as_json}, tokens.registrar)
    second = empty_api.data(mutation, {"file": as_yaml}, tokens.registrar)
    again = empty_api.data(mutation, {"file": as_json}, tokens.registrar)

    assert first == {"recordChanges": ["kf-1"]}
    assert second == {"recordChanges": ["ks-1"]}
    assert again == {"recordChanges": ["kf-1"]}  # idempotent
    org = empty_api.data('{ organisation(asOf: "2020-01-01") { units { id parentId } } }')
    assert org["organisation"]["units"] == [
        {"id": "kf", "parentId": None},
        {"id": "ks", "parentId": "kf"},
    ]


def test_a_malformed_file_through_graphql_lists_the_problems(api: Api, tokens: Tokens) -> None:
    error = api.errors(
        "mutation ($file: JSON!) { recordChanges(file: $file) }",
        {"file": {"format": "orgchange/v1", "changes": [{"type": "rename_unit", "unit": "kf"}]}},
        tokens.registrar,
    )[0]

    assert error["extensions"]["code"] == "MALFORMED_INPUT"
    assert error["extensions"]["errors"] == [
        "change #1 rename_unit: missing field 'effective'",
        "change #1 rename_unit: missing field 'name'",
    ]
    not_a_file = api.errors("mutation { recordChanges(file: 42) }", token=tokens.registrar)[0]
    assert not_a_file["extensions"]["code"] == "BAD_USER_INPUT"


def test_query_depth_is_limited(api: Api) -> None:
    nested = "id"
    for _ in range(MAX_DEPTH):
        nested = f"children {{ {nested} }}"
    query = f'{{ unit(id: "kf", asOf: "2017-03-01") {{ {nested} }} }}'

    message = api.errors(query)[0]["message"]

    assert "exceeds maximum operation depth" in message


def test_aliases_are_limited(api: Api) -> None:
    fields = " ".join(f'a{i}: unit(id: "kf", asOf: "2017-03-01") {{ id }}' for i in range(MAX_ALIASES + 1))

    message = api.errors(f"{{ {fields} }}")[0]["message"]

    assert "aliases found" in message
    # Within the limit, aliases work.
    fields = " ".join(f'a{i}: unit(id: "kf", asOf: "2017-03-01") {{ id }}' for i in range(3))
    assert api.data(f"{{ {fields} }}") == {f"a{i}": {"id": "kf"} for i in range(3)}


def test_mutations_are_refused_over_get(api: Api, tokens: Tokens) -> None:
    response = api.client.get(
        "/graphql",
        params={
            "query": 'mutation { noteReport(board: "ks", meeting: "2017-02-06", paragraph: "§ 1") { board } }'
        },
        headers={"Authorization": f"Bearer {tokens.registrar}"},
    )

    assert response.status_code == 400
