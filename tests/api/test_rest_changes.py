"""POST /changes: record a change file; 422 with the contract's words, nothing recorded."""

from __future__ import annotations

import json
from datetime import date
from threading import Thread

import pytest
import yaml
from sqlalchemy import event

from orgchange.application import OrgChange
from tests.builders import change
from tests.support import SAMPLE

from .conftest import Api, Tokens

SAMPLE_CHANGES = 134  # entries in orgchange/sample/nacka-2012-2018.yaml

TWO_CHANGES_SECOND_BAD = """format: orgchange/v1
changes:
  - id: t-1
    type: establish_unit
    effective: 2017-03-01
    unit: tillfalliga-enheten
    name: Tillfälliga enheten
    kind: unit
    parent: territorieomradet
  - id: t-2
    type: move_unit
    effective: 2017-03-01
    unit: planenheten
    parent: va-och-avfall
"""


def test_the_sample_file_is_recorded_then_skipped_when_posted_again(empty_api: Api, tokens: Tokens) -> None:
    first = empty_api.post_changes(SAMPLE.read_bytes(), tokens.registrar)

    assert first.status_code == 200, first.text
    body = first.json()
    assert len(body["ids"]) == SAMPLE_CHANGES
    assert body["recorded"] == body["ids"]
    assert body["skipped"] == []
    assert body["ids"][:2] == ["nacka-2012-001", "nacka-2012-002"]
    events = empty_api.event_count()

    again = empty_api.post_changes(SAMPLE.read_bytes(), tokens.registrar)

    assert again.status_code == 200
    assert again.json() == {
        "ids": body["ids"],
        "recorded": [],
        "skipped": body["ids"],
        "organisationRenamed": None,  # the same name again is no change
    }
    assert empty_api.event_count() == events


def test_json_change_file(empty_api: Api, tokens: Tokens) -> None:
    document = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    content = json.dumps(document, default=lambda d: d.isoformat() if isinstance(d, date) else d)

    response = empty_api.post_changes(content, tokens.registrar, "application/json")

    assert response.status_code == 200, response.text
    assert len(response.json()["recorded"]) == SAMPLE_CHANGES
    org = empty_api.data('{ organisation(asOf: "2017-03-01") { units { id } } }')
    assert {"id": "nacka-vatten-och-avfall-ab"} in org["organisation"]["units"]


@pytest.mark.parametrize("media_type", ["text/yaml", "application/x-yaml; charset=utf-8"])
def test_other_yaml_media_types(empty_api: Api, tokens: Tokens, media_type: str) -> None:
    content = "format: orgchange/v1\nchanges:\n  - {type: establish_unit, effective: 2020-01-01, unit: kf, name: KF, kind: council}\n"

    response = empty_api.post_changes(content, tokens.registrar, media_type)

    assert response.status_code == 200, response.text
    assert len(response.json()["recorded"]) == 1


def test_recorded_by_is_the_token_name(empty_api: Api, tokens: Tokens) -> None:
    content = "format: orgchange/v1\nchanges:\n  - {id: kf-1, type: establish_unit, effective: 2020-01-01, unit: kf, name: KF, kind: council}\n"

    assert empty_api.post_changes(content, tokens.admin).status_code == 200

    change = empty_api.data('{ change(id: "kf-1") { recordedBy } }')["change"]
    assert change == {"recordedBy": "admin"}


def test_a_rejected_change_records_nothing_and_says_why(api: Api, tokens: Tokens) -> None:
    events = api.event_count()

    response = api.post_changes(TWO_CHANGES_SECOND_BAD, tokens.registrar)

    assert response.status_code == 422
    assert response.json() == {
        "errors": [
            "change #2 (t-2) move_unit: unit 'planenheten' cannot move under 'va-och-avfall': "
            "'va-och-avfall' is not in effect on 2017-03-01 (it ends 2016-12-31)"
        ],
        "rule": "in-effect",
    }
    assert api.event_count() == events
    assert api.data('{ change(id: "t-1") { id } }')["change"] is None
    assert api.data('{ unit(id: "tillfalliga-enheten", asOf: "2017-03-01") { id } }')["unit"] is None


