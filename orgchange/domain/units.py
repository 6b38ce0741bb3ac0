"""Unit changes: establish, rename, reclassify, move, merge, split, dissolve, spin off.

Each handler first checks every rule that applies (numbered as in
docs/domain.md#rules-the-register-enforces), then writes the new versions;
nothing is written when a check fails.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from .changes import (
    DissolveUnit,
    EstablishUnit,
    MergeUnits,
    MoveUnit,
    ReclassifyUnit,
    RenameUnit,
    SpinOffUnit,
    SplitUnit,
)
from .delegations import check_delegates_outside_companies, delegate_rule, end_delegations_of_board
from .errors import RuleViolation
from .law import SUPERVISION
from .messages import Text, a_kind, text
from .records import Link, UnitVersion, end, revise
from .timeline import (
    ACTIVE_CHILDREN,
    CARDINALITY,
    DELEGATION,
    HIERARCHY,
    NO_CHANGE,
    ONE_PARENT,
    Timeline,
    handles,
)

# The kommun owns its companies, through the council, directly or through a parent company.
# A board as owner is accepted (registers made before this rule have it) and is a finding.
OWNER_KINDS = ("council", "company", "board")
ROOT_OR_COMPANY = ("council", "company")


def _quote(keys: Collection[str]) -> str:
    return ", ".join(f"'{k}'" for k in sorted(keys))


def check_parent(tl: Timeline, parent: str, kind: str, day: date, what: str | Text) -> UnitVersion:
    """Rule 2/3: a parent in effect, and a committee only under a board."""
    above = tl.require_unit(parent, day, what)
    if kind == "committee" and above.kind != "board":
        raise RuleViolation(
            HIERARCHY, text("hierarchy:committee-parent", what=what, parent=parent, kind=a_kind(above.kind))
        )
    return above


def check_owner(tl: Timeline, owner: str, day: date, what: str | Text) -> UnitVersion:
    """Rule 2: a company is owned by the council (the kommun) or another company (or, a finding, a board)."""
    above = tl.require_unit(owner, day, what)
    if above.kind not in OWNER_KINDS:
        raise RuleViolation(
            ONE_PARENT, text("one-parent:owner", what=what, owner=owner, kind=a_kind(above.kind))
        )
    return above


def check_supervisor(tl: Timeline, supervisor: str, day: date, what: str | Text) -> None:
    """A company's supervisor is a board in effect, with uppsikt over it (KL (2017:725) 6 kap. 1 §)."""
    board = tl.require_unit(supervisor, day, text("in-effect:supervisor", what=what))
    if board.kind != "board":
        raise RuleViolation(
            ONE_PARENT,
            text(
                "one-parent:supervisor",
                what=what,
                law=SUPERVISION.on(day),
                supervisor=supervisor,
                kind=a_kind(board.kind),
            ),
        )


def check_supervision_kept(tl: Timeline, boards: list[str] | set[str], what: str | Text) -> None:
    """A board that ends (or stops being a board) leaves no company without its supervisor."""
    for board in sorted(boards):
        companies = tl.supervised.get(board)
        if companies:
            raise RuleViolation(
                HIERARCHY,
                text(
                    "hierarchy:supervises-one" if len(companies) == 1 else "hierarchy:supervises-many",
                    what=what,
                    board=board,
                    companies=_quote(companies),
                ),
            )


def check_not_below(tl: Timeline, unit: str, above: str, what: str | Text) -> None:
    """Rule 3: no cycles — `above` may not already stand under `unit`."""
    if above == unit or unit in tl.ancestors(above):
        raise RuleViolation(HIERARCHY, text("hierarchy:cycle", what=what, above=above, unit=unit))


def check_delegate_kept(
    tl: Timeline, key: str, kind: str, parent: str | None, day: date, what: str | Text
) -> None:
    """Rule 6: a committee that holds delegations stays a committee of the board that granted them."""
    lost = sorted(
        d for d in tl.received.get(key, ()) if kind != "committee" or tl.delegations[d][-1].board != parent
    )
    if lost:
        raise RuleViolation(
            DELEGATION,
            text(
                "delegation:delegate-kept-one" if len(lost) == 1 else "delegation:delegate-kept-many",
                what=what,
                delegations=_quote(lost),
                law=delegate_rule(day),
            ),
        )


