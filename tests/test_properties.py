"""Property-based tests: random valid change sequences (tests/strategies.py).

a. the rules of the register hold on every day of every generated timeline;
b. a rebuild of the read models equals the read models written incrementally;
c. export, then import into an empty database, gives the same answers;
d. a rejected file changes nothing.

Shrinking is off by default: a failing sequence of changes takes hypothesis
minutes to shrink, which would stall everyone's test run. Set
ORGCHANGE_HYPOTHESIS_SHRINK=1 to shrink a failure to a minimal example. The
minimal examples of the bugs found so far are pinned below
(`test_rules_hold_after_reorganisations_that_broke_them`).
ORGCHANGE_HYPOTHESIS_SCALE=10 runs ten times as many examples (a deeper search).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from orgchange.application import OrgChange
from orgchange.application.changefile import dump_change_file, parse_change_file
from orgchange.application.export import export_entries
from orgchange.domain.changes import (
    CancelChange,
    Change,
    CorrectChange,
    DissolveUnit,
    EstablishPosition,
    EstablishUnit,
    GrantDelegation,
    MergeUnits,
    MoveUnit,
    Packed,
    RenameUnit,
    SplitUnit,
    Successor,
)
from orgchange.domain.errors import ChangeRejected
from orgchange.domain.register import Register
from orgchange.domain.timeline import Timeline
from projections import tables
from tests.strategies import GENERATED_AT, cut_points, record_all, split, valid_changes

SHRINK = os.environ.get("ORGCHANGE_HYPOTHESIS_SHRINK", "") == "1"
PHASES = tuple(p for p in Phase if SHRINK or p not in (Phase.shrink, Phase.explain))
SCALE = float(os.environ.get("ORGCHANGE_HYPOTHESIS_SCALE", "1"))


def examples(count: int) -> settings:
    return settings(
        max_examples=max(1, round(count * SCALE)),
        deadline=None,
        phases=PHASES,
        suppress_health_check=[HealthCheck.too_slow],
    )


DB_SETTINGS = examples(40)


# --- helpers -------------------------------------------------------------------------------


def boundary_days(timeline: Timeline) -> list[date]:
    """Every day on which something starts or ends, and the day before it."""
    days: set[date] = set()
    for store in (timeline.units, timeline.positions, timeline.delegations):
        for versions in store.values():
            for version in versions:
                for day in (version.valid_from, version.valid_to):
                    if day is not None:
                        days.update((day, day - timedelta(days=1)))
    return sorted(days)


def snapshot(app: OrgChange) -> dict[str, list[tuple]]:
    """Every read-model table as a sorted list of rows, without the autoincrement `row_id`."""
    found: dict[str, list[tuple]] = {}
    with app.engine.connect() as connection:
        for table in tables.READ_MODEL_TABLES:
            columns = [c for c in table.columns if c.name != "row_id"]
            rows = connection.execute(select(*columns)).all()
            found[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return found


@contextmanager
def fresh_app() -> Iterator[OrgChange]:
    """An application on a new, empty SQLite file (one per hypothesis example)."""
    with tempfile.TemporaryDirectory() as directory:
        application = OrgChange(f"sqlite:///{Path(directory) / 'orgchange.db'}")
        try:
            yield application
        finally:
            application.close()
            application.engine.dispose()


def wipe_read_models(app: OrgChange) -> None:
    """Empty the read models, so that only a rebuild from the events can bring them back."""
    with app.engine.begin() as connection:
        for table in reversed(tables.READ_MODEL_TABLES):
            connection.execute(delete(table))
    assert not any(snapshot(app).values())


def record_in_files(app: OrgChange, files: Iterable[list[Change]]) -> None:
    for changes in files:
        app.record_changes(changes, "hypothesis")


def assert_rules_hold(timeline: Timeline) -> None:
    """The hard rules of docs/domain.md, checked on every boundary day of the timeline."""
    for key, versions in timeline.units.items():
        assert_contiguous(f"unit {key}", versions)
    for key, versions in timeline.positions.items():
        assert_contiguous(f"position {key}", versions)
    for key, versions in timeline.delegations.items():
        assert_contiguous(f"delegation {key}", versions)

    for day in boundary_days(timeline):
        org = timeline.organisation_on(day)
        for key, unit in org.items():
            where = f"on {day}, unit '{key}' ({unit.kind})"
            if unit.kind == "council":
                assert unit.parent is None and unit.owner is None, f"{where} has a parent/owner"
            elif unit.kind == "company":
                assert unit.parent is None, f"{where} has a parent"
                assert unit.owner is not None, f"{where} has no owner"
                assert unit.owner in org, f"{where}: owner '{unit.owner}' is not in effect"
                assert org[unit.owner].kind in ("council", "board", "company"), (
                    f"{where}: owner '{unit.owner}' is a {org[unit.owner].kind}"
                )
            else:
                assert unit.owner is None, f"{where} has an owner"
                assert unit.parent is not None, f"{where} has no parent"
                assert unit.parent in org, f"{where}: parent '{unit.parent}' is not in effect"
                if unit.kind == "committee":
                    assert org[unit.parent].kind == "board", (
                        f"{where}: a committee under '{unit.parent}', a {org[unit.parent].kind}"
                    )
            # No cycle through parent/owner links.
            seen = [key]
            above = unit.parent or unit.owner
            while above is not None and above in org:
                assert above not in seen, f"on {day}: cycle {' -> '.join([*seen, above])}"
                seen.append(above)
                above = org[above].parent or org[above].owner

        for key in timeline.positions:
            position = timeline.position_on(key, day)
            if position is not None:
                assert position.unit in org, (
                    f"on {day}, position '{key}' lies in '{position.unit}', which is not in effect"
                )

        for key in timeline.delegations:
            delegation = timeline.delegation_on(key, day)
            if delegation is None:
                continue
            board = org.get(delegation.board)
            assert board is not None and board.kind == "board", (
                f"on {day}, delegation '{key}' is granted by '{delegation.board}', "
                f"which is {'not in effect' if board is None else 'a ' + board.kind}"
            )
            delegate = org.get(delegation.to)
            if delegate is not None:  # a unit: only a committee of the delegating board
                assert delegate.kind == "committee" and delegate.parent == delegation.board, (
                    f"on {day}, delegation '{key}' of '{delegation.board}' is held by "
                    f"'{delegation.to}', a {delegate.kind} under '{delegate.parent}'"
                )
            if delegation.parent is not None:
                assert timeline.delegation_on(delegation.parent, day) is not None, (
                    f"on {day}, vidaredelegation '{key}' is in effect but its parent "
                    f"'{delegation.parent}' is not"
                )


def assert_contiguous(what: str, versions: tuple) -> None:
    assert versions, f"{what} has no versions"
    for earlier, later in zip(versions, versions[1:], strict=False):
        assert earlier.valid_to is not None, f"{what}: an open version is followed by another"
        assert earlier.valid_from < earlier.valid_to, f"{what}: empty or reversed {earlier}"
        assert earlier.valid_to == later.valid_from, f"{what}: gap or overlap at {earlier.valid_to}"
    last = versions[-1]
    assert last.valid_to is None or last.valid_from <= last.valid_to, f"{what}: reversed {last}"


# --- a. the rules hold on every day --------------------------------------------------------


@examples(200)
@given(changes=valid_changes())
def test_rules_hold_on_every_day(changes: list[Change]) -> None:
    register = record_all(changes)
    assert_rules_hold(register.timeline)


D0, D1 = date(2010, 1, 1), date(2011, 1, 1)
BASE: list[Change] = [
    EstablishUnit(id="c1", effective=D0, unit="kf", name="Kommunfullmäktige", kind="council"),
    EstablishUnit(id="c2", effective=D0, unit="ks", name="Kommunstyrelsen", kind="board", parent="kf"),
]
BROKE_THE_RULES: dict[str, list[Change]] = {
    # merge_units into an existing board with a new `kind` keeps the board's delegations.
    "merge-kind-keeps-delegations": [
        EstablishPosition(id="c3", effective=D0, position="p1", title="Chef", unit="kf"),
        EstablishUnit(id="c4", effective=D0, unit="u", name="U", kind="unit", parent="kf"),
        GrantDelegation(id="c5", effective=D0, delegation="d1", from_="ks", to="p1", matter="M"),
        MergeUnits(id="c6", effective=D1, units=["ks", "u"], into="ks", kind="office"),
    ],
    # ... and its companies and committees, which reclassify_unit refuses.
    "merge-kind-keeps-company-and-committee": [
        EstablishUnit(id="c3", effective=D0, unit="bolag", name="AB", kind="company", owner="ks"),
        EstablishUnit(id="c4", effective=D0, unit="au", name="AU", kind="committee", parent="ks"),
        EstablishUnit(id="c5", effective=D0, unit="u", name="U", kind="unit", parent="kf"),
        MergeUnits(id="c6", effective=D1, units=["ks", "u"], into="ks", kind="office"),
    ],
    # split_unit: a successor placed under a child of the split unit that moves under it.
    "split-successor-under-own-child": [
        EstablishUnit(id="c3", effective=D0, unit="a", name="A", kind="office", parent="ks"),
        EstablishUnit(id="c4", effective=D0, unit="b", name="B", kind="unit", parent="a"),
        SplitUnit(
            id="c5",
            effective=D1,
            unit="a",
            into=[Successor(unit="a1", name="A1", parent="b"), Successor(unit="a2", name="A2")],
            children={"b": "a1"},
        ),
    ],
    # merge_units into a new unit whose parent is a child of a merged unit.
    "merge-new-unit-under-adopted-child": [
        EstablishUnit(id="c3", effective=D0, unit="a", name="A", kind="office", parent="ks"),
        EstablishUnit(id="c4", effective=D0, unit="b", name="B", kind="office", parent="ks"),
        EstablishUnit(id="c5", effective=D0, unit="x", name="X", kind="unit", parent="a"),
        MergeUnits(id="c6", effective=D1, units=["a", "b"], into="ab", name="AB", kind="office", parent="x"),
    ],
    # merge_units into an absorber whose new parent is a child of the other merged unit.
    "merge-absorber-under-adopted-child": [
        EstablishUnit(id="c3", effective=D0, unit="a", name="A", kind="office", parent="ks"),
        EstablishUnit(id="c4", effective=D0, unit="b", name="B", kind="office", parent="ks"),
        EstablishUnit(id="c5", effective=D0, unit="x", name="X", kind="unit", parent="b"),
        MergeUnits(id="c6", effective=D1, units=["a", "b"], into="a", parent="x"),
    ],
}


@pytest.mark.parametrize("case", sorted(BROKE_THE_RULES))
def test_rules_hold_after_reorganisations_that_broke_them(case: str) -> None:
    """Minimal examples found by the property above: the register must refuse the last
    change or keep every rule; it did neither."""
    try:
        register = record_all([*BASE, *BROKE_THE_RULES[case]])
    except ChangeRejected:
        return
    assert_rules_hold(register.timeline)


@examples(100)
@given(changes=valid_changes())
def test_a_fresh_fold_equals_the_incremental_one(changes: list[Change]) -> None:
    """Re-folding the surviving changes from scratch gives the same versions."""
    register = record_all(changes)
    incremental = register.timeline
    cancelled = {c.change for c in changes if isinstance(c, CancelChange | CorrectChange)}
    # A correction's replacement takes its place among same-day changes by the correction's seq.
    dated = [(seq, c.replacement if isinstance(c, CorrectChange) else c) for seq, c in enumerate(changes)]
    survivors = [(seq, c) for seq, c in dated if hasattr(c, "effective") and c.id not in cancelled]
    fresh = Timeline()
    for seq, change in sorted(survivors, key=lambda sc: (sc[1].effective, sc[0])):
        fresh.apply(change, seq)
    assert fresh.units == incremental.units
    assert fresh.positions == incremental.positions
    assert fresh.delegations == incremental.delegations
    assert fresh.predecessors == incremental.predecessors
    for index in Timeline._INDEXES:
        assert getattr(fresh, index) == getattr(incremental, index), index
    assert_last_days_follow_the_versions(incremental)


def assert_last_days_follow_the_versions(timeline: Timeline) -> None:
    """Each key's last day is the last day its versions begin or end on, and only keys with
    versions have one: what `rewound` trusts to leave every other key as it is."""
    for name in ("units", "positions", "delegations"):
        expected = {key: v[-1].valid_to or v[-1].valid_from for key, v in getattr(timeline, name).items()}
        assert timeline.last_days[name] == expected, name


@examples(100)
@given(changes=valid_changes())
def test_a_change_held_packed_is_made_again_as_it_was(changes: list[Change]) -> None:
    """A register read from a snapshot holds its changes packed (`Packed`, their canonical JSON):
    each is made again equal to the change recorded, with the same fields given, its own and
    its decision's, so that it re-folds, compares and is written out as the change itself."""
    for change in changes:
        again = Packed.of(change).unpack()
        assert again == change
        # (`type` is given to a change read from a file or from JSON, maybe not to one made in
        # code; nothing reads it among the fields given)
        assert again.model_fields_set - {"type"} == change.model_fields_set - {"type"}
        assert again.canonical() == change.canonical()
        if change.decision is not None:
            assert again.decision is not None
            assert again.decision.model_fields_set == change.decision.model_fields_set


