"""One home per fact: the names of kinds and change types, and the law's references.

A name written twice drifts (areas were 'område' in the diagrams and
'verksamhetsområde' in the summaries); these tests keep every name in its one
table and every legal reference in `orgchange/domain/law.py`.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

from orgchange.application.documents.diagrams import orgchart
from orgchange.application.opendata.vocabulary import KIND_LABELS
from orgchange.domain.changes import CHANGE_CLASSES, KINDS
from orgchange.domain.kinds import CHANGE_TYPE_NAMES, UNIT_KINDS
from projections.queries import UnitRow

ROOT = Path(__file__).resolve().parent.parent
LAW = ROOT / "orgchange" / "domain" / "law.py"
# A reference to a paragraph ("6 kap. 38 §") or an act ("2017:725", "1991:900").
LEGAL_REFERENCE = re.compile(r"\bkap\.|\d\s*§|\b(?:2017\s*:\s*725|1991\s*:\s*900)\b")


def test_every_kind_of_unit_has_each_of_its_names_in_the_table() -> None:
    assert set(UNIT_KINDS) == set(KINDS)
    for key, kind in UNIT_KINDS.items():
        assert kind.key == key
        for form in (kind.name, kind.definite, kind.title, kind.english):
            assert form.strip() == form and form, f"{key}: an empty or padded name"


def test_every_change_type_has_a_swedish_name_in_the_table() -> None:
    assert set(CHANGE_TYPE_NAMES) == set(CHANGE_CLASSES)
    assert all(name.strip() for name in CHANGE_TYPE_NAMES.values())


def test_the_open_data_labels_are_the_tables_titles_and_english_names() -> None:
    for key, kind in UNIT_KINDS.items():
        assert KIND_LABELS[key] == (kind.title, kind.english)


def test_a_diagram_names_each_kind_as_the_table_does() -> None:
    """Areas were 'område' in the diagrams alone; the label is now the table's name."""
    day = dt.date(2020, 1, 1)
    units = [
        UnitRow(f"u-{key}", f"Enhet {i}", key, None, None, day, None, "c1")
        for i, key in enumerate(UNIT_KINDS)
    ]
    dot = orgchart(units, day).to_string()
    for key, kind in UNIT_KINDS.items():
        assert f"{kind.name} · u-{key}" in dot


def _strings_that_are_not_docstrings(tree: ast.AST) -> list[ast.Constant]:
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_legal_references_are_spelled_only_in_the_law_module() -> None:
    """Messages, findings, documents and the API's descriptions cite the law through law.py,
    so a reference is corrected in one place; comments and docstrings may explain it."""
    spelled = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}"
        for package in ("orgchange", "api", "projections")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != LAW
        for node in _strings_that_are_not_docstrings(ast.parse(path.read_text(encoding="utf-8")))
        if LEGAL_REFERENCE.search(node.value)
    ]
    assert spelled == []


def test_the_check_for_legal_references_sees_one_written_in_a_string() -> None:
    tree = ast.parse('"""See 6 kap. 38 §."""\nREASON = f"enligt KL (2017:725) 6 kap. {n} §"\n')
    found = [
        node.value for node in _strings_that_are_not_docstrings(tree) if LEGAL_REFERENCE.search(node.value)
    ]
    assert found == ["enligt KL (2017:725) 6 kap. "]
