"""The audit trail: changes, cancellations, reports, notings and the organisation's name, with who and when."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import yaml
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from orgchange.application import OrgChange, Renaming
from orgchange.domain.register import REGISTER_ID, Register
from projections.audit import AuditReader
from tests.builders import base_organisation, change
from tests.support import opened

REPORT = {"type": "report_changes", "id": "r-1", "to": "ks", "meeting": "2012-02-01", "changes": ["kf", "ks"]}
NOTING = {"type": "note_report", "id": "n-1", "to": "ks", "meeting": "2012-02-01", "paragraph": "§ 12"}


def _trail(application: OrgChange, **filters) -> list:
    return AuditReader(application.engine).trail(**filters, first=1000).entries


def _recorded(application: OrgChange) -> list[tuple]:
    return [(e.type, e.id, e.recorded_by, e.summary) for e in _trail(application)]


def test_reports_notings_and_names_are_in_the_trail_with_who_and_when(app: OrgChange) -> None:
    first = app.record_changes(base_organisation(), "anna", "Exempelby kommun")
    reported = app.record_changes([change(**{"type_": "report_changes", **_fields(REPORT)})], "bertil")
    noted = app.record_changes([change(**{"type_": "note_report", **_fields(NOTING)})], "cecilia")
    renamed = app.record_changes([], "david", "Exempelby stad")

    trail = _trail(app)
    others = [
        entry for entry in trail if entry.type in ("report_changes", "note_report", "name_organisation")
    ]

    assert [(e.type, e.id, e.recorded_by) for e in others] == [
        ("name_organisation", None, "anna"),
        ("report_changes", "r-1", "bertil"),
        ("note_report", "n-1", "cecilia"),
        ("name_organisation", None, "david"),
    ]
    summaries = [e.summary for e in others]
    assert summaries[0] == "Organisationen fick namnet Exempelby kommun."
    assert all("Kommunstyrelsen" in text and "2012-02-01" in text for text in summaries[1:3])
    assert "§ 12" in summaries[2]
    assert summaries[3] == "Organisationen bytte namn från Exempelby kommun till Exempelby stad."
    assert others[-1].organisation == "Exempelby stad"
    # In recording order, interleaved with the changes: the first file's changes, then its name.
    assert trail[len(base_organisation())].type == "name_organisation"
    assert all(
        e.type not in ("name_organisation", "report_changes") for e in trail[: len(base_organisation())]
    )
    assert [e.seq for e in trail] == sorted(e.seq for e in trail)
    # When: the instant each transaction was recorded, the same for a name as for its file's changes.
    changes_of_first_file = {e.recorded_at for e in trail if e.recorded_by == "anna"}
    assert len(changes_of_first_file) == 1
    assert others[1].recorded_at < others[2].recorded_at < others[3].recorded_at
    assert first.renamed == Renaming(None, "Exempelby kommun")
    assert reported.renamed is None and noted.renamed is None
    assert renamed.renamed == Renaming("Exempelby kommun", "Exempelby stad")
    assert renamed.recorded == [] and renamed.ids == []

    # Filtered by who and when, like the rest of the trail.
    assert [e.type for e in _trail(app, recorded_by="cecilia")] == ["note_report"]
    since_report = _trail(app, start=others[1].recorded_at)
    assert [e.type for e in since_report] == ["report_changes", "note_report", "name_organisation"]
    assert [e.type for e in _trail(app, start=others[1].recorded_at, end=others[2].recorded_at)] == [
        "report_changes"
    ]
    # Paged like the rest of the trail: every entry once, in order.
    reader, paged, after = AuditReader(app.engine), [], None
    while True:
        page = reader.trail(first=3, after=after)
        assert page.total == len(trail)
        paged.extend(page.entries)
        if not page.has_next:
            break
        after = page.end_cursor
    assert paged == trail


def test_the_same_name_again_records_nothing_and_says_nothing(app: OrgChange) -> None:
    app.record_changes(base_organisation(), "anna", "Exempelby kommun")
    events = app.last_event_id()

    again = app.record_changes(base_organisation(), "bertil", "Exempelby kommun")
    without = app.record_changes([], "bertil", None)

    assert again.renamed is None and without.renamed is None
    assert again.recorded == [] and again.skipped == [c.id for c in base_organisation()]
    assert app.last_event_id() == events
    assert [e.recorded_by for e in _trail(app) if e.type == "name_organisation"] == ["anna"]


def test_the_trail_is_the_same_after_a_rebuild(app: OrgChange) -> None:
    app.record_changes(base_organisation(), "anna", "Exempelby kommun")
    app.record_changes([change(**{"type_": "report_changes", **_fields(REPORT)})], "bertil")
    app.record_changes([change(**{"type_": "note_report", **_fields(NOTING)})], "cecilia", "Exempelby stad")
    before = _trail(app)

    app.rebuild()

    assert _trail(app) == before


def test_a_name_recorded_before_names_said_who_stays_readable(database_url: str) -> None:
    """A naming event as older versions wrote it: no `recorded_by`, no class version."""
    with opened(database_url) as application:
        application.record_changes(base_organisation(), "anna")
        at = datetime(2020, 5, 4, 3, 2, 1, tzinfo=UTC)
        state = application.mapper.transcoder.encode({"timestamp": at, "organisation": "Gamla kommunen"})
        version = application.register().version + 1
        application.recorder.insert_events(
            [StoredEvent(REGISTER_ID, version, get_topic(Register.Named), state)]
        )
        application.rebuild()  # the read models of the new event, as an upgrade's start-up makes them

    with opened(database_url) as reopened:  # a register read afresh from its events
        assert reopened.register().organisation == "Gamla kommunen"
        naming = [e for e in _trail(reopened) if e.type == "name_organisation"]
        assert [(e.recorded_by, e.recorded_at, e.summary) for e in naming] == [
            (None, at, "Organisationen fick namnet Gamla kommunen.")
        ]
        renamed = reopened.record_changes([], "bertil", "Nya kommunen")
        assert renamed.renamed == Renaming("Gamla kommunen", "Nya kommunen")
        assert (
            _trail(reopened)[-1].summary == "Organisationen bytte namn från Gamla kommunen till Nya kommunen."
        )


def _fields(entry: dict) -> dict:
    return {key: value for key, value in entry.items() if key != "type"}


def _cli(database_url: str, user: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ORGCHANGE_DATABASE_URL": database_url, "ORGCHANGE_USER": user}
    return subprocess.run(
        [sys.executable, "-m", "orgchange", *args], capture_output=True, text=True, env=env, timeout=120
    )


def _file(path: Path, changes: list[dict], organisation: str | None = None) -> str:
    content: dict = {"format": "orgchange/v1", "changes": changes}
    if organisation is not None:
        content["organisation"] = organisation
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_the_command_line_names_the_renaming_and_lists_it_in_the_audit(
    database_url: str, tmp_path: Path
) -> None:
    base = [
        {
            "type": "establish_unit",
            "id": "kf",
            "effective": "2012-01-01",
            "unit": "kf",
            "name": "KF",
            "kind": "council",
        },
        {
            "type": "establish_unit",
            "id": "ks",
            "effective": "2012-01-01",
            "unit": "ks",
            "name": "KS",
            "kind": "board",
            "parent": "kf",
        },
    ]
    first = _cli(database_url, "anna", "import", _file(tmp_path / "a.yaml", base, "Exempelby kommun"))
    reported = _cli(database_url, "bertil", "import", _file(tmp_path / "r.yaml", [REPORT, NOTING]))
    renamed = _cli(database_url, "cecilia", "import", _file(tmp_path / "n.yaml", [], "Exempelby stad"))
    again = _cli(database_url, "david", "import", _file(tmp_path / "m.yaml", [], "Exempelby stad"))

    assert first.returncode == reported.returncode == renamed.returncode == again.returncode == 0
    assert "the organisation's name is now 'Exempelby kommun' (it had none)" in first.stdout
    assert "organisation's name" not in reported.stdout
    assert "0 change(s) recorded" in renamed.stdout
    assert "the organisation's name is now 'Exempelby stad' (it was 'Exempelby kommun')" in renamed.stdout
    assert "organisation's name" not in again.stdout  # the same name again: nothing recorded, nothing said

    text = _cli(database_url, "x", "audit").stdout.splitlines()
    listed = json.loads(_cli(database_url, "x", "audit", "--format", "json").stdout)

    assert [line.split("\t")[1:3] for line in text] == [
        ["anna", "recorded kf"],
        ["anna", "recorded ks"],
        ["anna", "named the organisation"],
        ["bertil", "recorded r-1"],
        ["bertil", "recorded n-1"],
        ["cecilia", "named the organisation"],
    ]
    assert text[-1].endswith(
        "name_organisation: Organisationen bytte namn från Exempelby kommun till Exempelby stad."
    )
    assert [(e["type"], e["recordedBy"]) for e in listed[2:]] == [
        ("name_organisation", "anna"),
        ("report_changes", "bertil"),
        ("note_report", "bertil"),
        ("name_organisation", "cecilia"),
    ]
    assert listed[-1]["organisation"] == "Exempelby stad" and listed[-1]["id"] is None
    assert "KS" in listed[3]["summary"] and "2012-02-01" in listed[3]["summary"]
    for entry in listed:
        assert datetime.fromisoformat(entry["recordedAt"]).tzinfo is not None
    only_bertil = json.loads(_cli(database_url, "x", "audit", "--by", "bertil", "--format", "json").stdout)
    assert [e["id"] for e in only_bertil] == ["r-1", "n-1"]
