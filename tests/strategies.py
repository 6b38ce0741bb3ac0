"""Hypothesis strategies: random but valid sequences of changes (`orgchange/v1`).

A sequence starts with a council (`kf`) and its executive board (`ks`) and then
grows one change at a time. Each candidate is built from the organisation as it
stands on the candidate's effective date and is kept only if the register
accepts it (`Register.record` on a working copy), so every generated sequence is
valid by construction — including retroactive changes, same-day changes and
cancellations, which are only kept when the whole timeline stays consistent.

The strategy yields a list of pydantic change objects, each with a client id
(`c1`, `c2`, …); `as_entries` turns them into change-file entries.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from orgchange.domain.changes import (
    AbolishPosition,
    AmendDelegation,
    CancelChange,
    Change,
    CorrectChange,
    DatedChange,
    Decision,
    DissolveUnit,
    EstablishPosition,
    EstablishUnit,
    GrantDelegation,
    MergeUnits,
    MovePosition,
    MoveUnit,
    NoteReport,
    ReclassifyUnit,
    RenameUnit,
    ReportChanges,
    RevokeDelegation,
    SpinOffUnit,
    SplitUnit,
    Subdelegate,
    Successor,
)
from orgchange.domain.errors import ChangeRejected
from orgchange.domain.records import DelegationVersion, PositionVersion, UnitVersion
from orgchange.domain.register import Register
from orgchange.domain.timeline import Timeline

START = date(2010, 1, 1)
GENERATED_AT = datetime(2020, 1, 1, tzinfo=UTC)

UNIT_NAMES = (
    "Socialnämnden",
    "Utbildningsnämnden",
    "Stadsledningskontoret",
    "Välfärdsområdet",
    "Territorieområdet",
    "Välfärd skola",
    "Välfärd samhällsservice",
    "Kultur och fritid",
    "Vatten och avfall",
    "Ekonomienheten",
    "Personalenheten",
    "Arbetsutskottet",
    "Stadsdirektörens ledningsgrupp",
    "Miljöenheten",
)
COMPANY_NAMES = ("Nacka vatten och avfall AB", "Stadshus AB", "Bostads AB", "Energi AB")
TITLES = ("Stadsdirektör", "Förvaltningschef", "Enhetschef", "Stadsjurist", "Handläggare", "Ordförande")
MATTERS = (
    "Anställning av personal",
    "Beslut om bistånd",
    "Upphandling under 1 mnkr",
    "Yttranden i brådskande ärenden",
    "Tillstånd enligt alkohollagen",
)
LIMITS = ("högst 1 mnkr", "högst 5 prisbasbelopp", "inom budget")
DESCENDABLE = ("board", "committee", "office", "area", "unit", "unit", "group")
ADMIN_KINDS = ("office", "area", "unit", "group", "committee", "board")


@dataclass(frozen=True)
class State:
    """What is in effect on one day: the basis for the next candidate change."""

    units: dict[str, UnitVersion]
    positions: dict[str, PositionVersion]
    delegations: dict[str, DelegationVersion]

    def of_kind(self, *kinds: str) -> list[str]:
        return sorted(k for k, v in self.units.items() if v.kind in kinds)

    def not_of_kind(self, *kinds: str) -> list[str]:
        return sorted(k for k, v in self.units.items() if v.kind not in kinds)

    def dependants(self, unit: str) -> list[str]:
        return sorted(k for k, v in self.units.items() if unit in (v.parent, v.owner))

    def staff(self, unit: str) -> list[str]:
        return sorted(k for k, v in self.positions.items() if v.unit == unit)

    def committees_of(self, board: str) -> list[str]:
        return sorted(k for k, v in self.units.items() if v.kind == "committee" and v.parent == board)

    def delegates(self) -> set[str]:
        """The posts and committees that hold a delegation on the day."""
        return {v.to for v in self.delegations.values()}


def state_on(timeline: Timeline, day: date) -> State:
    positions = {k: timeline.position_on(k, day) for k in timeline.positions}
    delegations = {k: timeline.delegation_on(k, day) for k in timeline.delegations}
    return State(
        units=timeline.organisation_on(day),
        positions={k: v for k, v in positions.items() if v is not None},
        delegations={k: v for k, v in delegations.items() if v is not None},
    )


def as_entries(changes: list[Change]) -> list[dict[str, Any]]:
    """The changes as `orgchange/v1` change-file entries."""
    return [change.canonical() for change in changes]


def record_all(changes: list[Change]) -> Register:
    """A fresh register with the changes recorded (raises `ChangeRejected` if one is invalid)."""
    register = Register.start()
    register.record(changes, "hypothesis", GENERATED_AT)
    return register


# --- drawing helpers -----------------------------------------------------------------

Draw = Callable[[st.SearchStrategy[Any]], Any]


def _pick(draw: Draw, options: list[str] | tuple[str, ...]) -> str | None:
    return draw(st.sampled_from(sorted(options))) if options else None


def _decision(draw: Draw, day: date) -> Decision | None:
    if not draw(st.booleans()):
        return None
    return Decision(
        body=draw(st.sampled_from(("kf", "ks"))),
        date=day - timedelta(days=draw(st.integers(0, 60))),
        paragraph=f"§ {draw(st.integers(1, 400))}",
        reference=draw(st.none() | st.just(f"KFKS {day.year}/{day.toordinal() % 997}")),
    )


class _Keys:
    """Fresh keys; a key is never reused (docs/domain.md, rule 1), so a counter is enough."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"


