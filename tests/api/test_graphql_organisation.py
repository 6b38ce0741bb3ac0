"""organisation, unit and unitHistory against the Nacka sample register."""

from __future__ import annotations

from .conftest import SAMPLE_ORGANISATION_ON_2017_03_01, Api

ORGANISATION = """
query ($asOf: Date!) {
  organisation(asOf: $asOf) {
    asOf
    roots { id }
    units {
      id name kind parentId ownerId
      parent { id }
      children { id }
      positions { id title unitId director }
      validFrom validTo predecessors successors
    }
  }
}
"""


def _by_id(units: list[dict]) -> dict[str, dict]:
    return {unit["id"]: unit for unit in units}


def test_organisation_on_2017_03_01_has_the_company_owned_by_the_holding_company(api: Api) -> None:
    organisation = api.data(ORGANISATION, {"asOf": "2017-03-01"})["organisation"]
    units = _by_id(organisation["units"])

    assert organisation["asOf"] == "2017-03-01"
    assert len(units) == SAMPLE_ORGANISATION_ON_2017_03_01
    assert [u["id"] for u in organisation["units"]] == sorted(units)
    company = units["nacka-vatten-och-avfall-ab"]
    assert company["kind"] == "company"
    assert company["ownerId"] == "nacka-stadshus-ab"
    assert company["parentId"] is None and company["parent"] is None
    assert company["predecessors"] == ["va-och-avfall"]
    assert company["validFrom"] == "2017-01-01" and company["validTo"] is None
    # The spun-off unit's sub-unit followed it into the company.
    assert [c["id"] for c in company["children"]] == ["va-kundtjanst"]
    assert units["va-kundtjanst"]["parent"] == {"id": "nacka-vatten-och-avfall-ab"}
    # Units that ended before the day are not there.
    assert "va-och-avfall" not in units
    assert "controllerenheten" not in units


def test_roots_are_the_units_with_neither_parent_nor_owner(api: Api) -> None:
    organisation = api.data(ORGANISATION, {"asOf": "2017-03-01"})["organisation"]

    assert organisation["roots"] == [{"id": "kf"}]
    companies = [u["id"] for u in organisation["units"] if u["kind"] == "company"]
    assert sorted(companies) == ["nacka-stadshus-ab", "nacka-vatten-och-avfall-ab"]


def test_parent_children_and_positions_agree_with_each_other(api: Api) -> None:
    units = _by_id(api.data(ORGANISATION, {"asOf": "2017-03-01"})["organisation"]["units"])

    for unit in units.values():
        expected_parent = {"id": unit["parentId"]} if unit["parentId"] else None
        assert unit["parent"] == expected_parent, unit["id"]
        expected_children = sorted(k for k, u in units.items() if u["parentId"] == unit["id"])
        assert [c["id"] for c in unit["children"]] == expected_children, unit["id"]
        assert all(p["unitId"] == unit["id"] for p in unit["positions"])
    slk = units["slk"]
    assert [p["id"] for p in slk["positions"]] == ["stadsdirektor", "stadsjurist"]
    assert slk["positions"][0] == {
        "id": "stadsdirektor",
        "title": "Stadsdirektör",
        "unitId": "slk",
        "director": True,
    }


def test_a_merged_unit_lists_the_unit_it_absorbed_and_keeps_its_whole_life(api: Api) -> None:
    units = _by_id(api.data(ORGANISATION, {"asOf": "2017-03-01"})["organisation"]["units"])

    ekonomi = units["ekonomienheten"]
    assert ekonomi["predecessors"] == ["controllerenheten"]
    # validFrom is the start of the whole life, not of the version in effect (moved 2014-10-01).
    assert ekonomi["validFrom"] == "2012-01-01"
    assert ekonomi["parentId"] == "stodenheterna"


def test_a_future_reorganisation_shows_with_a_future_as_of(api: Api) -> None:
    before = _by_id(api.data(ORGANISATION, {"asOf": "2018-08-31"})["organisation"]["units"])
    after = _by_id(api.data(ORGANISATION, {"asOf": "2018-09-01"})["organisation"]["units"])

    assert "valfardsomradets-ledningsgrupp" not in before
    assert after["valfardsomradets-ledningsgrupp"]["parentId"] == "valfardsomradet"


def test_before_the_register_begins_the_organisation_is_empty(api: Api) -> None:
    organisation = api.data(ORGANISATION, {"asOf": "2011-12-31"})["organisation"]

    assert organisation == {"asOf": "2011-12-31", "roots": [], "units": []}


UNIT = """
query ($id: ID!, $asOf: Date!) {
  unit(id: $id, asOf: $asOf) {
    id name kind parentId validFrom validTo predecessors successors
    parent { id name }
    owner { id }
  }
}
"""


