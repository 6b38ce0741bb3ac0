"""The timeline fold (orgchange/domain/timeline.py) and the versions it keeps (records.py):
half-open days, a fold that depends only on the changes and their order, a re-fold from the day
of a retroactive change, and the calendar and the forms of a day and a key a change accepts."""

from __future__ import annotations

import copy
import itertools
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from orgchange.domain.calendar import FIRST_DAY, LAST_DAY, within_calendar
from orgchange.domain.changes import change_adapter
from orgchange.domain.kinds import a
from orgchange.domain.records import UnitVersion, end, in_effect, last_day, life, revise, version_on
from orgchange.domain.register import Register
from orgchange.domain.timeline import Timeline, first_difference, fold
from tests.builders import base_organisation, change, record, refused, register

AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LATER = [
    change("rename_unit", id="r1", effective="2014-01-01", unit="va", name="VA 2014"),
    change("move_unit", id="m1", effective="2015-01-01", unit="va", parent="kfv"),
    change("rename_unit", id="r2", effective="2013-01-01", unit="va", name="VA 2013"),
    change(
        "establish_unit", id="e1", effective="2013-06-01", unit="ny", name="Ny", kind="unit", parent="slk"
    ),
    change("dissolve_unit", id="d1", effective="2016-01-01", unit="ny"),
]


def shape(tl: Timeline) -> tuple:
    """What a timeline says, without which change wrote which version (that follows recording)."""
    return (
        {k: [(v.valid_from, v.valid_to, v.name, v.kind, v.parent) for v in vs] for k, vs in tl.units.items()},
        {k: [(v.valid_from, v.valid_to, v.unit) for v in vs] for k, vs in tl.positions.items()},
        {k: sorted(vs) for k, vs in tl.children.items()},
        {k: sorted(vs) for k, vs in tl.staff.items()},
    )


def version(start: str, stop: str | None = None, name: str = "A") -> UnitVersion:
    return UnitVersion(
        date.fromisoformat(start), date.fromisoformat(stop) if stop else None, name, "unit", "p", None, "c"
    )


# --- versions: half-open intervals of days ----------------------------------------------------------


def test_a_version_holds_from_its_first_day_up_to_but_not_on_its_end():
    v = version("2014-01-01", "2015-01-01")
    assert not in_effect(v, date(2013, 12, 31))
    assert in_effect(v, date(2014, 1, 1)) and in_effect(v, date(2014, 12, 31))
    assert not in_effect(v, date(2015, 1, 1))
    assert last_day(v.valid_to) == date(2014, 12, 31)
    assert in_effect(version("2014-01-01"), date(9998, 12, 31))


def test_a_revision_closes_the_current_version_and_a_same_day_one_replaces_it():
    versions = (version("2014-01-01"),)
    revised = revise(versions, date(2015, 1, 1), "r", name="B")
    assert [(v.valid_from, v.valid_to, v.name, v.change_id) for v in revised] == [
        (date(2014, 1, 1), date(2015, 1, 1), "A", "c"),
        (date(2015, 1, 1), None, "B", "r"),
    ]
    again = revise(revised, date(2015, 1, 1), "r2", name="C")
    assert [(v.name, v.change_id) for v in again] == [("A", "c"), ("C", "r2")]
    assert version_on(again, date(2014, 6, 1)).name == "A" and version_on(again, date(2015, 6, 1)).name == "C"
    assert version_on(again, date(2013, 1, 1)) is None


def test_an_ended_thing_is_in_effect_no_more_and_says_what_ended_it():
    ended = end((version("2014-01-01"),), date(2016, 1, 1), "d")
    assert (ended[-1].valid_to, ended[-1].ended_by) == (date(2016, 1, 1), "d")
    assert version_on(ended, date(2016, 1, 1)) is None
    assert life(ended) == (date(2014, 1, 1), date(2016, 1, 1))


# --- the fold ---------------------------------------------------------------------------------------


def test_the_fold_of_changes_recorded_out_of_order_is_the_fold_of_them_in_order_of_effect():
    recorded = register(base_organisation(), *LATER)
    in_order = fold([*base_organisation(), *sorted(LATER, key=lambda c: c.effective)])
    assert shape(recorded.timeline) == shape(in_order)
    assert recorded.timeline.unit_on("va", date(2013, 6, 1)).name == "VA 2013"


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_changes_on_different_days_fold_to_the_same_timeline_in_any_recording_order(order):
    one_by_one = register(base_organisation())
    for index in order:
        record(one_by_one, LATER[index])
    assert shape(one_by_one.timeline) == shape(register(base_organisation(), *LATER[:3]).timeline)