# --- candidate builders: one per change type ------------------------------------------------
# Each returns a candidate built from `s` (the state on `day`), or None if none fits.


def _establish_unit(draw: Draw, s: State, day: date, key: _Keys, common: dict) -> Change | None:
    kind = draw(st.sampled_from(("unit", "office", "area", "board", "committee", "group", "company")))
    name = draw(st.sampled_from(COMPANY_NAMES if kind == "company" else UNIT_NAMES))
    if kind == "company":
        owner = _pick(draw, s.of_kind("council", "board", "company"))
        if owner is None:
            return None
        return EstablishUnit(unit=key("u"), name=name, kind=kind, owner=owner, **common)
    if kind == "committee":
        parents = s.of_kind("board")
    elif kind == "board":
        parents = s.of_kind("council", "board")
    else:
        parents = s.not_of_kind("company") if draw(st.integers(0, 9)) else list(s.units)
    parent = _pick(draw, parents)
    if parent is None:
        return None
    return EstablishUnit(unit=key("u"), name=name, kind=kind, parent=parent, **common)


def _rename_unit(draw: Draw, s: State, day: date, key: _Keys, common: dict) -> Change | None:
    unit = _pick(draw, list(s.units))
    if unit is None:
        return None
    names = COMPANY_NAMES if s.units[unit].kind == "company" else UNIT_NAMES
    return RenameUnit(unit=unit, name=draw(st.sampled_from(names)), **common)


def _reclassify_unit(draw: Draw, s: State, day: date, key: _Keys, common: dict) -> Change | None:
    unit = _pick(draw, s.not_of_kind("council", "company"))
    if unit is None:
        return None
    return ReclassifyUnit(unit=unit, kind=draw(st.sampled_from(ADMIN_KINDS)), **common)


def _move_unit(draw: Draw, s: State, day: date, key: _Keys, common: dict) -> Change | None:
    unit = _pick(draw, s.not_of_kind("council"))
    if unit is None:
        return None
    if s.units[unit].kind == "company":
        owners = s.of_kind("council", "board", "company")
        owner = _pick(draw, [k for k in owners if k not in (unit, s.units[unit].owner)])
        return MoveUnit(unit=unit, owner=owner, **common) if owner else None
    if s.units[unit].kind == "committee":
        parents = s.of_kind("board")
    else:
        parents = s.not_of_kind("company") if draw(st.integers(0, 9)) else list(s.units)
    parent = _pick(draw, [k for k in parents if k not in (unit, s.units[unit].parent)])
    return MoveUnit(unit=unit, parent=parent, **common) if parent else None


