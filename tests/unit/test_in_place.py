"""A command recorded on the register in place (`Register.begin`, `savepoint`, `rollback_to`).

The application records each command on the one register in memory, with an undo journal
instead of a copy of the register. These tests hold the journal to what matters: whatever a
command did — accepted, refused by a rule, refused by a re-fold's conflicts, a whole file
refused half-way — rolling it back leaves the register exactly as it was, part by part.
"""

from __future__ import annotations

import copy
import os
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from orgchange.domain.changes import Change
from orgchange.domain.errors import ChangeRejected
from orgchange.domain.register import Register
from tests.builders import base_organisation, change
from tests.builders import register as new_register
from tests.strategies import record_all, valid_changes

SHRINK = os.environ.get("ORGCHANGE_HYPOTHESIS_SHRINK", "") == "1"
SCALE = float(os.environ.get("ORGCHANGE_HYPOTHESIS_SCALE", "1"))
AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def state(register: Register) -> dict[str, Any]:
    """The register's state as a snapshot holds it, taken of a copy (settling changes nothing),
    with the timeline's last days, which a snapshot does not hold (they follow the versions)."""
    working = copy.deepcopy(register)
    found = working.snapshot_state()
    found["last_days"] = working.timeline.last_days
    return found


def assert_same_state(found: Register, expected: dict[str, Any]) -> None:
    got = state(found)
    assert got.keys() == expected.keys()
    for name in got:
        if name == "timeline":
            for part in got[name]:
                assert got[name][part] == expected[name][part], f"timeline.{part}"
        else:
            assert got[name] == expected[name], name


def test_a_refused_change_rolled_back_leaves_the_register_as_it_was():
    reg = new_register(base_organisation())
    reg.collect_events()
    before = state(reg)
    point = reg.begin()
    try:
        try:
            reg.record(
                [
                    change(
                        "establish_unit",
                        id="x",
                        effective="2014-01-01",
                        unit="x",
                        name="X",
                        kind="unit",
                        parent="nope",
                    )
                ],
                "test",
                AT,
            )
        except ChangeRejected:
            pass
        else:
            raise AssertionError("a unit under a parent that does not exist is refused")
        reg.rollback_to(point)
    finally:
        reg.end()
    assert_same_state(reg, before)
    assert reg._pending_events == []


def test_an_accepted_retroactive_change_rolled_back_leaves_the_register_as_it_was():
    reg = new_register(
        base_organisation(),
        change("rename_unit", id="later", effective="2015-01-01", unit="va", name="VA 2015"),
    )
    reg.collect_events()
    before = state(reg)
    version = reg.version
    point = reg.begin()
    try:
        reg.record([change("rename_unit", id="r", effective="2013-01-01", unit="va", name="VA")], "test", AT)
        assert reg.version == version + 1
        assert reg.timeline.unit_on("va", datetime(2013, 6, 1).date()).name == "VA"
        reg.rollback_to(point)
    finally:
        reg.end()
    assert_same_state(reg, before)
    assert reg.version == version
    assert reg._pending_events == []


def test_a_command_cannot_begin_on_a_register_with_one_going_on():
    reg = new_register(base_organisation())
    reg.begin()
    try:
        try:
            reg.begin()
        except RuntimeError:
            pass
        else:
            raise AssertionError("two commands at once on one register are refused")
    finally:
        reg.end()


@settings(
    max_examples=max(1, round(40 * SCALE)),
    deadline=None,
    phases=tuple(p for p in Phase if SHRINK or p not in (Phase.shrink, Phase.explain)),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(changes=valid_changes(min_changes=4, max_changes=30), data=st.data())
def test_any_command_rolled_back_leaves_any_register_exactly_as_it_was(changes: list[Change], data):
    """A valid register cut in two; the second part recorded in a random order and with random
    changes dropped (often refused: retroactive conflicts, rules broken, accepted sometimes),
    as one file or change by change; then rolled back: the first part's state, exactly."""
    cut = data.draw(st.integers(1, len(changes) - 1), label="cut")
    head, tail = changes[:cut], changes[cut:]
    reg = record_all(head)
    reg.collect_events()
    before = state(reg)
    command = data.draw(st.permutations(tail), label="order")
    command = command[: data.draw(st.integers(1, len(command)), label="kept")]
    one_by_one = data.draw(st.booleans(), label="one by one")
    point = reg.begin()
    try:
        for part in [[c] for c in command] if one_by_one else [command]:
            try:
                reg.record(part, "test", AT)
            except ChangeRejected:
                break
        reg.rollback_to(point)
    finally:
        reg.end()
    assert_same_state(reg, before)
    assert reg._pending_events == []
    # and the register goes on as if nothing had happened: the tail, recorded now, is accepted
    reg.record(tail, "test", AT)
    expected, found = state(record_all(changes)), state(reg)
    assert found["timeline"] == expected["timeline"]
    assert found["entries"] == expected["entries"]