def test_a_retroactive_conflict_names_the_later_changes(api: Api, tokens: Tokens) -> None:
    content = "format: orgchange/v1\nchanges:\n  - {id: r-1, type: dissolve_unit, effective: 2016-06-01, unit: lokalenheten}\n"

    response = api.post_changes(content, tokens.registrar)

    assert response.status_code == 422
    body = response.json()
    assert body["rule"] == "retroactive-consistency"
    assert body["errors"][0].startswith(
        "change #1 (r-1) dissolve_unit: it conflicts with later changes already recorded: "
        "nacka-2017-002 (move_unit, effective 2017-01-01)"
    )
    assert [c.split(" ")[0] for c in body["conflicts"]] == ["nacka-2017-002", "nacka-2017-031"]


def test_a_merge_of_one_unit_is_422_naming_the_cardinality_rule(api: Api, tokens: Tokens) -> None:
    events = api.event_count()
    content = (
        "format: orgchange/v1\nchanges:\n"
        "  - {id: m-1, type: merge_units, effective: 2018-01-01, units: [planenheten], into: planenheten}\n"
    )

    response = api.post_changes(content, tokens.registrar)

    assert response.status_code == 422
    body = response.json()
    assert body["rule"] == "cardinality"
    assert body["errors"] == [
        "change #1 (m-1) merge_units: units cannot be merged into 'planenheten': "
        "a merge needs at least two units in 'units', and it names only 'planenheten'"
    ]
    assert api.event_count() == events


def test_malformed_files_are_422_with_every_problem(api: Api, tokens: Tokens) -> None:
    events = api.event_count()
    not_yaml = api.post_changes("format: [", tokens.registrar)
    unknown_type = api.post_changes(
        "format: orgchange/v1\nchanges:\n  - {id: x-1, type: rename_everything}\n", tokens.registrar
    )
    missing = api.post_changes(
        "format: orgchange/v1\nchanges:\n  - {type: rename_unit, unit: kf}\n", tokens.registrar
    )

    assert not_yaml.status_code == unknown_type.status_code == missing.status_code == 422
    assert not_yaml.json()["rule"] == "malformed-input"
    assert not_yaml.json()["errors"][0].startswith("request body: not valid YAML or JSON")
    assert unknown_type.json()["errors"][0].startswith("change #1 (x-1) has unknown type 'rename_everything'")
    assert missing.json()["errors"] == [
        "change #1 rename_unit: missing field 'effective'",
        "change #1 rename_unit: missing field 'name'",
    ]
    assert api.event_count() == events


def test_the_same_id_with_other_content_is_rejected(api: Api, tokens: Tokens) -> None:
    content = (
        "format: orgchange/v1\nchanges:\n"
        "  - {id: nacka-2012-001, type: establish_unit, effective: 2012-01-01, unit: kf2,"
        " name: Annat, kind: council}\n"
    )

    response = api.post_changes(content, tokens.registrar)

    assert response.status_code == 422
    assert "nacka-2012-001" in response.json()["errors"][0]


def test_body_over_the_limit_is_413(app, make_api, tokens: Tokens) -> None:
    api = make_api(app, max_upload_bytes=1000)
    big = "format: orgchange/v1\n# " + "x" * 2000 + "\nchanges: []\n"

    declared = api.post_changes(big, tokens.registrar)

    def chunks():
        yield big[:600].encode()
        yield big[600:].encode()

    streamed = api.client.post(
        "/changes",
        content=chunks(),
        headers={"content-type": "application/yaml", "Authorization": f"Bearer {tokens.registrar}"},
    )
    graphql = api.client.post("/graphql", json={"query": "{ __typename }", "pad": "x" * 2000})
    small = api.post_changes("format: orgchange/v1\nchanges: []\n", tokens.registrar)

    assert declared.status_code == 413
    assert declared.json()["errors"] == ["the request body is larger than 1000 bytes"]
    assert streamed.status_code == 413
    assert graphql.status_code == 413
    assert small.status_code == 200


def test_a_body_that_is_not_a_change_file_type_is_415(api: Api, tokens: Tokens) -> None:
    response = api.post_changes("format: orgchange/v1\nchanges: []\n", tokens.registrar, "text/plain")

    assert response.status_code == 415


