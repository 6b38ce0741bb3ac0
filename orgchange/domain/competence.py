"""Who may decide which change: the competence of the body or official behind a decision.

A change's `decision` names who decided it: a body (`decision.body`: the council,
a board or a committee) or an official (`decision.position`: the post of the
official who decided). When the decider is a key of the register, the change is
checked against the decider's competence, and a change outside it is rejected
(rule "competence") with the law cited:

* only the council establishes, dissolves, merges, splits, renames, reclassifies or
  moves a board (KL (2017:725) 5 kap. 1 §: the council decides the boards'
  organisation);
* only the council forms a company (`spin_off_unit`, `establish_unit` of kind
  `company`), dissolves or merges one, or changes its owner or supervisor
  (10 kap. 1 §);
* a committee is established, changed or ended by the council or by the board it
  belongs to (5 kap. 1 §); a committee decides with its own board's competence;
* a board's delegations are granted, amended and revoked by that board (6 kap. 37 §,
  7 kap. 5 §); a vidaredelegation is decided by the förvaltningschef who holds the
  delegation it rests on (7 kap. 6 §), or by the board;
* an official decides only inside the office or area its post belongs to (7 kap. 5 §:
  an employee decides on a board's behalf, within the board's administration). The
  post's *domain* is the nearest office or area at or above its unit; the units a
  change alters must stand under the domain (the domain itself is the board's to
  change), while a new parent, a successor's parent and a post's unit may be the
  domain itself or stand under it. An official decides no delegation of a board's
  own, and nothing about companies;
* an office, area, unit, group or company decides nothing itself.

The decider is read on the decision date (`decision.date`, or the effective date when
the decision has none, or when it is dated after the change takes effect): its kind,
and an official's post and domain. When the register's record of the decider begins
after the decision date — a council or board that existed before the register starts
— it is read on the effective date. The units the change alters are read as they
stand on the effective date, before the change.

A `decision.body` that is no key of the register (free text, as in older files) is not
checked: it is accepted and reported as a finding (findings.py).

Competence is judged when a change is recorded (`timeline.at_recording`); changes
recorded earlier, under the rules of their day, are not judged again when replayed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from .changes import (
    AbolishPosition,
    AmendDelegation,
    DatedChange,
    DissolveUnit,
    EstablishPosition,
    EstablishUnit,
    GrantDelegation,
    MergeUnits,
    MovePosition,
    MoveUnit,
    ReclassifyUnit,
    RenameUnit,
    RevokeDelegation,
    SpinOffUnit,
    SplitUnit,
    Subdelegate,
)
from .errors import RuleViolation
from .kinds import a
from .law import (
    COMPANIES,
    COUNCIL_MATTERS,
    DELEGATION_TO_EMPLOYEE,
    DELEGATION_TO_MEMBERS,
    FURTHER_DELEGATION,
    cite,
)
from .records import UnitVersion, V, version_on
from .timeline import COMPETENCE, Timeline, at_recording

BODY_KINDS = ("council", "board", "committee")
DOMAIN_KINDS = ("office", "area")


@dataclass(frozen=True)
class Decider:
    """Who decided a change, as the register knew them on the day they decided."""

    key: str
    kind: str  # council, board, committee, …, or "position" for an official
    name: str
    day: date  # the day the decider is read on (and the law cited for)
    parent: str | None = None  # a committee's board
    post_unit: str | None = None  # an official's unit

    def describe(self) -> str:
        """The decider in a message: 'stadsdirektor' (a position: Stadsdirektör)."""
        return f"'{self.key}' ({a(self.kind)}: {self.name})"


def _check_day(change: DatedChange) -> date:
    decided = change.decision.date if change.decision else None
    return min(decided, change.effective) if decided else change.effective


def _read_on(versions: tuple[V, ...], day: date) -> V | None:
    """The version on `day`; when the register's record begins later, the one on the head."""
    found = version_on(versions, day)
    if found is None and versions[0].valid_from > day:
        last = versions[-1]
        found = last if last.valid_to is None else None
    return found


def self_establishing(change: DatedChange) -> bool:
    """A council's establishment: where a register begins; nothing in it decides that."""
    return isinstance(change, EstablishUnit) and change.kind == "council"


def self_establishing_entry(entry: dict) -> bool:
    """`self_establishing` for a change as written in a change file."""
    return entry.get("type") == "establish_unit" and entry.get("kind") == "council"