@examples(100)
@given(changes=valid_changes())
def test_one_file_equals_one_change_at_a_time(changes: list[Change]) -> None:
    """A file is folded with its re-folds deferred to the end; one change at a time re-folds
    at each retroactive change. Both give the same timeline, and the keys to write to the
    read models (`dirty`) cover everything the file brought."""
    as_file = record_all(changes)
    one_by_one = Register.start()
    for change in changes:
        one_by_one.record([change], "hypothesis", GENERATED_AT)
    timeline = as_file.timeline
    for name in ("units", "positions", "delegations", "predecessors", "entries", *Timeline._INDEXES):
        assert getattr(timeline, name) == getattr(one_by_one.timeline, name), name
    assert as_file.log == one_by_one.log
    assert_last_days_follow_the_versions(one_by_one.timeline)
    dirty = timeline.take_dirty()
    assert set(timeline.units) <= dirty.units
    assert set(timeline.positions) <= dirty.positions
    assert set(timeline.delegations) <= dirty.delegations
    assert set(timeline.predecessors) <= dirty.links


@examples(50)
@given(changes=valid_changes(max_changes=25), cut=st.integers(0, 25))
def test_a_timeline_rewound_to_a_day_equals_the_fold_of_the_changes_before_it(
    changes: list[Change], cut: int
) -> None:
    timeline = record_all(changes).timeline
    if not timeline.entries:
        return
    day = timeline.entries[min(cut, len(timeline.entries) - 1)][0]
    before = Timeline()
    for day_, seq, change in timeline.entries:
        if day_ < day:
            before.apply(change, seq)
    rewound = timeline.rewound(day)
    for name in ("units", "positions", "delegations", "predecessors", "entries", *Timeline._INDEXES):
        assert getattr(rewound, name) == getattr(before, name), name
    assert_last_days_follow_the_versions(rewound)


