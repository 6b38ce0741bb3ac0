"""`correct_change`: an earlier change replaced by the one that should have been recorded.

The two are checked as one (docs/time.md#corrections-keep-what-was-believed): a correction of the day a unit was
established would, taken as a cancellation and then a new establishment, conflict with
every later change of the unit in between.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from orgchange.domain.register import Register
from orgchange.domain.summaries import summarise
from tests.builders import base_organisation, change, organisation_on, record, refused, register


@pytest.fixture
def org() -> Register:
    return register(
        base_organisation(),
        change(
            "establish_unit",
            id="miljo",
            effective="2014-03-01",
            unit="miljo",
            name="Miljö",
            kind="unit",
            parent="slk",
        ),
        change("rename_unit", id="miljo-namn", effective="2015-01-01", unit="miljo", name="Miljö och hälsa"),
    )


def correction(target: str, replacement: dict, id_: str = "ratt") -> object:
    return change("correct_change", id=id_, change=target, replacement=replacement)


def test_a_correction_of_an_effective_date_moves_the_change_and_cancels_the_old_one(org):
    replacement = dict(
        type="establish_unit",
        id="miljo-2",
        effective="2014-01-01",
        unit="miljo",
        name="Miljö",
        kind="unit",
        parent="slk",
    )
    record(org, correction("miljo", replacement))
    assert "miljo" not in organisation_on(org, "2013-12-31")
    assert organisation_on(org, "2014-01-01")["miljo"].name == "Miljö"
    assert organisation_on(org, "2015-01-01")["miljo"].name == "Miljö och hälsa"
    assert org.log["miljo"].cancelled_by == "ratt"
    assert org.log["miljo-2"].change.id == "miljo-2"
    assert org.log["ratt"].change.TYPE == "correct_change"


def test_a_correction_is_recorded_as_two_events_of_one_command(org):
    """Both are saved together, or neither: the cancellation and fold, then the replacement's log entry."""
    replacement = dict(
        type="rename_unit", id="namn-2", effective="2015-01-01", unit="miljo", name="Miljö och hälsoskydd"
    )
    record(org, correction("miljo-namn", replacement))
    kinds = [type(event).__name__ for event in org._pending_events[-2:]]  # type: ignore[attr-defined]
    assert kinds == ["ChangeCorrected", "ReplacementRecorded"]
    assert organisation_on(org, "2015-06-01")["miljo"].name == "Miljö och hälsoskydd"


def test_a_correction_says_in_swedish_what_replaced_what(org):
    replacement = dict(
        type="rename_unit", id="namn-2", effective="2015-02-01", unit="miljo", name="Miljö och hälsoskydd"
    )
    record(org, correction("miljo-namn", replacement))
    text = summarise(org.log["ratt"].change, org.timeline)
    assert (
        text == "Ändringen miljo-namn rättades och ersattes av ändringen namn-2 (nytt namn, från 2015-02-01)."
    )


@pytest.mark.parametrize(
    "target, words",
    [
        ("nope", "no change with that id was recorded"),
        ("stryk", "it is a cancel_change; only organisational and delegation changes can be corrected"),
        ("fel", "it was already cancelled by 'stryk'"),
    ],
)
def test_only_a_recorded_standing_change_of_the_organisation_can_be_corrected(org, target, words):
    record(
        org,
        change("rename_unit", id="fel", effective="2016-01-01", unit="va", name="Fel"),
        change("cancel_change", id="stryk", change="fel", reason="fel namn"),
    )
    replacement = dict(type="rename_unit", id="ny", effective="2016-01-01", unit="va", name="VA")
    error = refused(org, correction(target, replacement))
    assert error.rule == "correction" and words in str(error)
    assert "ny" not in org.log


def test_a_replacement_cannot_take_an_id_already_used(org):
    replacement = dict(type="rename_unit", id="miljo", effective="2015-01-01", unit="miljo", name="X")
    error = refused(org, correction("miljo-namn", replacement))
    assert error.rule == "correction" and "the replacement's id 'miljo' was recorded before" in str(error)
    assert org.log["miljo-namn"].cancelled_by is None


def test_a_replacement_that_breaks_a_rule_is_refused_and_the_old_change_stands(org):
    replacement = dict(type="move_unit", id="flytt", effective="2015-01-01", unit="miljo", parent="nowhere")
    error = refused(org, correction("miljo-namn", replacement))
    assert error.rule == "in-effect"
    assert org.log["miljo-namn"].cancelled_by is None
    assert organisation_on(org, "2015-06-01")["miljo"].name == "Miljö och hälsa"


def test_a_correction_whose_result_breaks_a_later_change_names_it(org):
    replacement = dict(
        type="establish_unit",
        id="miljo-2",
        effective="2016-01-01",
        unit="miljo",
        name="Miljö",
        kind="unit",
        parent="slk",
    )
    error = refused(org, correction("miljo", replacement))
    assert [c.change_id for c in error.conflicts] == ["miljo-namn"]


@pytest.mark.parametrize(
    "replacement, words",
    [
        (
            {"type": "rename_unit", "effective": "2015-01-01", "unit": "miljo", "name": "X"},
            "an id of its own",
        ),
        (
            {"type": "cancel_change", "id": "c2", "change": "miljo", "reason": "x"},
            "does not match any of the expected tags",
        ),
        (
            {"type": "correct_change", "id": "c2", "change": "miljo", "replacement": {"type": "rename_unit"}},
            "does not match any of the expected tags",
        ),
        (
            {"type": "report_changes", "id": "c2", "to": "ks", "meeting": "2015-01-01", "changes": ["miljo"]},
            "tag",
        ),
    ],
)
def test_a_replacement_is_one_organisational_or_delegation_change_with_an_id(replacement, words):
    with pytest.raises(ValidationError) as raised:
        correction("miljo", replacement)
    assert words in str(raised.value)