def _merge_units(draw: Draw, s: State, day: date, key: _Keys, common: dict) -> Change | None:
    mergeable = s.not_of_kind("council")
    if draw(st.booleans()):
        # Mostly siblings: units under one parent merge most naturally.
        by_parent: dict[str, list[str]] = {}
        for k in mergeable:
            v = s.units[k]
            by_parent.setdefault(v.parent or f"owner:{v.owner}", []).append(k)
        groups = sorted(g for g in by_parent.values() if len(g) >= 2)
        if groups:
            mergeable = draw(st.sampled_from(groups))
    if len(mergeable) < 2:
        return None
    units = draw(st.lists(st.sampled_from(mergeable), min_size=2, max_size=3, unique=True))
    extra: dict[str, Any] = {}
    if draw(st.booleans()):
        into = draw(st.sampled_from(units))
        if draw(st.integers(0, 3)) == 0:
            extra["name"] = draw(st.sampled_from(UNIT_NAMES))
        if draw(st.integers(0, 4)) == 0:
            extra["kind"] = draw(st.sampled_from(ADMIN_KINDS))
    else:
        into = key("u")
        first = s.units[units[0]]
        extra["kind"] = first.kind if draw(st.booleans()) else draw(st.sampled_from(ADMIN_KINDS))
        extra["name"] = draw(st.sampled_from(COMPANY_NAMES if extra["kind"] == "company" else UNIT_NAMES))
    if draw(st.integers(0, 3)) == 0:
        extra["parent"] = _pick(draw, list(s.units))
    return MergeUnits(units=units, into=into, **extra, **common)


def _split_unit(draw: Draw, s: State, day: date, key: _Keys, common: dict) -> Change | None:
    unit = _pick(draw, s.not_of_kind("council", "company"))
    if unit is None:
        return None
    successors = []
    for _ in range(draw(st.integers(2, 3))):
        extra: dict[str, Any] = {}
        if draw(st.integers(0, 3)) == 0:
            extra["kind"] = draw(st.sampled_from(ADMIN_KINDS))
        if draw(st.integers(0, 3)) == 0:
            extra["parent"] = _pick(draw, list(s.units))
        successors.append(Successor(unit=key("u"), name=draw(st.sampled_from(UNIT_NAMES)), **extra))
    targets = [succ.unit for succ in successors]
    children = {child: draw(st.sampled_from(targets)) for child in s.dependants(unit)}
    positions = {post: draw(st.sampled_from(targets)) for post in s.staff(unit)}
    return SplitUnit(unit=unit, into=successors, children=children, positions=positions, **common)


def _dissolve_unit(draw: Draw, s: State, day: date, key: _Keys, common: dict) -> Change | None:
    childless = [k for k in s.not_of_kind("council") if not s.dependants(k)]
    if draw(st.booleans()):
        # Often a unit whose end leaves a delegation without its delegate (a gap).
        delegates = s.delegates()
        holding = [k for k in childless if k in delegates or delegates & set(s.staff(k))]
        childless = holding or childless
    unit = _pick(draw, childless if draw(st.integers(0, 9)) else list(s.units))
    return DissolveUnit(unit=unit, **common) if unit else None


def _spin_off_unit(draw: Draw, s: State, day: date, key: _Keys, common: dict) -> Change | None:
    unit = _pick(draw, s.not_of_kind("council", "company"))
    owner = _pick(draw, s.of_kind("council", "board", "company"))
    if unit is None or owner is None:
        return None
    return SpinOffUnit(
        unit=unit, company=key("u"), name=draw(st.sampled_from(COMPANY_NAMES)), owner=owner, **common
    )


def _establish_position(draw: Draw, s: State, day: date, key: _Keys, common: dict) -> Change | None:
    unit = _pick(draw, list(s.units))
    if unit is None:
        return None
    return EstablishPosition(
        position=key("p"),
        title=draw(st.sampled_from(TITLES)),
        unit=unit,
        director=draw(st.booleans()),
        **common,
    )


def _move_position(draw: Draw, s: State, day: date, key: _Keys, common: dict) -> Change | None:
    position = _pick(draw, list(s.positions))
    if position is None:
        return None
    unit = _pick(draw, [k for k in s.units if k != s.positions[position].unit])
    if unit is None:
        return None
    return MovePosition(position=position, unit=unit, **common)


def _abolish_position(draw: Draw, s: State, day: date, key: _Keys, common: dict) -> Change | None:
    position = _pick(draw, list(s.positions))
    return AbolishPosition(position=position, **common) if position else None


def _abolish_delegate_post(draw: Draw, s: State, day: date, key: _Keys, common: dict) -> Change | None:
    """The post of a delegate goes, and its delegations are left with a gap."""
    position = _pick(draw, sorted(s.delegates() & set(s.positions)))
    return AbolishPosition(position=position, **common) if position else None