def _end_unit(tl: Timeline, key: str, day: date, change_id: str) -> None:
    tl.set_unit(key, end(tl.units[key], day, change_id))
    end_delegations_of_board(tl, key, day, change_id)


def _reparent(tl: Timeline, key: str, day: date, change_id: str, **attrs: str | None) -> None:
    tl.set_unit(key, revise(tl.units[key], day, change_id, **attrs))


def _check_adoption(tl: Timeline, children: list[str], new_kind: str, into: str, what: str | Text) -> None:
    """The units that move under `into` must be allowed there (committees, companies)."""
    for child in children:
        child_kind = tl.units[child][-1].kind
        if child_kind == "company" and new_kind not in OWNER_KINDS:
            raise RuleViolation(
                ONE_PARENT,
                text("one-parent:adopted-company", what=what, child=child, into=into, kind=a_kind(new_kind)),
            )
        if child_kind == "committee" and new_kind != "board":
            raise RuleViolation(
                HIERARCHY,
                text("hierarchy:adopted-committee", what=what, child=child, into=into, kind=a_kind(new_kind)),
            )


def _adopt(tl: Timeline, child: str, into: str, day: date, change_id: str) -> None:
    if tl.units[child][-1].kind == "company":
        _reparent(tl, child, day, change_id, owner=into)
    else:
        _reparent(tl, child, day, change_id, parent=into)


@handles(EstablishUnit)
def establish_unit(tl: Timeline, c: EstablishUnit) -> None:
    day, what = c.effective, text("CHANGE_REJECTED:establish", unit=c.unit)
    tl.require_new_key("unit", c.unit)
    if c.kind == "council":
        if c.parent or c.owner:
            raise RuleViolation(ONE_PARENT, text("one-parent:council", what=what))
    elif c.kind == "company":
        if c.parent or not c.owner:
            raise RuleViolation(ONE_PARENT, text("one-parent:company", what=what))
        check_owner(tl, c.owner, day, what)
        if c.supervisor is not None:
            check_supervisor(tl, c.supervisor, day, what)
    else:
        if c.owner or not c.parent:
            raise RuleViolation(ONE_PARENT, text("one-parent:needs-parent", what=what, kind=c.kind))
        check_parent(tl, c.parent, c.kind, day, what)
    if c.supervisor is not None and c.kind != "company":
        raise RuleViolation(ONE_PARENT, text("one-parent:only-company-supervised", what=what))
    version = UnitVersion(day, None, c.name, c.kind, c.parent, c.owner, c.id or "", supervisor=c.supervisor)
    tl.set_unit(c.unit, (version,))


@handles(RenameUnit)
def rename_unit(tl: Timeline, c: RenameUnit) -> None:
    what = text("CHANGE_REJECTED:rename", unit=c.unit)
    current = tl.require_unit(c.unit, c.effective, what)
    if current.name == c.name:
        raise RuleViolation(NO_CHANGE, text("no-change:named", what=what, name=c.name))
    _reparent(tl, c.unit, c.effective, c.id or "", name=c.name)


def check_kind_change(
    tl: Timeline, key: str, current: UnitVersion, kind: str, day: date, what: str | Text
) -> None:
    """What a unit must satisfy to change kind (reclassify, or absorb in a merge with a new kind)."""
    if kind in ROOT_OR_COMPANY or current.kind in ROOT_OR_COMPANY:
        raise RuleViolation(ONE_PARENT, text("one-parent:reclassify", what=what))
    if kind == "committee":
        check_parent(tl, current.parent or "", kind, day, what)
    if current.kind == "board" and kind != "board":
        check_supervision_kept(tl, [key], what)
    if current.kind == "board" and tl.granted.get(key):
        raise RuleViolation(
            DELEGATION,
            text(
                "delegation:still-grants",
                what=what,
                delegations=_quote(set(tl.granted[key])),
                law=delegate_rule(day),
            ),
        )
    check_delegate_kept(tl, key, kind, current.parent, day, what)
    _check_adoption(tl, tl.dependants(key), kind, key, what)


