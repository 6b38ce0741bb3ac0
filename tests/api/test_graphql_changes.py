"""changes (with cursors), change and diff against the Nacka sample register."""

from __future__ import annotations

from .conftest import Api

CHANGES = """
query ($from: Date, $to: Date, $unitId: ID, $first: Int, $after: String) {
  changes(from: $from, to: $to, unitId: $unitId, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id type effective recordedAt recordedBy unitIds summary cancelled cancelledBy
        decision { body date paragraph reference }
      }
    }
  }
}
"""


def _ids(connection: dict) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]


def test_change_carries_its_decision_summary_and_units(api: Api) -> None:
    connection = api.data(CHANGES, {"from": "2017-01-01", "to": "2017-01-01"})["changes"]
    spin_off = next(e["node"] for e in connection["edges"] if e["node"]["id"] == "nacka-2017-001")

    assert spin_off["type"] == "spin_off_unit"
    assert spin_off["effective"] == "2017-01-01"
    assert spin_off["summary"] == (
        "VA- och avfallsenheten ombildades till bolaget Nacka vatten och avfall AB."
    )
    assert sorted(spin_off["unitIds"]) == ["nacka-vatten-och-avfall-ab", "va-och-avfall"]
    assert spin_off["decision"] == {
        "body": "kf",
        "date": "2016-11-14",
        "paragraph": "§ 289",
        "reference": "KFKS 2016/712",
    }
    assert spin_off["recordedBy"] == "test"
    assert spin_off["recordedAt"].endswith("+00:00")
    assert spin_off["cancelled"] is False


def test_changes_are_ordered_by_effective_date_then_recording_order(api: Api) -> None:
    connection = api.data(CHANGES, {"first": 1000})["changes"]
    nodes = [edge["node"] for edge in connection["edges"]]

    assert connection["totalCount"] == len(nodes)
    assert [n["effective"] for n in nodes] == sorted(n["effective"] for n in nodes)
    same_day = [n["id"] for n in nodes if n["effective"] == "2017-01-01"]
    assert same_day == [
        "nacka-2017-001",
        "nacka-2017-002",
        "nacka-2017-003",
        "nacka-2017-004",
        "nacka-2017-005",
        "nacka-2017-006",
    ]
    # Reporting is listed by `reports`, not here.
    assert not {"report_changes", "note_report"} & {n["type"] for n in nodes}


def test_a_cancelled_change_and_its_cancellation_are_both_listed(api: Api) -> None:
    nodes = {
        e["node"]["id"]: e["node"]
        for e in api.data(CHANGES, {"from": "2017-01-01", "to": "2017-01-01"})["changes"]["edges"]
    }

    assert nodes["nacka-2017-005"]["cancelled"] is True
    assert nodes["nacka-2017-005"]["cancelledBy"] == "nacka-2017-006"
    cancellation = nodes["nacka-2017-006"]
    assert cancellation["type"] == "cancel_change"
    assert cancellation["effective"] == "2017-01-01"  # the date of the change it cancels
    assert cancellation["decision"] == {
        "body": None,
        "date": None,
        "paragraph": None,
        "reference": "KFKS 2016/880",
    }


