"""Hostile and malformed change files: the reader, `POST /changes` and `recordChanges`.

Generated files (hypothesis) start from a valid entry of every change type and
break it: wrong types, huge strings and numbers, deep nesting, unknown and
missing fields, impossible dates, random values anywhere; as YAML or JSON, or
as raw bytes and text (not UTF-8, YAML tags, anchors and aliases). Whatever
comes in, the answer is a change file or a list of plain problems (422 over
HTTP) — never a traceback, a 500 or an unbounded use of time or memory — and
nothing of a refused file is recorded. The known bombs (billion laughs, 100,000
levels of nesting, a field of megabytes, a body over the size limit) are tried
one by one with their time and memory measured.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import os
import re
import subprocess
import time
import tracemalloc
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
import rdflib
import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from api.main import create_app
from orgchange.application import OrgChange
from orgchange.application.changefile import ChangeFile, parse_change_file
from orgchange.application.config import Settings
from orgchange.application.errors import MalformedInput
from orgchange.application.escaping import csv_cell
from orgchange.application.tokens import create_token
from orgchange.domain import changes as c
from orgchange.domain.text import refused
from tests.builders import text_fields

from .conftest import base_entries, check_register, close, report

SCALE = float(os.environ.get("ORGCHANGE_HYPOTHESIS_SCALE", "1"))
READER_DOCUMENTS = round(3000 * SCALE)  # generated change files read directly
READER_RAW = round(1500 * SCALE)  # generated raw bytes/text read directly
HTTP_FILES = round(300 * SCALE)  # generated files posted to POST /changes (per database)
GRAPHQL_FILES = round(150 * SCALE)  # generated files sent to recordChanges (per database)
TEXT_ENTRIES = round(1000 * SCALE)  # generated text in one field of a change, read directly
TEXT_REGISTERS = round(10 * SCALE)  # generated text recorded, then every document made (per database)
SLOWEST_ALLOWED = 2.0  # seconds for reading any one generated file


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=(Phase.generate,),  # a failure is reported as found; shrinking would take minutes
        suppress_health_check=list(HealthCheck),
    )


D = "2017-01-01"
TEMPLATES: list[dict[str, Any]] = [
    {
        "type": "establish_unit",
        "effective": D,
        "unit": "ny",
        "name": "Ny enhet",
        "kind": "unit",
        "parent": "slk",
    },
    {"type": "rename_unit", "effective": D, "unit": "slk", "name": "Kansliet"},
    {"type": "reclassify_unit", "effective": D, "unit": "slk", "kind": "area"},
    {"type": "move_unit", "effective": D, "unit": "slk", "parent": "kf"},
    {"type": "merge_units", "effective": D, "units": ["slk", "ks"], "into": "slk"},
    {
        "type": "split_unit",
        "effective": D,
        "unit": "slk",
        "into": [{"unit": "a", "name": "A"}, {"unit": "b", "name": "B"}],
    },
    {"type": "dissolve_unit", "effective": D, "unit": "slk"},
    {"type": "spin_off_unit", "effective": D, "unit": "slk", "company": "ab", "name": "AB", "owner": "ks"},
    {
        "type": "establish_position",
        "effective": D,
        "position": "sd",
        "title": "Stadsdirektör",
        "unit": "slk",
        "director": True,
    },
    {"type": "move_position", "effective": D, "position": "sd", "unit": "ks"},
    {"type": "abolish_position", "effective": D, "position": "sd"},
    {
        "type": "grant_delegation",
        "effective": D,
        "delegation": "d1",
        "from": "ks",
        "to": "sd",
        "matter": "Anställning",
    },
    {"type": "amend_delegation", "effective": D, "delegation": "d1", "limit": "1 mnkr"},
    {"type": "revoke_delegation", "effective": D, "delegation": "d1"},
    {"type": "subdelegate", "effective": D, "delegation": "d2", "parent_delegation": "d1", "to": "sd"},
    {"type": "cancel_change", "change": "slk", "reason": "Fel"},
    {
        "type": "correct_change",
        "change": "slk",
        "replacement": {
            "type": "rename_unit",
            "id": "slk-rattad",
            "effective": D,
            "unit": "slk",
            "name": "Kansliet",
        },
    },
    {"type": "report_changes", "to": "ks", "meeting": D, "changes": ["slk"]},
    {"type": "note_report", "to": "ks", "meeting": D, "paragraph": "§ 1"},
]

# Every text field of every change type, by its path in an entry ("decision.paragraph", "into.0.name").
TEXT_FIELDS = {cls.TYPE: text_fields(cls) for cls in c.CHANGE_TYPES}


def _with_text(entry: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of the entry with `value` at `path` (a decision is added if need be)."""
    entry = json.loads(json.dumps(entry))
    holder: Any = entry
    for part in path[:-1]:
        if part.isdigit():
            holder = holder[int(part)]
        else:
            holder = (
                holder.setdefault(part, {}) if isinstance(holder.get(part), dict | None) else holder[part]
            )
    holder[path[-1]] = value
    return entry