def _grant_delegation(draw: Draw, s: State, day: date, key: _Keys, common: dict) -> Change | None:
    board = _pick(draw, s.of_kind("board"))
    if board is None:
        return None
    directors = [k for k, v in s.positions.items() if v.director]
    further = draw(st.booleans())
    if further and directors and draw(st.booleans()):
        delegates = directors  # a förvaltningschef who may pass it on
    else:
        delegates = list(s.positions) + s.committees_of(board)
    to = _pick(draw, delegates)
    if to is None:
        return None
    extra: dict[str, Any] = {}
    if draw(st.booleans()):
        extra["code"] = f"{draw(st.sampled_from('ABCDE'))}.{draw(st.integers(1, 30))}"
    if draw(st.booleans()):
        extra["limit"] = draw(st.sampled_from(LIMITS))
    if s.positions and draw(st.integers(0, 3)) == 0:
        extra["substitute"] = _pick(draw, list(s.positions))
    if draw(st.integers(0, 3)) == 0:
        extra["legal_basis"] = "KL (2017:725) 7 kap. 5 §"
    return GrantDelegation(
        delegation=key("d"),
        from_=board,
        to=to,
        matter=draw(st.sampled_from(MATTERS)),
        further_delegation=further,
        **extra,
        **common,
    )


def _amend_delegation(draw: Draw, s: State, day: date, key: _Keys, common: dict) -> Change | None:
    delegation = _pick(draw, list(s.delegations))
    if delegation is None:
        return None
    current = s.delegations[delegation]
    terms: dict[str, Any] = {}
    choice = draw(st.integers(0, 3))
    if choice == 0:
        terms["matter"] = draw(st.sampled_from(MATTERS))
    elif choice == 1:
        terms["limit"] = draw(st.none() | st.sampled_from(LIMITS))
    elif choice == 2:
        terms["further_delegation"] = not current.further_delegation
    else:
        delegates = list(s.positions)
        if current.parent is None:
            delegates += s.committees_of(current.board)
        to = _pick(draw, delegates)
        if to is None:
            return None
        terms["to"] = to
    return AmendDelegation(delegation=delegation, **terms, **common)


def _revoke_delegation(draw: Draw, s: State, day: date, key: _Keys, common: dict) -> Change | None:
    delegation = _pick(draw, list(s.delegations))
    return RevokeDelegation(delegation=delegation, **common) if delegation else None


def _subdelegate(draw: Draw, s: State, day: date, key: _Keys, common: dict) -> Change | None:
    directors = {k for k, v in s.positions.items() if v.director}
    passable = [
        k for k, v in s.delegations.items() if v.parent is None and v.further_delegation and v.to in directors
    ]
    parent = _pick(draw, passable if draw(st.integers(0, 9)) else list(s.delegations))
    if parent is None:
        return None
    to = _pick(draw, [k for k in s.positions if k != s.delegations[parent].to])
    if to is None:
        return None
    return Subdelegate(delegation=key("d"), parent_delegation=parent, to=to, **common)


# Repeats weight the draw. Posts and grants come often enough that most sequences have
# delegations, and delegates' posts are abolished often enough that many have a gap:
# the export/import property compares both (and counts how often they occur).
BUILDERS: tuple[Callable[..., Change | None], ...] = (
    _establish_unit,
    _establish_unit,
    _establish_unit,
    _establish_position,
    _establish_position,
    _establish_position,
    _establish_position,
    _grant_delegation,
    _grant_delegation,
    _grant_delegation,
    _grant_delegation,
    _grant_delegation,
    _grant_delegation,
    _rename_unit,
    _reclassify_unit,
    _move_unit,
    _move_unit,
    _merge_units,
    _merge_units,
    _split_unit,
    _split_unit,
    _dissolve_unit,
    _spin_off_unit,
    _move_position,
    _abolish_position,
    _abolish_delegate_post,
    _abolish_delegate_post,
    _amend_delegation,
    _amend_delegation,
    _revoke_delegation,
    _subdelegate,
    _subdelegate,
    _subdelegate,
)


# --- changes without an effective date: cancellations and reports ---------------------------


def _live_dated(register: Register) -> list[str]:
    return [
        cid
        for cid, rec in register.log.items()
        if isinstance(rec.change, DatedChange) and rec.cancelled_by is None
    ]


def _cancel_change(draw: Draw, register: Register, change_id: str) -> Change | None:
    target = _pick(draw, _live_dated(register))
    if target is None:
        return None
    return CancelChange(id=change_id, change=target, reason="Felaktigt registrerad")