def test_a_file_recorded_at_once_folds_like_its_changes_one_at_a_time():
    at_once = register(base_organisation(), *LATER)
    one_by_one = register(base_organisation())
    for entry in LATER:
        record(one_by_one, entry)
    assert shape(at_once.timeline) == shape(one_by_one.timeline)


def test_the_timeline_rewound_to_a_day_is_the_fold_of_the_changes_before_it():
    tl = register(base_organisation(), *LATER).timeline
    day = date(2014, 6, 1)
    before = [
        c for c in [*base_organisation(), *sorted(LATER, key=lambda c: c.effective)] if c.effective < day
    ]
    assert shape(tl.rewound(day)) == shape(fold(before))


def test_a_cancellation_withdraws_the_change_and_refolds_what_came_after():
    org = register(base_organisation(), *LATER)
    record(org, change("cancel_change", change="r2", reason="fel"))
    without = register(base_organisation(), *[c for c in LATER if c.id != "r2"])
    assert shape(org.timeline) == shape(without.timeline)


class _NotReadWhole(list):
    """The entries of a timeline that refuse to be read from first to last."""

    def __iter__(self):
        raise AssertionError("every entry of the register was read")


@pytest.mark.parametrize(
    "undoing",
    [
        change("cancel_change", change="r2", reason="fel"),
        change(
            "correct_change",
            id="k2",
            change="r2",
            replacement=change("rename_unit", id="r2b", effective="2013-01-01", unit="va", name="VA 13"),
        ),
    ],
    ids=["cancellation", "correction"],
)
def test_a_cancelled_or_corrected_change_is_found_among_its_days_entries_not_by_reading_them_all(undoing):
    org = register(base_organisation(), *LATER)
    expected = copy.deepcopy(org)
    record(expected, undoing)
    working = copy.deepcopy(org)
    working.timeline.entries = _NotReadWhole(working.timeline.entries)
    working.record([undoing], "test", AT)
    assert shape(working.timeline) == shape(expected.timeline)


def test_the_name_of_a_unit_on_a_day_is_its_last_name_once_it_has_ended():
    tl = register(base_organisation(), *LATER).timeline
    assert tl.name_of("ny", date(2015, 6, 1)) == "Ny" and tl.name_of("ny", date(2017, 1, 1)) == "Ny"
    assert tl.name_of("okand", date(2017, 1, 1)) == "okand"


def test_the_indexes_follow_the_head_of_the_fold():
    tl = register(base_organisation(), *LATER).timeline
    assert "va" in tl.children["kfv"] and "va" not in tl.children["slk"]
    assert "ny" not in tl.children.get("slk", frozenset())
    assert tl.staff["va"] == {"va-chef"}
    assert list(tl.ancestors("va"))[:3] == ["kfv", "slk", "ks"]


# --- the calendar, days and keys ----------------------------------------------------------------------


def test_the_register_keeps_days_from_the_year_1000_to_9998():
    assert within_calendar(FIRST_DAY) == FIRST_DAY and within_calendar(LAST_DAY) == LAST_DAY
    for outside in (date(999, 12, 31), date(9999, 1, 1)):
        with pytest.raises(ValueError, match="must be between 1000-01-01 and 9998-12-31"):
            within_calendar(outside)


@pytest.mark.parametrize(
    "effective, accepted",
    [
        ("2017-03-01", True),
        (date(2017, 3, 1), True),
        ("2017-02-29", False),  # no such day
        ("2017-3-1", False),  # not written YYYY-MM-DD
        ("0999-12-31", False),  # outside the calendar
        (1488326400, False),  # a Unix timestamp is not a day
        (datetime(2017, 3, 1, 12, 0), False),  # nor is an instant
    ],
)
def test_a_change_takes_a_day_of_the_calendar_written_yyyy_mm_dd_and_nothing_looser(effective, accepted):
    entry = {"type": "rename_unit", "effective": effective, "unit": "va", "name": "VA"}
    if accepted:
        assert change_adapter.validate_python(entry).effective == date(2017, 3, 1)
    else:
        with pytest.raises(ValidationError):
            change_adapter.validate_python(entry)