def test_a_write_that_keeps_losing_the_race_is_409(
    demo_app: OrgChange, database_url: str, make_api, tokens: Tokens
) -> None:
    """A real race: another register records a change between this one reading the register
    and saving its events (an SQLAlchemy event listener lets the other in at that moment), so
    the save finds the next version taken; with one attempt allowed, the answer is 409."""
    losing = OrgChange(database_url, max_attempts=1)
    winning = OrgChange(database_url)
    raced: list[str] = []

    def let_the_other_in(conn, cursor, statement, parameters, context, executemany) -> None:
        about_to_save = "LOCK TABLE orgchange_events" in statement or "max(orgchange_events.id)" in statement
        if about_to_save and not raced:
            raced.append(statement)
            # In a thread of its own: a transaction of its own, as another process would have.
            other = Thread(
                target=winning.record_changes,
                args=(
                    [
                        change(
                            "rename_unit", id="vinnaren", effective="2018-01-01", unit="planenheten", name="P"
                        )
                    ],
                    "winner",
                ),
            )
            other.start()
            other.join(timeout=60)

    event.listen(losing.engine, "before_cursor_execute", let_the_other_in)
    try:
        api = make_api(losing)
        events = api.event_count()
        response = api.post_changes(TWO_CHANGES_SECOND_BAD.split("  - id: t-2")[0], tokens.registrar)
        after = api.event_count()
    finally:
        event.remove(losing.engine, "before_cursor_execute", let_the_other_in)
        for app in (losing, winning):
            app.close()
            app.engine.dispose()

    assert raced
    assert response.status_code == 409
    assert response.json()["errors"] == [
        "other registrars kept recording changes at the same moment; nothing was recorded, please try again"
    ]
    assert after == events + 1  # the winner's change only


def test_a_recorded_change_is_visible_in_the_next_query(api: Api, tokens: Tokens) -> None:
    content = TWO_CHANGES_SECOND_BAD.split("  - id: t-2")[0]

    response = api.post_changes(content, tokens.registrar)
    unit = api.data('{ unit(id: "tillfalliga-enheten", asOf: "2017-03-01") { name parentId } }')

    assert response.json()["recorded"] == ["t-1"]
    assert unit["unit"] == {"name": "Tillfälliga enheten", "parentId": "territorieomradet"}


def test_openapi_documents_the_rest_part(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()

    assert set(spec["paths"]) == {
        "/changes",
        "/health",
        "/health/live",
        "/health/ready",
        "/metrics",
        "/diagrams/orgchart.{fmt}",
        "/diagrams/delegations.{fmt}",
        "/reports/{board}/unreported",
        "/reports/{board}/review.{fmt}",
        "/reports/{board}/{meeting}.{fmt}",
        "/documents/delegationsordning.{fmt}",
        "/opendata/register.ttl",
        "/opendata/register.jsonld",
        "/opendata/popolo.json",
        "/drafts",
        "/drafts/{draft_id}",
        "/drafts/{draft_id}/file",
        "/drafts/{draft_id}/check",
        "/drafts/{draft_id}/preview",
        "/drafts/{draft_id}/record",
        "/drafts/{draft_id}/discard",
        "/drafts/{draft_id}/proposal.{fmt}",
        "/drafts/{draft_id}/chart/{state}.svg",
        "/decisions",
        "/baseline/organisation",
        "/baseline/delegations",
        "/session",
    }
    post = spec["paths"]["/changes"]["post"]
    assert set(post["requestBody"]["content"]) == {"application/yaml", "application/json"}
    assert {"200", "401", "403", "409", "413", "415", "422"} <= set(post["responses"])
    assert api.client.get("/docs").status_code == 200


def test_a_file_with_a_null_key_is_422_not_500(api: Api, tokens: Tokens) -> None:
    events = api.event_count()

    response = api.post_changes(" ?", tokens.registrar)

    assert response.status_code == 422
    assert response.json()["errors"][0] == "request body: unknown top-level field(s): None"
    assert api.event_count() == events