def test_pages_follow_each_other_without_gaps_or_repeats(api: Api) -> None:
    everything = _ids(api.data(CHANGES, {"first": 1000})["changes"])
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = api.data(CHANGES, {"first": 7, "after": after})["changes"]
        pages += 1
        seen.extend(_ids(page))
        assert page["totalCount"] == len(everything)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]

    assert seen == everything
    assert pages == -(-len(everything) // 7)


def test_from_and_to_are_inclusive(api: Api) -> None:
    connection = api.data(CHANGES, {"from": "2017-10-01", "to": "2017-11-13"})["changes"]
    effective = {edge["node"]["effective"] for edge in connection["edges"]}

    assert effective == {"2017-10-01", "2017-11-13"}
    assert connection["totalCount"] == 8  # the territory reorganisation, one change recorded after the fact


def test_changes_of_one_unit_include_the_merge_that_ended_it(api: Api) -> None:
    connection = api.data(CHANGES, {"unitId": "controllerenheten"})["changes"]

    # Established, given a post, merged into Ekonomienheten.
    assert _ids(connection) == ["nacka-2012-012", "nacka-2012-039", "nacka-2013-004"]
    assert connection["totalCount"] == 3


def test_an_empty_page_has_no_end_cursor(api: Api) -> None:
    connection = api.data(CHANGES, {"from": "2030-01-01"})["changes"]

    assert connection == {"totalCount": 0, "pageInfo": {"hasNextPage": False, "endCursor": None}, "edges": []}


def test_bad_changes_arguments_are_clear_errors(api: Api) -> None:
    cursor = api.errors(CHANGES, {"after": "not-a-cursor"})[0]
    assert cursor["message"] == "'not-a-cursor' is not a cursor this service gave out"
    assert cursor["extensions"]["argument"] == "after"

    unit = api.errors(CHANGES, {"unitId": "nobody"})[0]
    assert unit["message"] == "there is no unit 'nobody' in the register"

    first = api.errors(CHANGES, {"first": 5000})[0]
    assert first["message"] == "'first' must be between 0 and 1000"

    backwards = api.errors(CHANGES, {"from": "2017-02-01", "to": "2017-01-01"})[0]
    assert backwards["message"] == "'to' (2017-01-01) is before 'from' (2017-02-01)"


def test_change_by_id(api: Api) -> None:
    query = "query ($id: ID!) { change(id: $id) { id type unitIds summary note } }"

    change = api.data(query, {"id": "nacka-2013-004"})["change"]
    assert change["type"] == "merge_units"
    assert change["summary"] == "Controllerenheten uppgick i Ekonomienheten."
    assert sorted(change["unitIds"]) == ["controllerenheten", "ekonomienheten"]
    assert change["note"].startswith("Rapporten: stödfunktionernas innehåll")
    assert api.data(query, {"id": "no-such-change"})["change"] is None


DIFF = """
query ($from: Date!, $to: Date!) {
  diff(from: $from, to: $to) {
    added removed
    renamed { id from to }
    moved { id fromParent toParent }
    reclassified { id from to }
    positions { established abolished moved { id fromUnit toUnit } }
  }
}
"""


def test_diff_across_the_turn_of_2016_2017(api: Api) -> None:
    diff = api.data(DIFF, {"from": "2016-12-31", "to": "2017-01-01"})["diff"]

    assert diff["added"] == ["nacka-vatten-och-avfall-ab", "strategisk-stadsutveckling"]
    assert diff["removed"] == ["va-och-avfall"]
    # The cancelled rename of bygglovenheten is not a rename.
    assert diff["renamed"] == []
    assert {"id": "lokalenheten", "fromParent": "slk", "toParent": "territorieomradet"} in diff["moved"]
    assert {
        "id": "va-kundtjanst",
        "fromParent": "va-och-avfall",
        "toParent": "nacka-vatten-och-avfall-ab",
    } in diff["moved"]


def test_diff_shows_the_production_review_of_2014_reclassified_units_and_posts(api: Api) -> None:
    diff = api.data(DIFF, {"from": "2013-12-31", "to": "2014-01-01"})["diff"]

    assert diff["reclassified"] == [
        {"id": "valfard-samhallsservice", "from": "unit", "to": "office"},
        {"id": "valfard-skola", "from": "unit", "to": "office"},
    ]
    assert diff["positions"] == {
        "established": ["valfard-samhallsservice-direktor", "valfard-skola-direktor"],
        "abolished": ["produktionsdirektor"],
        "moved": [
            {"id": "samhallsbyggnadsdirektor", "fromUnit": "mhe", "toUnit": "territorieomradet"},
            {"id": "valfardsdirektor", "fromUnit": "mhe", "toUnit": "valfardsomradet"},
        ],
    }
    assert diff["added"] == ["territorieomradet", "valfardsomradet"] and diff["removed"] == ["mhe"]


def test_a_diff_of_a_day_with_itself_is_empty(api: Api) -> None:
    diff = api.data(DIFF, {"from": "2014-01-01", "to": "2014-01-01"})["diff"]

    assert diff == {
        "added": [],
        "removed": [],
        "renamed": [],
        "moved": [],
        "reclassified": [],
        "positions": {"established": [], "abolished": [], "moved": []},
    }


def test_diff_shows_renames(api: Api) -> None:
    diff = api.data(DIFF, {"from": "2014-03-31", "to": "2014-04-01"})["diff"]

    assert diff["renamed"] == [
        {"id": "personalenheten", "from": "Personalenheten", "to": "Personal- och organisationsenheten"}
    ]
    assert diff["added"] == diff["removed"] == diff["moved"] == []


FILTERED = """
query ($types: [String!], $board: ID, $first: Int, $after: String) {
  changes(types: $types, reportedTo: $board, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id type } }
  }
}
"""


def _all_pages(api: Api, variables: dict) -> tuple[int, list[dict]]:
    nodes, after, total = [], None, None
    while True:
        page = api.data(FILTERED, variables | {"first": 7, "after": after})["changes"]
        total = page["totalCount"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return total, nodes
        after = page["pageInfo"]["endCursor"]


def test_changes_of_some_types_only_are_counted_and_paged_by_the_register(api: Api) -> None:
    every = _all_pages(api, {})[1]
    wanted = {"merge_units", "split_unit"}

    total, nodes = _all_pages(api, {"types": sorted(wanted)})

    assert [n["id"] for n in nodes] == [n["id"] for n in every if n["type"] in wanted]
    assert total == len(nodes) > 0


def test_changes_reported_to_a_board_are_those_of_its_reports(api: Api) -> None:
    reported = {
        i for r in api.data('{ reports(board: "ks") { changeIds } }')["reports"] for i in r["changeIds"]
    }

    total, nodes = _all_pages(api, {"board": "ks"})

    assert {n["id"] for n in nodes} == reported and total == len(reported) > 0
    # Both filters at once: the changes of those types among those reported to the board.
    types = ["rename_unit", "split_unit"]
    of_types = {n["id"] for n in _all_pages(api, {"types": types})[1]}
    both_total, both = _all_pages(api, {"board": "ks", "types": types})
    assert {n["id"] for n in both} == reported & of_types and both_total == len(both)
    assert 0 < len(both) < len(of_types)  # the sample has renames and splits reported and not


def test_bad_filters_are_clear_errors(api: Api) -> None:
    [wrong_type] = api.errors(FILTERED, {"types": ["rename_unit", "report_changes"]})
    [wrong_board] = api.errors(FILTERED, {"board": "ingen-sadan"})

    assert wrong_type["message"].startswith("unknown change type(s) report_changes; one of: establish_unit")
    assert wrong_type["extensions"]["argument"] == "types"
    assert wrong_board["message"] == "there is no unit 'ingen-sadan' in the register"
    assert wrong_board["extensions"]["argument"] == "reportedTo"
