"""Findings are shown where people look, and never block recording (orgchange/domain/findings.py).

A delegated matter the law keeps with the board, a repealed act cited from 2018-01-01,
a board as a company's owner, a decision body the register cannot check: each is
recorded as decided, and shows in the dry run (`orgchange import --dry-run`), the
delegationsordning (text, CSV, HTML, JSON, diagram) and the review pack of the meeting
the change is reported to. Companies are the kommun's: owned by the council or a
parent company, and supervised (uppsikt) by a board.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pydot
import pytest
import yaml

from orgchange.application.documents.charts import OrgChart, chart_text
from orgchange.application.documents.delegationsordning import Delegationsordning
from orgchange.application.documents.review import ReviewPack
from tests.builders import base_organisation, change
from tests.test_cli import run, write_file

RESERVED = dict(
    delegation="mal",
    from_="ks",
    to="stadsdirektor",
    matter="Fastställa mål och budget",
    code="A.1",
    reserved_matter=True,
)


@pytest.fixture
def org(app):
    app.record_changes(base_organisation(), "test")
    return app


def on(app, day: str) -> list:
    return app.read_model.findings.on(date.fromisoformat(day))


# --- a repealed act cited --------------------------------------------------------------------


def test_a_delegation_citing_kl_1991_900_is_a_finding_from_2018_01_01_and_not_before(org):
    basis = "KL (1991:900) 6 kap. 33 §"
    org.record_changes(
        [
            change(
                "grant_delegation",
                id="g1",
                delegation="b2",
                effective="2016-03-01",
                from_="ks",
                to="va-chef",
                matter="Avtal om VA",
                legal_basis=basis,
            ),
            change(
                "grant_delegation",
                id="g2",
                delegation="b3",
                effective="2016-03-01",
                from_="ks",
                to="kulturchef",
                matter="Bidrag",
                legal_basis=basis,
            ),
            change("revoke_delegation", effective="2018-01-01", delegation="b3"),  # ends 2017-12-31
            change(
                "grant_delegation",
                id="g3",
                delegation="b4",
                effective="2018-05-01",
                from_="ks",
                to="kulturchef",
                matter="Lokaler",
                legal_basis="KL (2017:725) 7 kap. 5 §",
            ),
        ],
        "test",
    )
    assert on(org, "2017-12-31") == []
    (finding,) = on(org, "2018-01-01")
    assert (finding.code, finding.subject, finding.since) == ("REPEALED_ACT", "b2", date(2018, 1, 1))
    assert finding.reason == (
        "Lagrummet ”KL (1991:900) 6 kap. 33 §” hänvisar till upphävd lag: KL (1991:900) upphävdes "
        "2018-01-01 och ersattes av KL (2017:725)."
    )
    assert [f.subject for f in on(org, "2019-03-01")] == ["b2"]
    # Its grant brought the finding, from 2018; the grant that ended before 2018 brought none.
    rows = org.read_model.changes_by_id(["g1", "g2", "g3"])
    by_change = org.read_model.findings.of_changes(rows)
    assert [(f.code, f.since) for f in by_change["g1"]] == [("REPEALED_ACT", date(2018, 1, 1))]
    assert "g2" not in by_change and "g3" not in by_change
    # Amended to cite the act in force, it is a finding no more from that day.
    org.record_changes(
        [
            change(
                "amend_delegation",
                effective="2018-06-01",
                delegation="b2",
                legal_basis="KL (2017:725) 7 kap. 5 §",
            )
        ],
        "test",
    )
    assert [f.subject for f in on(org, "2018-05-31")] == ["b2"] and on(org, "2018-06-01") == []


# --- a reserved matter, wherever it shows ----------------------------------------------------------


def test_a_reserved_matter_appears_in_the_dry_run_and_is_recorded_all_the_same(org):
    entry = change("grant_delegation", id="res", effective="2018-02-01", **RESERVED)
    impact = org.dry_run([entry])
    assert [(f.code, f.subject) for f in impact.findings] == [("RESERVED_MATTER", "mal")]
    assert "Fastställa mål och budget" in impact.findings[0].reason
    assert "KL (2017:725) 6 kap. 38 §" in impact.findings[0].reason
    assert org.read_model.change("res") is None  # a dry run records nothing
    org.record_changes([entry], "test")  # a finding never blocks recording
    assert [f.code for f in on(org, "2018-02-01")] == ["RESERVED_MATTER"]


def test_a_reserved_matter_appears_in_the_delegationsordning_text_csv_html_json_and_diagram(org):
    org.record_changes([change("grant_delegation", effective="2018-02-01", **RESERVED)], "test")
    document = Delegationsordning.load(org.read_model, date(2018, 3, 1), board="ks")
    text = document.as_text()
    assert "A.1 Fastställa mål och budget → Stadsdirektör [ANMÄRKNING]" in text
    assert "ANMÄRKNING mal sedan 2018-02-01: Ärendet ”Fastställa mål och budget” hör till dem" in text
    rows = list(csv.reader(io.StringIO(document.as_csv())))
    assert rows[0][-1] == "Anmärkning"
    (row,) = [r for r in rows[1:] if r[1] == "mal"]
    assert "KL (2017:725) 6 kap. 38 §" in row[-1]
    page = document.as_html()
    (row_html,) = [r for r in page.split("<tr") if "Fastställa mål och budget" in r]
    assert row_html.startswith(" class='finding'>") and "KL (2017:725) 6 kap. 38 §" in row_html
    assert "<h2>Anmärkningar</h2>" in page and "data-code='RESERVED_MATTER'" in page
    assert document.as_json()["findings"] == [
        {
            "delegationId": "mal",
            "code": "RESERVED_MATTER",
            "since": "2018-02-01",
            "reason": document.findings[0].reason,
        }
    ]
    graph = pydot.graph_from_dot_data(document.diagram("dot").decode("utf-8"))[0]
    (edge,) = [e for e in graph.get_edges() if "A.1" in (e.get("label") or "")]
    assert edge.get("label").strip('"').startswith("⚠")
    assert edge.get("color").strip('"') == "#b45f06"
    svg = ET.fromstring(document.diagram("svg"))
    assert any("⚠ A.1" in (t.text or "") for t in svg.iter("{http://www.w3.org/2000/svg}text"))


def test_a_reserved_matter_appears_in_the_review_pack_of_the_meeting_it_is_reported_to(org):
    org.record_changes(
        [
            change(
                "grant_delegation",
                id="res",
                effective="2018-02-01",
                decision={"body": "ks", "date": "2018-01-15", "paragraph": "§ 9"},
                **RESERVED,
            ),
            change("rename_unit", id="ren", effective="2018-02-01", unit="kfv", name="Kultur"),
            change("report_changes", to="ks", meeting="2018-02-12", changes=["res", "ren"]),
        ],
        "test",
    )
    pack = ReviewPack.for_meeting(org, "ks", date(2018, 2, 12))
    assert [f.code for f in pack.findings["res"]] == ["RESERVED_MATTER"] and "ren" not in pack.findings
    page = pack.as_html()
    assert "<section id='findings'><h2>Anmärkningar (1)</h2>" in page
    assert "data-change='res' data-code='RESERVED_MATTER' data-subject='mal'" in page
    assert "Anmärkning: Ärendet ”Fastställa mål och budget”" in page


def test_the_command_line_dry_run_shows_the_findings(sqlite_url, tmp_path: Path):
    base = write_file(tmp_path / "base.yaml", [c.canonical() for c in base_organisation()])
    assert run(sqlite_url, "import", str(base)).returncode == 0
    entry = change("grant_delegation", id="res", effective="2018-02-01", **RESERVED).canonical()
    free = change(
        "rename_unit",
        id="fri",
        effective="2018-02-01",
        unit="kfv",
        name="Kultur",
        decision={"body": "Kommunstyrelsens arbetsutskott"},
    ).canonical()
    preview = write_file(tmp_path / "preview.yaml", [entry, free])
    result = run(sqlite_url, "import", "--dry-run", str(preview))
    assert result.returncode == 0, result.stderr
    assert "nothing was recorded (dry run)" in result.stdout
    assert "finding RESERVED_MATTER mal from 2018-02-01: Ärendet ”Fastställa mål och budget”" in result.stdout
    assert "finding UNCHECKED_DECIDER fri: Beslutsorganet ”Kommunstyrelsens arbetsutskott”" in result.stdout
    chart = yaml.safe_load(run(sqlite_url, "chart", "--as-of", "2018-03-01", "--format", "json").stdout)
    assert {u["id"]: u["name"] for u in chart["units"]}["kfv"] == "Kultur och fritid"  # nothing recorded


# --- companies: owned by the kommun, supervised by a board ---------------------------------------


def test_a_board_as_owner_is_accepted_and_a_finding(org):
    entry = change(
        "establish_unit",
        id="bolag",
        effective="2016-11-01",
        unit="stadshus",
        name="Nacka stadshus AB",
        kind="company",
        owner="ks",
    )
    (finding,) = org.dry_run([entry]).findings
    assert (finding.code, finding.subject, finding.subject_kind) == ("BOARD_OWNS_COMPANY", "stadshus", "unit")
    assert finding.reason == (
        "Bolaget Nacka stadshus AB (stadshus) ägs av nämnden Kommunstyrelsen (ks): en nämnd äger inte "
        "bolag; kommunen äger genom fullmäktige (KL (1991:900) 3 kap. 16 §)."
    )
    org.record_changes([entry], "test")
    (today,) = on(org, "2018-06-01")
    assert today.code == "BOARD_OWNS_COMPANY" and today.since == date(2016, 11, 1)
    assert today.reason.endswith("(KL (2017:725) 10 kap. 1 §).")
    # Handed to the council, it is no finding from that day.
    org.record_changes([change("move_unit", effective="2018-07-01", unit="stadshus", owner="kf")], "test")
    assert on(org, "2018-07-01") == [] and len(on(org, "2018-06-30")) == 1


def test_a_company_supervised_by_a_board_has_its_own_edge_in_the_org_chart(org):
    org.record_changes(
        [
            change(
                "establish_unit",
                effective="2016-11-01",
                unit="stadshus",
                name="Nacka stadshus AB",
                kind="company",
                owner="kf",
                supervisor="ks",
            ),
            change(
                "spin_off_unit",
                effective="2017-01-01",
                unit="va",
                company="va-ab",
                name="Nacka vatten och avfall AB",
                owner="stadshus",
                supervisor="ks",
            ),
        ],
        "test",
    )
    chart = OrgChart.load(org.read_model, date(2017, 1, 1))
    assert {u.id: u.supervisor_id for u in chart.units if u.kind == "company"} == {
        "stadshus": "ks",
        "va-ab": "ks",
    }
    graph = pydot.graph_from_dot_data(chart.diagram("dot").decode("utf-8"))[0]
    edges = {(e.get_source(), e.get_destination()): e for e in graph.get_edges()}
    uppsikt = edges[('"n_ks"', '"n_stadshus"')]
    assert uppsikt.get("style") == "dashed" and uppsikt.get("xlabel") == "uppsikt"
    owns = edges[('"n_kf"', '"n_stadshus"')]
    assert owns.get("xlabel") == "äger" and owns.get("color") != uppsikt.get("color")
    assert ('"n_ks"', '"n_va-ab"') in edges
    svg = ET.fromstring(chart.diagram("svg"))
    assert sum((t.text or "") == "uppsikt" for t in svg.iter("{http://www.w3.org/2000/svg}text")) == 2
    assert "Nacka stadshus AB [company (ägs)] stadshus (uppsikt: Kommunstyrelsen)" in chart_text(chart)


def test_a_companys_supervision_passes_and_ends_with_move_unit(org):
    org.record_changes(
        [
            change(
                "establish_unit",
                effective="2016-11-01",
                unit="stadshus",
                name="Nacka stadshus AB",
                kind="company",
                owner="kf",
                supervisor="ks",
            ),
            change("move_unit", id="m1", effective="2018-01-01", unit="stadshus", supervisor="sn"),
            change("move_unit", id="m2", effective="2019-01-01", unit="stadshus", supervisor=None),
        ],
        "test",
    )
    history = org.read_model.unit_history("stadshus")
    assert [(v.valid_from, v.supervisor_id, v.owner_id) for v in history] == [
        (date(2016, 11, 1), "ks", "kf"),
        (date(2018, 1, 1), "sn", "kf"),
        (date(2019, 1, 1), None, "kf"),
    ]
    summaries = {c.id: c.summary for c in org.read_model.changes_by_id(["m1", "m2"])}
    assert summaries["m1"] == "Uppsikten över Nacka stadshus AB gick över till Socialnämnden."
    assert summaries["m2"] == "Nacka stadshus AB står inte längre under en nämnds uppsikt."
    # The change file says it as written: the explicit null stays (an export reproduces it).
    assert org.read_model.change("m2").as_change_file_entry()["supervisor"] is None