def decider(tl: Timeline, change: DatedChange) -> Decider | None:
    """The decider of `change` if it is a key of the register; None if it cannot be checked.

    Raises when the decision names a key that cannot decide on its day: a post that is
    not in effect, a delegation, a body that has ended.
    """
    decision = change.decision
    if decision is None or self_establishing(change):
        return None
    day = _check_day(change)
    what = f"the decision of {change.TYPE}"
    key: str | None
    if decision.position is not None:
        key = decision.position
        if key not in tl.positions:
            other = tl.key_in_use(key)
            named = f"'{key}' is {a(other)}, not a post" if other else f"there is no post '{key}'"
            raise RuleViolation(COMPETENCE, f"{what} names an official who cannot be found: {named}")
        return _official(tl, key, day, what)
    key = decision.body
    if key is None:
        return None
    if key in tl.positions:
        return _official(tl, key, day, what)
    if key in tl.delegations:
        raise RuleViolation(COMPETENCE, f"{what} names '{key}' as its body, and '{key}' is a delegation")
    if key not in tl.units:
        return None  # free text: accepted, and a finding
    version = _read_on(tl.units[key], day)
    if version is None:
        raise RuleViolation(COMPETENCE, f"{what}: the deciding body {tl.absence('unit', key, day)}")
    assert isinstance(version, UnitVersion)
    return Decider(key, version.kind, version.name, day, parent=version.parent)


def _official(tl: Timeline, key: str, day: date, what: str) -> Decider:
    version = _read_on(tl.positions[key], day)
    if version is None:
        absent = tl.absence("position", key, day)
        raise RuleViolation(COMPETENCE, f"{what}: the deciding official's post {absent}")
    return Decider(key, "position", version.title, day, post_unit=version.unit)


# --- the checks --------------------------------------------------------------------------------


def _refusal(d: Decider) -> Callable[[str, str, str], RuleViolation]:
    """The rejection of a change by `d`: who decided, what they may not do, the rule and the law."""

    def refuse(doing: str, rule: str, law: str) -> RuleViolation:
        return RuleViolation(COMPETENCE, f"decided by {d.describe()}, which may not {doing}: {rule} ({law})")

    return refuse


Refuse = Callable[[str, str, str], RuleViolation]


def _kind_of(tl: Timeline, key: str | None) -> str | None:
    unit = tl.unit(key) if key else None
    return unit.kind if unit else None


def _parent_of(tl: Timeline, key: str | None) -> str | None:
    unit = tl.unit(key) if key else None
    return unit.parent if unit else None


def _acting_board(d: Decider) -> str | None:
    """The board a body decides as: a board itself, or a committee's board."""
    if d.kind == "board":
        return d.key
    if d.kind == "committee":
        return d.parent
    return None


@at_recording
def check_competence(tl: Timeline, change: DatedChange) -> None:
    d = decider(tl, change)
    if d is None:
        return
    refuse = _refusal(d)
    if d.kind not in (*BODY_KINDS, "position"):
        raise RuleViolation(
            COMPETENCE,
            f"decided by {d.describe()}: {a(d.kind)} decides nothing itself; a change is decided by "
            "the council, a board or a committee (decision.body) or by an official (decision.position)",
        )
    if isinstance(change, GrantDelegation | AmendDelegation | RevokeDelegation | Subdelegate):
        _check_delegation_change(tl, change, d, refuse)
        return
    _check_council_matters(tl, change, d, refuse)
    if d.kind == "position":
        _check_domain(tl, change, d, refuse)


# --- boards, committees and companies ---------------------------------------------------------


def _check_council_matters(tl: Timeline, change: DatedChange, d: Decider, refuse: Refuse) -> None:
    day = d.day
    boards_rule = (
        "only the council establishes, dissolves, merges, splits, renames, reclassifies or moves a board"
    )
    companies_rule = (
        "only the council forms, dissolves or merges a company, or changes its owner or supervisor"
    )
    committees_rule = (
        "a committee is established, changed or ended by the council or by the board it belongs to"
    )
    boards = _boards_touched(tl, change)
    if boards and d.kind != "council":
        raise refuse(boards, boards_rule, COUNCIL_MATTERS.on(day))
    companies = _companies_touched(tl, change)
    if companies and d.kind != "council":
        raise refuse(companies, companies_rule, COMPANIES.on(day))
    committees = _committees_touched(tl, change)
    if committees and d.kind != "council":
        doing, owners = committees
        acting = _acting_board(d)
        if acting is None or any(owner != acting for owner in owners):
            raise refuse(doing, committees_rule, COUNCIL_MATTERS.on(day))


