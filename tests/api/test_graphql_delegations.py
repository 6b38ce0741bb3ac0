"""delegations, delegationGaps and reports (with the reportChanges/noteReport mutations).

delegations and delegationGaps answer from `projections.delegations`, the same
reader as `orgchange delegations`; these tests check what the API shows of it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .conftest import Api, Tokens

DELEGATIONS = """
query ($asOf: Date!, $board: ID, $delegate: ID, $knownAt: DateTime) {
  delegations(asOf: $asOf, board: $board, delegate: $delegate, knownAt: $knownAt) {
    id code matter fromId toId legalBasis limit substitute furtherDelegation
    parentDelegationId validFrom validTo termsValidFrom changeId
  }
}
"""


def test_delegations_of_a_board_on_a_day(api: Api) -> None:
    delegations = api.data(DELEGATIONS, {"asOf": "2017-03-01", "board": "ks"})["delegations"]

    assert [d["id"] for d in delegations] == [
        "ks-a1",
        "ks-a2",
        "ks-a3",
        "ks-b1",
        "ks-b1-samhallsbyggnad",
        "ks-b1-valfard",
        "ks-b2",
        "ks-b3",
        "ks-b3b",
        "ks-c1",
    ]
    assert {d["fromId"] for d in delegations} == {"ks"}
    b1 = delegations[3]
    assert b1 == {
        "id": "ks-b1",
        "code": "B.1",
        "matter": "Beslut om upphandling och tecknande av avtal inom beslutad budget",
        "fromId": "ks",
        "toId": "stadsdirektor",
        "legalBasis": "KL (1991:900) 6 kap. 33 §",
        "limit": "Högst 10 miljoner kronor per avtal",
        "substitute": None,
        "furtherDelegation": True,
        "parentDelegationId": None,
        "validFrom": "2012-01-01",  # whole life, although amended on 2018-01-01
        "validTo": None,
        "termsValidFrom": "2012-01-01",
        "changeId": "nacka-2012-058",
    }
    sub = delegations[4]
    assert sub["parentDelegationId"] == "ks-b1"
    assert sub["validTo"] == "2017-11-13"  # revoked by nacka-2017-035
    assert delegations[0]["substitute"] == "ks-forste-vice-ordforande"


def test_amended_terms_apply_from_their_day(api: Api) -> None:
    before = api.data(DELEGATIONS, {"asOf": "2017-12-31", "delegate": "stadsdirektor"})
    after = api.data(DELEGATIONS, {"asOf": "2018-01-01", "delegate": "stadsdirektor"})

    assert [d["limit"] for d in before["delegations"]] == ["Högst 10 miljoner kronor per avtal"]
    assert [d["limit"] for d in after["delegations"]] == ["Högst 15 miljoner kronor per avtal"]
    assert after["delegations"][0]["changeId"] == "nacka-2018-003"
    assert after["delegations"][0]["termsValidFrom"] == "2018-01-01"
    assert after["delegations"][0]["validFrom"] == "2012-01-01"


def test_delegations_to_a_committee(api: Api) -> None:
    delegations = api.data(DELEGATIONS, {"asOf": "2017-03-01", "delegate": "sn-individutskott"})

    assert [(d["id"], d["fromId"]) for d in delegations["delegations"]] == [("sn-2-1", "socialnamnden")]


def test_all_delegations_of_the_day_cover_every_board(api: Api) -> None:
    delegations = api.data(DELEGATIONS, {"asOf": "2018-07-01"})["delegations"]

    assert {d["fromId"] for d in delegations} == {"ks", "socialnamnden", "ntn", "fritidsnamnden"}
    ids = [d["id"] for d in delegations]
    assert "ks-a2" not in ids  # revoked 2018-01-01
    assert "ks-a4" in ids  # granted 2018-07-01


def test_unknown_board_or_delegate_is_a_clear_error(api: Api) -> None:
    board = api.errors(DELEGATIONS, {"asOf": "2017-03-01", "board": "kss"})[0]
    delegate = api.errors(DELEGATIONS, {"asOf": "2017-03-01", "delegate": "nobody"})[0]

    assert board["message"] == "there is no unit 'kss' in the register"
    assert board["extensions"] == {"code": "BAD_USER_INPUT", "argument": "board"}
    assert delegate["message"] == "there is no position or committee 'nobody' in the register"


def test_position_lists_its_delegations(api: Api) -> None:
    query = """{ unit(id: "slk", asOf: "2017-03-01") {
        positions { id delegations { id toId } } } }"""

    positions = api.data(query)["unit"]["positions"]

    assert positions == [
        {"id": "stadsdirektor", "delegations": [{"id": "ks-b1", "toId": "stadsdirektor"}]},
        {"id": "stadsjurist", "delegations": [{"id": "ks-a3", "toId": "stadsjurist"}]},
    ]


GAPS = """
query ($asOf: Date!, $knownAt: DateTime) {
  delegationGaps(asOf: $asOf, knownAt: $knownAt) { delegationId since reason missingDelegateId }
}
"""


def _gaps(api: Api, day: str) -> dict[str, dict]:
    return {g["delegationId"]: g for g in api.data(GAPS, {"asOf": day})["delegationGaps"]}


def test_gap_while_the_produktionsdirektor_post_was_gone(api: Api) -> None:
    assert _gaps(api, "2013-12-31") == {}

    gaps = _gaps(api, "2014-02-01")
    assert list(gaps) == ["ks-b3"]
    assert gaps["ks-b3"]["since"] == "2014-01-01"
    assert gaps["ks-b3"]["missingDelegateId"] == "produktionsdirektor"
    assert "Produktionsdirektör (produktionsdirektor)" in gaps["ks-b3"]["reason"]
    # Closed when KS re-pointed the delegation on 2014-03-03.
    assert _gaps(api, "2014-03-03") == {}


def test_gaps_after_the_spin_off_and_the_territory_reorganisation(api: Api) -> None:
    gaps = _gaps(api, "2017-10-15")

    assert list(gaps) == ["ntn-n2", "ks-b1-samhallsbyggnad"]  # oldest gap first
    assert gaps["ntn-n2"]["since"] == "2017-01-01"
    assert "Enhetschef VA och avfall (va-chef)" in gaps["ntn-n2"]["reason"]
    assert gaps["ks-b1-samhallsbyggnad"]["since"] == "2017-10-01"
    assert gaps["ks-b1-samhallsbyggnad"]["missingDelegateId"] == "samhallsbyggnadsdirektor"
    # The vidaredelegation was revoked and replaced on 2017-11-13; ntn-n2 was never re-pointed.
    assert list(_gaps(api, "2017-11-13")) == ["ntn-n2"]
    assert list(_gaps(api, "2018-12-31")) == ["ntn-n2"]


def test_gaps_of_one_board(api: Api) -> None:
    query = 'query ($b: ID) { delegationGaps(asOf: "2017-10-15", board: $b) { delegationId } }'

    assert api.data(query, {"b": "ntn"})["delegationGaps"] == [{"delegationId": "ntn-n2"}]
    assert api.data(query, {"b": "socialnamnden"})["delegationGaps"] == []


def test_a_vidaredelegation_inherits_the_gap_of_its_parent(api: Api, tokens: Tokens) -> None:
    # Abolish the stadsdirektör post: ks-b1 loses its delegate, and so do the
    # vidaredelegations resting on it (their own delegates still exist).
    abolish = """format: orgchange/v1
