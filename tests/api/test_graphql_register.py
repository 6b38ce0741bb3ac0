"""The register as a whole (register), what is still to report to a board
(unreportedChanges), and generated documents a correction has made stale (staleOutputs)."""

from __future__ import annotations

from datetime import date

from orgchange.outputs import record_output

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
  unreportedChanges(board: $board, first: $first) { id type effective cancelled decision { body } }
}
"""


def _unreported(api: Api, board: str, first: int | None = 1000) -> list[str]:
    return [c["id"] for c in api.data(UNREPORTED, {"board": board, "first": first})["unreportedChanges"]]


def test_changes_not_yet_reported_to_ks(api: Api) -> None:
    unreported = _unreported(api, "ks")
    everything = api.data("{ changes(first: 1000) { edges { node { id cancelled } } } }")["changes"]["edges"]
    reported = {
        key
        for report in api.data('{ reports(board: "ks") { changeIds } }')["reports"]
        for key in report["changeIds"]
    }

    expected = [
        e["node"]["id"] for e in everything if not e["node"]["cancelled"] and e["node"]["id"] not in reported
    ]
    assert unreported == expected  # oldest first, as `changes` lists them
    assert "nacka-2017-002" not in unreported and "nacka-2017-034" not in unreported  # reported
    assert "nacka-2017-005" not in unreported  # cancelled
    assert "nacka-2017-001" in unreported
    # Reports to another board do not count for ks, and the page size is kept.
    assert "nacka-2017-002" in _unreported(api, "socialnamnden")
    assert _unreported(api, "ks", 3) == unreported[:3]
    assert _unreported(api, "ks", None) == unreported[:100]


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
