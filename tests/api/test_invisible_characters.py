"""Invisible characters are refused in names, titles and codes, naming the field.

"Kommun\u200bstyrelsen" looks like the board's name and is another text: a search, a
comparison or a registrar reading the chart cannot tell them apart. Zero-width spaces,
joiners and direction marks, word joiners, the BOM and the tag characters (which can
hide a text of their own) were all accepted in a name. A register that already holds
them still answers: tests/test_stored_control_characters.py writes them into the event
store directly and asks for every document.
"""

from __future__ import annotations

import json

import pytest

from .conftest import Api, Tokens

INVISIBLE = {
    "\u200b": "U+200B",  # zero width space
    "\u200c": "U+200C",  # zero width non-joiner
    "\u200d": "U+200D",  # zero width joiner
    "\u200e": "U+200E",  # left-to-right mark
    "\u200f": "U+200F",  # right-to-left mark
    "\u2060": "U+2060",  # word joiner
    "\u2064": "U+2064",  # invisible plus
    "\ufeff": "U+FEFF",  # zero width no-break space (BOM)
    "\U000e0001": "U+E0001",  # language tag
    "\U000e0041": "U+E0041",  # tag latin capital letter a
    "\U000e007f": "U+E007F",  # cancel tag
    "\u00ad": "U+00AD",  # soft hyphen
    "\u061c": "U+061C",  # arabic letter mark
    "\u3164": "U+3164",  # hangul filler
    "\u2800": "U+2800",  # braille pattern blank
    "\ue000": "U+E000",  # private use
}


def _post(api: Api, token: str, entry: dict) -> tuple[int, list[str]]:
    response = api.post_changes(
        json.dumps({"format": "orgchange/v1", "changes": [entry]}), token, "application/json"
    )
    return response.status_code, response.json().get("errors", [])


@pytest.mark.parametrize("character", list(INVISIBLE), ids=list(INVISIBLE.values()))
def test_an_invisible_character_in_a_name_is_refused_naming_the_field(
    api: Api, tokens: Tokens, character: str
) -> None:
    events = api.event_count()
    entry = {
        "id": "x-1",
        "type": "rename_unit",
        "effective": "2017-01-01",
        "unit": "ks",
        "name": f"Kommun{character}styrelsen",
    }

    status, errors = _post(api, tokens.registrar, entry)

    assert status == 422
    [error] = errors
    assert error.startswith("change #1 (x-1) rename_unit: field 'name' holds ")
    assert f"({INVISIBLE[character]})" in error and error.endswith("; remove it")
    assert "invisible formatting character" in error or "shows as nothing" in error or "private-use" in error
    assert api.event_count() == events


@pytest.mark.parametrize(
    "field, entry",
    [
        (
            "title",
            {"type": "establish_position", "position": "p-x", "title": "Chef\u200b", "unit": "ks"},
        ),
        (
            "code",
            {"type": "grant_delegation", "delegation": "d-x", "from": "ks", "to": "ks"}
            | {"matter": "Bidrag", "code": "K.\ufeff1"},
        ),
    ],
)
def test_an_invisible_character_in_a_title_or_a_code_is_refused_naming_the_field(
    api: Api, tokens: Tokens, field: str, entry: dict
) -> None:
    status, errors = _post(api, tokens.registrar, {"id": "x-2", "effective": "2017-01-01", **entry})

    assert status == 422
    assert any(f"field '{field}' holds an invisible formatting character" in error for error in errors), (
        errors
    )