# --- b. replay equals incremental ------------------------------------------------------------


@DB_SETTINGS
@given(data=st.data(), changes=valid_changes(max_changes=30))
def test_rebuild_equals_incremental_read_models(data: st.DataObject, changes: list[Change]) -> None:
    files = split(changes, data.draw(cut_points(len(changes))))
    assert len(files) >= 2
    with fresh_app() as app:
        record_in_files(app, files)
        incremental = snapshot(app)
        wipe_read_models(app)
        assert app.rebuild() == app.event_count()
        assert snapshot(app) == incremental


def test_rebuild_equals_incremental_on_every_database(database_url: str, sample_file) -> None:
    """A fixed example (the Nacka sample in three files), on SQLite and PostgreSQL."""
    changes = sample_file.changes
    third = len(changes) // 3
    app = OrgChange(database_url)
    try:
        record_in_files(app, split(changes, [third, 2 * third]))
        incremental = snapshot(app)
        assert incremental["unit_versions"] and incremental["change_log"]
        wipe_read_models(app)
        assert app.rebuild() == app.event_count()
        assert snapshot(app) == incremental
    finally:
        app.close()
        app.engine.dispose()


# --- c. export then import -----------------------------------------------------------------


def answers(app: OrgChange, days: list[date], timeline: Timeline) -> dict[str, Any]:
    """What the read models answer about the keys of `timeline`, on each of `days`.

    Recording instants are left out: an import records the same changes anew.
    """
    model = app.read_model
    page = model.changes(first=10_000)
    assert not page.has_next
    units = sorted(timeline.units)
    predecessors, successors = model.links(units)
    return {
        "organisation": {day: model.organisation(day) for day in days},
        "positions": {day: dict(model.positions(None, day)) for day in days},
        "delegations": {day: model.delegations.delegations(day) for day in days},
        "gaps": {day: model.delegations.gaps(day) for day in days},
        "history": {unit: model.unit_history(unit) for unit in units},
        "delegation history": {key: model.delegations.history(key) for key in sorted(timeline.delegations)},
        "links": {"predecessors": dict(predecessors), "successors": dict(successors)},
        # Reports are kept per board key; a unit that never was a board has none.
        "reports": {
            board: [
                (r.board, r.meeting, r.change_ids, r.reference, r.noted_paragraph, r.noted_at is not None)
                for r in model.reports.reports(board)
            ]
            for board in units
        },
        "changes": [(c.id, c.type, c.effective, c.cancelled) for c in page.rows],
    }


