"""Text at the door (orgchange/domain/text.py), on the change types themselves: every text field
of every change type refuses control characters and their kin, naming the character; only a note
or a reason breaks lines; text that passes is NFC; what was recorded reads back as recorded.

How a change file words these refusals (with the change's position and id) is tested with the
reader, in tests/test_text.py.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest
from pydantic import ValidationError

from orgchange.domain.changes import CHANGE_TYPES, change_adapter, change_from_canonical
from orgchange.domain.text import CLEANED, describe, door, printable, refused
from tests.builders import text_fields

D = "2017-01-01"
DECISION = {"body": "ks", "date": D, "paragraph": "§ 1", "reference": "KS 2017/1"}
# One well-formed entry of each change type, with every optional text field filled in.
ENTRIES: dict[str, dict[str, Any]] = {
    "establish_unit": dict(effective=D, unit="u", name="U", kind="unit", parent="p"),
    "rename_unit": dict(effective=D, unit="u", name="U"),
    "reclassify_unit": dict(effective=D, unit="u", kind="area"),
    "move_unit": dict(effective=D, unit="u", parent="p"),
    "merge_units": dict(effective=D, units=["a", "b"], into="c", name="C", kind="unit"),
    "split_unit": dict(effective=D, unit="u", into=[{"unit": "a", "name": "A"}, {"unit": "b", "name": "B"}]),
    "dissolve_unit": dict(effective=D, unit="u"),
    "spin_off_unit": dict(effective=D, unit="u", company="c", name="C AB", owner="kf"),
    "establish_position": dict(effective=D, position="p", title="T", unit="u"),
    "move_position": dict(effective=D, position="p", unit="u"),
    "abolish_position": dict(effective=D, position="p"),
    "grant_delegation": {
        "effective": D,
        "delegation": "d",
        "from": "ks",
        "to": "p",
        "matter": "M",
        "code": "A.1",
        "legal_basis": "KL",
        "limit": "L",
        "reporting": "R",
    },
    "amend_delegation": dict(effective=D, delegation="d", matter="M"),
    "revoke_delegation": dict(effective=D, delegation="d"),
    "subdelegate": dict(effective=D, delegation="s", parent_delegation="d", to="p"),
    "cancel_change": dict(change="x", reason="R"),
    "correct_change": dict(
        change="x", replacement={"type": "rename_unit", "id": "y", "effective": D, "unit": "u", "name": "U"}
    ),
    "report_changes": dict(to="ks", meeting=D, changes=["x"], reference="KS 2017/2"),
    "note_report": dict(to="ks", meeting=D, paragraph="§ 2"),
}
FIELDS = [(cls.TYPE, path, kind) for cls in CHANGE_TYPES for path, kind in text_fields(cls)]
IDS = [f"{t}.{'.'.join(p)}" for t, p, _ in FIELDS]


def entry_with(type_: str, path: tuple[str, ...], value: str) -> dict[str, Any]:
    entry = json.loads(json.dumps(ENTRIES[type_])) | {"type": type_, "id": "x", "note": "N"}
    if type_ not in ("cancel_change", "report_changes", "note_report"):
        entry["decision"] = dict(DECISION)
    holder: Any = entry
    for part in path[:-1]:
        holder = holder[int(part)] if part.isdigit() else holder.setdefault(part, {})
    holder[path[-1]] = value
    return entry


def problem(entry: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as refused_:
        change_adapter.validate_python(entry)
    (error,) = refused_.value.errors()
    return f"{'.'.join(str(p) for p in error['loc'][1:])}: {error['msg']}"


def test_there_is_an_entry_here_for_every_change_type_and_it_is_well_formed() -> None:
    assert set(ENTRIES) == {cls.TYPE for cls in CHANGE_TYPES}
    for type_ in ENTRIES:
        change_adapter.validate_python(entry_with(type_, ("id",), "x"))


def test_the_text_fields_of_the_change_types_are_those_of_the_contract() -> None:
    paths = {(type_, ".".join(path)) for type_, path, _ in FIELDS}
    assert {
        ("establish_unit", "name"),
        ("establish_unit", "note"),
        ("establish_unit", "decision.body"),
        ("establish_unit", "decision.paragraph"),
        ("split_unit", "into.0.name"),
        ("establish_position", "title"),
        ("grant_delegation", "matter"),
        ("grant_delegation", "legal_basis"),
        ("cancel_change", "reason"),
        ("report_changes", "reference"),
        ("note_report", "paragraph"),
    } <= paths
    assert {k for _, p, k in FIELDS if p in (("note",), ("reason",))} == {"lines"}


@pytest.mark.parametrize("type_, path, kind", FIELDS, ids=IDS)
def test_every_text_field_refuses_a_control_character_and_a_bidirectional_override(type_, path, kind) -> None:
    field = ".".join(path)
    assert problem(entry_with(type_, path, "röd\x1b[31m")) == (
        f"{field}: holds a control character (U+001B, escape); remove it"
    )
    assert problem(entry_with(type_, path, "abc\u202edcba")) == (
        f"{field}: holds a bidirectional formatting character (U+202E), which makes text display out of "
        "order; remove it"
    )


@pytest.mark.parametrize("type_, path, kind", FIELDS, ids=IDS)
def test_only_a_note_or_a_reason_may_break_lines(type_, path, kind) -> None:
    entry = entry_with(type_, path, "rad ett\r\nrad\ttvå")
    if kind == "lines":
        held: Any = change_adapter.validate_python(entry).canonical()
        for part in path:
            held = held[int(part)] if part.isdigit() else held[part]
        assert held == "rad ett\nrad\ttvå"  # a Windows line end is a line break
    else:
        assert problem(entry) == (
            f"{'.'.join(path)}: holds a line break (U+000D); only a note or a reason may break lines"
        )


@pytest.mark.parametrize(
    "text, said",
    [
        ("a\x00b", "a control character (U+0000, null)"),
        ("a\x85b", "a control character (U+0085, next line)"),
        ("a\x9bb", "a control character (U+009B)"),
        ("a\u2028b", "a line separator (U+2028)"),
        ("a\u2029b", "a paragraph separator (U+2029)"),
        ("a\u2066b", "a bidirectional formatting character (U+2066), which makes text display out of order"),
        ("a\u206ab", "an invisible formatting character (U+206A)"),
        ("a\ufffbb", "an invisible formatting character (U+FFFB)"),
        ("a\ufffeb", "a noncharacter (U+FFFE), which is not for use in text"),
        ("a\U0010ffffb", "a noncharacter (U+10FFFF), which is not for use in text"),
        ("a\ud800b", "half of a surrogate pair (U+D800), which is not a character"),
        ("a\u3164b", "a character that shows as nothing (U+3164)"),
        ("a\ue000b", "a private-use character (U+E000), which means nothing outside one program"),
        ("a\u00adb", "an invisible formatting character (U+00AD)"),
    ],
)
def test_each_kind_of_refused_character_is_found_and_named_in_plain_words(text: str, said: str) -> None:
    bad = refused(text)
    assert bad is not None and bad not in "ab"
    assert describe(bad) == said


@pytest.mark.parametrize("kept", ["😀", "Café", "서울시청", "Ελληνικά"])
def test_emoji_and_every_script_are_text_in_a_name(kept: str) -> None:
    assert refused(kept) is None and door(kept) == kept
    assert change_adapter.validate_python(entry_with("rename_unit", ("name",), kept)).name == kept


@pytest.mark.parametrize(
    "kept",
    [
        "Café\u200dbar",
        "\u05e9\u05dc\u05d5\u05dd\u200f",
        "👨\u200d👩\u200d👧",
        "soft\u00adhyphen",
        "Kommun\u3164styrelsen",  # a Hangul filler: a letter to Python, nothing to the eye
        "Kommun\u2800styrelsen",  # the blank braille pattern
        "Kommun\u034fstyrelsen",  # the combining grapheme joiner
        "\u0627\u061c\u0628",  # the Arabic letter mark
        "privat\ue000bruk",
    ],
)
def test_joiners_and_marks_are_text_in_a_note_but_not_in_a_name(kept: str) -> None:
    assert change_adapter.validate_python(entry_with("rename_unit", ("note",), kept)).note == kept
    with pytest.raises(ValueError):
        change_adapter.validate_python(entry_with("rename_unit", ("name",), kept))


def test_text_is_normalised_to_nfc_and_counted_after() -> None:
    decomposed = "Va\u0308rmdo\u0308 a\u030angbåt"
    assert door(decomposed) == "Värmdö ångbåt" == unicodedata.normalize("NFC", decomposed)
    read = change_adapter.validate_python(entry_with("rename_unit", ("name",), "a\u030a" * 200))
    assert read.name == "å" * 200  # 400 code points, 200 characters once composed: within the limit
    assert "at most 200 characters" in problem(entry_with("rename_unit", ("name",), "å" * 201))


def test_a_recorded_change_is_read_back_as_recorded() -> None:
    """An event written before these checks holds what it holds; the documents clean it on output."""
    stored = {
        "type": "rename_unit",
        "effective": "2017-01-01",
        "unit": "kfv",
        "name": "Kultur\voch fritid\x1b[31m",
        "note": "rad\x07",
        "decision": {"paragraph": "§\u202e 5"},
    }
    assert change_from_canonical(stored).canonical() == stored


def test_a_change_written_out_again_is_cleaned_instead_of_refused() -> None:
    entry = entry_with("rename_unit", ("name",), "Kultur\voch\x1b fritid")
    assert change_adapter.validate_python(entry, context=CLEANED).name == "Kultur och fritid"
    nothing_printable = entry_with("rename_unit", ("name",), "\x1b\x07")
    assert change_adapter.validate_python(nothing_printable, context=CLEANED).name == "\ufffd"


def test_printable_replaces_line_like_characters_and_drops_the_rest() -> None:
    assert printable("Kultur\voch\u2028fritid\x01\u202e\ufffe") == "Kultur och fritid"
    assert printable("rad\r\nett\ttvå\x1b", lines=True) == "rad\nett\ttvå"
    assert printable("Värmdö ångbåt ★") == "Värmdö ångbåt ★"
