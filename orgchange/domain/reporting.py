"""To whom a recorded change must be reported (anmälan), and whose delegationsordning it touches.

A board answers for what is decided on its behalf, so decisions taken by others under
it are reported to it; what it decides itself is in its own minutes and is reported to
nobody. The register derives this for every change from who decided it (docs/reporting.md):

* an official (`decision.position`, or a `decision.body` that names a post): the board
  whose administration the post stands in — from the post's unit, up the line hierarchy
  (through its area and office) to the first board; or the board named as `decision.body`
  when the official decided on that board's behalf. A post in a company, or one with no
  board above it, reports to nobody in the register;
* a vidaredelegation (`subdelegate`), and an amendment or revocation of one by an official:
  the board whose delegation it rests on — the förvaltningschef's decision to pass a
  delegation on is reported to the board (KL (2017:725) 7 kap. 8 §);
* a committee (utskott): the board it belongs to, on whose behalf it decided;
* the council, a board, or an unknown decider (no decision, or a body in free text that
  is not a key of the register): nobody. The register does not invent duties it cannot
  see; a free-text body is a finding of its own.

The derivation reads the organisation on the decision's date (the effective date when
the decision has none) and is stored with the change when it is recorded, so a rebuild of
the read models gives the same answer.

Separately, a change that leaves a delegation without its delegate (a gap) concerns the
board that granted the delegation, whoever decided the change: `left_without_delegate`
names those delegations, so that the board is prompted too ("påverkar er
delegationsordning"), unless it is the board that decided the change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from .changes import AmendDelegation, Change, DatedChange, Decision, RevokeDelegation, Subdelegate
from .records import DelegationVersion, PositionVersion, UnitVersion, version_on
from .timeline import Timeline

# Why a change is to be reported to its board (stable codes, for programs).
OFFICIAL = "OFFICIAL_DECISION"  # decided by an official in the board's administration
SUBDELEGATION = "SUBDELEGATION"  # a vidaredelegation of the board's delegation (7 kap. 8 §)
COMMITTEE = "COMMITTEE_DECISION"  # decided by the board's committee on its behalf

BASIS_TEXT = {
    OFFICIAL: "beslut av en tjänsteman i nämndens förvaltning",
    SUBDELEGATION: "förvaltningschefens beslut om vidaredelegation av nämndens delegation",
    COMMITTEE: "beslut av nämndens utskott",
}


@dataclass(frozen=True)
class Reporting:
    """The board a change is to be reported to (None: nobody), and why."""

    board: str | None = None
    basis: str | None = None


NOBODY = Reporting()


@dataclass(frozen=True)
class Affected:
    """A delegation of `board` that a change left without a delegate."""

    board: str
    delegation: str
    code: str | None


def decision_day(change: Change) -> date | None:
    """The day whose organisation tells who decided: the decision's date, else the effective date."""
    if change.decision is not None and change.decision.date is not None:
        return change.decision.date
    return getattr(change, "effective", None)


def deciding_position(decision: Decision | None, timeline: Timeline) -> str | None:
    """The post that decided: `decision.position`, or a `decision.body` that names a post."""
    if decision is None:
        return None
    if decision.position is not None:
        return decision.position
    if decision.body is not None and decision.body in timeline.positions:
        return decision.body
    return None


def deciding_unit(decision: Decision | None, timeline: Timeline) -> str | None:
    """The council, board or committee that decided, if `decision.body` is one of its keys."""
    if decision is None or decision.body is None or decision.body not in timeline.units:
        return None
    return decision.body


def report_to(change: Change, timeline: Timeline) -> Reporting:
    """To whom `change` must be reported; `NOBODY` for reports, notings and cancellations."""
    if not isinstance(change, DatedChange):
        return NOBODY
    day = decision_day(change) or change.effective
    if isinstance(change, Subdelegate):
        parent = _delegation_near(timeline, change.parent_delegation, change.effective)
        return Reporting(parent.board, SUBDELEGATION) if parent else NOBODY
    position = deciding_position(change.decision, timeline)
    body = deciding_unit(change.decision, timeline)
    if position is not None:
        if isinstance(change, AmendDelegation | RevokeDelegation):
            delegation = _delegation_near(timeline, change.delegation, change.effective - timedelta(days=1))
            if delegation is not None and delegation.parent is not None:
                return Reporting(delegation.board, SUBDELEGATION)
        on_behalf = _unit_near(timeline, body, day, change.effective) if body else None
        if on_behalf is not None and on_behalf.kind == "board":
            return Reporting(body, OFFICIAL)
        post = _position_near(timeline, position, day, change.effective)
        board = None
        if post is not None:
            board = board_over(timeline, post.unit, day) or board_over(timeline, post.unit, change.effective)
        return Reporting(board, OFFICIAL) if board else NOBODY
    if body is None:
        return NOBODY
    unit = _unit_near(timeline, body, day, change.effective)
    if unit is None or unit.kind in ("council", "board", "company") or unit.parent is None:
        return NOBODY
    board = board_over(timeline, unit.parent, day) or board_over(timeline, unit.parent, change.effective)
    if board is None:
        return NOBODY
    return Reporting(board, COMMITTEE if unit.kind == "committee" else OFFICIAL)


