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
from .law import (
    COMPANIES,
    COUNCIL_MATTERS,
    DELEGATION_TO_EMPLOYEE,
    DELEGATION_TO_MEMBERS,
    FURTHER_DELEGATION,
    cite,
)
from .messages import Text, a_kind, text
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

    def describe(self) -> Text:
        """The decider in a message: 'stadsdirektor' (a position: Stadsdirektör)."""
        return text("competence:decider", key=self.key, kind=a_kind(self.kind), name=self.name)


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
    what = text("competence:decision", type=change.TYPE)
    key: str | None
    if decision.position is not None:
        key = decision.position
        if key not in tl.positions:
            other = tl.key_in_use(key)
            if other is not None:
                raise RuleViolation(
                    COMPETENCE, text("competence:not-a-post", what=what, key=key, kind=a_kind(other))
                )
            raise RuleViolation(COMPETENCE, text("competence:no-post", what=what, key=key))
        return _official(tl, key, day, what)
    key = decision.body
    if key is None:
        return None
    if key in tl.positions:
        return _official(tl, key, day, what)
    if key in tl.delegations:
        raise RuleViolation(COMPETENCE, text("competence:body-is-delegation", what=what, key=key))
    if key not in tl.units:
        return None  # free text: accepted, and a finding
    version = _read_on(tl.units[key], day)
    if version is None:
        raise RuleViolation(
            COMPETENCE, text("competence:body-absent", what=what, absence=tl.absence("unit", key, day))
        )
    assert isinstance(version, UnitVersion)
    return Decider(key, version.kind, version.name, day, parent=version.parent)


def _official(tl: Timeline, key: str, day: date, what: Text) -> Decider:
    version = _read_on(tl.positions[key], day)
    if version is None:
        absent = tl.absence("position", key, day)
        raise RuleViolation(COMPETENCE, text("competence:post-absent", what=what, absence=absent))
    return Decider(key, "position", version.title, day, post_unit=version.unit)


# --- the checks --------------------------------------------------------------------------------


def _refusal(d: Decider) -> Callable[[Text, Text, str], RuleViolation]:
    """The rejection of a change by `d`: who decided, what they may not do, the rule and the law."""

    def refuse(doing: Text, rule: Text, law: str) -> RuleViolation:
        return RuleViolation(
            COMPETENCE, text("competence:refused", decider=d.describe(), doing=doing, rule=rule, law=law)
        )

    return refuse


Refuse = Callable[[Text, Text, str], RuleViolation]


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
            COMPETENCE, text("competence:decides-nothing", decider=d.describe(), kind=a_kind(d.kind))
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
    boards_rule = text("competence:boards-rule")
    companies_rule = text("competence:companies-rule")
    committees_rule = text("competence:committees-rule")
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


def _boards_touched(tl: Timeline, c: DatedChange) -> Text | None:
    """What the change does to a board, in words, or None if it touches none."""
    match c:
        case EstablishUnit() if c.kind == "board":
            return text("competence:establish-board", unit=c.unit)
        case RenameUnit() | DissolveUnit() | MoveUnit() if _kind_of(tl, c.unit) == "board":
            return text("competence:verb-board", verb=_verb(c), unit=c.unit)
        case ReclassifyUnit() if c.kind == "board":
            return text("competence:make-board", unit=c.unit)
        case ReclassifyUnit() if _kind_of(tl, c.unit) == "board":
            return text("competence:unmake-board", unit=c.unit, kind=a_kind(c.kind))
        case MergeUnits() if c.kind == "board" or _any_kind(tl, c.units, "board"):
            return text("competence:merge-board", units=_names(c.units), into=c.into)
        case SplitUnit() if _kind_of(tl, c.unit) == "board" or any(s.kind == "board" for s in c.into):
            return text("competence:split-board", unit=c.unit, units=_names(s.unit for s in c.into))
        case SpinOffUnit() if _kind_of(tl, c.unit) == "board":
            return text("competence:spin-off-board", unit=c.unit)
    return None


_VERB = {
    "rename_unit": text("competence:rename"),
    "dissolve_unit": text("competence:dissolve"),
    "move_unit": text("competence:move"),
}


def _verb(c: DatedChange) -> Text:
    """'rename', 'dissolve', 'move': what a change does to the unit it names."""
    return _VERB[c.TYPE]


def _any_kind(tl: Timeline, keys: Iterable[str], kind: str) -> bool:
    return any(_kind_of(tl, k) == kind for k in keys)


