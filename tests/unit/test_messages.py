"""The catalogue of messages (orgchange/domain/messages.py) against itself, the code and the docs.

A code is public (docs/errors.md): each must mean the same in both languages, be
documented, and every place that refuses something must name a code and a message
the catalogue has. These tests read the source, so a new refusal cannot slip past
the catalogue.
"""

from __future__ import annotations

import ast
import re
import string
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from orgchange.domain.errors import ChangeRejected, RuleViolation
from orgchange.domain.findings import BOARD_OWNS_COMPANY, REPEALED_ACT, RESERVED_MATTER, UNCHECKED_DECIDER
from orgchange.domain.messages import (
    CODES,
    ENGLISH,
    MESSAGES,
    SWEDISH,
    code_of,
    current_language,
    speaking,
    text,
)

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(p for d in ("orgchange", "api", "projections") for p in (ROOT / d).rglob("*.py"))
FINDINGS = {RESERVED_MATTER, REPEALED_ACT, BOARD_OWNS_COMPANY, UNCHECKED_DECIDER}


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_every_message_has_a_swedish_and_an_english_text_with_the_same_placeholders():
    for key, template in {**CODES, **MESSAGES}.items():
        assert template.sv.strip() and template.en.strip(), key
        assert _placeholders(template.sv) == _placeholders(template.en), key


def test_every_message_belongs_to_a_public_code():
    assert [key for key in MESSAGES if code_of(key) not in CODES] == []


def test_codes_are_rule_names_or_upper_snake_case():
    for code in CODES:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*|[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", code), code


def _documented_codes() -> set[str]:
    page = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    rules = set(re.findall(r"^\| `([a-z]+(?:-[a-z]+)*)` \|", page, flags=re.MULTILINE))
    codes = {c for c in re.findall(r"`([A-Z][A-Z0-9_]{3,})`", page) if not c.startswith("ORGCHANGE_")}
    return rules | (codes - FINDINGS)


def test_the_codes_of_the_catalogue_are_exactly_those_of_docs_errors_md():
    documented = _documented_codes()
    assert sorted(set(CODES) - documented) == [], "in the catalogue, not in docs/errors.md"
    assert sorted(documented - set(CODES)) == [], "in docs/errors.md, not in the catalogue"


def _module_constants() -> dict[str, str]:
    """Every module- and class-level NAME = "text" of the source, by name."""
    constants: dict[str, str] = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        constants.setdefault(target.id, node.value.value)
    return constants


def _catalogue_names(tree: ast.Module) -> set[str]:
    """The names under which a module imported the catalogue's `text` and `Text`."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("messages"):
            names |= {alias.asname or alias.name for alias in node.names if alias.name in ("text", "Text")}
    return names


def _is_text_call(node: ast.AST, names: set[str] = frozenset({"text", "Text"})) -> bool:  # type: ignore[assignment]
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id in names) or (
        isinstance(func, ast.Attribute)
        and func.attr == "text"
        and isinstance(func.value, ast.Name)
        and func.value.id == "messages"
    )


def _keys_named(node: ast.expr, constants: dict[str, str], path: Path) -> list[str]:
    """The message keys a call's first argument can be."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name) and node.id in constants:
        return [constants[node.id]]
    if isinstance(node, ast.IfExp):
        return _keys_named(node.body, constants, path) + _keys_named(node.orelse, constants, path)
    if isinstance(node, ast.JoinedStr):  # f"in-effect:{kind}": some key must start so
        head = node.values[0]
        assert isinstance(head, ast.Constant), f"{path}: a message key must start with text"
        prefix = str(head.value)
        assert any(key.startswith(prefix) for key in MESSAGES), f"{path}: no message starts {prefix!r}"
        return []
    if isinstance(node, ast.Attribute) and node.attr in ("KEY", "code"):
        return []  # a class's own KEY or code: checked with every class's below
    raise AssertionError(f"{path}:{node.lineno}: a message key the test cannot read: {ast.unparse(node)}")


def test_every_message_the_source_names_is_in_the_catalogue():
    constants = _module_constants()
    named: dict[str, str] = {}
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _catalogue_names(tree)
        for node in ast.walk(tree):
            if _is_text_call(node, names):
                assert isinstance(node, ast.Call) and node.args, f"{path}:{node.lineno}"
                for key in _keys_named(node.args[0], constants, path):
                    named[key] = f"{path.relative_to(ROOT)}:{node.lineno}"
            # A class's KEY (an error's message), and the code a Gate answers with when busy.
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    is_key = isinstance(item, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id == "KEY" for t in item.targets
                    )
                    if is_key and isinstance(item.value, ast.Constant):
                        named[str(item.value.value)] = f"{path.relative_to(ROOT)}:{item.lineno}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Gate":
                first = node.args[0]
                if isinstance(first, ast.Constant):
                    named[str(first.value)] = f"{path.relative_to(ROOT)}:{node.lineno}"
    assert len(named) > 100  # the walk found the raise sites
    assert {key: where for key, where in named.items() if key not in MESSAGES} == {}


def test_every_code_an_answer_carries_is_in_the_catalogue():
    """`{"code": …}` in a REST body or GraphQL extensions, and `code = …` of an error class."""
    constants = _module_constants()
    found: dict[str, str] = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            values: list[ast.expr] = []
            if isinstance(node, ast.Dict):
                values = [
                    v
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant) and k.value == "code"
                ]
            elif isinstance(node, ast.ClassDef):
                values = [
                    item.value
                    for item in node.body
                    if isinstance(item, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "code" for t in item.targets)
                ]
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found[value.value] = f"{path.relative_to(ROOT)}:{value.lineno}"
                elif isinstance(value, ast.Name) and value.id in constants:
                    found[constants[value.id]] = f"{path.relative_to(ROOT)}:{value.lineno}"
    assert len(found) > 15
    assert {code: where for code, where in found.items() if code not in CODES} == {}