BAD_DATES = [
    "2017-02-30",
    "2017-13-01",
    "20170101",
    "2017-1-1",
    "0000-01-01",
    "9999-99-99",
    "2017-01-01T00:00:00",
    "",
]

# Text that breaks documents or tries to: backslashes and quotes for DOT, Graphviz's own escapes,
# a matter that would close a DOT string and draw a node, spreadsheet formulas, markup, control
# characters, bidirectional overrides, separators, noncharacters, decomposed letters, long text.
SPECIAL_TEXTS = [
    "K.1\\",
    "\\",
    '"',
    '\\"',
    "\\N \\G \\E \\T \\H \\L \\l \\n \\r",
    'x"] "n_ks" -> "n_fake"; "n_fake" [label="FAKE" color=red]; x [label="',
    '=HYPERLINK("http://evil.example","Klicka")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "  =1",
    "<b>fet</b> &amp; <script>alert(1)</script> ]]> <!-- &#0;",
    "Kultur\voch fritid",
    "\x1b[31mröd\x1b]0;titel\x07",
    "\x01\x0b\x0c\x7f\x85\x9b",
    "abc\u202edcba\u2066x\u2069",
    "rad\u2028rad\u2029",
    "\ufffe\uffff\U0010ffff",
    "Va\u0308rmdo\u0308 a\u030angbåt",
    "😀 👩\u200d👩\u200d👧 \u05e9\u05dc\u05d5\u05dd\u200f",
    "rad ett\r\nrad två\n\trad tre",
    " ",
    "",
    "x" * 201,
    "y" * 2001,
]
# Any code point, controls included (no surrogates: they cannot be written as YAML or UTF-8).
hostile_text = st.one_of(
    st.sampled_from(SPECIAL_TEXTS),
    st.text(max_size=40),
    st.lists(st.one_of(st.sampled_from(SPECIAL_TEXTS), st.text(max_size=6)), max_size=4).map("".join),
)
# Text the door takes in that still tries to break documents (backslashes, quotes, formulas, markup).
printable_hostile_text = st.one_of(
    st.sampled_from([t for t in SPECIAL_TEXTS if t.isprintable() and 0 < len(t.strip()) <= 200]),
    st.text(st.characters(exclude_categories=("Cc", "Cf", "Cs", "Zl", "Zp", "Cn")), min_size=1, max_size=30),
).filter(lambda text: text.strip())

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    hostile_text,
    st.sampled_from(BAD_DATES),
    st.integers(min_value=0, max_value=200_000).map(lambda n: "x" * n),  # up to 200 kB in one field
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=20,
)


def _nested(depth: int) -> Any:
    value: Any = "botten"
    for _ in range(depth):
        value = {"a": [value]}
    return value