def _boards_touched(tl: Timeline, c: DatedChange) -> str | None:
    """What the change does to a board, in words, or None if it touches none."""
    match c:
        case EstablishUnit() if c.kind == "board":
            return f"establish board '{c.unit}'"
        case RenameUnit() | DissolveUnit() | MoveUnit() if _kind_of(tl, c.unit) == "board":
            return f"{_VERB[c.TYPE]} board '{c.unit}'"
        case ReclassifyUnit() if c.kind == "board":
            return f"make '{c.unit}' a board"
        case ReclassifyUnit() if _kind_of(tl, c.unit) == "board":
            return f"make board '{c.unit}' {a(c.kind)}"
        case MergeUnits() if c.kind == "board" or _any_kind(tl, c.units, "board"):
            return f"merge {_names(c.units)} into board '{c.into}'"
        case SplitUnit() if _kind_of(tl, c.unit) == "board" or any(s.kind == "board" for s in c.into):
            return f"split '{c.unit}' into boards {_names(s.unit for s in c.into)}"
        case SpinOffUnit() if _kind_of(tl, c.unit) == "board":
            return f"turn board '{c.unit}' into a company"
    return None


_VERB = {"rename_unit": "rename", "dissolve_unit": "dissolve", "move_unit": "move"}


def _any_kind(tl: Timeline, keys: Iterable[str], kind: str) -> bool:
    return any(_kind_of(tl, k) == kind for k in keys)


def _companies_touched(tl: Timeline, c: DatedChange) -> str | None:
    match c:
        case EstablishUnit() if c.kind == "company":
            return f"form company '{c.unit}'"
        case SpinOffUnit():
            return f"form company '{c.company}' out of '{c.unit}'"
        case DissolveUnit() if _kind_of(tl, c.unit) == "company":
            return f"dissolve company '{c.unit}'"
        case MoveUnit() if _kind_of(tl, c.unit) == "company":
            return f"change the owner or supervisor of company '{c.unit}'"
        case MergeUnits() if c.kind == "company" or _any_kind(tl, c.units, "company"):
            return f"merge {_names(c.units)} into company '{c.into}'"
    return None


def _committees_touched(tl: Timeline, c: DatedChange) -> tuple[str, set[str | None]] | None:
    """What the change does to committees, and the boards they belong to (before and after)."""
    match c:
        case EstablishUnit() if c.kind == "committee":
            return f"establish committee '{c.unit}'", {c.parent}
        case RenameUnit() | DissolveUnit() | MoveUnit() if _kind_of(tl, c.unit) == "committee":
            owners = {_parent_of(tl, c.unit)}
            if isinstance(c, MoveUnit):
                owners.add(c.parent)
            return f"{_VERB[c.TYPE]} committee '{c.unit}'", owners
        case ReclassifyUnit() if "committee" in (c.kind, _kind_of(tl, c.unit)):
            return f"make '{c.unit}' {a(c.kind)}", {_parent_of(tl, c.unit)}
        case MergeUnits() if c.kind == "committee" or _any_kind(tl, c.units, "committee"):
            owners = {_parent_of(tl, u) for u in c.units}
            if c.parent:
                owners.add(c.parent)
            return f"merge committees {_names(c.units)}", owners
        case SplitUnit() if _kind_of(tl, c.unit) == "committee":
            owners = {_parent_of(tl, c.unit), *(s.parent for s in c.into if s.parent)}
            return f"split committee '{c.unit}'", owners
    return None


def _names(keys: Iterable[str]) -> str:
    return ", ".join(f"'{k}'" for k in keys)


# --- delegations ------------------------------------------------------------------------------


def _check_delegation_change(
    tl: Timeline,
    change: GrantDelegation | AmendDelegation | RevokeDelegation | Subdelegate,
    d: Decider,
    refuse: Refuse,
) -> None:
    day = d.day
    if isinstance(change, GrantDelegation):
        board, parent_delegation = change.from_, None
    elif isinstance(change, Subdelegate):
        parent = tl.delegation(change.parent_delegation)
        if parent is None:
            return  # the handler says the delegation is not in effect
        board, parent_delegation = parent.board, change.parent_delegation
    else:
        current = tl.delegation(change.delegation)
        if current is None:
            return
        board, parent_delegation = current.board, current.parent
    sub = parent_delegation is not None
    if d.kind == "position":
        # A vidaredelegation's parent is in effect while it is (ending one ends the other).
        held = tl.delegation(parent_delegation) if parent_delegation is not None else None
        holder = held.to if held is not None else None
        if not sub:
            raise refuse(
                f"{_delegation_verb(change)} a delegation of board '{board}'",
                "a board's delegationsordning is decided by the board itself; an official decides "
                "only a vidaredelegation of a delegation the official holds",
                cite(day, DELEGATION_TO_MEMBERS, DELEGATION_TO_EMPLOYEE),
            )
        if holder != d.key:
            raise refuse(
                f"{_delegation_verb(change)} a vidaredelegation of '{parent_delegation}'",
                f"a vidaredelegation is decided by the förvaltningschef who holds the delegation it "
                f"rests on ('{holder}'), or by board '{board}'",
                FURTHER_DELEGATION.on(day),
            )
        return
    if _acting_board(d) != board or d.kind == "committee":
        raise refuse(
            f"{_delegation_verb(change)} a delegation of board '{board}'",
            "a board's delegations are granted, amended and revoked by the board itself",
            cite(day, DELEGATION_TO_MEMBERS, DELEGATION_TO_EMPLOYEE),
        )