def test_every_reason_a_change_is_refused_for_is_a_message_of_the_catalogue():
    """A reason given as plain text would be shown in one language whatever the reader asked for."""
    counted: Counter[str] = Counter()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "RuleViolation"
                )
                and len(node.args) == 2
                and not _is_text_call(node.args[1])
            ):
                counted[f"{path.relative_to(ROOT)}:{node.lineno}"] += 1
    assert dict(counted) == {}


def test_a_refused_change_names_the_change_the_units_and_the_days_in_either_language():
    violation = RuleViolation(
        "in-effect",
        text(
            "in-effect",
            what=text("CHANGE_REJECTED:move", unit="va", target="kfv"),
            reason=text("in-effect:ended", key="kfv", day=date(2017, 3, 1), end=date(2016, 12, 31)),
        ),
    )
    error = ChangeRejected(4, "ks-2017-004", "move_unit", violation)
    with speaking(SWEDISH):
        assert str(error) == (
            "ändring nr 4 (ks-2017-004) move_unit: enheten 'va' kan inte flyttas under 'kfv': "
            "'kfv' gäller inte 2017-03-01 (den upphör 2016-12-31)"
        )
    with speaking(ENGLISH):
        assert str(error) == (
            "change #4 (ks-2017-004) move_unit: unit 'va' cannot move under 'kfv': "
            "'kfv' is not in effect on 2017-03-01 (it ends 2016-12-31)"
        )
    assert error.rule == "in-effect"


def test_speaking_a_language_ends_with_its_block_and_refuses_others():
    before = current_language()
    with speaking(SWEDISH):
        assert current_language() == SWEDISH
    assert current_language() == before
    with pytest.raises(ValueError, match="not a language"), speaking("fr"):
        pass


def test_a_message_key_not_in_the_catalogue_is_refused_where_it_is_written():
    with pytest.raises(KeyError, match="no message"):
        text("in-effect:no-such-thing")
