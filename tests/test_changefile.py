"""The change-file reader on what a file may hold but the register cannot: keys that are not text, U+0000."""

from __future__ import annotations

import pytest

from orgchange.changefile import parse_change_file
from orgchange.domain.errors import MalformedInput


@pytest.mark.parametrize(
    "text, named",
    [
        (" ?", "None"),  # a lone `?`: a mapping whose one key is null
        ("{1: a, b: c}", "1, b"),  # a number and a text key: no order between them
        ("{null: 1, format: orgchange/v1, changes: []}", "None"),
        ("{true: 1, 1.5: 2, format: orgchange/v1, changes: []}", "1.5, True"),
    ],
)
def test_top_level_keys_that_are_not_text_are_named_not_a_crash(text: str, named: str) -> None:
    with pytest.raises(MalformedInput) as refused:
        parse_change_file(text, "fil.yaml")

    assert refused.value.problems[0] == f"fil.yaml: unknown top-level field(s): {named}"


@pytest.mark.parametrize(
    "text, problem",
    [
        (
            '{"format": "orgchange/v1", "changes": [{"type": "rename_unit", "effective": "2017-01-01",'
            ' "unit": "ks", "name": "K\\u0000S"}]}',
            "change #1: text cannot contain the character U+0000 (NUL)",
        ),
        (  # in a key, at any depth
            'format: orgchange/v1\nchanges:\n  - {type: rename_unit, decision: {"a\\0": 1}}\n',
            "change #1: text cannot contain the character U+0000 (NUL)",
        ),
        (
            'format: orgchange/v1\norganisation: "Nacka\\0"\nchanges: []\n',
            "fil.yaml: 'organisation': text cannot contain the character U+0000 (NUL)",
        ),
    ],
)
def test_text_with_nul_is_malformed(text: str, problem: str) -> None:
    with pytest.raises(MalformedInput) as refused:
        parse_change_file(text, "fil.yaml")

    assert refused.value.problems == [problem]
