"""`correct_change` over HTTP, on both databases: the effective date of a change corrected,
the register's answers as of both dates, and what it believed before and after (knownAt)."""

from __future__ import annotations

from datetime import datetime, timedelta

from .conftest import Api, Tokens

ESTABLISH = """format: orgchange/v1
changes:
  - id: kx-1
    type: establish_unit
    effective: 2018-03-01
    decision: {body: ks, date: 2018-02-01}
    unit: klimatenheten
    name: Klimatenheten
    kind: unit
    parent: slk
"""

CORRECT_DATE = """format: orgchange/v1
changes:
  - id: kx-2
    type: correct_change
    decision: {body: ks, date: 2018-02-01}
    change: kx-1
    replacement:
      id: kx-3
      type: establish_unit
      effective: 2018-02-01
      decision: {body: ks, date: 2018-02-01}
      unit: klimatenheten
      name: Klimatenheten
      kind: unit
      parent: slk
"""

CORRECT_NAME = """format: orgchange/v1
changes:
  - id: kx-4
    type: correct_change
    change: kx-3
    replacement: {id: kx-5, type: establish_unit, effective: 2018-02-01, unit: klimatenheten,
                  name: Klimat- och miljöenheten, kind: unit, parent: slk}
"""

BELIEF = """
query ($knownAt: DateTime) {
  feb: unit(id: "klimatenheten", asOf: "2018-02-15", knownAt: $knownAt) { name validFrom }
  mar: unit(id: "klimatenheten", asOf: "2018-03-15", knownAt: $knownAt) { name validFrom }
  changes(from: "2018-02-01", to: "2018-03-01", unitId: "klimatenheten", knownAt: $knownAt) {
    edges { node { id type effective cancelled cancelledBy cancels summary } }
  }
}
"""


def recorded_at(api: Api, change_id: str) -> str:
    return api.data("query ($id: ID!) { change(id: $id) { recordedAt } }", {"id": change_id})["change"][
        "recordedAt"
    ]


def test_correcting_an_effective_date_answers_both_dates_as_now_and_as_believed_before(
    api: Api, tokens: Tokens
) -> None:
    assert api.post_changes(ESTABLISH, tokens.registrar).status_code == 200
    events = api.event_count()
    response = api.post_changes(CORRECT_DATE, tokens.registrar)
    assert response.status_code == 200, response.text
    assert response.json()["recorded"] == ["kx-2"]
    assert api.event_count() == events + 2  # the correction and its replacement, in one transaction

    now = api.data(BELIEF)
    assert now["feb"] == {"name": "Klimatenheten", "validFrom": "2018-02-01"}
    assert now["mar"]["validFrom"] == "2018-02-01"
    log = {c["node"]["id"]: c["node"] for c in now["changes"]["edges"]}
    assert (log["kx-1"]["cancelled"], log["kx-1"]["cancelledBy"]) == (True, "kx-2")
    assert (log["kx-2"]["type"], log["kx-2"]["cancels"], log["kx-2"]["effective"]) == (
        "correct_change",
        "kx-1",
        "2018-03-01",
    )
    assert log["kx-2"]["summary"] == (
        "Ändringen kx-1 rättades och ersattes av ändringen kx-3 (enhet bildad, från 2018-02-01)."
    )
    assert (log["kx-3"]["effective"], log["kx-3"]["cancelled"]) == ("2018-02-01", False)

    corrected = recorded_at(api, "kx-2")
    before = (datetime.fromisoformat(corrected) - timedelta(microseconds=1)).isoformat()
    then = api.data(BELIEF, {"knownAt": before})
    assert then["feb"] is None
    assert then["mar"] == {"name": "Klimatenheten", "validFrom": "2018-03-01"}
    assert [c["node"]["id"] for c in then["changes"]["edges"]] == ["kx-1"]
    assert then["changes"]["edges"][0]["node"]["cancelled"] is False
    assert api.data(BELIEF, {"knownAt": corrected})["feb"]["validFrom"] == "2018-02-01"


def test_correcting_a_name_and_correcting_a_correction_again(api: Api, tokens: Tokens) -> None:
    for file in (ESTABLISH, CORRECT_DATE, CORRECT_NAME):
        assert api.post_changes(file, tokens.registrar).status_code == 200
    assert api.data(BELIEF)["feb"]["name"] == "Klimat- och miljöenheten"
    history = api.data('{ unitHistory(id: "klimatenheten") { name changeId } }')["unitHistory"]
    assert history == [{"name": "Klimat- och miljöenheten", "changeId": "kx-5"}]


def test_a_refused_correction_records_nothing_and_names_the_rule(api: Api, tokens: Tokens) -> None:
    assert api.post_changes(ESTABLISH, tokens.registrar).status_code == 200
    events = api.event_count()
    cases = (
        (CORRECT_DATE.replace("change: kx-1", "change: nope"), "no change with that id was recorded"),
        (CORRECT_DATE.replace("id: kx-3", "id: kx-1"), "an id of its own"),
        (CORRECT_DATE.replace("parent: slk", "parent: ingen"), "'ingen' is not in effect on 2018-02-01"),
    )
    for file, words in cases:
        response = api.post_changes(file, tokens.registrar)
        assert response.status_code == 422, response.text
        assert words in " ".join(response.json()["errors"]), response.text
    assert api.event_count() == events
    assert api.data(BELIEF)["mar"]["validFrom"] == "2018-03-01"


RECORD = "mutation ($f: JSON!) { recordChanges(file: $f) }"
ENTRY = "query ($id: ID!) { change(id: $id) { effective cancelled entry } }"


def test_a_correction_made_as_the_web_page_makes_it_starts_from_the_changes_own_entry(
    api: Api, tokens: Tokens
) -> None:
    """The change's page prefills its correction form from `Change.entry` and sends one
    `correct_change` through `recordChanges`: the entry must be the change as a change file has it,
    so that a replacement built from it differs only where the registrar changed it."""
    assert api.post_changes(ESTABLISH, tokens.registrar).status_code == 200
    entry = api.data(ENTRY, {"id": "kx-1"})["change"]["entry"]
    assert (entry["type"], entry["id"], entry["effective"], entry["parent"]) == (
        "establish_unit",
        "kx-1",
        "2018-03-01",
        "slk",
    )
    assert entry["decision"] == {"body": "ks", "date": "2018-02-01"}
    replacement = {**entry, "id": "kx-1-r1", "effective": "2018-02-01"}
    events = api.event_count()
    file = {
        "format": "orgchange/v1",
        "changes": [{"type": "correct_change", "change": "kx-1", "replacement": replacement}],
    }
    recorded = api.data(RECORD, {"f": file}, token=tokens.registrar)["recordChanges"]
    assert len(recorded) == 1
    assert api.event_count() == events + 2
    recorder = api.orgchange.recorder
    last = recorder.max_notification_id()
    topics = [n.topic for n in recorder.select_notifications(last - 1, limit=2)]
    assert topics == ["orgchange:Register.ChangeCorrected", "orgchange:Register.ReplacementRecorded"]

    correction = api.data(ENTRY, {"id": recorded[0]})["change"]
    assert correction["entry"]["replacement"] == replacement
    assert api.data(ENTRY, {"id": "kx-1"})["change"]["cancelled"] is True
    assert api.data(ENTRY, {"id": "kx-1-r1"})["change"] == {
        "effective": "2018-02-01",
        "cancelled": False,
        "entry": replacement,
    }
    assert api.data(BELIEF)["feb"] == {"name": "Klimatenheten", "validFrom": "2018-02-01"}
