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

import json
import os
import time
import tracemalloc
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from api.auth import create_token
from api.main import create_app
from orgchange.application import OrgChange
from orgchange.changefile import ChangeFile, parse_change_file
from orgchange.config import Settings
from orgchange.domain.errors import MalformedInput

from .conftest import base_entries, check_register, close, report

SCALE = float(os.environ.get("ORGCHANGE_HYPOTHESIS_SCALE", "1"))
READER_DOCUMENTS = round(3000 * SCALE)  # generated change files read directly
READER_RAW = round(1500 * SCALE)  # generated raw bytes/text read directly
HTTP_FILES = round(300 * SCALE)  # generated files posted to POST /changes (per database)
GRAPHQL_FILES = round(150 * SCALE)  # generated files sent to recordChanges (per database)
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
    {"type": "report_changes", "to": "ks", "meeting": D, "changes": ["slk"]},
    {"type": "note_report", "to": "ks", "meeting": D, "paragraph": "§ 1"},
]

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

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
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
        action = draw(st.sampled_from(["replace", "delete", "date", "nest", "decision"]))
        if action == "replace":
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
    client = TestClient(create_app(Settings(database_url=database_url, max_upload_bytes=2_000_000), app))
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
                None,
                "MALFORMED_INPUT",
                "CHANGE_REJECTED",
                "BAD_USER_INPUT",
                *refused_unread.values(),
            }, error
            assert "Internal server error" not in error["message"]
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
