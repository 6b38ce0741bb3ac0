"""Text is checked at the door over HTTP too: `POST /changes`, `recordChanges`, `reportChanges` and
`noteReport` refuse control characters naming the field, and the organisation's name is limited.

A 5 MB organisation name with `changes: []` used to be accepted: the reply said nothing
was recorded, yet an event was added, and the 5 MB then went out with every
`register { organisation }` and Turtle export.
"""

from __future__ import annotations

import json

from orgchange.application import OrgChange
from tests.builders import base_organisation

from .conftest import Api, Tokens

MESSAGE = "holds a control character (U+000B, vertical tab); remove it"


def test_a_five_megabyte_organisation_name_is_refused_and_records_nothing(api: Api, tokens: Tokens) -> None:
    events = api.event_count()
    document = {"format": "orgchange/v1", "organisation": "x" * 5_000_000, "changes": []}

    over_rest = api.post_changes(json.dumps(document), tokens.registrar, "application/json")
    # GraphQL refuses a body of that size before reading it (its body limit is 1 MiB); a name
    # that fits the body but not the field is refused by the field's limit, as over REST.
    too_large = api.graphql(
        "mutation ($file: JSON!) { recordChanges(file: $file) }", {"file": document}, tokens.registrar
    )
    [error] = api.errors(
        "mutation ($file: JSON!) { recordChanges(file: $file) }",
        {"file": {**document, "organisation": "x" * 201}},
        tokens.registrar,
    )

    assert over_rest.status_code == 422
    assert over_rest.json() == {
        "errors": ["request body: field 'organisation': String should have at most 200 characters"],
        "rule": "malformed-input",
    }
    assert too_large.status_code == 413
    assert too_large.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert error["extensions"]["code"] == "MALFORMED_INPUT"
    assert "field 'organisation': String should have at most 200 characters" in error["message"]
    assert api.event_count() == events
    assert api.data("{ register { organisation } }") == {"register": {"organisation": "Nacka kommun"}}


def test_a_control_character_in_a_posted_name_is_refused_naming_the_field(api: Api, tokens: Tokens) -> None:
    events = api.event_count()
    entry = {
        "id": "x-1",
        "type": "rename_unit",
        "effective": "2017-01-01",
        "unit": "ks",
        "name": "Kommun\vstyrelsen",
    }

    response = api.post_changes(
        json.dumps({"format": "orgchange/v1", "changes": [entry]}), tokens.registrar, "application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [f"change #1 (x-1) rename_unit: field 'name' {MESSAGE}"]
    assert api.event_count() == events


def test_note_report_refuses_a_control_character_in_its_paragraph(api: Api, tokens: Tokens) -> None:
    events = api.event_count()
    mutation = (
        'mutation ($p: String!) { noteReport(board: "ks", meeting: "2017-02-06", paragraph: $p) { board } }'
    )

    [error] = api.errors(mutation, {"p": "§ 12\v"}, tokens.registrar)

    assert error["extensions"]["code"] == "MALFORMED_INPUT"
    assert error["message"].endswith(f"field 'paragraph' {MESSAGE}")
    assert api.event_count() == events


def test_report_and_note_take_text_in_nfc(app: OrgChange, make_api, tokens: Tokens) -> None:
    app.record_changes(base_organisation(), "test")
    api = make_api(app)
    report = (
        'mutation { reportChanges(board: "ks", meeting: "2012-02-06", changeIds: ["kfv", "va"]) { board } }'
    )
    note = (
        'mutation ($p: String!) { noteReport(board: "ks", meeting: "2012-02-06", paragraph: $p) '
        "{ notedParagraph } }"
    )

    api.data(report, token=tokens.registrar)
    noted = api.data(note, {"p": " § 12 a\u0308ndrad "}, tokens.registrar)

    assert noted == {"noteReport": {"notedParagraph": "§ 12 ändrad"}}