def test_unit_that_ended_shows_its_end_and_successor_on_its_last_day(api: Api) -> None:
    unit = api.data(UNIT, {"id": "va-och-avfall", "asOf": "2016-12-31"})["unit"]

    assert unit["name"] == "VA- och avfallsenheten"
    assert unit["parentId"] == "territorieomradet"
    assert unit["parent"] == {"id": "territorieomradet", "name": "Territorieområdet"}
    assert unit["validFrom"] == "2012-01-01"
    assert unit["validTo"] == "2017-01-01"  # half-open: its last day is 2016-12-31
    assert unit["successors"] == ["nacka-vatten-och-avfall-ab"]
    assert unit["predecessors"] == []


def test_unit_not_in_effect_on_the_day_is_null(api: Api) -> None:
    assert api.data(UNIT, {"id": "va-och-avfall", "asOf": "2017-03-01"})["unit"] is None
    assert api.data(UNIT, {"id": "no-such-unit", "asOf": "2017-03-01"})["unit"] is None


def test_company_owner_is_reachable_as_a_unit(api: Api) -> None:
    unit = api.data(UNIT, {"id": "nacka-vatten-och-avfall-ab", "asOf": "2017-03-01"})["unit"]

    assert unit["owner"] == {"id": "nacka-stadshus-ab"}
    assert unit["parent"] is None


def test_split_successors_and_predecessors(api: Api) -> None:
    old = api.data(UNIT, {"id": "individ-och-familjeomsorgen", "asOf": "2017-03-31"})["unit"]
    new = api.data(UNIT, {"id": "vuxenenheten", "asOf": "2017-04-01"})["unit"]

    assert old["validTo"] == "2017-04-01"
    assert old["successors"] == ["barn-och-ungdomsenheten", "vuxenenheten"]
    assert new["predecessors"] == ["individ-och-familjeomsorgen"]
    assert new["parentId"] == "valfardsomradet"  # successors start under the split unit's parent


HISTORY = """
query ($id: ID!) {
  unitHistory(id: $id) { validFrom validTo name kind parentId changeId }
}
"""


def test_unit_history_lists_every_version_oldest_first(api: Api) -> None:
    history = api.data(HISTORY, {"id": "lokalenheten"})["unitHistory"]

    assert history == [
        {
            "validFrom": "2012-01-01",
            "validTo": "2017-01-01",
            "name": "Lokalenheten",
            "kind": "unit",
            "parentId": "slk",
            "changeId": "nacka-2012-015",
        },
        {
            "validFrom": "2017-01-01",
            "validTo": "2017-10-01",
            "name": "Lokalenheten",
            "kind": "unit",
            "parentId": "territorieomradet",
            "changeId": "nacka-2017-002",
        },
        {
            "validFrom": "2017-10-01",
            "validTo": None,
            "name": "Enheten för fastighetsförvaltning",
            "kind": "unit",
            "parentId": "territorieomradet",
            "changeId": "nacka-2017-031",
        },
    ]


def test_unit_history_of_a_cancelled_rename_keeps_the_name(api: Api) -> None:
    # nacka-2017-005 renamed bygglovenheten and nacka-2017-006 cancelled it.
    history = api.data(HISTORY, {"id": "bygglovenheten"})["unitHistory"]

    assert {version["name"] for version in history} == {"Bygglovenheten"}


def test_unit_history_of_an_unknown_unit_is_a_clear_error(api: Api) -> None:
    errors = api.errors(HISTORY, {"id": "bygglov"})

    assert errors[0]["message"] == "there is no unit 'bygglov' in the register"
    assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "id"}


UNIT_BY_FRAGMENTS = """
fragment life on Unit { validFrom validTo predecessors successors }
query ($id: ID!, $asOf: Date!) {
  unit(id: $id, asOf: $asOf) {
    id name kind parentId ownerId parent { id }
    ... on Unit { children { id } }
    positions { id title unitId director }
    ...life
  }
}
"""


def test_a_unit_asked_alone_agrees_with_the_organisation_of_its_day(api: Api) -> None:
    """Each unit asked on its own (as the unit page asks, its fields partly through fragments)
    has the parent, children, posts, life and links the whole organisation of the day gives
    it: the DataLoaders' statements for a few keys and those for a whole day agree."""
    units = _by_id(api.data(ORGANISATION, {"asOf": "2017-03-01"})["organisation"]["units"])
    assert len(units) > 20
    for key, unit in units.items():
        alone = api.data(UNIT_BY_FRAGMENTS, {"id": key, "asOf": "2017-03-01"})["unit"]
        assert alone == {k: v for k, v in unit.items() if k in alone}, key
        assert set(alone) == set(unit), key
