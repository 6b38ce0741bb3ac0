"""The rules the register enforces (docs/domain.md#rules-the-register-enforces), a round trip per
rule family on both databases: recorded through the application, refused with nothing stored, and
read back from the read models. Every case of every rule is pinned on the domain alone in
tests/unit/test_rules.py, which also holds the changes and the refusals recorded here."""

from __future__ import annotations

from datetime import date

import pytest

from orgchange.application.errors import MalformedInput
from orgchange.domain.errors import ChangeRejected
from tests.builders import base_organisation, change
from tests.unit.test_rules import (
    A_CYCLE,
    ENDED,
    HALF_GOOD,
    KEY_REUSED,
    KFV_BECOMES_AN_AREA,
    KFV_DISSOLVED_AFTER_THE_RENAMES,
    KFV_MERGED_INTO_VA,
    KULTURCHEF_ABOLISHED,
    KULTURCHEF_MOVED,
    MERGED_INTO_A_NEW_UNIT,
    NAMES_THE_LATER_CHANGE,
    NOT_A_DELEGATION,
    NOT_IN_EFFECT,
    OTHER_UNDER_THE_SAME_ID,
    REFOLDED,
    SLK_SPLIT,
    SLK_SPLIT_UNMAPPED,
    TOO_FEW,
    UNDER_THE_MERGED_UNIT,
    UNMAPPED,
    VA_AGAIN,
    VA_DISSOLVED,
    VA_MOVED_LATER,
    VA_RENAMED,
    VA_SPUN_OFF,
    a_company_owned_by,
    a_grant,
    merged_then_split,
    renamed_back_in_time,
    too_few,
)


@pytest.fixture
def org(app):
    app.record_changes(base_organisation(), "test")
    return app


def units_on(app, day: str) -> dict[str, object]:
    return {u.id: u for u in app.read_model.organisation(date.fromisoformat(day))}


def rejected(app, *changes) -> ChangeRejected:
    with pytest.raises(ChangeRejected) as caught:
        app.record_changes(list(changes), "test")
    return caught.value


# --- rule 1: a key exists once, forever ---------------------------------------------


def test_a_key_is_never_reused_even_after_its_unit_ended(org):
    org.record_changes([VA_DISSOLVED], "t")
    error = rejected(org, VA_AGAIN)
    assert error.rule == "unique-key"
    assert str(error).startswith(KEY_REUSED[0]) and KEY_REUSED[1] in str(error)
    assert [v.valid_to for v in org.read_model.unit_history("va")] == [date(2014, 1, 1)]


# --- rule 2: exactly one parent (a company: one owner) ---------------------------------


def test_a_company_is_owned_by_a_board_not_an_office(org):
    error = rejected(org, a_company_owned_by("slk"))
    assert error.rule == "one-parent" and "'slk' is an office" in str(error)
    org.record_changes([a_company_owned_by("ks")], "t")
    company = units_on(org, "2013-01-01")["ab"]
    assert (company.owner_id, company.parent_id) == ("ks", None)


# --- rule 3: in effect only while the parent is; no cycles --------------------------------


def test_the_contract_example_moving_under_an_ended_unit(org):
    org.record_changes([KFV_MERGED_INTO_VA], "t")
    error = rejected(org, UNDER_THE_MERGED_UNIT)
    assert (error.rule, str(error)) == ("in-effect", NOT_IN_EFFECT)
    assert units_on(org, "2017-03-01")["slk"].parent_id == "ks"


def test_a_move_that_would_make_a_cycle_is_rejected(org):
    error = rejected(org, A_CYCLE)
    assert error.rule == "hierarchy" and "cycle" in str(error)
    assert units_on(org, "2013-01-01")["slk"].parent_id == "ks"


# --- rule 4: active children, split mappings, cardinalities -----------------------------


def test_a_split_must_map_every_active_child_and_position(org):
    error = rejected(org, SLK_SPLIT_UNMAPPED)
    assert error.rule == "active-children" and UNMAPPED in str(error)
    org.record_changes([SLK_SPLIT], "t")
    after = units_on(org, "2013-01-01")
    assert "slk" not in after and after["kfv"].parent_id == "a" and after["va"].parent_id == "b"
    predecessors, successors_of = org.read_model.links(["slk", "a", "b"])
    assert successors_of["slk"] == ["a", "b"] and predecessors["a"] == ["slk"]


