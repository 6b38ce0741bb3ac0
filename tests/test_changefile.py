"""The change-file reader on what a file may hold but the register cannot: keys that are not text, U+0000,
YAML anchors and aliases (with either YAML loader), a file over the size limit."""

from __future__ import annotations

import time

import pytest

from orgchange.application import changefile
from orgchange.application.changefile import MAX_DOCUMENT_BYTES, YAML_LOADERS, parse_change_file
from orgchange.application.errors import MalformedInput


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


# --- YAML anchors and aliases, with libyaml's loader and with the pure-Python one -------------------

LOADERS = pytest.mark.parametrize("loader", list(YAML_LOADERS.values()), ids=list(YAML_LOADERS))

# About 500 bytes: ten levels of nine-fold aliases, a billion "lol"s when expanded.
ALIAS_BOMB = (
    "format: orgchange/v1\nchanges: []\n"
    'lol0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"lol{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]\n"  # noqa: ISC003
        for i in range(1, 10)
    )
)


def test_both_loaders_are_tried() -> None:
    assert set(YAML_LOADERS) == {"libyaml", "python"}  # PyYAML is built with libyaml here


@LOADERS
def test_an_alias_bomb_is_refused_at_once_by_either_loader(loader: type) -> None:
    started = time.process_time()

    with pytest.raises(MalformedInput) as refused:
        parse_change_file(ALIAS_BOMB, "bomb.yaml", yaml_loader=loader)

    assert time.process_time() - started < 0.5
    assert refused.value.problems == [
        "bomb.yaml: YAML anchors and aliases (&name, *name) are not allowed in a change file "
        "(line 3, column 7); write the values out"
    ]


@LOADERS
@pytest.mark.parametrize(
    "text, where",
    [
        ("format: orgchange/v1\nchanges: &x []\n", "line 2, column 10"),  # an anchor alone
        ("format: orgchange/v1\nchanges: []\nx: &x {a: 1}\ny: *x\n", "line 3, column 4"),
        ("{format: orgchange/v1, changes: [], a: &b 1, c: *b}", "line 1, column 40"),
        ("format: orgchange/v1\nchanges:\n- &e {type: dissolve_unit}\n- *e\n", "line 3, column 3"),
    ],
)
def test_anchors_and_aliases_are_refused_by_either_loader(loader: type, text: str, where: str) -> None:
    with pytest.raises(MalformedInput) as refused:
        parse_change_file(text, "fil.yaml", yaml_loader=loader)

    assert refused.value.problems == [
        f"fil.yaml: YAML anchors and aliases (&name, *name) are not allowed in a change file ({where}); "
        "write the values out"
    ]


@LOADERS
def test_ampersands_and_asterisks_in_text_are_text(loader: type) -> None:
    text = (
        "format: orgchange/v1\norganisation: Kultur & fritid*\nchanges:\n"
        "- {type: rename_unit, effective: 2017-01-01, unit: kfv, name: 'Kultur &fritid *2'}\n"
        '- {type: rename_unit, effective: 2017-01-01, unit: kfv, name: "A&B*C"}\n'
    )

    read = parse_change_file(text, "fil.yaml", yaml_loader=loader)

    assert read.organisation == "Kultur & fritid*"
    assert [c.name for c in read.changes] == ["Kultur &fritid *2", "A&B*C"]


@LOADERS
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(loader: type, monkeypatch) -> None:
    monkeypatch.setattr(changefile, "MAX_DOCUMENT_BYTES", 1000)  # the limit is 256 MiB: too much for a test
    fits = "format: orgchange/v1\nchanges: []\n#" + "x" * (1000 - 34)
    text = fits + "x"

    with pytest.raises(MalformedInput) as refused:
        parse_change_file(text, "stor.yaml", yaml_loader=loader)

    assert refused.value.problems == [
        "stor.yaml: the file is larger than 1,000 bytes; split it into several files"
    ]
    assert len(fits) == 1000 and parse_change_file(fits, "stor.yaml", yaml_loader=loader).changes == []
    assert MAX_DOCUMENT_BYTES == 256 * 2**20


@pytest.mark.parametrize("loader", list(YAML_LOADERS.values()), ids=list(YAML_LOADERS))
def test_a_key_written_twice_in_a_yaml_change_is_refused_naming_it_and_its_line(loader: type) -> None:
    """PyYAML keeps the last of a repeated key without a word: the first name would be lost."""
    text = (
        "format: orgchange/v1\n"
        "changes:\n"
        "  - id: r1\n"
        "    type: rename_unit\n"
        "    effective: 2017-01-01\n"
        "    unit: ks\n"
        "    name: Riktigt namn\n"
        "    name: Annat namn\n"
    )

    with pytest.raises(MalformedInput) as refused:
        parse_change_file(text, "dubbel.yaml", yaml_loader=loader)

    assert refused.value.problems == [
        "dubbel.yaml: not valid YAML or JSON (line 8, column 5): the key 'name' is written twice"
    ]


def test_a_key_written_twice_in_a_json_change_is_refused_naming_it() -> None:
    text = (
        '{"format": "orgchange/v1", "changes": [{"id": "r1", "type": "rename_unit", "unit": "ks",'
        ' "name": "A", "effective": "2017-01-01", "effective": "2018-01-01"}]}'
    )

    with pytest.raises(MalformedInput) as refused:
        parse_change_file(text, "dubbel.json")

    assert refused.value.problems == ["dubbel.json: the key 'effective' is written twice in one object"]
