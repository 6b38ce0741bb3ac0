"""Why a change is refused, in the language the reader asked for (docs/errors.md#languages).

A registrar reads a refusal in Swedish, a program may ask for English: the whole
sentence — the change, the rule, the units and posts by key, the kinds with their
articles, the days and the law — must come out in one language. These refusals are
real ones, of the domain's `Register`, rendered once in each language.
"""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from orgchange.domain.changes import Change
from orgchange.domain.errors import ChangeRejected
from orgchange.domain.messages import ENGLISH, MESSAGES, SWEDISH, speaking
from tests.builders import base_organisation, change, refused, register

ROOT = Path(__file__).resolve().parents[2]
DAY = "2018-03-01"


def in_both(error: ChangeRejected) -> tuple[str, str]:
    with speaking(SWEDISH):
        swedish = str(error)
    with speaking(ENGLISH):
        english = str(error)
    return swedish, english


REFUSALS: list[tuple[Change, str, str, str]] = [
    (
        change("dissolve_unit", id="d1", effective=DAY, unit="slk"),
        "active-children",
        "ändring nr 1 (d1) dissolve_unit: enheten 'slk' kan inte avvecklas 2018-03-01: den har fortfarande "
        "aktiva enheter under sig: 'kfv', 'va' (flytta, slå samman eller avveckla dem först)",
        "change #1 (d1) dissolve_unit: unit 'slk' cannot be dissolved on 2018-03-01: it still has active "
        "units under it: 'kfv', 'va' (move, merge or dissolve them first)",
    ),
    (
        change("move_unit", id="m1", effective=DAY, unit="ks", parent="kfv"),
        "hierarchy",
        "ändring nr 1 (m1) move_unit: enheten 'ks' kan inte flyttas under 'kfv': 'kfv' står under 'ks', "
        "så det skulle bli en cirkel",
        "change #1 (m1) move_unit: unit 'ks' cannot move under 'kfv': 'kfv' stands under 'ks', "
        "which would make a cycle",
    ),
    (
        change("merge_units", id="m2", effective=DAY, units=["kfv"], into="va"),
        "cardinality",
        "ändring nr 1 (m2) merge_units: enheterna kan inte slås samman till 'va': en sammanslagning behöver "
        "minst två enheter i 'units', och den anger bara 'kfv'",
        "change #1 (m2) merge_units: units cannot be merged into 'va': a merge needs at least two units in "
        "'units', and it names only 'kfv'",
    ),
    (
        change(
            "grant_delegation",
            id="g1",
            delegation="slk-1",
            effective=DAY,
            from_="slk",
            to="kulturchef",
            matter="Bidrag till föreningar",
            code="K.1",
        ),
        "delegation",
        "ändring nr 1 (g1) grant_delegation: delegationen 'slk-1' från 'slk' till 'kulturchef' kan inte ges: "
        "'slk' är en förvaltning; bara en nämnd (kommunstyrelsen eller en annan nämnd) delegerar "
        "(KL (2017:725) 6 kap. 37 § och 7 kap. 5 §)",
        "change #1 (g1) grant_delegation: delegation 'slk-1' from 'slk' to 'kulturchef' cannot be granted: "
        "'slk' is an office; only a board (kommunstyrelsen or a nämnd) delegates "
        "(KL (2017:725) 6 kap. 37 § och 7 kap. 5 §)",
    ),
    (
        change(
            "establish_unit",
            id="c1",
            effective=DAY,
            decision={"date": "2018-02-12", "paragraph": "§ 12", "position": "stadsdirektor"},
            unit="aldrenamnden",
            name="Äldrenämnden",
            kind="board",
            parent="kf",
        ),
        "competence",
        "ändring nr 1 (c1) establish_unit: beslutat av 'stadsdirektor' (en befattning: Stadsdirektör), som "
        "inte får inrätta nämnden 'aldrenamnden': bara fullmäktige inrättar, avvecklar, slår samman, delar, "
        "byter namn på, byter slag på eller flyttar en nämnd (KL (2017:725) 5 kap. 1 §)",
        "change #1 (c1) establish_unit: decided by 'stadsdirektor' (a position: Stadsdirektör), which may "
        "not establish board 'aldrenamnden': only the council establishes, dissolves, merges, splits, "
        "renames, reclassifies or moves a board (KL (2017:725) 5 kap. 1 §)",
    ),
]


@pytest.mark.parametrize(
    ("entry", "rule", "swedish", "english"), REFUSALS, ids=[rule for _, rule, _, _ in REFUSALS]
)
def test_a_refusal_names_the_units_and_its_rule_in_swedish_and_in_english(entry, rule, swedish, english):
    error = refused(register(base_organisation()), entry)
    assert error.rule == rule
    assert in_both(error) == (swedish, english)


def test_a_refusal_is_put_into_words_where_it_is_shown_not_where_it_is_made():
    """The same refusal, made while English was spoken, still reads in Swedish when shown in Swedish."""
    entry, _, swedish, _ = REFUSALS[0]
    with speaking(ENGLISH):
        error = refused(register(base_organisation()), entry)
    with speaking(SWEDISH):
        assert str(error) == swedish


RULE_SOURCES = [
    ROOT / "orgchange" / "domain" / name for name in ("units.py", "delegations.py", "competence.py")
]


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _keys(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _keys(node.body) + _keys(node.orelse)
    if isinstance(node, ast.JoinedStr):  # f"active-children:unmapped-{noun}": every key so begun
        head = node.values[0]
        assert isinstance(head, ast.Constant)
        return [key for key in MESSAGES if key.startswith(str(head.value))]
    raise AssertionError(f"a message key the test cannot read: {ast.unparse(node)}")


def test_every_reason_the_rules_give_is_given_every_part_its_sentences_name():
    """A part left out would fail only when the refusal is shown, in the middle of an answer."""
    calls = 0
    for path in RULE_SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "text":
                given = {keyword.arg for keyword in node.keywords}
                for key in _keys(node.args[0]):
                    calls += 1
                    template = MESSAGES[key]
                    needed = _placeholders(template.sv) | _placeholders(template.en)
                    assert needed <= given, f"{path.name}:{node.lineno} {key} lacks {needed - given}"
    assert calls > 100