def test_a_merge_of_one_unit_is_rejected_and_records_nothing(org):
    before_events = org.event_count()
    fields, message = TOO_FEW[0]
    error = rejected(org, too_few(fields))
    assert (error.rule, str(error)) == ("cardinality", message)
    assert org.event_count() == before_events


def test_two_units_merge_and_two_successors_split(org):
    org.record_changes(merged_then_split(), "t")
    assert {"kfv", "va"} <= set(units_on(org, "2012-12-31"))
    assert "kfv" not in units_on(org, "2013-01-01") and "va" in units_on(org, "2013-01-01")
    after = units_on(org, "2014-01-01")
    assert "va" not in after and after["a"].parent_id == after["b"].parent_id == "slk"
    predecessors, successors = org.read_model.links(["kfv", "va", "a", "b"])
    assert successors["kfv"] == ["va"] and successors["va"] == ["a", "b"]
    assert predecessors["a"] == predecessors["b"] == ["va"]


def test_a_one_item_list_is_well_formed_but_its_items_are_still_checked():
    # Fewer than two is a rule of the register (exit 1, above), not malformed input;
    # what is not a list of unit keys or of successors still is (exit 2).
    from orgchange.application.changefile import parse_change

    merge = {"type": "merge_units", "effective": "2013-01-01", "into": "kfv"}
    split_ = {"type": "split_unit", "effective": "2013-01-01", "unit": "slk"}
    assert parse_change({**merge, "units": ["kfv"]}, 3).units == ["kfv"]
    assert [s.unit for s in parse_change({**split_, "into": [{"unit": "a", "name": "A"}]}, 3).into] == ["a"]
    for entry, problem in [
        ({**merge, "units": "kfv"}, "change #3 merge_units: field 'units': Input should be a valid list"),
        ({**merge, "units": [7]}, "change #3 merge_units: field 'units.0': Input should be a valid string"),
        ({**merge, "units": ["Not A Key"]}, "change #3 merge_units: field 'units.0': "),
        ({**merge}, "change #3 merge_units: missing field 'units'"),
        ({**split_, "into": ["a"]}, "change #3 split_unit: field 'into.0': "),
        ({**split_, "into": [{"unit": "a"}]}, "change #3 split_unit: missing field 'into.0.name'"),
    ]:
        with pytest.raises(MalformedInput) as caught:
            parse_change(entry, 3)
        assert caught.value.problems[0].startswith(problem), caught.value.problems


def test_merge_into_a_new_unit_moves_children_and_positions(org):
    org.record_changes([MERGED_INTO_A_NEW_UNIT], "t")
    after = units_on(org, "2014-01-01")
    assert "kfv" not in after and after["kfva"].parent_id == "slk"
    positions = org.read_model.positions(["kfva"], date(2014, 1, 1))["kfva"]
    assert {p.id for p in positions} == {"kulturchef", "va-chef"}
    summary = org.read_model.change("m").summary
    assert summary == (
        "Enheten Kultur och VA bildades genom sammanslagning av "
        "enheten Kultur och fritid och enheten Vatten och avfall."
    )


def test_spin_off_makes_a_company_and_ends_the_units_posts(org):
    org.record_changes([VA_SPUN_OFF], "t")
    after = units_on(org, "2017-01-01")
    assert after["nva"].kind == "company" and after["nva"].owner_id == "kf" and "va" not in after
    assert org.read_model.change("so").summary == (
        "Enheten Vatten och avfall ombildades till bolaget Nacka vatten och avfall AB."
    )
    assert not org.read_model.positions(["va", "nva"], date(2017, 1, 1))


# --- reclassify_unit: what a unit may become (rules 2, 3, 5 and 6) ------------------------