def test_export_then_import_gives_the_same_answers() -> None:
    """Every answer compared, and the generated registers do have delegations, gaps,
    predecessor links and reports to compare: counted over the examples run."""
    seen: Counter[str] = Counter()

    @DB_SETTINGS
    @given(data=st.data(), changes=valid_changes(max_changes=30))
    def export_then_import(data: st.DataObject, changes: list[Change]) -> None:
        cuts = data.draw(cut_points(len(changes)))
        with fresh_app() as original:
            record_in_files(original, split(changes, cuts))
            timeline = original.register().timeline
            days = boundary_days(timeline)
            expected = answers(original, days, timeline)
            entries, organisation = export_entries(original)
        text = dump_change_file(entries, organisation)
        imported_file = parse_change_file(text, "export.yaml")
        with fresh_app() as imported:
            imported.record_changes(imported_file.changes, "import", imported_file.organisation)
            assert answers(imported, days, timeline) == expected
        seen["examples"] += 1
        for name in ("delegations", "gaps"):
            seen[name] += any(expected[name].values())
        seen["links"] += bool(expected["links"]["successors"])
        seen["reports"] += any(expected["reports"].values())

    export_then_import()
    assert seen["delegations"] >= seen["examples"] / 5, seen
    assert seen["gaps"] and seen["links"] and seen["reports"], seen


