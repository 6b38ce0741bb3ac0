"""Text at the door: every text field of every change type refuses control characters and their
kin, naming the field; text that passes is NFC; the organisation's name is limited like a name.

What a register already holds is read as it was recorded (tests/test_stored_control_characters.py
renders every document of such a register).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from typing import Any

import pytest

from orgchange.application.changefile import parse_change_file
from orgchange.application.errors import MalformedInput
from orgchange.domain.changes import CHANGE_TYPES
from tests.builders import text_fields
from tests.hardening.test_fuzz_input import TEMPLATES

TEMPLATE_OF = {entry["type"]: entry for entry in TEMPLATES}


FIELDS = [
    (cls.TYPE, path, kind)
    for cls in CHANGE_TYPES
    if cls.TYPE in TEMPLATE_OF
    for path, kind in text_fields(cls)
]


def test_every_text_field_of_the_change_file_is_checked() -> None:
    paths = {(type_, ".".join(path)) for type_, path, _ in FIELDS}
    assert {
        ("establish_unit", "name"),
        ("establish_unit", "note"),
        ("establish_unit", "decision.body"),
        ("establish_unit", "decision.paragraph"),
        ("establish_unit", "decision.reference"),
        ("split_unit", "into.0.name"),
        ("establish_position", "title"),
        ("grant_delegation", "matter"),
        ("grant_delegation", "code"),
        ("grant_delegation", "legal_basis"),
        ("grant_delegation", "limit"),
        ("grant_delegation", "reporting"),
        ("amend_delegation", "matter"),
        ("cancel_change", "reason"),
        ("report_changes", "reference"),
        ("note_report", "paragraph"),
    } <= paths
    assert {(p, k) for t, p, k in FIELDS if p in (("note",), ("reason",))} == {
        (("note",), "lines"),
        (("reason",), "lines"),
    }


def _entry_with(type_: str, path: tuple[str, ...], value: str) -> dict[str, Any]:
    entry = json.loads(json.dumps(TEMPLATE_OF[type_])) | {"id": "x"}
    holder: Any = entry
    for part in path[:-1]:
        holder = holder[int(part)] if part.isdigit() else holder.setdefault(part, {})
    holder[path[-1]] = value
    return entry


def _problems(entries: list[dict[str, Any]], organisation: str | None = None) -> list[str]:
    document: dict[str, Any] = {"format": "orgchange/v1", "changes": entries}
    if organisation is not None:
        document["organisation"] = organisation
    with pytest.raises(MalformedInput) as refused:
        parse_change_file(json.dumps(document), "fil.json")
    return refused.value.problems


def test_a_control_character_in_a_name_is_refused_naming_the_field() -> None:
    entries = [TEMPLATE_OF["dissolve_unit"], TEMPLATE_OF["dissolve_unit"]]
    entries.append(_entry_with("rename_unit", ("name",), "Kultur\voch fritid"))

    assert _problems(entries) == [
        "change #3 (x) rename_unit: field 'name' holds a control character (U+000B, vertical tab); remove it"
    ]


@pytest.mark.parametrize("type_, path, kind", FIELDS, ids=[f"{t}.{'.'.join(p)}" for t, p, _ in FIELDS])
def test_every_text_field_refuses_a_control_character(type_: str, path: tuple[str, ...], kind: str) -> None:
    field = ".".join(path)

    escape = _problems([_entry_with(type_, path, "röd\x1b[31m")])
    bidi = _problems([_entry_with(type_, path, "abc\u202edcba")])

    assert escape == [
        f"change #1 (x) {type_}: field '{field}' holds a control character (U+001B, escape); remove it"
    ]
    assert bidi == [
        f"change #1 (x) {type_}: field '{field}' holds a bidirectional formatting character (U+202E), "
        "which makes text display out of order; remove it"
    ]


@pytest.mark.parametrize("type_, path, kind", FIELDS, ids=[f"{t}.{'.'.join(p)}" for t, p, _ in FIELDS])
def test_only_a_note_or_a_reason_may_break_lines(type_: str, path: tuple[str, ...], kind: str) -> None:
    document = {"format": "orgchange/v1", "changes": [_entry_with(type_, path, "rad ett\r\nrad\ttvå")]}

    if kind == "lines":
        [read] = parse_change_file(json.dumps(document), "fil.json").changes
        held = read.canonical()
        for part in path:
            held = held[int(part)] if part.isdigit() else held[part]
        assert held == "rad ett\nrad\ttvå"  # a Windows line end is a line break
    else:
        assert _problems(document["changes"]) == [
            f"change #1 (x) {type_}: field '{'.'.join(path)}' holds a line break (U+000D); "
            "only a note or a reason may break lines"
        ]


@pytest.mark.parametrize("kept", ["😀", "Café"])
def test_emoji_and_accents_are_text_in_a_name(kept: str) -> None:
    entry = _entry_with("rename_unit", ("name",), kept)

    [read] = parse_change_file(json.dumps({"format": "orgchange/v1", "changes": [entry]}), "f").changes

    assert read.name == kept


@pytest.mark.parametrize(
    "kept",
    [
        "Café\u200dbar",
        "\u05e9\u05dc\u05d5\u05dd\u200f",
        "👨\u200d👩\u200d👧",
        "🏴\U000e0067\U000e0062\U000e007f",
    ],
)
def test_joiners_marks_and_tags_are_text_in_a_note(kept: str) -> None:
    entry = _entry_with("rename_unit", ("note",), kept)

    [read] = parse_change_file(json.dumps({"format": "orgchange/v1", "changes": [entry]}), "f").changes

    assert read.note == kept


def test_text_is_normalised_to_nfc_and_counted_after() -> None:
    decomposed = "Va\u0308rmdo\u0308 a\u030angbåt"  # ä, ö and å as a letter and a combining mark
    long_decomposed = "a\u030a" * 200  # 400 code points, 200 characters once composed
    entries = [
        _entry_with("rename_unit", ("name",), decomposed),
        _entry_with("grant_delegation", ("decision", "paragraph"), "\u00a7 1 a\u0308ndrad"),
        _entry_with("rename_unit", ("name",), long_decomposed),
    ]

    read = parse_change_file(json.dumps({"format": "orgchange/v1", "changes": entries}), "f").changes

    assert read[0].name == "Värmdö ångbåt" == unicodedata.normalize("NFC", decomposed)
    assert read[1].decision.paragraph == "§ 1 ändrad"
    assert read[2].name == "å" * 200


def test_the_organisation_s_name_is_limited_like_a_name() -> None:
    five_mb = "x" * 5_000_000

    assert _problems([], organisation=five_mb) == [
        "fil.json: field 'organisation': String should have at most 200 characters"
    ]
    assert _problems([], organisation="Nacka\x1b]0;owned\x07") == [
        "fil.json: field 'organisation' holds a control character (U+001B, escape); remove it"
    ]
    named = parse_change_file(
        json.dumps({"format": "orgchange/v1", "organisation": " Va\u0308rmdo\u0308 kommun ", "changes": []})
    )
    assert named.organisation == "Värmdö kommun"


def test_the_command_line_refuses_a_recorder_name_with_a_control_character(sqlite_url, tmp_path) -> None:
    path = tmp_path / "fil.yaml"
    path.write_text("format: orgchange/v1\nchanges: []\n")
    env = {**os.environ, "ORGCHANGE_DATABASE_URL": sqlite_url, "ORGCHANGE_USER": "registrator\x1b[2J"}

    done = subprocess.run(
        [sys.executable, "-m", "orgchange", "import", str(path)], capture_output=True, text=True, env=env
    )

    assert done.returncode == 2
    assert done.stderr == (
        "error: ORGCHANGE_USER holds a control character (U+001B, escape); set ORGCHANGE_USER to a plain name\n"
    )