@pytest.mark.parametrize(
    "key, accepted", [("va-chef", True), ("k2", True), ("VA", False), ("-va", False), ("v a", False)]
)
def test_a_key_is_lower_case_letters_digits_and_hyphens(key, accepted):
    entry = {"type": "rename_unit", "effective": "2017-03-01", "unit": key, "name": "VA"}
    if accepted:
        assert change_adapter.validate_python(entry).unit == key
    else:
        with pytest.raises(ValidationError):
            change_adapter.validate_python(entry)


def test_a_change_must_change_something():
    org = register(base_organisation())
    rejection = refused(
        org, change("rename_unit", effective="2014-01-01", unit="va", name="Vatten och avfall")
    )
    assert rejection.rule == "no-change"


def test_a_kind_is_written_with_its_article():
    assert (a("office"), a("area"), a("board"), a("unit")) == ("an office", "an area", "a board", "a unit")


# --- what a command leaves for the read models' writer (`Dirty.since`) ----------------------------


def renamed_many_times(times: int = 40) -> Register:
    org = register(base_organisation())
    for year in range(times):
        record(org, change("rename_unit", effective=f"{2013 + year}-01-01", unit="va", name=f"VA {year}"))
    return org


def test_a_change_at_the_head_of_a_long_history_leaves_its_own_day_to_write():
    org = renamed_many_times()
    record(org, change("rename_unit", effective="2060-06-01", unit="va", name="VA sist"))
    tl = org.timeline
    dirty = tl.take_dirty()
    assert dirty.units == {"va"}
    # the version that ends on the day and the one that begins on it: nothing earlier
    assert dirty.since("units", tl.units) == {"va": date(2052, 1, 1)}
    assert dirty.lives("units", tl.units) == set()


def test_a_retroactive_change_leaves_the_first_day_it_changes():
    org = renamed_many_times()
    record(org, change("rename_unit", effective="2020-06-01", unit="va", name="VA mitt i"))
    dirty = org.timeline.take_dirty()
    assert dirty.since("units", org.timeline.units)["va"] == date(2020, 1, 1)


def test_an_end_or_a_new_beginning_is_a_change_of_life():
    org = renamed_many_times()
    record(org, change("dissolve_unit", effective="2060-06-01", unit="va"))
    assert org.timeline.take_dirty().lives("units", org.timeline.units) == {"va"}
    record(
        org, change("establish_unit", effective="2061-01-01", unit="ny", name="Ny", kind="unit", parent="slk")
    )
    dirty, units = org.timeline.take_dirty(), org.timeline.units
    assert dirty.since("units", units) == {"ny": date(2061, 1, 1)} and dirty.lives("units", units) == {"ny"}


def test_the_first_difference_of_two_histories_is_the_first_day_either_changes():
    org = renamed_many_times(5)
    versions = org.timeline.units["va"]
    same = tuple(replace(v) for v in versions)  # equal, not the same objects
    assert first_difference(versions, versions) is None
    assert first_difference(versions, same) is None
    assert first_difference(versions, versions[:3]) == versions[3].valid_from
    assert first_difference(versions[:3], versions) == versions[3].valid_from
    renamed = versions[:2] + (replace(versions[2], name="Annat"),) + versions[3:]
    assert first_difference(versions, renamed) == versions[2].valid_from
    assert first_difference((), versions) == versions[0].valid_from


def test_a_command_rolled_back_leaves_the_days_to_write_as_they_were():
    org = renamed_many_times(3)
    org.timeline.take_dirty()
    record(org, change("rename_unit", effective="2030-01-01", unit="va", name="VA 2030"))
    point = org.begin()
    try:
        org.record([change("rename_unit", effective="2014-06-01", unit="va", name="VA bakåt")], "test", AT)
        assert org.timeline.dirty.since("units", org.timeline.units)["va"] == date(2014, 1, 1)
        org.rollback_to(point)
    finally:
        org.end()
    dirty, units = org.timeline.take_dirty(), org.timeline.units
    assert dirty.since("units", units) == {"va": date(2015, 1, 1)} and dirty.lives("units", units) == set()


def test_versions_that_went_back_to_what_they_were_leave_nothing_to_write():
    org = renamed_many_times(3)
    org.timeline.take_dirty()
    held = org.timeline.units["va"]
    org.timeline.set_unit("va", held[:-1])
    org.timeline.set_unit("va", held)
    dirty = org.timeline.take_dirty()
    assert dirty.units == {"va"} and dirty.since("units", org.timeline.units) == {"va": date.max}