@st.composite
def hostile_entries(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(values)  # not a mapping at all, most of the time
    entry = dict(draw(st.sampled_from(TEMPLATES)))
    if draw(st.booleans()):
        entry["id"] = draw(st.one_of(st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,20}\Z"), values))
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from([*entry.keys(), "unknown", "holder", "decision", "note", "type"]))
        action = draw(st.sampled_from(["replace", "delete", "date", "nest", "decision", "text"]))
        if action == "text" and TEXT_FIELDS.get(str(entry.get("type"))):
            path, _ = draw(st.sampled_from(TEXT_FIELDS[entry["type"]]))
            text = draw(hostile_text)
            # An earlier action may have left no room for it (`into` is no longer a list).
            with contextlib.suppress(KeyError, IndexError, TypeError, AttributeError):
                entry = _with_text(entry, path, text)
        elif action == "replace":
            entry[key] = draw(values)
        elif action == "delete":
            entry.pop(key, None)
        elif action == "date":
            entry[draw(st.sampled_from(["effective", "meeting"]))] = draw(st.sampled_from(BAD_DATES))
        elif action == "nest":
            entry[key] = _nested(draw(st.integers(1, 200)))
        else:
            entry["decision"] = draw(
                st.dictionaries(st.sampled_from(["body", "date", "paragraph", "x"]), values)
            )
    return entry


@st.composite
def hostile_documents(draw: st.DrawFn) -> dict[str, Any]:
    document: dict[str, Any] = {
        "format": draw(st.sampled_from(["orgchange/v1", "orgchange/v1", "orgchange/v2", None])),
        "changes": draw(st.lists(hostile_entries(), max_size=6)),
    }
    if draw(st.booleans()):
        document["organisation"] = draw(values)
    if draw(st.integers(0, 5)) == 0:
        document[draw(st.text(max_size=8))] = draw(values)
    return document


def _serialise(document: Any, as_json: bool) -> str:
    if as_json:
        return json.dumps(document, ensure_ascii=False, allow_nan=True)
    # libyaml's emitter: the pure-Python one takes seconds over a field of 200 kB.
    return yaml.dump(document, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)


YAML_SNIPPETS = [
    "a: &x [1, 2]\nb: *x\n",
    "format: !!python/object/apply:os.system ['echo hacked']\nchanges: []\n",
    "format: orgchange/v1\nchanges: !!binary aGVq\n",
    "format: orgchange/v1\nchanges:\n  - <<: {type: rename_unit}\n",
    "format: orgchange/v1\nformat: orgchange/v1\nchanges: []\n",
    "\t- - -\n",
    "%YAML 1.1\n---\nformat: orgchange/v1\n...\n---\nchanges: []\n",
    "format: orgchange/v1\nchanges:\n - {type: rename_unit, effective: 2017-02-30, unit: a, name: b}\n",
    "\ufeffformat: orgchange/v1\nchanges: []\n",
]
raw_inputs = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300),
    st.sampled_from(YAML_SNIPPETS),
    st.tuples(st.sampled_from(YAML_SNIPPETS), st.binary(max_size=20)).map(lambda t: t[0].encode() + t[1]),
    st.integers(1, 5000).map(lambda n: "[" * n),
    st.integers(1, 5000).map(lambda n: "- " * n + "x"),
)


def _read(data: str | bytes) -> ChangeFile | MalformedInput:
    try:
        return parse_change_file(data, "fuzz")
    except MalformedInput as error:
        assert error.problems and all(isinstance(p, str) and p for p in error.problems)
        assert all("Traceback" not in p for p in error.problems)
        return error


