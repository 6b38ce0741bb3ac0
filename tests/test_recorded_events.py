"""The register as orgchange 0.1.0 recorded it is read by today's code with the same answers.

tests/data/events holds a register recorded by 0.1.0 (before events carried versions and
when topics were module paths): its SQLite file, a dump of its stored events, and the
answers that version gave (tests/data/events/make_fixture.py says how they were made).
These tests load the recorded events into fresh SQLite and PostgreSQL databases, and open
the SQLite file itself as an upgrade would, and compare every answer with the committed
ones. They are never regenerated: an answer that differs is a stored event read otherwise.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from fastapi.testclient import TestClient

from api.main import create_app
from orgchange.application import OrgChange
from orgchange.application.changefile import parse_change_file
from orgchange.application.config import Settings
from orgchange.domain.register import REGISTER_ID, Register

FIXTURE = Path(__file__).resolve().parent / "data" / "events"
ANSWERS = json.loads((FIXTURE / "answers.json").read_text())
LATER_CHANGE = {
    "id": "later-001",
    "type": "rename_unit",
    "effective": "2019-01-01",
    "decision": {"body": "ks", "date": "2018-12-10"},
    "unit": "ekonomienheten",
    "name": "Ekonomi",
}


def recorded_events() -> list[StoredEvent]:
    events = []
    for line in (FIXTURE / "events.jsonl").read_text().splitlines():
        row = json.loads(line)
        events.append(
            StoredEvent(
                originator_id=UUID(row["originator_id"]),
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=base64.b64decode(row["state"]),
            )
        )
    return events


@pytest.fixture
def loaded(database_url: str) -> Iterator[OrgChange]:
    """A fresh database holding the recorded events, opened by today's code."""
    app = OrgChange(database_url)
    app.recorder.insert_events(recorded_events())
    app.close()
    app.engine.dispose()
    reopened = OrgChange(database_url)  # read models behind the events: rebuilt at opening
    try:
        yield reopened
    finally:
        reopened.close()
        reopened.engine.dispose()


def answers_of(app: OrgChange, database_url: str) -> list[dict[str, Any]]:
    settings = Settings(database_url=database_url, public_read=True)
    with TestClient(create_app(settings, app)) as client:
        found = []
        for expected in ANSWERS:
            response = client.post(
                "/graphql", json={"query": expected["query"], "variables": expected["variables"]}
            )
            found.append({**expected, "data": response.json().get("data")})
        return found


def test_every_answer_about_the_recorded_register_is_the_answer_it_gave_when_recorded(
    loaded: OrgChange, database_url: str
):
    found = answers_of(loaded, database_url)

    for expected, answer in zip(ANSWERS, found, strict=True):
        assert answer["data"] == expected["data"], expected["name"]


def test_the_register_file_of_the_earlier_version_opens_upgraded_with_the_same_answers(tmp_path: Path):
    """The SQLite file as 0.1.0 left it: no migrations applied, no version stored."""
    shutil.copy(FIXTURE / "register.db", tmp_path / "register.db")
    url = f"sqlite:///{tmp_path / 'register.db'}"
    unmigrated = OrgChange(url, migrate=False)
    assert unmigrated.status.needs_migration  # its tables were never under migrations
    unmigrated.close()
    unmigrated.engine.dispose()
    app = OrgChange(url)
    try:
        assert not app.status.needs_migration
        found = answers_of(app, url)
        later = parse_change_file(json.dumps({"format": "orgchange/v1", "changes": [LATER_CHANGE]}))
        assert app.record_changes(later.changes, "test").recorded == ["later-001"]
    finally:
        app.close()
        app.engine.dispose()

    for expected, answer in zip(ANSWERS, found, strict=True):
        assert answer["data"] == expected["data"], expected["name"]


def test_the_recorded_events_are_stored_under_module_paths_and_still_decode(loaded: OrgChange):
    topics = {event.topic for event in recorded_events()}
    assert topics == {
        f"orgchange.domain.register:Register.{name}"
        for name in (
            "Started",
            "Named",
            "ChangeRecorded",
            "ChangeCancelled",
            "ChangesReported",
            "ReportNoted",
        )
    }
    decoded = [loaded.mapper.to_domain_event(event) for event in recorded_events()]
    assert {type(event) for event in decoded} == {
        Register.Started,
        Register.Named,
        Register.ChangeRecorded,
        Register.ChangeCancelled,
        Register.ChangesReported,
        Register.ReportNoted,
    }


def test_a_change_recorded_now_is_stored_under_its_name_and_with_its_versions(loaded: OrgChange):
    parsed = parse_change_file(json.dumps({"format": "orgchange/v1", "changes": [LATER_CHANGE]}))
    loaded.record_changes(parsed.changes, "test")

    last = loaded.recorder.select_notifications(loaded.last_event_id(), 1)[0]
    state = json.loads(last.state)
    assert last.topic == "orgchange:Register.ChangeRecorded" == get_topic(Register.ChangeRecorded)
    assert state["class_version"] == 1
    assert state["change"]["_data_"]["schema"] == 1
    assert state["change"]["_data_"]["entry"]["id"] == "later-001"
    # Old and new events make one register.
    register = loaded.register()
    assert register.log["later-001"].change.id == "later-001"
    assert register.log["fixture-003"].recorded_by == "registrator-a"


def test_the_naming_recorded_as_version_2_is_read_through_the_upcaster_as_version_3(loaded: OrgChange):
    """The recorded naming says `organisation` and class version 2; today's event says `name`."""
    (stored,) = [e for e in recorded_events() if e.topic.endswith("Register.Named")]
    as_stored = json.loads(stored.state)
    assert as_stored["class_version"] == 2
    assert as_stored["organisation"] == "Nacka kommun" and "name" not in as_stored

    event = loaded.mapper.to_domain_event(stored)

    assert isinstance(event, Register.Named)
    assert event.name == "Nacka kommun"
    assert "organisation" not in vars(event)
    assert loaded.register().organisation == "Nacka kommun"
    assert loaded.register().id == REGISTER_ID