changes:
  - {id: gap-1, type: abolish_position, effective: 2019-01-01, position: stadsdirektor}
"""
    response = api.post_changes(abolish, tokens.registrar)
    assert response.status_code == 200, response.text

    gaps = _gaps(api, "2019-02-01")

    assert gaps["ks-b1"]["since"] == "2019-01-01"
    sub = gaps["ks-b1-valfard"]
    assert sub["since"] == "2019-01-01"
    assert sub["missingDelegateId"] == "stadsdirektor"
    assert sub["reason"].startswith("Vidaredelegationen vilar på ks-b1")
    assert "Stadsdirektör (stadsdirektor)" in sub["reason"]
    # As known just before the abolition was recorded, only the old gap was there.
    recorded_at = api.data('{ change(id: "gap-1") { recordedAt } }')["change"]["recordedAt"]
    just_before = (datetime.fromisoformat(recorded_at) - timedelta(microseconds=1)).isoformat()
    earlier = api.data(GAPS, {"asOf": "2019-02-01", "knownAt": just_before})
    assert [g["delegationId"] for g in earlier["delegationGaps"]] == ["ntn-n2"]


REPORTS = """
query ($board: ID!, $meeting: Date) {
  reports(board: $board, meeting: $meeting) {
    board meeting changeIds notedParagraph reference
    changes { id summary }
  }
}
"""


def test_reports_of_ks(api: Api) -> None:
    reports = api.data(REPORTS, {"board": "ks"})["reports"]

    # The four progress reports KS took note of (the §§ the source report gives), then the
    # minor adjustments of 2016/2017, the slutrapport and the territory reorganisation.
    assert [(r["meeting"], r["notedParagraph"]) for r in reports] == [
        ("2013-09-02", "§ 190"),
        ("2014-03-03", "§ 56"),
        ("2014-09-01", "§ 176"),
        ("2015-09-28", "§ 243"),
        ("2017-02-06", "§ 27"),
        ("2017-03-06", "§ 61"),
        ("2017-11-13", "§ 318"),
    ]
    first = reports[4]
    assert first["board"] == "ks"
    assert first["changeIds"] == ["nacka-2017-002", "nacka-2017-003", "nacka-2017-004"]
    assert first["reference"] == "KFKS 2017/42"
    assert [c["id"] for c in first["changes"]] == first["changeIds"]
    assert first["changes"][0]["summary"].startswith("Lokalenheten flyttades")


def test_reports_of_one_meeting_and_of_a_board_without_any(api: Api) -> None:
    one = api.data(REPORTS, {"board": "ks", "meeting": "2017-11-13"})["reports"]
    none = api.data(REPORTS, {"board": "socialnamnden"})["reports"]

    assert [r["meeting"] for r in one] == ["2017-11-13"]
    assert none == []
    assert api.errors(REPORTS, {"board": "kommunstyrelsen"})[0]["message"] == (
        "there is no unit 'kommunstyrelsen' in the register"
    )


REPORT_CHANGES = """
mutation ($board: ID!, $meeting: Date!, $ids: [ID!]!) {
  reportChanges(board: $board, meeting: $meeting, changeIds: $ids) {
    board meeting changeIds notedParagraph
  }
}
"""

NOTE_REPORT = """
mutation ($board: ID!, $meeting: Date!, $paragraph: String!) {
  noteReport(board: $board, meeting: $meeting, paragraph: $paragraph) {
    board meeting changeIds notedParagraph
  }
}
"""


def test_report_then_note_at_a_meeting(api: Api, tokens: Tokens) -> None:
    meeting = {"board": "ks", "meeting": "2018-08-20"}

    reported = api.data(
        REPORT_CHANGES, {**meeting, "ids": ["nacka-2018-010", "nacka-2018-011"]}, tokens.registrar
    )["reportChanges"]
    noted = api.data(NOTE_REPORT, {**meeting, "paragraph": "§ 201"}, tokens.registrar)["noteReport"]

    assert reported == {
        "board": "ks",
        "meeting": "2018-08-20",
        "changeIds": ["nacka-2018-010", "nacka-2018-011"],
        "notedParagraph": None,
    }
    assert noted["notedParagraph"] == "§ 201"
    listed = api.data(REPORTS, meeting)["reports"]
    assert listed[0]["changeIds"] == ["nacka-2018-010", "nacka-2018-011"]
    assert listed[0]["notedParagraph"] == "§ 201"


def test_reporting_an_unknown_change_is_rejected_and_nothing_is_recorded(api: Api, tokens: Tokens) -> None:
    events = api.event_count()

    errors = api.errors(
        REPORT_CHANGES,
        {"board": "ks", "meeting": "2018-08-20", "ids": ["no-such-change"]},
        tokens.registrar,
    )

    assert errors[0]["extensions"]["code"] == "CHANGE_REJECTED"
    assert "no-such-change" in errors[0]["message"]
    assert errors[0]["message"].startswith("change #1 report_changes:")
    assert api.event_count() == events
    assert api.data(REPORTS, {"board": "ks", "meeting": "2018-08-20"})["reports"] == []


def test_a_malformed_report_argument_is_named(api: Api, tokens: Tokens) -> None:
    errors = api.errors(
        NOTE_REPORT,
        {"board": "Not A Key", "meeting": "2018-08-20", "paragraph": "§ 1"},
        tokens.registrar,
    )

    assert errors[0]["extensions"]["code"] == "MALFORMED_INPUT"
    assert errors[0]["message"].startswith("change #1 note_report: field 'to'")