@handles(ReclassifyUnit)
def reclassify_unit(tl: Timeline, c: ReclassifyUnit) -> None:
    what = text("CHANGE_REJECTED:reclassify", unit=c.unit, kind=a_kind(c.kind))
    current = tl.require_unit(c.unit, c.effective, what)
    if current.kind == c.kind:
        raise RuleViolation(NO_CHANGE, text("no-change:kind", what=what))
    check_kind_change(tl, c.unit, current, c.kind, c.effective, what)
    _reparent(tl, c.unit, c.effective, c.id or "", kind=c.kind)


@handles(MoveUnit)
def move_unit(tl: Timeline, c: MoveUnit) -> None:
    day = c.effective
    if c.parent is None:
        _move_company(tl, c)
        return
    target = c.parent
    what = text("CHANGE_REJECTED:move", unit=c.unit, target=target)
    current = tl.require_unit(c.unit, day, what)
    if current.kind == "company":
        raise RuleViolation(ONE_PARENT, text("one-parent:no-parent-company", what=what))
    if current.kind in ROOT_OR_COMPANY:
        raise RuleViolation(ONE_PARENT, text("one-parent:no-parent", what=what, kind=a_kind(current.kind)))
    check_parent(tl, target, current.kind, day, what)
    if current.parent == target:
        raise RuleViolation(NO_CHANGE, text("no-change:parent", what=what, parent=target))
    check_delegate_kept(tl, c.unit, current.kind, target, day, what)
    check_not_below(tl, c.unit, target, what)
    _reparent(tl, c.unit, day, c.id or "", parent=target)
    check_delegates_outside_companies(tl, [c.unit], day, what)


def _move_company(tl: Timeline, c: MoveUnit) -> None:
    """A company changes owner, supervisor, or both."""
    day = c.effective
    what = (
        text("CHANGE_REJECTED:move", unit=c.unit, target=c.owner)
        if c.owner is not None
        else text("CHANGE_REJECTED:supervision", unit=c.unit, supervisor=c.supervisor)
    )
    current = tl.require_unit(c.unit, day, what)
    if current.kind != "company":
        raise RuleViolation(ONE_PARENT, text("one-parent:not-a-company", what=what, unit=c.unit))
    attrs: dict[str, str | None] = {}
    if c.owner is not None:
        check_owner(tl, c.owner, day, what)
        check_not_below(tl, c.unit, c.owner, what)
        if c.owner != current.owner:
            attrs["owner"] = c.owner
    if c.moves_supervision:
        if c.supervisor is not None:
            check_supervisor(tl, c.supervisor, day, what)
        if c.supervisor != current.supervisor:
            attrs["supervisor"] = c.supervisor
    if not attrs:
        if c.owner is not None:
            raise RuleViolation(NO_CHANGE, text("no-change:owner", what=what, owner=c.owner))
        if c.supervisor:
            raise RuleViolation(NO_CHANGE, text("no-change:supervisor", what=what, supervisor=c.supervisor))
        raise RuleViolation(NO_CHANGE, text("no-change:no-supervisor", what=what))
    _reparent(tl, c.unit, day, c.id or "", **attrs)
    check_delegates_outside_companies(tl, [c.unit], day, what)


def _named(keys: list[str]) -> Text:
    return text("cardinality:only", keys=_quote(keys)) if keys else text("cardinality:none")