def test_a_unit_is_reclassified_from_its_date(org):
    org.record_changes([KFV_BECOMES_AN_AREA], "t")
    assert units_on(org, "2013-12-31")["kfv"].kind == "unit"
    after = units_on(org, "2014-01-01")["kfv"]
    assert (after.kind, after.parent_id, after.name) == ("area", "slk", "Kultur och fritid")
    history = [(v.valid_from, v.kind) for v in org.read_model.unit_history("kfv")]
    assert history == [(date(2012, 1, 1), "unit"), (date(2014, 1, 1), "area")]
    positions = org.read_model.positions(["kfv"], date(2014, 1, 1))["kfv"]
    assert [p.id for p in positions] == ["kulturchef"]


# --- rule 5: references must be in effect ---------------------------------------------------


def test_an_abolished_position_cannot_be_moved(org):
    org.record_changes([KULTURCHEF_ABOLISHED], "t")
    error = rejected(org, KULTURCHEF_MOVED)
    assert error.rule == "in-effect" and ENDED in str(error)
    posts = org.read_model.positions(["kfv", "va"], date(2014, 2, 1))
    assert {unit: [p.id for p in rows] for unit, rows in posts.items()} == {"va": ["va-chef"]}


# --- rule 6: delegations ---------------------------------------------------------------------


def test_only_a_board_delegates_and_only_to_a_post_or_its_committee(org):
    events = org.event_count()
    for entry, words in NOT_A_DELEGATION:
        error = rejected(org, entry)
        assert error.rule == "delegation" and words in str(error)
    assert org.event_count() == events
    org.record_changes([a_grant("ks", "ksau")], "t")
    [granted] = org.read_model.delegations.delegations(date(2013, 1, 1))
    assert (granted.id, granted.to_id) == ("d1", "ksau")


# --- rule 7 and the time axes ------------------------------------------------------------------


def test_a_file_with_retroactive_changes_is_refolded_once_and_rejects_like_one_change_at_a_time(org):
    # Several retroactive changes in one file are folded in together; a rejection
    # after them still names the change, its position in the file and the conflicts.
    org.record_changes([VA_MOVED_LATER], "t")
    error = rejected(org, *renamed_back_in_time(), KFV_DISSOLVED_AFTER_THE_RENAMES)
    assert (error.index, error.change_id, error.rule) == (3, "retro", "retroactive-consistency")
    assert [c.change_id for c in error.conflicts] == ["later"] and NAMES_THE_LATER_CHANGE in str(error)
    assert "r1" not in org.register().log
    # Accepted, the renames are refolded under the later move, as the read models show.
    org.record_changes(renamed_back_in_time(), "t")
    names = [(v.valid_from, v.name, v.parent_id) for v in org.read_model.unit_history("va")]
    assert names == REFOLDED


def test_cancellation_keeps_what_was_believed_before(org):
    org.record_changes([change("rename_unit", id="oops", effective="2014-01-01", unit="va", name="Fel")], "t")
    believed_at = org.read_model.change("oops").recorded_at
    org.record_changes([change("cancel_change", id="fix", change="oops", reason="fel namn")], "t")
    assert units_on(org, "2014-06-01")["va"].name == "Vatten och avfall"
    then = {u.id: u for u in org.read_model.organisation(date(2014, 6, 1), known_at=believed_at)}
    assert then["va"].name == "Fel"
    page = org.read_model.changes(unit_id="va")
    by_id = {row.id: row for row in page.rows}
    assert by_id["oops"].cancelled and by_id["fix"].effective == date(2014, 1, 1)
    assert not org.read_model.changes(unit_id="va", known_at=believed_at).rows[-1].cancelled


def test_the_same_id_is_skipped_with_the_same_content_and_rejected_with_other(org):
    first = org.record_changes([VA_RENAMED], "t")
    again = org.record_changes([VA_RENAMED], "t")
    assert (first.recorded, again.recorded, again.skipped) == (["r1"], [], ["r1"])
    error = rejected(org, OTHER_UNDER_THE_SAME_ID)
    assert error.rule == "idempotency"
    assert units_on(org, "2014-01-01")["va"].name == "VA"


def test_a_rejected_file_records_nothing(org):
    before_events = org.event_count()
    before = org.read_model.organisation(date(2014, 1, 1))
    rejected(org, *HALF_GOOD)
    assert org.event_count() == before_events
    assert org.read_model.organisation(date(2014, 1, 1)) == before
    assert org.register().timeline.unit_on("va", date(2014, 1, 1)).name == "Vatten och avfall"
