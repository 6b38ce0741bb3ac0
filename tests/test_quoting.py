"""Outputs quote for their format: text from the register is data in DOT, SVG, CSV and on the
terminal, never syntax.

A delegation code ending in a backslash used to end the DOT string early: a crafted
`matter` then hid the real delegations of a board and drew a fake node in their place,
and any code ending in `\\` made the diagram fail. A spreadsheet opened the
delegationsordning's CSV with `=HYPERLINK(…)` as a formula. A unit's name printed by
the command line could recolour or retitle the terminal.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from orgchange.application.documents.charts import OrgChart
from orgchange.application.documents.delegationsordning import Delegationsordning
from orgchange.application.escaping import csv_cell, dot_text, for_terminal, json_for_terminal
from orgchange.domain.changes import GrantDelegation, RenameUnit
from tests.builders import base_organisation, change
from tests.test_cli import run

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
DAY = date(2017, 3, 1)

# A matter written to close the DOT string its code opened (a code ending in a backslash)
# and to draw a node of its own over the board's real delegations.
CRAFTED_MATTER = (
    'x"] "n_ks" -> "n_fake"; "n_fake" [label="Delegation upphävd" color=red style=filled]; '
    '"n_ks" -> "n_stadsdirektor" [style=invis label="'
)
GRANTS = [
    ("ks-1", "K.1\\", "Bidrag till föreningar", "kulturchef"),
    ("ks-2", "B.1", CRAFTED_MATTER, "stadsdirektor"),
    ("ks-3", '\\N "\\G" \\L', "Avtal under \\N och \\G", "va-chef"),
    ("ks-4", "A\\", "Upphandling\\", "stadsdirektor"),
]


@pytest.fixture
def crafted(app):
    """The small register with four delegations of Kommunstyrelsen, codes and matters crafted."""
    grants = [
        change(
            "grant_delegation",
            id=key,
            delegation=key,
            effective="2013-01-01",
            from_="ks",
            to=to,
            matter=matter,
            code=code,
        )
        for key, code, matter, to in GRANTS
    ]
    app.record_changes([*base_organisation(), *grants], "test")
    return app


def _edges(svg: ET.Element) -> list[tuple[str | None, str | None, str | None]]:
    """(title, label, tooltip) of every edge."""
    found = []
    for edge in svg.iter(f"{SVG}g"):
        if edge.get("class") == "edge":
            tooltips = [a.get(f"{XLINK}title") for a in edge.iter(f"{SVG}a") if a.get(f"{XLINK}title")]
            found.append((edge.findtext(f"{SVG}title"), edge.findtext(f".//{SVG}text"), tooltips[0]))
    return found


def _nodes(svg: ET.Element) -> dict[str | None, list[str | None]]:
    return {
        node.findtext(f"{SVG}title"): [t.text for t in node.iter(f"{SVG}text")]
        for node in svg.iter(f"{SVG}g")
        if node.get("class") == "node"
    }


def test_a_code_ending_in_a_backslash_draws_the_real_delegations_and_the_code_as_text(crafted) -> None:
    document = Delegationsordning.load(crafted.read_model, DAY, board="ks")

    svg = ET.fromstring(document.diagram("svg"))

    assert _nodes(svg) == {
        "n_ks": ["Kommunstyrelsen"],
        "n_kulturchef": ["Kulturchef"],
        "n_stadsdirektor": ["Stadsdirektör"],
        "n_va-chef": ["VA-chef"],
    }
    # A tooltip shows a backslash as its look-alike ⧵ (U+29F5): see orgchange/application/escaping.py.
    assert sorted(_edges(svg)) == sorted(
        [
            ("n_ks->n_kulturchef", "K.1\\", "Bidrag till föreningar"),
            ("n_ks->n_stadsdirektor", "B.1", CRAFTED_MATTER),
            ("n_ks->n_va-chef", '\\N "\\G" \\L', "Avtal under \u29f5N och \u29f5G"),
            ("n_ks->n_stadsdirektor", "A\\", "Upphandling\u29f5"),
        ]
    )


def test_the_dot_text_reads_back_as_the_same_graph(crafted) -> None:
    document = Delegationsordning.load(crafted.read_model, DAY, board="ks")
    dot = document.diagram("dot")

    drawn = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, check=True).stdout

    assert drawn == document.diagram("svg")
    assert set(_nodes(ET.fromstring(drawn))) == {"n_ks", "n_kulturchef", "n_stadsdirektor", "n_va-chef"}
    assert len(_edges(ET.fromstring(drawn))) == len(GRANTS)


def test_names_with_graphviz_escapes_are_drawn_as_written(app) -> None:
    app.record_changes(
        [
            *base_organisation(),
            change("rename_unit", effective="2016-01-01", unit="kfv", name='Kultur \\N och "\\G" fritid\\'),
            change("rename_unit", effective="2016-01-01", unit="va", name="<b>VA</b> & avfall\\"),
        ],
        "test",
    )

    svg = ET.fromstring(OrgChart.load(app.read_model, DAY).diagram("svg"))

    nodes = _nodes(svg)
    assert nodes["n_kfv"][0] == 'Kultur \\N och "\\G" fritid\\'
    assert nodes["n_va"][0] == "<b>VA</b> & avfall\\"


def test_csv_cells_that_a_spreadsheet_would_run_are_text(app) -> None:
    formulas = {
        "ks-1": ('=HYPERLINK("http://evil.example","Klicka")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|'"),
        "ks-2": ("-2+3+cmd|' /C calc'!A0", "  =1+1", "Avtal"),  # the code is read without its spaces
    }
    grants = [
        change(
            "grant_delegation",
            id=key,
            delegation=key,
            effective="2013-01-01",
            from_="ks",
            to="kulturchef",
            matter=matter,
            code=code,
            limit=limit,
        )
        for key, (matter, code, limit) in formulas.items()
    ]
    app.record_changes([*base_organisation(), *grants], "test")

    rows = list(csv.reader(io.StringIO(Delegationsordning.load(app.read_model, DAY).as_csv())))

    by_id = {row[1]: row for row in rows[1:]}
    assert by_id["ks-1"][2:4] == ["'+cmd|' /C calc'!A0", '\'=HYPERLINK("http://evil.example","Klicka")']
    assert by_id["ks-1"][8] == "'@SUM(1+1)*cmd|'"
    assert by_id["ks-2"][2:4] == ["'=1+1", "'-2+3+cmd|' /C calc'!A0"]
    assert by_id["ks-2"][8] == "Avtal"
    assert not [cell for row in rows for cell in row if cell.lstrip(" ").startswith(("=", "+", "-", "@"))]


@pytest.mark.parametrize(
    "cell, written",
    [
        ("=1+1", "'=1+1"),
        ("\t=1+1", "' =1+1"),  # a tab is made a space (`printable`), and the cell still neutralised
        ("\r=1+1", "' =1+1"),
        ("-", "'-"),
        ("Kultur och fritid", "Kultur och fritid"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_csv_cell(cell: str, written: str) -> None:
    assert csv_cell(cell) == written


@pytest.mark.parametrize(
    "text, quoted",
    [
        ("A\\", '"A\\\\"'),
        ('Säg "hej"', '"Säg &quot;hej&quot;"'),
        ("\\N och \\G", '"\\\\N och \\\\G"'),
        ("Kultur\voch\x01 fritid", '"Kultur och fritid"'),
    ],
)
def test_dot_text_quotes_backslashes_quotes_and_entities(text: str, quoted: str) -> None:
    assert dot_text(text) == quoted


def test_terminal_output_shows_control_characters_escaped() -> None:
    assert for_terminal("Kultur\x1b[31m och\x07 fritid\u202e\nrad\ttvå\r") == (
        "Kultur\\x1b[31m och\\x07 fritid\\u202e\nrad\ttvå\\x0d"
    )
    shown = json_for_terminal({"name": "Kultur\x1b[31m\x9b2J\u2028och fritid"})
    assert "\x1b" not in shown and "\x9b" not in shown and "\u2028" not in shown
    assert json.loads(shown) == {"name": "Kultur\x1b[31m\x9b2J\u2028och fritid"}


def test_the_command_line_prints_an_ansi_escape_in_a_name_escaped(database_url) -> None:
    """A name recorded before control characters were refused (written here without the door's check)."""
    from tests.support import opened

    hostile = "Kultur\x1b[31m\x1b]0;owned\x07 och fritid"
    grant = GrantDelegation.model_construct(
        id="g",
        effective=date(2016, 1, 1),
        delegation="ks-1",
        from_="ks",
        to="kulturchef",
        matter="=1+1\x1b[2J",
        further_delegation=False,
        reserved_matter=False,
    )
    with opened(database_url) as app:
        app.record_changes(base_organisation(), "test")
        app.record_changes(
            [RenameUnit.model_construct(id="r", effective=date(2016, 1, 1), unit="kfv", name=hostile), grant],
            "test",
        )

    chart = run(database_url, "chart", "--as-of", "2017-03-01")
    as_json = run(database_url, "chart", "--as-of", "2017-03-01", "--format", "json")
    audit = run(database_url, "audit")
    delegations = run(database_url, "delegations", "--as-of", "2017-03-01")
    as_csv = run(database_url, "delegations", "--as-of", "2017-03-01", "--format", "csv")

    for shown in (chart, as_json, audit, delegations, as_csv):
        assert shown.returncode == 0, shown.stderr
        assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout
    assert "=1+1\\x1b[2J → Kulturchef" in delegations.stdout
    [_, row] = csv.reader(io.StringIO(as_csv.stdout))
    assert row[3] == "'=1+1[2J" and "\\x0d" not in as_csv.stdout  # CSV's CR LF stays as it is
    assert "Kultur\\x1b[31m\\x1b]0;owned\\x07 och fritid [unit] kfv" in chart.stdout
    assert {"id": "kfv", "name": hostile} | {
        "kind": "unit",
        "parentId": "slk",
        "ownerId": None,
    } in json.loads(as_json.stdout)["units"]
    assert "Kultur\\x1b[31m" in audit.stdout