@handles(MergeUnits)
def merge_units(tl: Timeline, c: MergeUnits) -> None:
    day, change_id = c.effective, c.id or ""
    if len(c.units) < 2:
        raise RuleViolation(CARDINALITY, text("cardinality:merge", into=c.into, named=_named(c.units)))
    what = text("CHANGE_REJECTED:merge", units=_quote(c.units), into=c.into)
    merged = {u: tl.require_unit(u, day, what) for u in c.units}
    for key, version in merged.items():
        if version.kind == "council":
            raise RuleViolation(HIERARCHY, text("hierarchy:merge-council", what=what, key=key))
        above = set(tl.ancestors(key)) & set(c.units)
        if above:
            raise RuleViolation(
                HIERARCHY, text("hierarchy:merge-below", what=what, key=key, above=_quote(above))
            )
    absorber = merged.get(c.into)
    if absorber is None:
        tl.require_new_key("unit", c.into)
        if c.name is None or c.kind is None:
            raise RuleViolation(ONE_PARENT, text("one-parent:merge-new-unit", what=what))
    kind = c.kind or (absorber.kind if absorber else "")
    name = c.name or (absorber.name if absorber else "")
    parent: str | None = None
    owner: str | None = None
    if kind == "council":
        raise RuleViolation(HIERARCHY, text("hierarchy:merge-into-council", what=what))
    if kind == "company":
        owners = {v.owner for v in merged.values()}
        owner = absorber.owner if absorber else (owners.pop() if len(owners) == 1 else None)
        if owner is None or c.parent:
            raise RuleViolation(ONE_PARENT, text("one-parent:merge-owners", what=what))
        check_owner(tl, owner, day, what)
    else:
        parents = {v.parent for v in merged.values()}
        common = parents.pop() if len(parents) == 1 else None
        parent = c.parent or (absorber.parent if absorber else common)
        if parent is None:
            raise RuleViolation(ONE_PARENT, text("one-parent:merge-parents", what=what))
        if parent in merged:
            raise RuleViolation(HIERARCHY, text("hierarchy:parent-merged", what=what, parent=parent))
        check_parent(tl, parent, kind, day, what)
        below = set(tl.ancestors(parent)) & set(c.units)
        if below:
            raise RuleViolation(
                HIERARCHY, text("hierarchy:parent-below", what=what, parent=parent, below=_quote(below))
            )
    if absorber is not None and kind != absorber.kind:
        check_kind_change(tl, c.into, absorber, kind, day, what)
    if absorber is not None:
        check_delegate_kept(tl, c.into, kind, parent, day, what)
    ended = [u for u in c.units if u != c.into]
    check_supervision_kept(tl, [u for u in ended if merged[u].kind == "board"], what)
    adopted = [child for u in ended for child in tl.dependants(u)]
    _check_adoption(tl, adopted, kind, c.into, what)
    if absorber is None:
        supervisors = {v.supervisor for v in merged.values()}
        supervisor = supervisors.pop() if kind == "company" and len(supervisors) == 1 else None
        version = UnitVersion(day, None, name, kind, parent, owner, change_id, supervisor=supervisor)
        tl.set_unit(c.into, (version,))
    elif (name, kind, parent, owner) != (
        absorber.name,
        absorber.kind,
        absorber.parent,
        absorber.owner,
    ):
        _reparent(tl, c.into, day, change_id, name=name, kind=kind, parent=parent, owner=owner)
    for u in ended:
        for child in tl.dependants(u):
            _adopt(tl, child, c.into, day, change_id)
        for position in sorted(tl.staff.get(u, ())):
            tl.set_position(position, revise(tl.positions[position], day, change_id, unit=c.into))
        _end_unit(tl, u, day, change_id)
        tl.add_link(Link(u, c.into, day, change_id))
    check_delegates_outside_companies(tl, [c.into], day, what)


@handles(SplitUnit)
def split_unit(tl: Timeline, c: SplitUnit) -> None:
    day, change_id = c.effective, c.id or ""
    what = text("CHANGE_REJECTED:split", unit=c.unit)
    if len(c.into) < 2:
        raise RuleViolation(
            CARDINALITY, text("cardinality:split", what=what, named=_named([s.unit for s in c.into]))
        )
    current = tl.require_unit(c.unit, day, what)
    if current.kind in ROOT_OR_COMPANY:
        raise RuleViolation(HIERARCHY, text("hierarchy:split-kind", what=what, kind=a_kind(current.kind)))
    successors: dict[str, UnitVersion] = {}
    for s in c.into:
        tl.require_new_key("unit", s.unit)
        kind = s.kind or current.kind
        if kind in ROOT_OR_COMPANY:
            raise RuleViolation(HIERARCHY, text("hierarchy:successor-kind", what=what, kind=a_kind(kind)))
        parent = s.parent or current.parent
        assert parent is not None
        if parent == c.unit or c.unit in tl.ancestors(parent):
            raise RuleViolation(
                HIERARCHY, text("hierarchy:successor-below", what=what, successor=s.unit, parent=parent)
            )
        check_parent(tl, parent, kind, day, text("in-effect:successor", what=what, unit=s.unit))
        successors[s.unit] = UnitVersion(day, None, s.name, kind, parent, None, change_id)
    if current.kind == "board":
        check_supervision_kept(tl, [c.unit], what)
    _check_mapping(tl, what, "child", set(tl.dependants(c.unit)), c.children, successors, c.unit)
    _check_mapping(tl, what, "position", set(tl.staff.get(c.unit, ())), c.positions, successors, c.unit)
    for child, successor in c.children.items():
        _check_adoption(tl, [child], successors[successor].kind, successor, what)
    for key, version in successors.items():
        tl.set_unit(key, (version,))
        tl.add_link(Link(c.unit, key, day, change_id))
    for child, successor in sorted(c.children.items()):
        _adopt(tl, child, successor, day, change_id)
    for position, successor in sorted(c.positions.items()):
        tl.set_position(position, revise(tl.positions[position], day, change_id, unit=successor))
    _end_unit(tl, c.unit, day, change_id)
    check_delegates_outside_companies(tl, successors, day, what)


