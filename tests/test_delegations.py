"""The delegationsordning over time: gaps, reorganisation impact, documents and diagrams.

Who may be a delegate keeps a round trip here on both databases, with the scenarios and the
expected refusals of tests/unit/test_delegations.py, where every case is pinned on the domain."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from orgchange.application.documents import diagrams
from orgchange.application.documents.delegationsordning import Delegationsordning, before_after
from orgchange.domain.errors import ChangeRejected
from tests.builders import change
from tests.unit.test_delegations import (
    DELEGATE_RULE_IN_2014,
    IN_THE_COMPANY,
    NEVER_A_COMMITTEE,
    NOT_THE_KOMMUNS_STAFF,
    ONLY_A_POSITION,
    REPOINTED_INTO_THE_COMPANY,
    REPOINTED_TO_THE_COMMITTEE,
    SUBDELEGATED_INTO_THE_COMPANY,
    SUBDELEGATED_TO_THE_COMMITTEE,
    SUBSTITUTE_IN_THE_COMPANY,
    TO_A_POST_UNDER_THE_COMPANY,
    TO_POSTS_OF_THE_ADMINISTRATION,
    TO_THE_COMPANYS_OWN_POST,
    UNDER_THE_COMPANY,
    VIDAREDELEGATION_RULE_IN_2013,
    WITH_THE_COMPANYS_POST_AS_SUBSTITUTE,
    a_company,
    delegations,
    the_board_to_its_committee_and_the_director_to_a_post,
)
from tests.unit.test_rules import VA_SPUN_OFF

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def org(app):
    app.record_changes(delegations(), "test")
    return app


def gaps_on(app, day: str) -> dict[str, object]:
    return {g.delegation_id: g for g in app.read_model.delegations.gaps(date.fromisoformat(day))}


def delegations_on(app, day: str) -> dict[str, object]:
    return {d.id: d for d in app.read_model.delegations.delegations(date.fromisoformat(day))}


def rejected(app, *changes) -> ChangeRejected:
    with pytest.raises(ChangeRejected) as caught:
        app.record_changes(list(changes), "test")
    assert caught.value.rule == "delegation"
    return caught.value


def edge_strokes(svg: ET.Element) -> dict[tuple[str, str], str | None]:
    """(title, label) of each edge in a delegations diagram → the colour of its line."""
    strokes = {}
    for edge in svg.iter(f"{SVG}g"):
        if edge.get("class") == "edge":
            key = (edge.findtext(f"{SVG}title"), edge.findtext(f".//{SVG}text"))
            assert key not in strokes
            strokes[key] = edge.find(f".//{SVG}path").get("stroke")
    return strokes


# --- rule 6 (docs/domain.md): who may be a delegate (the other cases are in test_rules.py) ----


def test_vidaredelegation_goes_to_a_position_never_to_a_committee(org):
    events = org.event_count()
    error = rejected(org, SUBDELEGATED_TO_THE_COMMITTEE)
    assert NEVER_A_COMMITTEE in str(error) and VIDAREDELEGATION_RULE_IN_2013 in str(error)
    error = rejected(org, REPOINTED_TO_THE_COMMITTEE)
    assert ONLY_A_POSITION in str(error)
    assert VIDAREDELEGATION_RULE_IN_2013 in str(error)
    assert org.event_count() == events and "ks-2-au" not in delegations_on(org, "2013-03-01")
    # The board itself may delegate to its committee; the director passes ks-2 on to posts.
    org.record_changes(the_board_to_its_committee_and_the_director_to_a_post(), "t")
    now = delegations_on(org, "2013-03-01")
    assert now["ks-3"].to_id == "ksau" and now["ks-3"].parent_delegation_id is None
    assert now["ks-2-kc"].to_id == "kulturchef" and now["ks-2-va"].to_id == "va-chef"
    assert now["ks-2-kc"].parent_delegation_id == "ks-2"


@pytest.fixture
def company(org):
    org.record_changes(a_company(), "t")
    return org


def test_a_post_in_a_company_is_never_a_delegate_of_a_board(company):
    # KL (2017:725) 7 kap. 5 § (before 2018 KL (1991:900) 6 kap. 33 §): a board delegates to an
    # employee of the kommun; a company's staff are not.
    events = company.event_count()
    for entry, words in [
        (TO_THE_COMPANYS_OWN_POST, NOT_THE_KOMMUNS_STAFF),
        (TO_A_POST_UNDER_THE_COMPANY, UNDER_THE_COMPANY),
        (WITH_THE_COMPANYS_POST_AS_SUBSTITUTE, SUBSTITUTE_IN_THE_COMPANY),
        (REPOINTED_INTO_THE_COMPANY, IN_THE_COMPANY),
        (SUBDELEGATED_INTO_THE_COMPANY, UNDER_THE_COMPANY),
    ]:
        error = rejected(company, entry)
        assert words in str(error) and DELEGATE_RULE_IN_2014 in str(error)
    assert company.event_count() == events
    before = delegations_on(company, "2014-02-01")
    assert "ks-9" not in before and "ks-2-d" not in before and before["ks-1"].to_id == "kulturchef"
    # A post in the administration may hold it, with another such post as substitute.
    company.record_changes([TO_POSTS_OF_THE_ADMINISTRATION], "t")
    granted = delegations_on(company, "2014-02-01")["ks-9"]
    assert (granted.to_id, granted.substitute_id) == ("va-chef", "kulturchef")


def test_a_gap_opens_the_day_the_delegate_ends_and_closes_when_repointed(org):
    org.record_changes(
        [change("abolish_position", id="ab", effective="2015-03-01", position="kulturchef")], "t"
    )
    assert gaps_on(org, "2015-02-28") == {}
    gap = gaps_on(org, "2015-03-01")["ks-1"]
    assert gap.since == date(2015, 3, 1) and "Kulturchef" in gap.reason
    assert "finns inte från och med 2015-03-01" in gap.reason
    assert gaps_on(org, "2016-01-01")["ks-1"].since == date(2015, 3, 1)
    org.record_changes(
        [change("amend_delegation", id="am", effective="2016-01-01", delegation="ks-1", to="stadsdirektor")],
        "t",
    )
    assert "ks-1" in gaps_on(org, "2015-12-31")
    assert gaps_on(org, "2016-01-01") == {}


def test_a_gap_closes_when_the_delegation_is_revoked(org):
    org.record_changes([change("dissolve_unit", effective="2015-01-01", unit="kfv")], "t")
    assert "ks-1" in gaps_on(org, "2015-01-01")
    org.record_changes([change("revoke_delegation", effective="2015-06-01", delegation="ks-1")], "t")
    assert "ks-1" in gaps_on(org, "2015-05-31")
    assert "ks-1" not in gaps_on(org, "2015-06-01")


def test_a_vidaredelegation_has_a_gap_when_its_parents_delegate_ends(org):
    org.record_changes([change("abolish_position", effective="2015-01-01", position="stadsdirektor")], "t")
    gaps = gaps_on(org, "2015-01-01")
    assert set(gaps) == {"ks-2", "ks-2-va"}
    assert "vilar på ks-2" in gaps["ks-2-va"].reason


def test_a_spin_off_leaves_delegations_to_its_posts_without_delegate_and_impact_says_so(org):
    spin_off = VA_SPUN_OFF  # tests/unit/test_rules.py: va becomes a company of the council's
    preview = org.dry_run([spin_off])
    assert [g.delegation_id for g in preview.opened] == ["ks-2-va"]
    assert gaps_on(org, "2017-01-01") == {}  # the dry run recorded nothing
    org.record_changes([spin_off], "t")
    assert [g.delegation_id for g in org.impact_of("so").opened] == ["ks-2-va"]
    repoint = change(
        "amend_delegation", id="fix", effective="2017-02-01", delegation="ks-2-va", to="kulturchef"
    )
    assert [g.delegation_id for g in org.dry_run([repoint]).closed] == ["ks-2-va"]


def test_delegations_by_board_and_delegate_as_known_at(org):
    reader = org.read_model.delegations
    assert [d.id for d in reader.delegations(date(2013, 6, 1), board="ks")] == ["ks-2", "ks-2-va", "ks-1"]
    assert [d.id for d in reader.delegations(date(2013, 6, 1), delegate="va-chef")] == ["ks-2-va"]
    assert reader.delegations(date(2013, 6, 1), board="sn") == []
    recorded = org.read_model.change("g1").recorded_at
    org.record_changes([change("cancel_change", change="s1", reason="fel")], "t")
    assert [d.id for d in reader.delegations(date(2013, 6, 1))] == ["ks-2", "ks-1"]
    assert "ks-2-va" in [d.id for d in reader.delegations(date(2013, 6, 1), known_at=recorded)]


def test_reserved_matters_are_findings(org):
    org.record_changes(
        [
            change(
                "grant_delegation",
                delegation="mal",
                effective="2014-01-01",
                from_="ks",
                to="stadsdirektor",
                matter="Verksamhetens mål och inriktning",
                reserved_matter=True,
            )
        ],
        "t",
    )
    findings = org.read_model.findings.delegations(date(2014, 1, 1))
    # A matter kept by the board under the act of the day: KL (1991:900) 6 kap. 34 § in 2014.
    assert [f.delegation_id for f in findings] == ["mal"] and "KL (1991:900) 6 kap. 34 §" in findings[
        0
    ].reason


def test_the_document_as_csv_json_and_html(org):
    org.record_changes([change("abolish_position", effective="2015-01-01", position="kulturchef")], "t")
    document = Delegationsordning.load(org.read_model, date(2015, 1, 1), board="ks")
    rows = list(csv.reader(io.StringIO(document.as_csv())))
    assert rows[0][:5] == ["Nämnd", "Id", "Nr", "Ärende", "Delegat"]
    by_id = {row[1]: row for row in rows[1:]}
    assert by_id["ks-1"][4] == "Kulturchef (saknas)"
    assert by_id["ks-2-va"][6] == "vidaredelegerad från B.1"
    data = document.as_json()
    assert [g["delegationId"] for g in data["gaps"]] == ["ks-1"]
    page = document.as_html()
    assert "<h2>Kommunstyrelsen</h2>" in page and "class='gap'" in page


def test_the_diagram_svg_has_the_labels_and_one_edge_per_delegation(demo_app):
    document = Delegationsordning.load(demo_app.read_model, date(2017, 3, 1))
    dot = document.diagram("dot").decode()
    assert dot.startswith("digraph delegations {")
    svg = ET.fromstring(document.diagram("svg"))
    edges = svg.findall(f".//{SVG}g[@class='edge']")
    assert len(edges) == len(document.rows)
    texts = {t.text for t in svg.iter(f"{SVG}text")}
    assert {"Kommunstyrelsen", "Stadsdirektör", "B.1", "N.2"} <= texts
    gap_edges = [
        e for e in edges if any(p.get("stroke") == diagrams.GAP_COLOUR for p in e.iter(f"{SVG}path"))
    ]
    assert len(gap_edges) == len(document.gaps) == 1


def test_before_after_colours_what_changed(demo_app):
    read = demo_app.read_model
    before = Delegationsordning.load(read, date(2017, 6, 1), board="ks")
    after = Delegationsordning.load(read, date(2017, 12, 1), board="ks")
    svg = ET.fromstring(before_after(before, after, "svg"))
    colours = {p.get("stroke") for p in svg.iter(f"{SVG}path")}
    assert diagrams.ADDED_COLOUR in colours and diagrams.REMOVED_COLOUR in colours
    # Fritidsnämnden re-points F.1 to the kultur- och fritidschef from 2017-07-01 (amend_delegation).
    every_board = before_after(
        Delegationsordning.load(read, date(2017, 6, 1)),
        Delegationsordning.load(read, date(2017, 12, 1)),
        "svg",
    )
    edges = edge_strokes(ET.fromstring(every_board))
    assert edges[("n_fritidsnamnden->n_kultur-och-fritidschef", "F.1")] == diagrams.REPOINTED_COLOUR
    assert [edge for edge, stroke in edges.items() if stroke == diagrams.REPOINTED_COLOUR] == [
        ("n_fritidsnamnden->n_kultur-och-fritidschef", "F.1")
    ]


def test_before_after_colours_a_repointed_delegation_at_its_new_delegate(org):
    org.record_changes(
        [
            change("amend_delegation", effective="2015-01-01", delegation="ks-1", to="stadsdirektor"),
            change(
                "grant_delegation",
                delegation="ks-3",
                effective="2015-01-01",
                from_="ks",
                to="va-chef",
                matter="Taxor",
                code="T.1",
            ),
        ],
        "t",
    )
    read = org.read_model
    before = Delegationsordning.load(read, date(2014, 12, 31), board="ks")
    after = Delegationsordning.load(read, date(2015, 1, 1), board="ks")
    edges = edge_strokes(ET.fromstring(before_after(before, after, "svg")))
    assert set(edges) == {
        ("n_ks->n_stadsdirektor", "K.1"),  # ks-1, re-pointed from the kulturchef
        ("n_ks->n_stadsdirektor", "B.1"),  # ks-2, unchanged
        ("n_stadsdirektor->n_va-chef", "B.1"),  # ks-2-va, unchanged
        ("n_ks->n_va-chef", "T.1"),  # ks-3, added
    }
    assert edges[("n_ks->n_stadsdirektor", "K.1")] == diagrams.REPOINTED_COLOUR
    assert edges[("n_ks->n_va-chef", "T.1")] == diagrams.ADDED_COLOUR
    marked = {diagrams.REPOINTED_COLOUR, diagrams.ADDED_COLOUR, diagrams.REMOVED_COLOUR, diagrams.GAP_COLOUR}
    assert edges[("n_ks->n_stadsdirektor", "B.1")] not in marked
    assert edges[("n_stadsdirektor->n_va-chef", "B.1")] not in marked


def test_png_has_the_png_magic_bytes(demo_app):
    png = Delegationsordning.load(demo_app.read_model, date(2017, 3, 1)).diagram("png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_graphviz_dot_still_works_and_svg_says_why(demo_app, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    document = Delegationsordning.load(demo_app.read_model, date(2017, 3, 1))
    assert document.diagram("dot").startswith(b"digraph")
    with pytest.raises(diagrams.GraphvizMissing, match="apt-get install graphviz"):
        document.diagram("svg")


def test_cli_delegations_json(demo_app, database_url):
    from tests.test_cli import run

    result = run(database_url, "delegations", "--as-of", "2017-03-01", "--board", "ntn", "--format", "json")
    data = json.loads(result.stdout)
    assert [d["id"] for d in data["delegations"]] == ["ntn-n1", "ntn-n2"]
    assert data["gaps"][0]["delegationId"] == "ntn-n2" and data["gaps"][0]["since"] == "2017-01-01"
