"""A snapshot writes equal small values once, so that the register read from it holds one of each.

The register read in by a serving process is most of its memory: pydantic keeps a set of the
fields given per model (two per change: the change and its decision), and every key, name and
day is an object of its own per value that names it. The snapshot's pickler shares them
(`orgchange/adapters/snapshots.py`, `_reducers`); what is read back must be equal to what was
written, part by part, and a change read back must behave as one made from its file.
"""

from __future__ import annotations

import copy

from orgchange.adapters.snapshots import decode, encode
from orgchange.domain.changes import change_adapter
from tests.builders import base_organisation, change
from tests.builders import register as new_register


def _round_trip(changes):
    register = new_register(changes)
    state = copy.deepcopy(register).snapshot_state()
    return state, decode(encode(state))


def test_a_register_read_from_a_snapshot_equals_the_one_written_part_by_part():
    state, back = _round_trip(
        [*base_organisation(), change("rename_unit", id="r", effective="2015-01-01", unit="va", name="VA")]
    )
    assert back["log"] == state["log"]
    assert back["reports"] == state["reports"]
    assert back["entries"] == state["entries"]
    for part, values in state["timeline"].items():
        assert back["timeline"][part] == values, part


def test_equal_field_sets_keys_and_days_are_one_object_each_when_read_back():
    renames = [
        change(
            "rename_unit",
            id=f"r{n}",
            effective=f"{2014 + n}-01-01",
            unit="va",
            name=f"VA {n}",
            decision={"body": "kf", "date": f"{2013 + n}-12-01", "paragraph": "§ 42"},
        )
        for n in range(6)
    ]
    # equal paragraphs, each an object of its own (as a file's decoder makes them)
    renames = [
        c.model_copy(
            update={"decision": c.decision.model_copy(update={"paragraph": "".join(["§ ", str(40 + 2)])})}
        )
        for c in renames
    ]
    written = [c.decision.paragraph for c in renames]
    assert len({id(p) for p in written}) == 6
    _, back = _round_trip([*base_organisation(), *renames])
    read = [back["log"][f"r{n}"].change for n in range(6)]
    assert len({id(c.__pydantic_fields_set__) for c in read}) == 1
    assert len({id(c.decision.__pydantic_fields_set__) for c in read}) == 1
    assert len({id(c.decision.paragraph) for c in read}) == 1
    versions = back["timeline"]["units"]["va"]
    assert versions[1].valid_from is versions[0].valid_to  # the day a version ends is the next one's first


def test_a_change_read_back_is_copied_and_compared_as_one_made_from_its_file():
    _, back = _round_trip(base_organisation())
    read = back["log"]["va"].change
    again = change_adapter.validate_python(read.canonical())
    assert read == again and read.canonical() == again.canonical()
    renamed = read.with_id("another")
    assert renamed.id == "another" and read.id == "va"
    assert "id" in read.model_fields_set and read.model_fields_set == again.model_fields_set
