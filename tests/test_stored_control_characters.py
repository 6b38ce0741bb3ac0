"""A register that already holds control characters still answers, with every document, for any `knownAt`.

Before text was checked at the door, a unit named with `\\u0001\\u000b` (a vertical tab
pasted from a word processor) was accepted, and from then on the org chart's SVG and
PNG, the review pack and the delegations diagram failed ("not well-formed (invalid
token)"); a cancellation mended today's view but not the days known before it. The
events here are written without the door's checks (models built with
`model_construct`, the organisation's name given to the application directly), as an
older version or another program could have written them; every document is then
asked for as known before they were recorded, after, and after a cancellation.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import time
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from typing import Any

import pytest
import rdflib
from fastapi.testclient import TestClient

from api.main import create_app
from orgchange.application.changefile import parse_change_file
from orgchange.application.config import Settings
from orgchange.application.export import export_entries
from orgchange.domain import changes as c
from orgchange.domain.text import printable, refused
from tests.builders import base_organisation, change
from tests.support import opened

# Control characters, a separator, a bidi override, a noncharacter, a backslash, and invisible
# characters (a zero-width space, a BOM, a tag).
HOSTILE = "\x01\x0b\x1b[31m\u2028\u202e\ufffe\x7f\\\u200b\ufeff\U000e0041"
NAME = f"Kultur{HOSTILE} och fritid"
DAY = date(2016, 1, 1)
AS_OF = "2017-03-01"
MEETING = "2016-02-01"
LATER_MEETING = "2016-03-01"


def _legacy_changes() -> list[c.Change]:
    """Changes of every kind of text as an older version might have stored them."""
    decision = c.Decision.model_construct(
        body=f"ks{HOSTILE}", date=DAY, paragraph=f"§ 5{HOSTILE}", reference=f"KS 2015/{HOSTILE}"
    )
    return [
        c.RenameUnit.model_construct(
            id="legacy-rename", effective=DAY, unit="kfv", name=NAME, decision=decision, note=f"not{HOSTILE}"
        ),
        c.EstablishPosition.model_construct(
            id="legacy-post",
            effective=DAY,
            position="handlaggare",
            title=f"Handläggare{HOSTILE}",
            unit="kfv",
            director=False,
        ),
        c.GrantDelegation.model_construct(
            id="legacy-grant",
            effective=DAY,
            delegation="ks-legacy",
            from_="ks",
            to="handlaggare",
            matter=f"\tBidrag{HOSTILE}",
            code=f"\r=K.1{HOSTILE}",
            legal_basis=f"KL 6 kap.{HOSTILE}",
            limit=f"@SUM(1){HOSTILE}",
            reporting=f"-{HOSTILE}",
            further_delegation=False,
            reserved_matter=False,
            substitute=None,
        ),
        c.EstablishUnit.model_construct(
            id="legacy-unit", effective=DAY, unit="ny", name="\x0b\x01\u202e\x1b", kind="unit", parent="slk"
        ),
    ]


@pytest.fixture
def register(database_url: str):
    """The small register, the legacy changes, reports to two meetings and a cancellation.

    Yields the service's client and the instants: before the legacy changes, after them,
    after the cancellation of the rename."""
    with opened(database_url) as app:
        app.record_changes(base_organisation(), "test", "Nacka kommun")
        known: dict[str, str | None] = {"before": _now()}
        app.record_changes(_legacy_changes(), f"registrator{HOSTILE}", f"Nacka{HOSTILE} kommun")
        app.record_changes(
            [change("report_changes", to="ks", meeting=MEETING, changes=["legacy-rename", "legacy-grant"])],
            "test",
        )
        app.record_changes(
            [c.NoteReport.model_construct(to="ks", meeting=date(2016, 2, 1), paragraph=f"§ 9{HOSTILE}")],
            "test",
        )
        known["recorded"] = _now()
        app.record_changes(
            [
                change("cancel_change", id="undo", change="legacy-rename", reason="Fel namn"),
                change("report_changes", to="ks", meeting=LATER_MEETING, changes=["undo", "legacy-post"]),
            ],
            "test",
        )
        known["cancelled"] = _now()
        known["now"] = None
        client = TestClient(
            create_app(Settings(database_url=database_url, public_read=True), app),
            headers={"Accept-Language": "en"},
        )
        with client:
            yield client, known, app


def _now() -> str:
    time.sleep(0.002)  # instants of the recordings apart
    instant = datetime.now(UTC).isoformat()
    time.sleep(0.002)
    return instant


def _clean(text: str) -> None:
    """No character the door refuses (line breaks and tabs are layout here)."""
    assert refused(text, lines=True) is None, repr(text[:200])


def _svg(body: bytes) -> ET.Element:
    root = ET.fromstring(body)  # valid XML
    for element in root.iter():
        _clean(element.text or "")
        for value in element.attrib.values():
            _clean(value)
    return root


def _check(path: str, body: bytes) -> Any:
    """The document parses in its format and holds nothing the door refuses."""
    if path.endswith(".svg"):
        return _svg(body)
    if path.endswith(".png"):
        assert body.startswith(b"\x89PNG\r\n\x1a\n")
        return None
    if path.endswith(".pdf"):
        assert body.startswith(b"%PDF-")
        return None
    text = body.decode("utf-8")
    if path.endswith(".csv"):  # lines end in CR LF, as RFC 4180 has it
        rows = list(csv.reader(io.StringIO(text)))
        for cell in (cell for row in rows for cell in row):
            _clean(cell)
            assert not cell.lstrip(" ").startswith(("=", "+", "-", "@"))
        return rows
    _clean(text)
    if path.endswith(".dot"):  # read by Graphviz itself
        return _svg(subprocess.run(["dot", "-Tsvg"], input=body, capture_output=True, check=True).stdout)
    if path.endswith((".ttl", ".jsonld")):
        graph = rdflib.Graph().parse(data=text, format="turtle" if path.endswith(".ttl") else "json-ld")
        for _, _, value in graph:
            _clean(str(value))
        return graph
    if path.endswith(".json"):
        return json.loads(text)
    return text  # HTML


DOCUMENTS = [
    "/diagrams/orgchart.svg",
    "/diagrams/orgchart.png",
    "/diagrams/orgchart.dot",
    "/diagrams/delegations.svg",
    "/diagrams/delegations.png",
    "/diagrams/delegations.dot",
    "/documents/delegationsordning.html",
    "/documents/delegationsordning.csv",
    "/opendata/register.ttl",
    "/opendata/register.jsonld",
    "/opendata/popolo.json",
]


def test_every_document_answers_for_every_known_at(register) -> None:
    client, known, _ = register
    seen: dict[tuple[str, str], Any] = {}

    for when, instant in known.items():
        for path in DOCUMENTS:
            for params in ({"asOf": AS_OF}, {"asOf": AS_OF, "compareWith": "2015-01-01"}, {}):
                if (not params and not path.startswith("/opendata")) or (
                    "compareWith" in params and not path.startswith("/diagrams/delegations")
                ):
                    continue
                query = params | ({"knownAt": instant} if instant else {})
                response = client.get(path, params=query)
                assert response.status_code == 200, (path, query, response.text[:300])
                seen[(when, path + str(sorted(params)))] = _check(path, response.content)

    chart = seen[("recorded", "/diagrams/orgchart.svg['asOf']")]
    texts = {t.text for t in chart.iter("{http://www.w3.org/2000/svg}text")}
    assert printable(NAME) in texts and "Kultur och fritid" not in texts
    after = seen[("cancelled", "/diagrams/orgchart.svg['asOf']")]
    assert "Kultur och fritid" in {t.text for t in after.iter("{http://www.w3.org/2000/svg}text")}
    rows = seen[("now", "/documents/delegationsordning.csv['asOf']")]
    [legacy] = [row for row in rows if row[1] == "ks-legacy"]
    assert legacy[2:4] == [f"' =K.1{printable(HOSTILE)}", f" Bidrag{printable(HOSTILE)}"]


def test_the_review_packs_answer_as_html_and_pdf(register) -> None:
    client, _, _ = register

    for path in (
        f"/reports/ks/{MEETING}.html",
        f"/reports/ks/{LATER_MEETING}.html",
        "/reports/ks/review.html?from=2015-01-01&to=2017-12-31",
        f"/reports/ks/{LATER_MEETING}.pdf",
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        page = _check(path.split("?")[0], response.content)
        if path.endswith(f"{LATER_MEETING}.html"):
            assert "Rättelser sedan förra sammanträdet" in page  # the cancellation, then and now
            assert "<svg" in page


def test_graphql_answers_for_every_known_at(register) -> None:
    client, known, _ = register
    query = """query ($d: Date!, $k: DateTime) {
      register { organisation }
      organisation(asOf: $d, knownAt: $k) { units { name positions { title } } }
      delegations(asOf: $d, knownAt: $k) { code matter limit legalBasis }
      changes(knownAt: $k) { edges { node { summary decision { body paragraph reference } } } }
      reports(board: "ks") { notedParagraph }
    }"""

    for instant in known.values():
        response = client.post("/graphql", json={"query": query, "variables": {"d": AS_OF, "k": instant}})
        assert response.status_code == 200
        body = json.loads(response.content)
        assert "errors" not in body, body["errors"]

    assert body["data"]["register"]["organisation"] == f"Nacka{HOSTILE} kommun"  # JSON carries it escaped


def test_the_export_is_a_change_file_that_imports_again(register, tmp_path) -> None:
    _, _, app = register

    entries, organisation = export_entries(app)
    exported = json.dumps({"format": "orgchange/v1", "organisation": organisation, "changes": entries})

    read = parse_change_file(exported, "export.json")
    assert read.organisation == printable(f"Nacka{HOSTILE} kommun") == "Nacka [31m \\ kommun"
    rename = next(entry for entry in read.changes if entry.id == "legacy-rename")
    assert (
        rename.name == printable(NAME) and rename.note == "not [31m \\\u200b\ufeff\U000e0041"
    )  # a note may hold invisible characters
    assert next(entry for entry in read.changes if entry.id == "legacy-unit").name == "\ufffd"
    with opened(f"sqlite:///{tmp_path / 'copy.db'}") as copy:
        copy.record_changes(read.changes, "test", read.organisation)
        names = {u.id: u.name for u in copy.read_model.organisation(date(2017, 3, 1))}
    assert names["kfv"] == "Kultur och fritid"  # the rename is cancelled in the copy too
    assert names["ny"] == "\ufffd"