def _delegation_verb(change: DatedChange) -> str:
    return {
        "grant_delegation": "grant",
        "amend_delegation": "amend",
        "revoke_delegation": "revoke",
        "subdelegate": "decide",
    }[change.TYPE]


# --- an official's domain ---------------------------------------------------------------------


def domain_of(tl: Timeline, unit: str, day: date) -> str | None:
    """The office or area a post in `unit` belongs to on `day`: the nearest at or above it."""
    seen: set[str] = set()
    key: str | None = unit
    while key is not None and key not in seen:
        seen.add(key)
        versions = tl.units.get(key)
        version = _read_on(versions, day) if versions else None
        if not isinstance(version, UnitVersion):
            return None
        if version.kind in DOMAIN_KINDS:
            return key
        key = version.parent or version.owner
    return None


def _inside(tl: Timeline, key: str | None, domain: str, *, itself: bool) -> bool:
    """Whether `key` stands under `domain` on the effective date (or is it, if `itself`)."""
    if key is None:
        return True
    if key == domain:
        return itself
    return domain in tl.ancestors(key)


def _check_domain(tl: Timeline, change: DatedChange, d: Decider, refuse: Refuse) -> None:
    assert d.post_unit is not None
    day = d.day
    law = DELEGATION_TO_EMPLOYEE.on(day)
    domain = domain_of(tl, d.post_unit, day)
    if domain is None:
        raise refuse(
            f"decide {change.TYPE}",
            f"the post belongs to '{d.post_unit}', which stands in no office or area; an official "
            "decides only inside the office or area of the post",
            law,
        )
    altered, targets = _reach(tl, change)
    outside = [k for k in altered if not _inside(tl, k, domain, itself=False)]
    outside += [k for k in targets if k is not None and not _inside(tl, k, domain, itself=True)]
    if outside:
        keys = list(dict.fromkeys(outside))
        what = f"{_names(keys)} {'is' if len(keys) == 1 else 'are'}"
        raise refuse(
            _doing(tl, change),
            f"an official decides only inside the office or area the post belongs to, '{domain}', "
            f"and {what} not inside it",
            law,
        )


def _doing(tl: Timeline, c: DatedChange) -> str:
    """The change in words: "establish unit 'x' under 'y'", "abolish position 'p'"."""
    match c:
        case EstablishUnit():
            return f"establish unit '{c.unit}' under '{c.parent or c.owner}'"
        case RenameUnit() | DissolveUnit():
            return f"{_VERB[c.TYPE]} unit '{c.unit}'"
        case ReclassifyUnit():
            return f"make unit '{c.unit}' {a(c.kind)}"
        case MoveUnit():
            return f"move unit '{c.unit}' under '{c.parent}'"
        case MergeUnits():
            return f"merge units {_names(c.units)} into '{c.into}'"
        case SplitUnit():
            return f"split unit '{c.unit}'"
        case SpinOffUnit():
            return f"turn unit '{c.unit}' into company '{c.company}'"
        case EstablishPosition():
            return f"establish position '{c.position}' in '{c.unit}'"
        case MovePosition():
            return f"move position '{c.position}' to '{c.unit}'"
        case AbolishPosition():
            return f"abolish position '{c.position}'"
    return f"decide {c.TYPE}"


def _reach(tl: Timeline, c: DatedChange) -> tuple[list[str], list[str | None]]:
    """The units a change alters (which must stand under the domain) and the places it puts
    units or posts (which may be the domain itself)."""
    match c:
        case EstablishUnit():
            return [], [c.parent or c.owner]
        case RenameUnit() | ReclassifyUnit() | DissolveUnit():
            return [c.unit], []
        case MoveUnit():
            return [c.unit], [c.parent or c.owner]
        case MergeUnits():
            return list(c.units), [c.parent]
        case SplitUnit():
            return [c.unit], [s.parent for s in c.into]
        case SpinOffUnit():
            return [c.unit], [c.owner]
        case EstablishPosition():
            return [], [c.unit]
        case MovePosition():
            current = tl.position(c.position)
            return [], [current.unit if current else None, c.unit]
        case AbolishPosition():
            current = tl.position(c.position)
            return [], [current.unit if current else None]
    return [], []