def decider_name(change: Change, timeline: Timeline) -> str | None:
    """The official's title, or the deciding body's name, on the decision's day: how a
    citation names who decided ("Stadsdirektör 2016-12-12"). None when the decider is not
    a key of the register (the citation then shows `decision.body` as written)."""
    day = decision_day(change)
    if day is None:
        return None
    effective = getattr(change, "effective", day)
    position = deciding_position(change.decision, timeline)
    if position is not None:
        post = _position_near(timeline, position, day, effective)
        return post.title if post else None
    body = deciding_unit(change.decision, timeline)
    unit = _unit_near(timeline, body, day, effective) if body else None
    if unit is None and body is not None:
        versions = timeline.units[body]
        return versions[-1].name
    return unit.name if unit else None


def board_over(timeline: Timeline, unit: str | None, day: date) -> str | None:
    """The board whose administration `unit` stands in on `day`: the first board up the line
    hierarchy (parents only). None above a company (its staff are not the kommun's), at the
    council, or when the line ends without a board."""
    seen: set[str] = set()
    while unit is not None and unit not in seen:
        seen.add(unit)
        version = _unit_near(timeline, unit, day)
        if version is None or version.kind in ("council", "company"):
            return None
        if version.kind == "board":
            return unit
        unit = version.parent
    return None


def left_without_delegate(
    change: Change, timeline: Timeline, ended: Iterable[str], delegations_to: DelegationsTo
) -> list[Affected]:
    """The delegations (and vidaredelegationer) in effect on the change's day whose delegate,
    or whose parent delegation's delegate, is a post or committee the change ended (`ended`).

    The board that decided the change is left out: it knows its own decision.
    """
    if not isinstance(change, DatedChange):
        return []
    day = change.effective
    decider = deciding_unit(change.decision, timeline)
    found: dict[str, DelegationVersion] = {}
    for key in sorted(set(ended)):
        for delegation in delegations_to.of(key, day):
            version = version_on(timeline.delegations[delegation], day)
            if version is None or version.to != key:
                continue
            found[delegation] = version
            for sub in delegations_to.subdelegations(delegation, day):
                sub_version = version_on(timeline.delegations[sub], day)
                if sub_version is not None:
                    found[sub] = sub_version
    return [
        Affected(version.board, key, version.code)
        for key, version in sorted(found.items())
        if version.board != decider
    ]


class DelegationsTo:
    """Which delegations name a delegate (or rest on a delegation), for the gap check.

    At the head of the fold the timeline's own indexes answer exactly; for a day before it
    (a retroactive change, or the earlier changes of a long file) every version is looked
    at once, and the index is kept for the rest of the transaction.
    """

    def __init__(self, timeline: Timeline):
        self.timeline = timeline
        self._by_delegate: dict[str, set[str]] | None = None
        self._by_parent: dict[str, set[str]] | None = None

    def _at_head(self, day: date) -> bool:
        head = self.timeline.head
        return head is None or head <= day

    def _build(self) -> None:
        by_delegate: dict[str, set[str]] = defaultdict(set)
        by_parent: dict[str, set[str]] = defaultdict(set)
        for key, versions in self.timeline.delegations.items():
            for version in versions:
                by_delegate[version.to].add(key)
                if version.parent is not None:
                    by_parent[version.parent].add(key)
        self._by_delegate, self._by_parent = by_delegate, by_parent

    def of(self, delegate: str, day: date) -> list[str]:
        if self._at_head(day):
            return sorted(self.timeline.received.get(delegate, ()))
        if self._by_delegate is None:
            self._build()
        assert self._by_delegate is not None
        return sorted(self._by_delegate.get(delegate, ()))

    def subdelegations(self, delegation: str, day: date) -> list[str]:
        if self._at_head(day):
            return sorted(self.timeline.subdelegations.get(delegation, ()))
        if self._by_parent is None:
            self._build()
        assert self._by_parent is not None
        return sorted(self._by_parent.get(delegation, ()))


def ended_by_change(
    timeline: Timeline, positions: Iterable[str], units: Iterable[str], delegations: Iterable[str] = ()
) -> dict[str, set[str]]:
    """Posts, units and delegations among those given whose life a change ended, by that
    change's id (they share one namespace of keys)."""
    ended: dict[str, set[str]] = defaultdict(set)
    stores: tuple[tuple[dict, Iterable[str]], ...] = (
        (timeline.positions, positions),
        (timeline.units, units),
        (timeline.delegations, delegations),
    )
    for store, keys in stores:
        for key in keys:
            versions = store.get(key)
            if versions and versions[-1].ended_by is not None:
                ended[versions[-1].ended_by].add(key)
    return ended


# --- reading the organisation near a day -------------------------------------------


def _unit_near(timeline: Timeline, key: str | None, *days: date) -> UnitVersion | None:
    """The unit on the first of `days` it was in effect."""
    versions = timeline.units.get(key) if key else None
    if not versions:
        return None
    return next((v for d in days if (v := version_on(versions, d)) is not None), None)


def _position_near(timeline: Timeline, key: str, day: date, effective: date) -> PositionVersion | None:
    """The post on the decision's day; else on the effective day (a post established by the
    same decision); else as it last stood."""
    versions = timeline.positions.get(key)
    if not versions:
        return None
    return version_on(versions, day) or version_on(versions, effective) or versions[-1]


def _delegation_near(timeline: Timeline, key: str, day: date) -> DelegationVersion | None:
    versions = timeline.delegations.get(key)
    if not versions:
        return None
    return version_on(versions, day) or versions[-1]