def test_the_reader_takes_thousands_of_hostile_files() -> None:
    seen = {"documents": 0, "raw": 0, "accepted": 0, "malformed": 0, "slowest": 0.0, "peak": 0}

    def read(data: str | bytes, kind: str) -> None:
        # Memory is traced while reading only: tracing hypothesis's own drawing too
        # would make the test several times slower and measure the wrong thing.
        tracemalloc.start()
        started = time.perf_counter()
        try:
            result = _read(data)
            elapsed = time.perf_counter() - started
            seen["peak"] = max(seen["peak"], tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        seen[kind] += 1
        seen["accepted" if isinstance(result, ChangeFile) else "malformed"] += 1
        seen["slowest"] = max(seen["slowest"], elapsed)
        assert elapsed < SLOWEST_ALLOWED, f"{elapsed:.2f} s to read {data[:200]!r}"

    @fuzz_settings(READER_DOCUMENTS)
    @given(document=hostile_documents(), as_json=st.booleans())
    def documents(document: dict[str, Any], as_json: bool) -> None:
        read(_serialise(document, as_json), "documents")

    @fuzz_settings(READER_RAW)
    @given(data=raw_inputs)
    def raw(data: str | bytes) -> None:
        read(data, "raw")

    documents()
    raw()
    peak = seen.pop("peak")
    assert seen["documents"] == READER_DOCUMENTS and seen["raw"] == READER_RAW
    assert seen["accepted"] > 0 and seen["malformed"] > 0  # the strategies reach both answers
    assert peak < 200 * 2**20, f"reading took {peak / 2**20:.0f} MiB at its peak"
    report("reader", **seen, peak_mib=round(peak / 2**20, 1))


# --- text: every string field of the change file, every document ---------------------------------


def _held(change: c.Change, path: tuple[str, ...]) -> Any:
    value: Any = change.canonical()
    for part in path:
        value = value[int(part)] if part.isdigit() else value[part]
    return value


def test_every_text_field_takes_clean_text_or_refuses_it_naming_the_field() -> None:
    """Any text in any text field: refused with the field named, or taken as clean, NFC text
    within its length (surrogates included here: JSON can carry them, `\\ud800`)."""
    seen: Counter[str] = Counter()
    any_code_point = st.text(st.characters(exclude_categories=()), max_size=30)

    @fuzz_settings(TEXT_ENTRIES)
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        template = data.draw(st.sampled_from([t for t in TEMPLATES if TEXT_FIELDS[t["type"]]]))
        path, kind = data.draw(st.sampled_from(TEXT_FIELDS[template["type"]]))
        text = data.draw(st.one_of(hostile_text, any_code_point))
        entry = _with_text(template, path, text) | {"id": "t-1"}
        field = ".".join(path)
        try:
            [change] = parse_change_file(json.dumps({"format": "orgchange/v1", "changes": [entry]})).changes
        except MalformedInput as error:
            [problem] = error.problems
            assert problem.startswith(
                (f"change #1 (t-1) {entry['type']}: field '{field}'", "change #1: text cannot contain")
            ), problem
            seen["refused"] += 1
            return
        held = _held(change, path)
        assert refused(held, lines=kind == "lines") is None, repr(held)
        assert unicodedata.is_normalized("NFC", held) and held == held.strip() and 1 <= len(held) <= 2000
        seen["taken"] += 1

    check()
    assert seen["taken"] > 0 and seen["refused"] > 0
    report("text_fields", **seen)


def _register_entries(n: int, texts: list[str], effective: str = "2018-01-01") -> list[dict[str, Any]]:
    """A unit under slk, a post in it, a delegation of ks to the post and their report (to a meeting
    a month later, one day per `n`), every text field (13 of them) generated."""
    meeting = (date.fromisoformat(effective) + timedelta(days=31 + n)).isoformat()
    unit, post, delegation = f"t{n}", f"t{n}-p", f"t{n}-d"
    decision = {"body": texts[2], "paragraph": texts[3], "reference": texts[4], "date": effective}
    return [
        {"id": f"t{n}-1", "type": "establish_unit", "effective": effective, "unit": unit, "name": texts[0]}
        | {"kind": "unit", "parent": "slk", "note": texts[1], "decision": decision},
        {"id": f"t{n}-2", "type": "establish_position", "effective": effective, "position": post}
        | {"title": texts[5], "unit": unit},
        {"id": f"t{n}-3", "type": "grant_delegation", "effective": effective, "delegation": delegation}
        | {"from": "ks", "to": post, "matter": texts[6], "code": texts[7], "legal_basis": texts[8]}
        | {"limit": texts[9], "reporting": texts[10]},
        {"id": f"t{n}-4", "type": "report_changes", "to": "ks", "meeting": meeting}
        | {"changes": [f"t{n}-1", f"t{n}-2", f"t{n}-3"], "reference": texts[11]},
        {"id": f"t{n}-5", "type": "note_report", "to": "ks", "meeting": meeting, "paragraph": texts[12]},
    ]


def _unchecked(entry: dict[str, Any]) -> c.Change:
    """The entry as a register written before text was checked could hold it: built without
    validation. Only what such a register could have stored: no U+0000 (PostgreSQL refuses it),
    no surrogates (not UTF-8), and text as it was always read: stripped, not empty, within its
    length (200 characters fit every field)."""

    def stored(text: str) -> str:
        return re.sub("[\x00\ud800-\udfff]", "", text).strip()[:200].strip() or "x"

    fields: dict[str, Any] = {}
    for key, value in entry.items():
        if isinstance(value, str) and key not in ("type", "effective", "meeting"):
            value = stored(value)
        if key in ("effective", "meeting"):
            value = date.fromisoformat(value)
        if key == "decision":
            value = c.Decision.model_construct(
                **{k: date.fromisoformat(v) if k == "date" else stored(v) for k, v in value.items()}
            )
        fields["from_" if key == "from" else key] = value
    return c.CHANGE_CLASSES[entry["type"]].model_construct(**fields)


SVG_NS = "{http://www.w3.org/2000/svg}"


def _parses(path: str, body: bytes) -> Any:
    """The document parses in its format and holds no character the door refuses."""
    text = body.decode("utf-8")
    if path.endswith(".svg"):
        return ET.fromstring(body)
    if path.endswith(".csv"):
        rows = list(csv.reader(io.StringIO(text)))
        for cell in (cell for row in rows for cell in row):
            assert refused(cell) is None and not cell.lstrip(" ").startswith(("=", "+", "-", "@")), cell
        return rows
    assert refused(text, lines=True) is None, path
    if path.endswith(".dot"):  # read by Graphviz itself, as valid XML
        return ET.fromstring(
            subprocess.run(["dot", "-Tsvg"], input=body, capture_output=True, check=True).stdout
        )
    if path.endswith((".ttl", ".jsonld")):
        return rdflib.Graph().parse(data=text, format="turtle" if path.endswith(".ttl") else "json-ld")
    if path.endswith(".json"):
        return json.loads(text)
    return text


def test_every_document_parses_whatever_text_the_register_holds(database_url: str, service) -> None:
    """Generated text in every text field, recorded through `POST /changes` or, when the door
    refuses it, as a register written before the door checked text would hold it; then every
    document of the day: SVG parses as XML and draws only the real delegations, CSV as CSV
    with no cell a spreadsheet would run, Turtle and JSON-LD by rdflib, JSON as JSON."""
    client, app, auth = service
    numbers = itertools.count()
    seen: Counter[str] = Counter()
    query = """query ($d: Date!) {
      organisation(asOf: $d) { units { name positions { title } } }
      delegations(asOf: $d, board: "ks") { id toId code matter limit legalBasis }
      changes(from: "2018-01-01") { edges { node { summary note decision { body paragraph reference } } } }
      reports(board: "ks") { notedParagraph }
    }"""

    @fuzz_settings(TEXT_REGISTERS)
    @given(
        texts=st.lists(st.one_of(hostile_text, printable_hostile_text), min_size=13, max_size=13)
        | st.lists(printable_hostile_text, min_size=13, max_size=13)
    )
    def record_and_render(texts: list[str]) -> None:
        n = next(numbers)
        entries = _register_entries(n, texts)
        response = client.post("/changes", json={"format": "orgchange/v1", "changes": entries}, headers=auth)
        assert response.status_code in (200, 422), response.text[:300]
        checked = response.status_code == 200
        if not checked:
            app.record_changes([_unchecked(entry) for entry in entries], "fuzz")
        seen["checked" if checked else "unchecked"] += 1

        day = {"asOf": "2018-06-01"}
        documents = {
            "/diagrams/orgchart.svg": day,
            "/diagrams/orgchart.dot": day,
            "/diagrams/delegations.svg": day | {"board": "ks"},
            "/diagrams/delegations.dot": day | {"board": "ks"},
            "/documents/delegationsordning.csv": day | {"board": "ks"},
            "/documents/delegationsordning.html": day | {"board": "ks"},
            "/opendata/register.ttl": day,
            "/opendata/register.jsonld": day,
            "/opendata/popolo.json": day,
            f"/reports/ks/{entries[3]['meeting']}.html": {},
        }
        made = {}
        for path, params in documents.items():
            answer = client.get(path, params=params)
            assert answer.status_code == 200, (path, answer.text[:300])
            made[path] = _parses(path, answer.content)
        answer = client.post("/graphql", json={"query": query, "variables": {"d": "2018-06-01"}})
        assert answer.status_code == 200 and "errors" not in answer.json(), answer.text[:300]

        delegations = answer.json()["data"]["delegations"]
        drawn = {
            g.findtext(f"{SVG_NS}title")
            for g in made["/diagrams/delegations.svg"].iter(f"{SVG_NS}g")
            if g.get("class") == "node"
        }
        assert drawn == {"n_ks"} | {f"n_{d['toId']}" for d in delegations}
        rows = {row[1]: row for row in made["/documents/delegationsordning.csv"][1:]}
        assert f"t{n}-d" in rows
        if checked:
            [grant] = [d for d in delegations if d["id"] == f"t{n}-d"]
            assert rows[f"t{n}-d"][3] == csv_cell(grant["matter"])
            assert grant["matter"] == unicodedata.normalize("NFC", texts[6]).strip()

    record_and_render()
    report("text_documents", database=database_url.split(":")[0], **seen)
    close(check_register(database_url))


BOMBS = {
    "billion laughs": "a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n"
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
        for i in range(9)
    ),
    "100,000 levels of JSON": "[" * 100_000 + "]" * 100_000,
    "100,000 levels of YAML flow": "[" * 100_000,
    "100,000 levels of YAML blocks": "".join("  " * i + "- \n" for i in range(2000)) + "x",
    "a 10 MB name": json.dumps(
        {"format": "orgchange/v1", "changes": [TEMPLATES[1] | {"name": "x" * 10_000_000}]}
    ),
    "a million changes that are not mappings": json.dumps(
        {"format": "orgchange/v1", "changes": [1] * 1_000_000}
    ),
    "not UTF-8": b"format: orgchange/v1\nchanges: []\nnote: \xff\xfe\xfa",
    "a Python tag": "format: !!python/object/new:os.system [echo hacked]\nchanges: []\n",
    "NUL bytes": "format: orgchange/v1\x00\nchanges: []\n",
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_known_bombs_are_refused_quickly_in_bounded_memory(name: str) -> None:
    data = BOMBS[name]
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = _read(data)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(result, MalformedInput)
    assert elapsed < 10, f"{elapsed:.1f} s"
    assert peak < 40 * len(data) + 50 * 2**20, f"{peak / 2**20:.0f} MiB for {len(data):,} bytes"
    report("bomb", bomb=name, bytes=len(data), seconds=round(elapsed, 3), peak_mib=round(peak / 2**20, 1))


@pytest.fixture
def service(database_url: str):
    """The service over a small register (KF, KS, an office), and a registrar's token."""
    app = OrgChange(database_url)
    app.record_changes(
        parse_change_file(json.dumps({"format": "orgchange/v1", "changes": base_entries()})).changes, "setup"
    )
    token = create_token(app, "registratorn", "registrar")
    client = TestClient(
        create_app(Settings(database_url=database_url, max_upload_bytes=2_000_000), app),
        headers={"Accept-Language": "en"},
    )
    client.__enter__()
    try:
        yield client, app, {"Authorization": f"Bearer {token}"}
    finally:
        client.__exit__(None, None, None)
        close(app)


def _files_for_http() -> st.SearchStrategy[tuple[bytes, str]]:
    documents = st.tuples(hostile_documents(), st.booleans()).map(
        lambda t: (
            _serialise(t[0], t[1]).encode("utf-8", "surrogatepass"),
            "application/json" if t[1] else "application/yaml",
        )
    )
    raw = st.tuples(raw_inputs, st.sampled_from(["application/yaml", "application/json", "text/plain"])).map(
        lambda t: (t[0] if isinstance(t[0], bytes) else t[0].encode("utf-8", "surrogatepass"), t[1])
    )
    return st.one_of(documents, documents, raw)


def test_post_changes_answers_every_hostile_file_plainly(database_url: str, service) -> None:
    client, app, auth = service
    statuses: dict[int, int] = {}

    @fuzz_settings(HTTP_FILES)
    @given(upload=_files_for_http())
    def post(upload: tuple[bytes, str]) -> None:
        body, media_type = upload
        before = app.event_count()
        response = client.post("/changes", content=body, headers={"content-type": media_type, **auth})
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code in (200, 413, 415, 422), response.text[:500]
        assert "Traceback" not in response.text and "Internal Server Error" not in response.text
        if response.status_code != 200:
            assert app.event_count() == before, "a refused file left events behind"
        if response.status_code == 422:
            assert response.json()["errors"]

    post()
    assert sum(statuses.values()) == HTTP_FILES and statuses.get(422, 0) > 0
    report("post_changes", database=database_url.split(":")[0], files=HTTP_FILES, statuses=statuses)
    close(check_register(database_url))


def test_record_changes_answers_every_hostile_file_plainly(database_url: str, service) -> None:
    client, app, auth = service
    codes: dict[str, int] = {}
    mutation = "mutation ($file: JSON!) { recordChanges(file: $file) }"

    @fuzz_settings(GRAPHQL_FILES)
    @given(file=st.one_of(hostile_documents(), values, st.text(max_size=200)))
    def record(file: Any) -> None:
        before = app.event_count()
        try:
            payload = json.dumps({"query": mutation, "variables": {"file": file}}, allow_nan=False)
        except ValueError:  # NaN is no JSON: the client cannot even send it
            return
        response = client.post(
            "/graphql", content=payload, headers={"content-type": "application/json", **auth}
        )
        # Too deep or too large a request is refused before anything reads it (api/graphql/bounds.py).
        refused_unread = {400: "VARIABLES_TOO_DEEP", 413: "REQUEST_TOO_LARGE"}
        assert response.status_code in (200, *refused_unread), response.text[:500]
        body = response.json()
        for error in body.get("errors") or []:
            code = (error.get("extensions") or {}).get("code")
            codes[code or "validation"] = codes.get(code or "validation", 0) + 1
            if response.status_code != 200:
                assert code == refused_unread[response.status_code], error
            assert code in {
                "GRAPHQL_VALIDATION_FAILED",
                "MALFORMED_INPUT",
                "CHANGE_REJECTED",
                "BAD_USER_INPUT",
                *refused_unread.values(),
            }, error
            assert code != "INTERNAL_ERROR" and "Internal server error" not in error["message"]
            assert app.event_count() == before
        if not body.get("errors"):
            codes["recorded"] = codes.get("recorded", 0) + 1

    record()
    report("record_changes", database=database_url.split(":")[0], files=GRAPHQL_FILES, codes=codes)
    close(check_register(database_url))


def test_a_body_over_the_limit_is_413_and_read_no_further(database_url: str, service) -> None:
    client, app, auth = service
    before = app.event_count()
    huge = b"format: orgchange/v1\nchanges:\n" + b"  - {type: rename_unit}\n" * 200_000  # 4.8 MB
    response = client.post("/changes", content=huge, headers={"content-type": "application/yaml", **auth})
    assert response.status_code == 413
    assert "larger than 2000000 bytes" in response.json()["errors"][0]
    chunked = client.post(
        "/changes",
        content=iter([huge[i : i + 65536] for i in range(0, len(huge), 65536)]),
        headers={"content-type": "application/yaml", **auth},
    )
    assert chunked.status_code == 413
    assert app.event_count() == before
