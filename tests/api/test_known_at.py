"""knownAt: a correction (cancel_change) never erases what the register believed before it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from .conftest import Api, Tokens

RENAME = """format: orgchange/v1
changes:
  - id: fix-2018-001
    type: rename_unit
    effective: 2018-01-01
    decision: {body: ks, date: 2017-12-01, reference: "KFKS 2017/999"}
    unit: bygglovenheten
    name: Bygg- och miljöenheten
"""

CANCEL = """format: orgchange/v1
changes:
  - id: fix-2018-002
    type: cancel_change
    change: fix-2018-001
    reason: Fel enhet; beslutet gällde inte Bygglovenheten.
"""

BELIEF = """
query ($knownAt: DateTime) {
  unit(id: "bygglovenheten", asOf: "2018-06-01", knownAt: $knownAt) { name }
  unitHistory(id: "bygglovenheten", knownAt: $knownAt) { name validFrom }
  organisation(asOf: "2018-06-01", knownAt: $knownAt) {
    knownAt
    units { id name }
  }
  diff(from: "2017-12-31", to: "2018-06-01", knownAt: $knownAt) { renamed { id from to } }
  changes(from: "2018-01-01", to: "2018-01-01", knownAt: $knownAt) {
    totalCount
    edges { node { id cancelled cancelledBy } }
  }
}
"""


@pytest.fixture
def corrected(api: Api, tokens: Tokens) -> dict[str, str]:
    """Record a rename, then cancel it; return the instants around them."""
    assert api.post_changes(RENAME, tokens.registrar).status_code == 200
    assert api.post_changes(CANCEL, tokens.registrar).status_code == 200
    query = "query ($id: ID!) { change(id: $id) { recordedAt } }"
    renamed_at = api.data(query, {"id": "fix-2018-001"})["change"]["recordedAt"]
    cancelled_at = api.data(query, {"id": "fix-2018-002"})["change"]["recordedAt"]
    assert renamed_at < cancelled_at
    just_before = datetime.fromisoformat(renamed_at) - timedelta(microseconds=1)
    return {
        "before": just_before.isoformat(),
        "renamed": renamed_at,
        "cancelled": cancelled_at,
    }


def test_now_the_cancelled_rename_is_gone(api: Api, corrected: dict[str, str]) -> None:
    now = api.data(BELIEF, {"knownAt": None})

    assert now["unit"] == {"name": "Bygglovenheten"}
    assert {v["name"] for v in now["unitHistory"]} == {"Bygglovenheten"}
    assert now["diff"]["renamed"] == []
    assert now["organisation"]["knownAt"] is None
    edges = {e["node"]["id"]: e["node"] for e in now["changes"]["edges"]}
    assert edges["fix-2018-001"] == {
        "id": "fix-2018-001",
        "cancelled": True,
        "cancelledBy": "fix-2018-002",
    }
    assert "fix-2018-002" in edges  # the cancellation carries the cancelled change's date


def test_between_the_rename_and_its_cancellation_the_rename_was_believed(
    api: Api, corrected: dict[str, str]
) -> None:
    then = api.data(BELIEF, {"knownAt": corrected["renamed"]})

    assert then["unit"] == {"name": "Bygg- och miljöenheten"}
    assert [v["name"] for v in then["unitHistory"]][-1] == "Bygg- och miljöenheten"
    names = {u["id"]: u["name"] for u in then["organisation"]["units"]}
    assert names["bygglovenheten"] == "Bygg- och miljöenheten"
    assert then["organisation"]["knownAt"] == corrected["renamed"]
    assert then["diff"]["renamed"] == [
        {"id": "bygglovenheten", "from": "Bygglovenheten", "to": "Bygg- och miljöenheten"}
    ]
    edges = {e["node"]["id"]: e["node"] for e in then["changes"]["edges"]}
    assert edges["fix-2018-001"]["cancelled"] is False
    assert edges["fix-2018-001"]["cancelledBy"] is None
    assert "fix-2018-002" not in edges  # not yet recorded then


def test_just_before_the_rename_it_was_unknown(api: Api, corrected: dict[str, str]) -> None:
    earlier = api.data(BELIEF, {"knownAt": corrected["before"]})

    assert earlier["unit"] == {"name": "Bygglovenheten"}
    ids = [e["node"]["id"] for e in earlier["changes"]["edges"]]
    assert "fix-2018-001" not in ids


def test_at_the_cancellation_instant_it_is_already_cancelled(api: Api, corrected: dict[str, str]) -> None:
    at_cancel = api.data(BELIEF, {"knownAt": corrected["cancelled"]})

    assert at_cancel["unit"] == {"name": "Bygglovenheten"}
    edges = {e["node"]["id"]: e["node"] for e in at_cancel["changes"]["edges"]}
    assert edges["fix-2018-001"]["cancelled"] is True


def test_known_at_in_another_time_zone_is_the_same_instant(api: Api, corrected: dict[str, str]) -> None:
    stockholm = datetime.fromisoformat(corrected["renamed"]).astimezone(
        datetime.fromisoformat("2018-01-01T00:00:00+01:00").tzinfo
    )

    then = api.data(BELIEF, {"knownAt": stockholm.isoformat()})

    assert stockholm.isoformat().endswith("+01:00")
    assert then["unit"] == {"name": "Bygg- och miljöenheten"}


def test_before_anything_was_recorded_the_register_was_empty(api: Api) -> None:
    query = 'query ($k: DateTime) { organisation(asOf: "2017-03-01", knownAt: $k) { units { id } } }'

    assert api.data(query, {"k": "2000-01-01T00:00:00Z"})["organisation"]["units"] == []
    assert len(api.data(query, {"k": None})["organisation"]["units"]) > 0


LIFE_ALONE = """
query ($id: ID!, $d: Date!, $knownAt: DateTime) {
  unit(id: $id, asOf: $d, knownAt: $knownAt) { id name kind validFrom validTo parent { id name } owner { id } }
}
"""
LIFE_WITH_HISTORY = """
query ($id: ID!, $d: Date!, $knownAt: DateTime) {
  unit(id: $id, asOf: $d, knownAt: $knownAt) { id name kind validFrom validTo parent { id name } owner { id } }
  unitHistory(id: $id, knownAt: $knownAt) { validFrom validTo }
}
"""


def test_a_unit_and_its_whole_life_are_the_same_told_from_its_history_as_on_their_own(
    api: Api, corrected: dict[str, str]
) -> None:
    """Asked beside the unit's history (as the unit page asks), the unit on a day and its
    `validFrom`/`validTo` come from the history's versions rather than statements of their
    own: for every unit of the sample, on the first day and the last of each of its versions,
    now and at each instant around a correction, they are what the unit asked alone is."""
    units = api.data('{ organisation(asOf: "2016-06-01") { units { id } } }')["organisation"]["units"]
    units += api.data('{ organisation(asOf: "2024-06-01") { units { id } } }')["organisation"]["units"]
    keys = sorted({unit["id"] for unit in units})
    assert "bygglovenheten" in keys and len(keys) > 20
    compared = ended = 0
    for known_at in (None, corrected["before"], corrected["renamed"], corrected["cancelled"]):
        for key in keys:
            days = api.data(LIFE_WITH_HISTORY, {"id": key, "d": "2000-01-01", "knownAt": known_at})
            for version in days["unitHistory"]:
                last = version["validTo"] and (date.fromisoformat(version["validTo"]) - timedelta(days=1))
                for day in filter(None, (version["validFrom"], last and last.isoformat())):
                    variables = {"id": key, "d": day, "knownAt": known_at}
                    alone = api.data(LIFE_ALONE, variables)["unit"]
                    beside = api.data(LIFE_WITH_HISTORY, variables)
                    assert alone is not None and alone["id"] == key and beside["unit"] == alone, variables
                    compared += 1
                    ended += alone["validTo"] is not None
    assert compared > 4 * len(keys) and ended > 0  # ended units are among them