def _companies_touched(tl: Timeline, c: DatedChange) -> Text | None:
    match c:
        case EstablishUnit() if c.kind == "company":
            return text("competence:form-company", unit=c.unit)
        case SpinOffUnit():
            return text("competence:spin-off-company", company=c.company, unit=c.unit)
        case DissolveUnit() if _kind_of(tl, c.unit) == "company":
            return text("competence:dissolve-company", unit=c.unit)
        case MoveUnit() if _kind_of(tl, c.unit) == "company":
            return text("competence:move-company", unit=c.unit)
        case MergeUnits() if c.kind == "company" or _any_kind(tl, c.units, "company"):
            return text("competence:merge-company", units=_names(c.units), into=c.into)
    return None


def _committees_touched(tl: Timeline, c: DatedChange) -> tuple[Text, set[str | None]] | None:
    """What the change does to committees, and the boards they belong to (before and after)."""
    match c:
        case EstablishUnit() if c.kind == "committee":
            return text("competence:establish-committee", unit=c.unit), {c.parent}
        case RenameUnit() | DissolveUnit() | MoveUnit() if _kind_of(tl, c.unit) == "committee":
            owners = {_parent_of(tl, c.unit)}
            if isinstance(c, MoveUnit):
                owners.add(c.parent)
            return text("competence:verb-committee", verb=_verb(c), unit=c.unit), owners
        case ReclassifyUnit() if "committee" in (c.kind, _kind_of(tl, c.unit)):
            return text("competence:make-kind", unit=c.unit, kind=a_kind(c.kind)), {_parent_of(tl, c.unit)}
        case MergeUnits() if c.kind == "committee" or _any_kind(tl, c.units, "committee"):
            owners = {_parent_of(tl, u) for u in c.units}
            if c.parent:
                owners.add(c.parent)
            return text("competence:merge-committees", units=_names(c.units)), owners
        case SplitUnit() if _kind_of(tl, c.unit) == "committee":
            owners = {_parent_of(tl, c.unit), *(s.parent for s in c.into if s.parent)}
            return text("competence:split-committee", unit=c.unit), owners
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
                text("competence:delegation-of-board", verb=_delegation_verb(change), board=board),
                text("competence:board-decides-own"),
                cite(day, DELEGATION_TO_MEMBERS, DELEGATION_TO_EMPLOYEE),
            )
        if holder != d.key:
            raise refuse(
                text("competence:sub-of", verb=_delegation_verb(change), delegation=parent_delegation),
                text("competence:sub-decided-by", holder=holder, board=board),
                FURTHER_DELEGATION.on(day),
            )
        return
    if _acting_board(d) != board or d.kind == "committee":
        raise refuse(
            text("competence:delegation-of-board", verb=_delegation_verb(change), board=board),
            text("competence:board-delegations"),
            cite(day, DELEGATION_TO_MEMBERS, DELEGATION_TO_EMPLOYEE),
        )


_DELEGATION_VERBS = {
    "grant_delegation": text("competence:grant"),
    "amend_delegation": text("competence:amend"),
    "revoke_delegation": text("competence:revoke"),
    "subdelegate": text("competence:decide"),
}


def _delegation_verb(change: DatedChange) -> Text:
    return _DELEGATION_VERBS[change.TYPE]


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
            text("competence:decide-type", type=change.TYPE),
            text("competence:no-domain", unit=d.post_unit),
            law,
        )
    altered, targets = _reach(tl, change)
    outside = [k for k in altered if not _inside(tl, k, domain, itself=False)]
    outside += [k for k in targets if k is not None and not _inside(tl, k, domain, itself=True)]
    if outside:
        keys = list(dict.fromkeys(outside))
        raise refuse(
            _doing(tl, change),
            text(
                "competence:outside-one" if len(keys) == 1 else "competence:outside-many",
                domain=domain,
                keys=_names(keys),
            ),
            law,
        )


def _doing(tl: Timeline, c: DatedChange) -> Text:
    """The change in words: "establish unit 'x' under 'y'", "abolish position 'p'"."""
    match c:
        case EstablishUnit():
            return text("competence:establish-unit", unit=c.unit, parent=c.parent or c.owner)
        case RenameUnit() | DissolveUnit():
            return text("competence:verb-unit", verb=_verb(c), unit=c.unit)
        case ReclassifyUnit():
            return text("competence:make-unit", unit=c.unit, kind=a_kind(c.kind))
        case MoveUnit():
            return text("competence:move-unit", unit=c.unit, parent=c.parent)
        case MergeUnits():
            return text("competence:merge-units", units=_names(c.units), into=c.into)
        case SplitUnit():
            return text("competence:split-unit", unit=c.unit)
        case SpinOffUnit():
            return text("competence:spin-off-unit", unit=c.unit, company=c.company)
        case EstablishPosition():
            return text("competence:establish-position", position=c.position, unit=c.unit)
        case MovePosition():
            return text("competence:move-position", position=c.position, unit=c.unit)
        case AbolishPosition():
            return text("competence:abolish-position", position=c.position)
    return text("competence:decide-type", type=c.TYPE)


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
