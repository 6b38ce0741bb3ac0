"""The delegationsordning and reorganisations: delegationImpact, previewChanges,
delegationFindings, and the delegations a unit grants and receives.

The impact and the preview come from `OrgChange.impact_of` and `OrgChange.dry_run`,
the same code as the review pack's "Påverkan på delegationsordningen"; these tests
check what the API shows of them, and that a preview records nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .conftest import Api, Tokens

IMPACT = """
query ($id: ID!) {
  delegationImpact(changeId: $id) {
    opened { delegationId since reason missingDelegateId }
    closed { delegationId since missingDelegateId }
  }
}
"""


def test_the_spin_off_opened_the_gap_of_ntn_n2(api: Api) -> None:
    impact = api.data(IMPACT, {"id": "nacka-2017-001"})["delegationImpact"]

    assert impact["closed"] == []
    [gap] = impact["opened"]
    assert gap["delegationId"] == "ntn-n2"
    assert gap["since"] == "2017-01-01"
    assert gap["missingDelegateId"] == "va-chef"
    assert "Enhetschef VA och avfall (va-chef)" in gap["reason"]


def test_abolishing_a_post_opened_a_gap_and_revoking_the_delegation_closed_it(api: Api) -> None:
    abolished = api.data(IMPACT, {"id": "nacka-2017-034"})["delegationImpact"]
    revoked = api.data(IMPACT, {"id": "nacka-2017-035"})["delegationImpact"]

    assert [(g["delegationId"], g["since"]) for g in abolished["opened"]] == [
        ("ks-b1-samhallsbyggnad", "2017-10-01")
    ]
    assert abolished["closed"] == []
    assert revoked["opened"] == []
    assert revoked["closed"] == [
        {
            "delegationId": "ks-b1-samhallsbyggnad",
            "since": "2017-10-01",
            "missingDelegateId": "samhallsbyggnadsdirektor",
        }
    ]


def test_a_change_that_touches_no_delegation_has_no_impact(api: Api) -> None:
    impact = api.data(IMPACT, {"id": "nacka-2017-002"})["delegationImpact"]

    assert impact == {"opened": [], "closed": []}


def test_impact_of_an_unknown_change_or_a_cancellation_is_a_clear_error(api: Api) -> None:
    unknown = api.errors(IMPACT, {"id": "no-such-change"})[0]
    cancellation = api.errors(IMPACT, {"id": "nacka-2017-006"})[0]
    report = api.errors(IMPACT, {"id": "nacka-2017-007"})[0]  # a report_changes

    assert unknown["message"] == "no organisational change 'no-such-change' was recorded"
    assert unknown["extensions"] == {"code": "BAD_USER_INPUT", "argument": "changeId"}
    assert cancellation["message"].startswith("'nacka-2017-006' is a cancellation (of 'nacka-2017-005')")
    assert cancellation["extensions"]["code"] == "BAD_USER_INPUT"
    assert report["extensions"]["code"] == "BAD_USER_INPUT"


PREVIEW = """
mutation ($file: JSON!) {
  previewChanges(file: $file) {
    opened { delegationId since missingDelegateId reason }
    closed { delegationId since }
  }
}
"""

GAPS = "query ($asOf: Date!) { delegationGaps(asOf: $asOf) { delegationId since } }"

ABOLISH_STADSDIREKTOR = {
    "format": "orgchange/v1",
    "changes": [
        {
            "id": "preview-1",
            "type": "abolish_position",
            "effective": "2019-01-01",
            "position": "stadsdirektor",
        }
    ],
}

REPOINT_NTN_N2 = """format: orgchange/v1
changes:
  - id: preview-2
    type: amend_delegation
    effective: 2019-01-01
    delegation: ntn-n2
    to: trafikchef
