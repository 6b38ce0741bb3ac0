"""Findings, competence and companies over HTTP: `POST /changes?dryRun=true` and GraphQL."""

from __future__ import annotations

import json

import yaml

from .conftest import Api, Tokens

RESERVED_AND_FREE_TEXT = """format: orgchange/v1
changes:
  - id: reserved-1
    type: grant_delegation
    effective: 2019-01-01
    decision: {body: ks, date: 2018-12-10, paragraph: "§ 301"}
    delegation: ks-mal
    from: ks
    to: stadsdirektor
    matter: Fastställa mål och budget
    reserved_matter: true
  - id: free-1
    type: rename_unit
    effective: 2019-01-01
    decision: {body: "Kommunstyrelsens arbetsutskott"}
    unit: planenheten
    name: Plan- och bygglovenheten
"""

DRY_RUN_FINDINGS = [
    {
        "code": "RESERVED_MATTER",
        "subjectKind": "delegation",
        "subjectId": "ks-mal",
        "since": "2019-01-01",
    },
    {"code": "UNCHECKED_DECIDER", "subjectKind": "change", "subjectId": "free-1", "since": None},
]


def _codes(findings: list[dict]) -> list[dict]:
    return [{k: v for k, v in f.items() if k != "reason"} for f in findings]


def test_a_dry_run_over_http_shows_the_findings_and_records_nothing(api: Api, tokens: Tokens) -> None:
    events = api.event_count()
    response = api.client.post(
        "/changes",
        params={"dryRun": "true"},
        content=RESERVED_AND_FREE_TEXT,
        headers={"content-type": "application/yaml", "Authorization": f"Bearer {tokens.registrar}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["dryRun"] is True and body["recorded"] == []
    assert _codes(body["findings"]) == DRY_RUN_FINDINGS
    assert "KL (2017:725) 6 kap. 38 §" in body["findings"][0]["reason"]
    assert "beslutsorganet kan inte kontrolleras" in body["findings"][1]["reason"]
    assert api.event_count() == events
    assert api.data('{ change(id: "reserved-1") { id } }') == {"change": None}
    # Recorded for real, the same file is accepted: a finding never blocks.
    recorded = api.post_changes(RESERVED_AND_FREE_TEXT, tokens.registrar)
    assert recorded.status_code == 200 and recorded.json()["recorded"] == ["reserved-1", "free-1"]


def test_a_dry_run_is_refused_as_recording_would_be_and_needs_a_registrar(api: Api, tokens: Tokens) -> None:
    board_by_an_official = yaml.safe_dump(
        {
            "format": "orgchange/v1",
            "changes": [
                {
                    "id": "aldre",
                    "type": "establish_unit",
                    "effective": "2019-01-01",
                    "decision": {"position": "stadsdirektor", "date": "2018-12-03"},
                    "unit": "aldrenamnden",
                    "name": "Äldrenämnden",
                    "kind": "board",
                    "parent": "kf",
                }
            ],
        },
        allow_unicode=True,
    )
    preview = api.client.post(
        "/changes?dryRun=true",
        content=board_by_an_official,
        headers={"content-type": "application/yaml", "Authorization": f"Bearer {tokens.registrar}"},
    )
    recording = api.post_changes(board_by_an_official, tokens.registrar)
    assert preview.status_code == recording.status_code == 422
    assert preview.json() == recording.json()
    assert recording.json()["rule"] == "competence"
    assert (
        "decided by 'stadsdirektor' (a position: Stadsdirektör), which may not establish board"
        in (recording.json()["errors"][0])
    )
    reader = api.client.post(
        "/changes?dryRun=true",
        content=RESERVED_AND_FREE_TEXT,
        headers={"content-type": "application/yaml", "Authorization": f"Bearer {tokens.reader}"},
    )
    assert reader.status_code == 403
    unclear = api.client.post(
        "/changes?dryRun=perhaps",
        content=RESERVED_AND_FREE_TEXT,
        headers={"content-type": "application/yaml", "Authorization": f"Bearer {tokens.registrar}"},
    )
    assert unclear.status_code == 422
    assert unclear.json() == {
        "errors": ["the query parameter 'dryRun' is true or false"],
        "rule": "malformed-input",
    }
    assert api.data('{ change(id: "reserved-1") { id } }') == {"change": None}


FINDINGS = """
query ($asOf: Date!) {
  delegationFindings(asOf: $asOf) { delegationId code since reason }
  findings(asOf: $asOf) { code subjectKind subjectId since reason }
}
"""


def test_graphql_lists_the_findings_of_a_day(api: Api) -> None:
    before = api.data(FINDINGS, {"asOf": "2017-12-31"})
    # The sample's companies are owned by the kommun (the council) or by its holding company,
    # and nothing cites a repealed act before 2018.
    assert before == {"delegationFindings": [], "findings": []}
    after = api.data(FINDINGS, {"asOf": "2018-06-01"})
    repealed = {f["delegationId"] for f in after["delegationFindings"] if f["code"] == "REPEALED_ACT"}
    assert repealed and all(f["since"] == "2018-01-01" for f in after["delegationFindings"])
    assert {f["subjectId"] for f in after["findings"] if f["subjectKind"] == "delegation"} == repealed
    assert all("hänvisar till upphävd lag" in f["reason"] for f in after["delegationFindings"])


def test_a_change_and_a_preview_carry_their_findings(api: Api, tokens: Tokens) -> None:
    preview = api.data(
        "mutation ($f: JSON!) { previewChanges(file: $f) { findings { code subjectId since reason } } }",
        {"f": RESERVED_AND_FREE_TEXT},
        tokens.registrar,
    )["previewChanges"]
    assert [(f["code"], f["subjectId"]) for f in preview["findings"]] == [
        ("RESERVED_MATTER", "ks-mal"),
        ("UNCHECKED_DECIDER", "free-1"),
    ]
    assert api.post_changes(RESERVED_AND_FREE_TEXT, tokens.registrar).status_code == 200
    query = '{ change(id: "%s") { findings { code subjectKind subjectId } decision { body position } } }'
    assert api.data(query % "free-1")["change"]["findings"] == [
        {"code": "UNCHECKED_DECIDER", "subjectKind": "change", "subjectId": "free-1"}
    ]
    assert api.data(query % "reserved-1")["change"] == {
        "findings": [{"code": "RESERVED_MATTER", "subjectKind": "delegation", "subjectId": "ks-mal"}],
        "decision": {"body": "ks", "position": None},
    }
    owned_by_a_board = {
        "format": "orgchange/v1",
        "changes": [
            {
                "id": "bolag-1",
                "type": "establish_unit",
                "effective": "2017-06-01",
                "decision": {"body": "kf", "date": "2017-05-15", "paragraph": "§ 101"},
                "unit": "nacka-energi-ab",
                "name": "Nacka energi AB",
                "kind": "company",
                "owner": "ks",
            }
        ],
    }
    assert (
        api.post_changes(json.dumps(owned_by_a_board), tokens.registrar, "application/json").status_code
        == 200
    )
    assert api.data(query % "bolag-1")["change"]["findings"] == [
        {"code": "BOARD_OWNS_COMPANY", "subjectKind": "unit", "subjectId": "nacka-energi-ab"}
    ]
    assert _codes(api.data(FINDINGS, {"asOf": "2017-12-31"})["findings"]) == [
        {
            "code": "BOARD_OWNS_COMPANY",
            "subjectKind": "unit",
            "subjectId": "nacka-energi-ab",
            "since": "2017-06-01",
        }
    ]


def test_a_decision_by_an_official_and_a_companys_supervisor_over_graphql(api: Api, tokens: Tokens) -> None:
    file = {
        "format": "orgchange/v1",
        "changes": [
            {
                "id": "uppsikt-1",
                "type": "move_unit",
                "effective": "2019-01-01",
                "decision": {"body": "kf", "date": "2018-12-17", "paragraph": "§ 250"},
                "unit": "nacka-stadshus-ab",
                "owner": "kf",
                "supervisor": "ks",
            },
            {
                "id": "slg-2",
                "type": "establish_position",
                "effective": "2019-01-01",
                "decision": {"position": "stadsdirektor", "date": "2018-12-17"},
                "position": "stadsdirektorens-stab",
                "title": "Stabschef",
                "unit": "slk",
            },
        ],
    }
    assert api.data("mutation ($f: JSON!) { recordChanges(file: $f) }", {"f": file}, tokens.registrar)
    company = api.data(
        '{ unit(id: "nacka-stadshus-ab", asOf: "2019-01-01") { ownerId supervisorId supervisor { id name kind } } }'
    )["unit"]
    assert company == {
        "ownerId": "kf",
        "supervisorId": "ks",
        "supervisor": {"id": "ks", "name": "Kommunstyrelsen", "kind": "board"},
    }
    history = api.data('{ unitHistory(id: "nacka-stadshus-ab") { validFrom ownerId supervisorId } }')
    assert history["unitHistory"][-1] == {"validFrom": "2019-01-01", "ownerId": "kf", "supervisorId": "ks"}
    assert api.data('{ findings(asOf: "2019-01-01") { code } }')["findings"] == [
        {"code": "REPEALED_ACT"}
        for _ in api.data('{ delegationFindings(asOf: "2019-01-01") { code } }')["delegationFindings"]
    ]
    decision = api.data('{ change(id: "slg-2") { decision { body date position } } }')["change"]["decision"]
    assert decision == {"body": None, "date": "2018-12-17", "position": "stadsdirektor"}