# --- d. a rejected file changes nothing -------------------------------------------------------


def _invalid_last_change(kind: str, day: date, timeline: Timeline) -> Change:
    existing = sorted(timeline.units)
    if kind == "reused-key" and existing:
        # A key once used names its unit forever (rule 1).
        return EstablishUnit(id="bad", effective=day, unit=existing[0], name="Igen", kind="council")
    if kind == "unit-under-itself" and existing:
        return MoveUnit(id="bad", effective=day, unit=existing[-1], parent=existing[-1])
    if kind == "cancel-unknown":
        return CancelChange(id="bad", change="no-such-change", reason="Finns inte")
    if kind == "too-early" and existing:
        # Before the register began nothing is in effect (a retroactive change).
        return DissolveUnit(id="bad", effective=date(2000, 1, 1), unit=existing[0])
    return RenameUnit(id="bad", effective=day, unit="never-existed", name="Spökenheten")


@DB_SETTINGS
@given(
    changes=valid_changes(max_changes=25),
    kind=st.sampled_from(["unknown-unit", "reused-key", "unit-under-itself", "cancel-unknown", "too-early"]),
    prefix=st.integers(0, 2),
)
def test_a_rejected_file_changes_nothing(changes: list[Change], kind: str, prefix: int) -> None:
    with fresh_app() as app:
        app.record_changes(changes, "hypothesis")
        before = snapshot(app)
        events = app.event_count()
        log = dict(app.register().log)
        timeline = app.register().timeline
        head = timeline.head or date(2010, 1, 1)
        in_effect = sorted(timeline.organisation_on(head))
        valid: list[Change] = [
            EstablishPosition(
                id=f"ok-{i}",
                effective=head,
                position=f"extra-{i}",
                title="Handläggare",
                unit=in_effect[0],
            )
            for i in range(prefix if in_effect else 0)
        ]
        bad_file = [*valid, _invalid_last_change(kind, head, timeline)]
        with pytest.raises(ChangeRejected) as rejected:
            app.record_changes(bad_file, "hypothesis")
        assert rejected.value.index == len(bad_file)
        assert rejected.value.change_id == "bad"
        assert app.event_count() == events
        assert snapshot(app) == before
        assert app.register().log == log
        assert app.read_model.last_event_id() == app.last_event_id()
