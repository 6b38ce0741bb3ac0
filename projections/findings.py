"""Findings from the read models: what is wrong with what the register records (findings.py).

On a day: delegations of matters the law keeps with the board, delegations in force
from 2018-01-01 that cite the repealed KL (1991:900), companies owned by a board.
For recorded changes (a dry run, a review pack): the findings each change brought,
and a decision body the register cannot check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import func, select

from orgchange.domain.competence import self_establishing_entry
from orgchange.domain.findings import (
    Finding,
    board_owns_company,
    delegation_findings,
    unchecked_decider,
)

from . import tables as t
from .delegations import DelegationReader, DelegationRow
from .queries import OrganisationReader
from .rows import ChangeRow, Reader, believed, in_effect

DELEGATION_CHANGES = ("grant_delegation", "amend_delegation", "subdelegate")
COMPANY_CHANGES = ("establish_unit", "spin_off_unit", "move_unit")


class FindingReader(Reader):
    def delegations(
        self,
        as_of: date,
        known_at: datetime | None = None,
        board: str | None = None,
        rows: Sequence[DelegationRow] | None = None,
    ) -> list[Finding]:
        """Findings of the delegations in effect on `as_of`, in delegationsordning order."""
        if rows is None:
            rows = DelegationReader(self.bind).delegations(as_of, board=board, known_at=known_at)
        members = self._members(rows, as_of, known_at)
        found: list[Finding] = []
        for row in rows:
            for finding in self._of_terms(row, row.terms_from, None, members, cited_on=as_of):
                if finding.holds_on(as_of):
                    found.append(finding)
        return found

    def companies(self, as_of: date, known_at: datetime | None = None) -> list[Finding]:
        """Companies owned by a board on `as_of` (a company is the kommun's, through the council)."""
        units = {u.id: u for u in OrganisationReader(self.bind).organisation(as_of, known_at)}
        return [
            board_owns_company(u.id, u.name, u.owner_id, units[u.owner_id].name, u.valid_from, as_of)
            for u in units.values()
            if u.kind == "company" and u.owner_id in units and units[u.owner_id].kind == "board"
        ]

    def on(self, as_of: date, known_at: datetime | None = None) -> list[Finding]:
        """Every finding that holds on `as_of`: delegations first, then companies."""
        return self.delegations(as_of, known_at) + self.companies(as_of, known_at)

    def of_changes(self, changes: Iterable[ChangeRow]) -> dict[str, list[Finding]]:
        """For each change (by id): the findings it brought, as the register now stands.

        A delegation change: the findings of the terms it set, while they hold (a delegation
        granted in 2016 that cites KL (1991:900) is a finding from 2018-01-01). A company's
        establishment, spin-off or new owner: a board as owner. Any change: a decision body
        that is no key of the register.
        """
        rows = [
            c
            for c in changes
            if c.effective is not None and c.type not in ("cancel_change", "correct_change")
        ]
        found: dict[str, list[Finding]] = defaultdict(list)
        known = self._first_days({body for c in rows if (body := _body_to_check(c)) is not None})
        for change in rows:
            body = _body_to_check(change)
            assert change.effective is not None
            first = known.get(body) if body is not None else None
            if body is not None and (first is None or first > change.effective):
                found[change.id].append(unchecked_decider(change.id, body))
            entry = change.as_change_file_entry()
            if change.type in DELEGATION_CHANGES:
                found[change.id].extend(self._delegation_change(entry["delegation"], change.effective))
            elif change.type in COMPANY_CHANGES:
                company = entry.get("company") if change.type == "spin_off_unit" else entry.get("unit")
                finding = self._company_on(company, change.effective)
                if finding is not None:
                    found[change.id].append(finding)
        return {change_id: listed for change_id, listed in found.items() if listed}

    # --- helpers ---------------------------------------------------------------------------

    def _delegation_change(self, key: str, day: date) -> list[Finding]:
        history = DelegationReader(self.bind).history(key)
        version = next(
            (
                v
                for i, v in enumerate(history)
                if v.terms_from <= day and (i + 1 == len(history) or history[i + 1].terms_from > day)
            ),
            None,
        )
        if version is None:
            return []
        later = [v.terms_from for v in history if v.terms_from > version.terms_from]
        until = later[0] if later else version.valid_to
        members = self._members([version], day, None)
        return self._of_terms(version, version.terms_from, until, members, cited_on=day)

    def _company_on(self, key: str | None, day: date) -> Finding | None:
        if key is None:
            return None
        model = OrganisationReader(self.bind)
        company = model.units([key], day).get(key)
        if company is None or company.kind != "company" or company.owner_id is None:
            return None
        owner = model.units([company.owner_id], day).get(company.owner_id)
        if owner is None or owner.kind != "board":
            return None
        return board_owns_company(company.id, company.name, owner.id, owner.name, day)

    @staticmethod
    def _of_terms(
        row: DelegationRow,
        start: date,
        until: date | None,
        members: set[tuple[str, str]],
        *,
        cited_on: date,
    ) -> list[Finding]:
        return delegation_findings(
            row.id,
            matter=row.matter,
            reserved_matter=row.reserved_matter,
            legal_basis=row.legal_basis,
            valid_from=start,
            valid_to=until,
            delegate_is_member=(row.to_id, row.board_id) in members,
            cited_on=cited_on,
        )

    def _members(
        self, rows: Sequence[DelegationRow], day: date, known_at: datetime | None
    ) -> set[tuple[str, str]]:
        """(post, board) for each delegate that is a post of the delegating board itself (its chair,
        a member): a reserved matter may be left to them only when it is urgent."""
        p = t.position_versions
        keys = sorted({r.to_id for r in rows})
        boards = {r.board_id for r in rows}
        found: set[tuple[str, str]] = set()
        for start in range(0, len(keys), 500):
            query = select(p.c.position_id, p.c.unit_id).where(
                p.c.position_id.in_(keys[start : start + 500]),
                believed(p, known_at),
                in_effect(p, day),
                p.c.unit_id.in_(sorted(boards)),
            )
            found.update((post, unit) for post, unit in self._all(query))
        return found

    def _first_days(self, keys: set[str]) -> dict[str, date]:
        """The first day of each key that names a unit or a post in the register."""
        first: dict[str, date] = {}
        ordered = sorted(keys)
        for table, column in ((t.unit_versions, "unit_id"), (t.position_versions, "position_id")):
            for start in range(0, len(ordered), 500):
                query = (
                    select(table.c[column], func.min(table.c.valid_from))
                    .where(table.c[column].in_(ordered[start : start + 500]), believed(table, None))
                    .group_by(table.c[column])
                )
                for key, day in self._all(query):
                    first[key] = min(day, first.get(key, day))
        return first


def _body_to_check(change: ChangeRow) -> str | None:
    """The decision body a change names without an official (`decision.position`) beside it:
    the register checked it if it was a key then, and reports it as a finding if not."""
    body = change.decision_body
    if body is None:
        return None
    entry = change.as_change_file_entry()
    if (entry.get("decision") or {}).get("position") or self_establishing_entry(entry):
        return None
    return body