def _check_mapping(
    tl: Timeline,
    what: str | Text,
    noun: str,
    active: set[str],
    mapping: dict[str, str],
    successors: dict[str, UnitVersion],
    unit: str,
) -> None:
    """Rule 4: a split says where every active child and position goes."""
    missing = active - mapping.keys()
    if missing:
        raise RuleViolation(
            ACTIVE_CHILDREN, text(f"active-children:unmapped-{noun}", what=what, missing=_quote(missing))
        )
    extra = mapping.keys() - active
    if extra:
        raise RuleViolation(
            ACTIVE_CHILDREN, text(f"active-children:extra-{noun}", what=what, extra=_quote(extra), unit=unit)
        )
    unknown = {target for target in mapping.values() if target not in successors}
    if unknown:
        raise RuleViolation(
            ACTIVE_CHILDREN, text("active-children:not-a-successor", what=what, unknown=_quote(unknown))
        )


@handles(DissolveUnit)
def dissolve_unit(tl: Timeline, c: DissolveUnit) -> None:
    day, change_id = c.effective, c.id or ""
    what = text("CHANGE_REJECTED:dissolve", unit=c.unit, day=day)
    tl.require_unit(c.unit, day, what)
    check_supervision_kept(tl, [c.unit], what)
    dependants = tl.dependants(c.unit)
    if dependants:
        raise RuleViolation(
            ACTIVE_CHILDREN, text("active-children:dissolve", what=what, units=_quote(dependants))
        )
    for position in sorted(tl.staff.get(c.unit, ())):
        tl.set_position(position, end(tl.positions[position], day, change_id))
    _end_unit(tl, c.unit, day, change_id)


@handles(SpinOffUnit)
def spin_off_unit(tl: Timeline, c: SpinOffUnit) -> None:
    day, change_id = c.effective, c.id or ""
    what = text("CHANGE_REJECTED:spin-off", unit=c.unit, company=c.company)
    current = tl.require_unit(c.unit, day, what)
    if current.kind in ROOT_OR_COMPANY:
        raise RuleViolation(HIERARCHY, text("hierarchy:spin-off-kind", what=what, kind=a_kind(current.kind)))
    tl.require_new_key("unit", c.company)
    check_owner(tl, c.owner, day, what)
    check_not_below(tl, c.unit, c.owner, what)
    if c.supervisor is not None:
        check_supervisor(tl, c.supervisor, day, what)
    check_supervision_kept(tl, [c.unit], what)
    dependants = tl.dependants(c.unit)
    _check_adoption(tl, dependants, "company", c.company, what)
    company = UnitVersion(day, None, c.name, "company", None, c.owner, change_id, supervisor=c.supervisor)
    tl.set_unit(c.company, (company,))
    tl.add_link(Link(c.unit, c.company, day, change_id))
    for child in dependants:
        _adopt(tl, child, c.company, day, change_id)
    for position in sorted(tl.staff.get(c.unit, ())):
        tl.set_position(position, end(tl.positions[position], day, change_id))
    _end_unit(tl, c.unit, day, change_id)
    check_delegates_outside_companies(tl, [c.company], day, what)
