"""Delegation changes: the delegationsordning over time (docs/domain.md, rule 6).

Kommunallagen (2017:725): a board (kommunstyrelsen or a nämnd) may let a
committee of its own, a member or a substitute decide on its behalf (6 kap.
37 §), or an employee of the kommun (7 kap. 5 §); a förvaltningschef or
direktör given that power may pass it on to another employee if the board
allows it (vidaredelegation, 7 kap. 6 §), and only one step. Before 2018 the
same rules stood in KL (1991:900) 6 kap. 33 and 37 §§; every message cites the
act in force on the change's effective date (`law.py`). A delegate is always a
post (position) or a committee, never a named person, a unit or a company.

A delegation whose delegate ends stays in effect: that is a *gap*, a finding
reported by the read models, not an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from .changes import AmendDelegation, GrantDelegation, RevokeDelegation, Subdelegate
from .errors import RuleViolation
from .law import DELEGATION_TO_EMPLOYEE, DELEGATION_TO_MEMBERS, FURTHER_DELEGATION, cite
from .messages import Text, a_kind, text
from .records import DelegationVersion, end, revise
from .timeline import DELEGATION, NO_CHANGE, Timeline, handles


def delegate_rule(day: date) -> str:
    """Who a board may let decide: a committee, a member or a substitute, or an employee."""
    return cite(day, DELEGATION_TO_MEMBERS, DELEGATION_TO_EMPLOYEE)


def further_rule(day: date) -> str:
    """Vidaredelegation: by a förvaltningschef, to another employee, one step."""
    return FURTHER_DELEGATION.on(day)


def check_delegate(
    tl: Timeline, board: str, to: str, day: date, what: str | Text, *, committee_allowed: bool = True
) -> None:
    """The delegate is one position in effect, or a committee of the same board."""
    if to in tl.units:
        delegate = tl.require_unit(to, day, what)
        if delegate.kind != "committee" or not committee_allowed:
            raise RuleViolation(
                DELEGATION,
                text(
                    "delegation:delegate-kind" if committee_allowed else "delegation:delegate-kind-position",
                    what=what,
                    to=to,
                    kind=a_kind(delegate.kind),
                    law=delegate_rule(day) if committee_allowed else further_rule(day),
                ),
            )
        if delegate.parent != board:
            raise RuleViolation(
                DELEGATION,
                text(
                    "delegation:other-board",
                    what=what,
                    to=to,
                    parent=delegate.parent,
                    board=board,
                    law=DELEGATION_TO_MEMBERS.on(day),
                ),
            )
        return
    position = tl.require_position(to, day, what)
    _check_not_in_company(tl, to, position.unit, day, what)


def _company_over(tl: Timeline, unit: str) -> str | None:
    """The company `unit` is, or the nearest one above it; None if it stands in none."""
    return next((k for k in (unit, *tl.ancestors(unit)) if (u := tl.unit(k)) and u.kind == "company"), None)


def _check_not_in_company(tl: Timeline, post: str, unit: str, day: date, what: str | Text) -> None:
    """A post in a company, or under one, is not the kommun's employee (KL (2017:725) 7 kap. 5 §)."""
    company = _company_over(tl, unit)
    if company is None:
        return
    raise RuleViolation(
        DELEGATION,
        text(
            "delegation:in-company" if company == unit else "delegation:under-company",
            what=what,
            post=post,
            unit=unit,
            company=company,
            law=DELEGATION_TO_EMPLOYEE.on(day),
        ),
    )


def check_delegates_outside_companies(
    tl: Timeline, units: Iterable[str], day: date, what: str | Text
) -> None:
    """After a reorganisation: no post that is a delegate stands in a company, or under one.

    A company's staff are not the kommun's employees (KL (2017:725) 7 kap. 5 §): a post cannot be a
    delegate there when the delegation is granted (`check_delegate`), nor become one by
    being moved, merged, split or spun off into a company. The delegations are amended
    or revoked first.
    """
    for top in units:
        company = _company_over(tl, top)
        if company is None:
            continue
        for post in _posts_under(tl, top):
            held = sorted(tl.received.get(post, ()))
            if held:
                raise RuleViolation(
                    DELEGATION,
                    text(
                        "delegation:into-company-one" if len(held) == 1 else "delegation:into-company-many",
                        what=what,
                        post=post,
                        company=company,
                        delegations=", ".join(repr(d) for d in held),
                        law=DELEGATION_TO_EMPLOYEE.on(day),
                    ),
                )


def _posts_under(tl: Timeline, top: str) -> list[str]:
    """The posts of `top` and of every unit below it (children and owned companies), by key."""
    posts: list[str] = []
    waiting = [top]
    while waiting:
        unit = waiting.pop()
        posts.extend(tl.staff.get(unit, ()))
        waiting.extend(tl.dependants(unit))
    return sorted(posts)


def _end_with_subdelegations(tl: Timeline, key: str, day: date, change_id: str) -> None:
    """A vidaredelegation ends when the delegation it rests on ends (rule 6)."""
    for sub in sorted(tl.subdelegations.get(key, ())):
        tl.set_delegation(sub, end(tl.delegations[sub], day, change_id))
    tl.set_delegation(key, end(tl.delegations[key], day, change_id))


def end_delegations_of_board(tl: Timeline, board: str, day: date, change_id: str) -> None:
    """A board that ends takes its delegationsordning with it."""
    for key in sorted(tl.granted.get(board, ())):
        if tl.delegation(key) is not None:
            _end_with_subdelegations(tl, key, day, change_id)


