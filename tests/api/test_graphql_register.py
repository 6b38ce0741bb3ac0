"""The register as a whole (register), what is still to report to a board
(unreportedChanges), and generated documents a correction has made stale (staleOutputs)."""

from __future__ import annotations

from datetime import date

from orgchange.application.outputs import record_output

from .conftest import Api, Tokens

REGISTER = "{ register { organisation firstEffective lastEffective eventCount changeCount } }"


def test_the_register_of_the_sample(api: Api) -> None:
    register = api.data(REGISTER)["register"]
    total = api.data("{ changes(first: 0) { totalCount } }")["changes"]["totalCount"]

    assert register["organisation"] == "Nacka kommun"
    assert register["firstEffective"] == "2012-01-01"
    assert register["lastEffective"] == "2018-09-01"
    assert register["eventCount"] == api.event_count()
    assert register["changeCount"] == total
    assert register["changeCount"] < register["eventCount"]  # reports are events, not listed changes


def test_an_empty_register(empty_api: Api) -> None:
    assert empty_api.data(REGISTER) == {
        "register": {
            "organisation": None,
            "firstEffective": None,
            "lastEffective": None,
            "eventCount": 0,
            "changeCount": 0,
        }
    }


def test_the_register_counts_what_is_recorded(empty_api: Api, tokens: Tokens) -> None:
    content = """format: orgchange/v1
organisation: Exempelkommunen
changes:
  - {id: e-1, type: establish_unit, effective: 2020-01-01, unit: kf, name: Kommunfullmäktige, kind: council}
  - {id: e-2, type: rename_unit, effective: 2021-03-01, unit: kf, name: Fullmäktige}
"""
    assert empty_api.post_changes(content, tokens.registrar).status_code == 200

    register = empty_api.data(REGISTER)["register"]

    assert register["organisation"] == "Exempelkommunen"
    assert (register["firstEffective"], register["lastEffective"]) == ("2020-01-01", "2021-03-01")
    assert register["changeCount"] == 2
    assert register["eventCount"] == empty_api.event_count() >= 2


UNREPORTED = """
query ($board: ID!, $first: Int) {
  unreportedChanges(board: $board, first: $first) {
    id type effective cancelled reportTo reportBasis reportReason decision { body position }
    affectedDelegations { board delegationId code }
  }
}
"""


def _listed(api: Api, board: str, first: int | None = 1000) -> list[dict]:
    return api.data(UNREPORTED, {"board": board, "first": first})["unreportedChanges"]


def _unreported(api: Api, board: str, first: int | None = 1000) -> list[str]:
    return [c["id"] for c in _listed(api, board, first)]


EVERYTHING = """{ changes(first: 1000) { edges { node {
  id type cancelled reportTo reportBasis decision { body position } affectedDelegations { board }
} } } }"""


def test_changes_not_yet_reported_to_ks(api: Api) -> None:
    listed = _listed(api, "ks")
    everything = [e["node"] for e in api.data(EVERYTHING)["changes"]["edges"]]
    reported = {
        key
        for report in api.data('{ reports(board: "ks") { changeIds } }')["reports"]
        for key in report["changeIds"]
    }

    # Exactly the changes to be reported to KS and not yet reported, oldest first.
    expected = [c["id"] for c in everything if c["reportTo"] == "ks" and not c["cancelled"]]
    assert [c["id"] for c in listed] == [key for key in expected if key not in reported]
    # Decided by officials in KS's administration, or vidaredelegationer of KS's delegations ...
    for change in listed:
        assert change["decision"]["position"] in ("stadsdirektor", "valfardsdirektor"), change
        assert change["decision"]["body"] is None
        assert change["reportBasis"] in ("OFFICIAL_DECISION", "SUBDELEGATION")
    assert {c["id"] for c in listed if c["reportBasis"] == "SUBDELEGATION"} == {
        "nacka-2017-035",  # the stadsdirektör revoked the vidaredelegation of B.1 ...
        "nacka-2017-036",  # ... and passed B.1 on to the territoriedirektör
    }
    # ... and never KS's or KF's own decisions, which are reported to nobody.
    own = [c for c in everything if c["decision"] and c["decision"]["body"] in ("ks", "kf")]
    assert own and all(c["reportTo"] is None for c in own)
    assert not {c["id"] for c in own} & {c["id"] for c in listed}
    assert "nacka-2012-001" not in [c["id"] for c in listed]  # "Kommunfullmäktige bildades."
    assert "nacka-2017-002" not in [c["id"] for c in listed]  # reported 2017-02-06
    assert "nacka-2017-005" not in [c["id"] for c in listed]  # cancelled
    assert "nacka-2018-012" in [c["id"] for c in listed]  # recorded after the fact, still to report
    assert _unreported(api, "ks", 3) == [c["id"] for c in listed][:3]
    assert _unreported(api, "ks", None) == [c["id"] for c in listed][:100]