def _correct_change(draw: Draw, register: Register, change_id: str) -> Change | None:
    """A live change replaced by itself on another day (it may well be refused: then it is not kept)."""
    target_id = _pick(draw, _live_dated(register))
    if target_id is None:
        return None
    target = register.log[target_id].change
    assert isinstance(target, DatedChange)
    day = max(START, target.effective + timedelta(days=draw(st.integers(-40, 40))))
    replacement = target.model_copy(update={"id": f"{change_id}-r", "effective": day})
    return CorrectChange(id=change_id, change=target_id, replacement=replacement)


def _report_changes(draw: Draw, register: Register, change_id: str, head: date) -> Change | None:
    meeting = head + timedelta(days=draw(st.integers(-30, 60)))
    board = _pick(draw, state_on(register.timeline, meeting).of_kind("board"))
    if board is None:
        return None
    unreported = [c for c in _live_dated(register) if register.reported_to(board, c) is None]
    if not unreported:
        return None
    changes = draw(st.lists(st.sampled_from(sorted(unreported)), min_size=1, max_size=3, unique=True))
    return ReportChanges(id=change_id, to=board, meeting=meeting, changes=changes)


def _note_report(draw: Draw, register: Register, change_id: str) -> Change | None:
    open_reports = sorted(k for k, r in register.reports.items() if r.noted_paragraph is None)
    if not open_reports:
        return None
    board, meeting = draw(st.sampled_from(open_reports))
    return NoteReport(id=change_id, to=board, meeting=meeting, paragraph=f"§ {draw(st.integers(1, 400))}")


# --- the strategy ------------------------------------------------------------------------------


def _draw_day(draw: Draw, head: date) -> date:
    mode = draw(st.integers(0, 9))
    if mode <= 5:  # forward
        return head + timedelta(days=draw(st.integers(1, 400)))
    if mode <= 7:  # the same day as the latest change
        return head
    # retroactive: anywhere from the start up to the head
    return START + timedelta(days=draw(st.integers(0, (head - START).days)))


def _accepts(register: Register, change: Change) -> Register | None:
    """The register with `change` recorded, or None if the register rejects it."""
    trial = copy.deepcopy(register)
    try:
        trial.record([change], "hypothesis", GENERATED_AT)
    except ChangeRejected:
        return None
    return trial


@st.composite
def valid_changes(draw: Draw, min_changes: int = 3, max_changes: int = 40) -> list[Change]:
    """A valid sequence of between `min_changes` and `max_changes` changes, ids `c1`, `c2`, …"""
    target = draw(st.integers(min_changes, max_changes))
    base: list[Change] = [
        EstablishUnit(id="c1", effective=START, unit="kf", name="Kommunfullmäktige", kind="council"),
        EstablishUnit(id="c2", effective=START, unit="ks", name="Kommunstyrelsen", kind="board", parent="kf"),
    ]
    register = record_all(base)
    accepted = list(base)
    key = _Keys()
    attempts = 0
    while len(accepted) < target and attempts < 4 * target:
        attempts += 1
        change_id = f"c{len(accepted) + 1}"
        head = register.timeline.head or START
        # Mid-range values, since hypothesis favours the ends of a range when drawing.
        special = draw(st.integers(0, 29))
        candidate: Change | None
        if special == 13:
            candidate = _cancel_change(draw, register, change_id)
        elif special == 18:
            candidate = _correct_change(draw, register, change_id)
        elif special == 14:
            candidate = _report_changes(draw, register, change_id, head)
        elif special in (15, 16, 17):
            candidate = _note_report(draw, register, change_id)
        else:
            day = _draw_day(draw, head)
            builder = draw(st.sampled_from(BUILDERS))
            common: dict[str, Any] = {"id": change_id, "effective": day}
            decision = _decision(draw, day)
            if decision is not None:
                common["decision"] = decision
            candidate = builder(draw, state_on(register.timeline, day), day, key, common)
        if candidate is None:
            continue
        trial = _accepts(register, candidate)
        if trial is not None:
            register = trial
            accepted.append(candidate)
    return accepted


@st.composite
def cut_points(draw: Draw, length: int, parts: tuple[int, int] = (2, 4)) -> list[int]:
    """Where to cut a sequence of `length` into between parts[0] and parts[1] files."""
    wanted = min(draw(st.integers(*parts)) - 1, max(0, length - 1))
    cuts = draw(st.lists(st.integers(1, max(1, length - 1)), min_size=wanted, max_size=wanted, unique=True))
    return sorted(c for c in cuts if 0 < c < length)


def split(changes: list[Change], cuts: list[int]) -> list[list[Change]]:
    bounds = [0, *cuts, len(changes)]
    return [changes[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