def subdelegation_reporting(title: str) -> str:
    """Where decisions under a vidaredelegation are reported unless it says otherwise.

    To the förvaltningschef who passed the delegation on, not to the board (KL (2017:725)
    7 kap. 8 §); the förvaltningschef's decision to pass it on is what is reported to the board.
    """
    return f"Anmäls till {title} (förvaltningschefen som vidaredelegerade)"


@handles(GrantDelegation)
def grant_delegation(tl: Timeline, c: GrantDelegation) -> None:
    day = c.effective
    what = text("CHANGE_REJECTED:grant", delegation=c.delegation, board=c.from_, to=c.to)
    tl.require_new_key("delegation", c.delegation)
    board = tl.require_unit(c.from_, day, what)
    if board.kind != "board":
        raise RuleViolation(
            DELEGATION,
            text(
                "delegation:not-a-board",
                what=what,
                board=c.from_,
                kind=a_kind(board.kind),
                law=delegate_rule(day),
            ),
        )
    check_delegate(tl, c.from_, c.to, day, what)
    if c.substitute is not None:
        as_substitute = text("in-effect:substitute", what=what)
        substitute = tl.require_position(c.substitute, day, as_substitute)
        _check_not_in_company(tl, c.substitute, substitute.unit, day, as_substitute)
    version = DelegationVersion(
        valid_from=day,
        valid_to=None,
        board=c.from_,
        to=c.to,
        matter=c.matter,
        code=c.code,
        legal_basis=c.legal_basis,
        limit=c.limit,
        substitute=c.substitute,
        further_delegation=c.further_delegation,
        reporting=c.reporting,
        reserved_matter=c.reserved_matter,
        parent=None,
        change_id=c.id or "",
    )
    tl.set_delegation(c.delegation, (version,))


@handles(AmendDelegation)
def amend_delegation(tl: Timeline, c: AmendDelegation) -> None:
    day, change_id = c.effective, c.id or ""
    what = text("CHANGE_REJECTED:amend", delegation=c.delegation)
    current = tl.require_delegation(c.delegation, day, what)
    terms = c.amended_terms()
    if all(getattr(current, term) == value for term, value in terms.items()):
        raise RuleViolation(NO_CHANGE, text("no-change:terms", what=what))
    is_sub = current.parent is not None
    if "to" in terms:
        check_delegate(tl, current.board, terms["to"], day, what, committee_allowed=not is_sub)
    if terms.get("substitute") is not None:
        as_substitute = text("in-effect:substitute", what=what)
        substitute = tl.require_position(terms["substitute"], day, as_substitute)
        _check_not_in_company(tl, terms["substitute"], substitute.unit, day, as_substitute)
    if is_sub and terms.get("further_delegation"):
        raise RuleViolation(
            DELEGATION,
            text("delegation:sub-again", what=what, delegation=c.delegation, law=further_rule(day)),
        )
    tl.set_delegation(c.delegation, revise(tl.delegations[c.delegation], day, change_id, **terms))
    basis_lapses = terms.get("to", current.to) != current.to or (
        terms.get("further_delegation") is False and current.further_delegation
    )
    # A vidaredelegation keeps its own delegate, substitute and reporting (to the förvaltningschef).
    own = ("to", "substitute", "further_delegation", "reporting")
    shared = {t: v for t, v in terms.items() if t not in own}
    for sub in sorted(tl.subdelegations.get(c.delegation, ())):
        if basis_lapses:
            tl.set_delegation(sub, end(tl.delegations[sub], day, change_id))
        elif shared:
            tl.set_delegation(sub, revise(tl.delegations[sub], day, change_id, **shared))


@handles(RevokeDelegation)
def revoke_delegation(tl: Timeline, c: RevokeDelegation) -> None:
    tl.require_delegation(c.delegation, c.effective, text("CHANGE_REJECTED:revoke", delegation=c.delegation))
    _end_with_subdelegations(tl, c.delegation, c.effective, c.id or "")


@handles(Subdelegate)
def subdelegate(tl: Timeline, c: Subdelegate) -> None:
    day = c.effective
    what = text("CHANGE_REJECTED:subdelegate", parent=c.parent_delegation, to=c.to, delegation=c.delegation)
    tl.require_new_key("delegation", c.delegation)
    parent = tl.require_delegation(c.parent_delegation, day, what)
    if parent.parent is not None:
        raise RuleViolation(
            DELEGATION,
            text("delegation:sub-of-sub", what=what, parent=c.parent_delegation, law=further_rule(day)),
        )
    if not parent.further_delegation:
        raise RuleViolation(
            DELEGATION,
            text("delegation:sub-not-allowed", what=what, parent=c.parent_delegation, law=further_rule(day)),
        )
    delegate = tl.position(parent.to)
    if delegate is None or not delegate.director:
        raise RuleViolation(
            DELEGATION,
            text(
                "delegation:sub-not-director" if delegate is not None else "delegation:sub-no-position",
                what=what,
                to=parent.to,
                day=day,
                law=further_rule(day),
            ),
        )
    check_delegate(tl, parent.board, c.to, day, what, committee_allowed=False)
    if c.to == parent.to:
        raise RuleViolation(NO_CHANGE, text("no-change:holder", what=what, to=c.to))
    version = DelegationVersion(
        valid_from=day,
        valid_to=None,
        board=parent.board,
        to=c.to,
        matter=parent.matter,
        code=parent.code,
        legal_basis=parent.legal_basis,
        limit=parent.limit,
        substitute=None,
        further_delegation=False,
        reporting=c.reporting or subdelegation_reporting(delegate.title),
        reserved_matter=parent.reserved_matter,
        parent=c.parent_delegation,
        change_id=c.id or "",
    )
    tl.set_delegation(c.delegation, (version,))