def test_a_gap_a_ks_office_change_opened_in_socialnamndens_delegations_is_listed_for_it(api: Api) -> None:
    [listed] = _listed(api, "socialnamnden")

    # The stadsdirektör abolished the post of the delegate of Socialnämnden's 1.1 (spring 2017):
    # the change is reported to KS, and Socialnämnden is to hear of it too.
    assert listed["id"] == "nacka-2017-014"
    assert listed["reportTo"] == "ks" and listed["decision"]["position"] == "stadsdirektor"
    assert listed["reportReason"] == "Påverkar er delegationsordning: 1.1 saknar delegat"
    assert listed["affectedDelegations"] == [
        {"board": "socialnamnden", "delegationId": "sn-1-1", "code": "1.1"}
    ]
    # The council's spin-off left Natur- och trafiknämnden's N.2 without its delegate.
    [for_ntn] = _listed(api, "ntn")
    assert for_ntn["id"] == "nacka-2017-001" and for_ntn["reportTo"] is None
    assert for_ntn["reportReason"] == "Påverkar er delegationsordning: N.2 saknar delegat"


def test_a_reported_change_is_no_longer_unreported(api: Api, tokens: Tokens) -> None:
    api.data(
        'mutation { reportChanges(board: "ks", meeting: "2018-08-20", changeIds: ["nacka-2017-001"]) { board } }',
        token=tokens.registrar,
    )

    assert "nacka-2017-001" not in _unreported(api, "ks")


def test_unreported_changes_of_an_unknown_board_or_too_many_are_errors(api: Api) -> None:
    unknown = api.errors(UNREPORTED, {"board": "kommunstyrelsen", "first": 10})[0]
    too_many = api.errors(UNREPORTED, {"board": "ks", "first": 1001})[0]

    assert unknown["message"] == "there is no unit 'kommunstyrelsen' in the register"
    assert unknown["extensions"] == {"code": "BAD_USER_INPUT", "argument": "board"}
    assert too_many["extensions"] == {"code": "BAD_USER_INPUT", "argument": "first"}


STALE = "{ staleOutputs { id kind description coversFrom coversTo generatedAt changedBy } }"


def test_a_correction_makes_a_generated_document_stale(api: Api, tokens: Tokens) -> None:
    engine = api.orgchange.engine
    pack = record_output(
        engine, "review", "granskningsunderlag ks 2017-02-06", (date(2017, 1, 1), date(2017, 1, 1)), "t"
    )
    earlier = record_output(engine, "orgchart", "schema 2015", (date(2015, 6, 1), date(2015, 6, 1)), "t")
    assert api.data(STALE) == {"staleOutputs": []}

    retroactive = """format: orgchange/v1
changes:
  - {id: retro-1, type: rename_unit, effective: 2016-06-01, unit: lokalenheten, name: Lokalförsörjningsenheten}
"""
    assert api.post_changes(retroactive, tokens.registrar).status_code == 200

    stale = api.data(STALE)["staleOutputs"]
    # The chart of 2015 answers for a day before the rename takes effect: still true.
    assert [s["id"] for s in stale] == [str(pack)]
    assert str(earlier) not in [s["id"] for s in stale]
    first = stale[0]
    assert first["kind"] == "review"
    assert first["description"] == "granskningsunderlag ks 2017-02-06"
    assert (first["coversFrom"], first["coversTo"]) == ("2017-01-01", "2017-01-01")
    assert first["changedBy"] == ["retro-1"]
    assert first["generatedAt"].endswith("+00:00")