"""


def test_a_preview_tells_the_gaps_a_file_would_open_and_records_nothing(api: Api, tokens: Tokens) -> None:
    events = api.event_count()
    gaps_before = api.data(GAPS, {"asOf": "2019-02-01"})

    preview = api.data(PREVIEW, {"file": ABOLISH_STADSDIREKTOR}, tokens.registrar)["previewChanges"]

    # ks-b1 loses its delegate, and the vidaredelegations resting on it lose their ground.
    assert [(g["delegationId"], g["since"], g["missingDelegateId"]) for g in preview["opened"]] == [
        ("ks-b1", "2019-01-01", "stadsdirektor"),
        ("ks-b1-territorium", "2019-01-01", "stadsdirektor"),
        ("ks-b1-valfard", "2019-01-01", "stadsdirektor"),
    ]
    assert preview["opened"][1]["reason"].startswith("Vidaredelegationen vilar på ks-b1")
    assert preview["closed"] == []
    # Nothing was recorded: no event, no change, the same gaps.
    assert api.event_count() == events
    assert api.data('{ change(id: "preview-1") { id } }') == {"change": None}
    assert api.data(GAPS, {"asOf": "2019-02-01"}) == gaps_before
    # The previewed file can still be recorded, with the effect the preview told.
    assert api.data(
        "mutation ($file: JSON!) { recordChanges(file: $file) }",
        {"file": ABOLISH_STADSDIREKTOR},
        tokens.admin,
    ) == {"recordChanges": ["preview-1"]}
    after = [g["delegationId"] for g in api.data(GAPS, {"asOf": "2019-02-01"})["delegationGaps"]]
    assert after == ["ntn-n2", "ks-b1", "ks-b1-territorium", "ks-b1-valfard"]


def test_a_preview_of_yaml_text_tells_the_gaps_it_would_close(api: Api, tokens: Tokens) -> None:
    events = api.event_count()

    preview = api.data(PREVIEW, {"file": REPOINT_NTN_N2}, tokens.registrar)["previewChanges"]

    assert preview == {"opened": [], "closed": [{"delegationId": "ntn-n2", "since": "2017-01-01"}]}
    assert api.event_count() == events
    assert [g["delegationId"] for g in api.data(GAPS, {"asOf": "2019-02-01"})["delegationGaps"]] == ["ntn-n2"]


def test_a_previewed_file_is_refused_as_recording_would_refuse_it(api: Api, tokens: Tokens) -> None:
    events = api.event_count()
    rejected_file = {
        "format": "orgchange/v1",
        "changes": [
            {"id": "p-1", "type": "abolish_position", "effective": "2019-01-01", "position": "no-such-post"}
        ],
    }
    malformed_file = {"format": "orgchange/v1", "changes": [{"id": "p-2", "type": "abolish_position"}]}

    preview = api.errors(PREVIEW, {"file": rejected_file}, tokens.registrar)[0]
    record = api.errors(
        "mutation ($file: JSON!) { recordChanges(file: $file) }", {"file": rejected_file}, tokens.registrar
    )[0]
    malformed = api.errors(PREVIEW, {"file": malformed_file}, tokens.registrar)[0]
    not_a_file = api.errors(PREVIEW, {"file": [1, 2]}, tokens.registrar)[0]

    assert preview["extensions"]["code"] == "CHANGE_REJECTED"
    assert preview["message"] == record["message"]
    assert preview["extensions"] == record["extensions"]
    assert "no-such-post" in preview["message"]
    assert malformed["extensions"]["code"] == "MALFORMED_INPUT"
    assert not_a_file["extensions"] == {"code": "BAD_USER_INPUT", "argument": "file"}
    assert api.event_count() == events


def test_a_preview_needs_a_registrar_or_admin(api: Api, tokens: Tokens) -> None:
    anonymous = api.graphql(PREVIEW, {"file": ABOLISH_STADSDIREKTOR})
    reader = api.graphql(PREVIEW, {"file": ABOLISH_STADSDIREKTOR}, tokens.reader)
    admin = api.graphql(PREVIEW, {"file": ABOLISH_STADSDIREKTOR}, tokens.admin)

    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert reader.status_code == 403
    assert reader.json()["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    assert admin.status_code == 200
    assert len(admin.json()["data"]["previewChanges"]["opened"]) == 3


FINDINGS = """
query ($asOf: Date!, $knownAt: DateTime) {
  delegationFindings(asOf: $asOf, knownAt: $knownAt) { delegationId code reason }
}
"""


def _reserved(api: Api, variables: dict) -> list[dict]:
    """The reserved-matter findings (the sample's own cite a repealed act from 2018)."""
    found = api.data(FINDINGS, variables)["delegationFindings"]
    return [f for f in found if f["code"] == "RESERVED_MATTER"]


RESERVED = """format: orgchange/v1
changes:
  - id: reserved-1
    type: grant_delegation
    effective: 2019-01-01
    delegation: ks-mal
    from: ks
    to: stadsdirektor
    matter: Verksamhetens mål och inriktning
    reserved_matter: true
"""


def test_a_delegated_reserved_matter_is_a_finding(api: Api, tokens: Tokens) -> None:
    assert _reserved(api, {"asOf": "2019-02-01"}) == []

    response = api.post_changes(RESERVED, tokens.registrar)
    assert response.status_code == 200, response.text

    [finding] = _reserved(api, {"asOf": "2019-02-01"})
    assert finding["delegationId"] == "ks-mal"
    assert "KL (2017:725) 6 kap. 38 §" in finding["reason"]
    assert "Verksamhetens mål och inriktning" in finding["reason"]
    assert _reserved(api, {"asOf": "2018-12-31"}) == []
    recorded_at = api.data('{ change(id: "reserved-1") { recordedAt } }')["change"]["recordedAt"]
    just_before = (datetime.fromisoformat(recorded_at) - timedelta(microseconds=1)).isoformat()
    assert _reserved(api, {"asOf": "2019-02-01", "knownAt": just_before}) == []


UNIT_DELEGATIONS = """
query ($id: ID!, $asOf: Date!, $knownAt: DateTime) {
  unit(id: $id, asOf: $asOf, knownAt: $knownAt) {
    delegationsGranted { id fromId toId validFrom }
    delegationsReceived { id fromId toId }
  }
}
"""


def _granted_and_received(api: Api, key: str, day: str, known_at: str | None = None) -> tuple[list, list]:
    unit = api.data(UNIT_DELEGATIONS, {"id": key, "asOf": day, "knownAt": known_at})["unit"]
    return [d["id"] for d in unit["delegationsGranted"]], [d["id"] for d in unit["delegationsReceived"]]


def test_a_board_lists_the_delegations_it_granted(api: Api) -> None:
    board = api.data(
        '{ delegations(asOf: "2017-03-01", board: "ks") { id }'
        ' unit(id: "ks", asOf: "2017-03-01") { delegationsGranted { id fromId } } }'
    )

    granted = board["unit"]["delegationsGranted"]
    assert [d["id"] for d in granted] == [d["id"] for d in board["delegations"]]
    assert "ks-b1-valfard" in [d["id"] for d in granted]  # vidaredelegations too
    assert {d["fromId"] for d in granted} == {"ks"}
    assert _granted_and_received(api, "ntn", "2017-03-01") == (["ntn-n1", "ntn-n2"], [])
    assert _granted_and_received(api, "ks", "2018-07-01")[0][-1] == "ks-c1"
    assert "ks-a4" in _granted_and_received(api, "ks", "2018-07-01")[0]  # granted that day
    assert "ks-a2" not in _granted_and_received(api, "ks", "2018-07-01")[0]  # revoked 2018-01-01


def test_a_committee_lists_the_delegations_it_received(api: Api) -> None:
    assert _granted_and_received(api, "ksau", "2017-03-01") == ([], ["ks-a2"])
    assert _granted_and_received(api, "ksau", "2018-07-01") == ([], [])
    assert _granted_and_received(api, "sn-individutskott", "2017-03-01") == ([], ["sn-2-1"])
    assert _granted_and_received(api, "slk", "2017-03-01") == ([], [])  # an office does neither


def test_units_of_the_whole_organisation_list_their_delegations(api: Api) -> None:
    units = api.data(
        '{ organisation(asOf: "2017-03-01") { units { id delegationsGranted { id } delegationsReceived { id } } } }'
    )["organisation"]["units"]

    granting = {u["id"]: len(u["delegationsGranted"]) for u in units if u["delegationsGranted"]}
    receiving = {
        u["id"]: [d["id"] for d in u["delegationsReceived"]] for u in units if u["delegationsReceived"]
    }
    assert granting == {"ks": 10, "socialnamnden": 3, "ntn": 2, "fritidsnamnden": 1}
    assert receiving == {"ksau": ["ks-a2"], "sn-individutskott": ["sn-2-1"]}


def test_unit_delegations_follow_known_at(api: Api, tokens: Tokens) -> None:
    response = api.post_changes(RESERVED, tokens.registrar)
    assert response.status_code == 200, response.text
    recorded_at = api.data('{ change(id: "reserved-1") { recordedAt } }')["change"]["recordedAt"]
    just_before = (datetime.fromisoformat(recorded_at) - timedelta(microseconds=1)).isoformat()

    assert "ks-mal" in _granted_and_received(api, "ks", "2019-02-01")[0]
    assert "ks-mal" not in _granted_and_received(api, "ks", "2019-02-01", just_before)[0]
