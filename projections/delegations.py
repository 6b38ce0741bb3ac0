"""The delegationsordning from the read models: delegations in effect, gaps, findings.

A *gap* exists on day D when a delegation is in effect but its delegate (or,
for a vidaredelegation, the delegate of the delegation it rests on) is not: the
post was abolished, or its unit ended in a reorganisation. `since` is the first
day of the gap. Findings (a delegated matter the law keeps with the board, a
repealed act cited) are worded in orgchange/domain/findings.py and read in
findings.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from . import tables as t
from .rows import Reader, believed, versions_on


@dataclass(frozen=True)
class DelegationRow:
    id: str
    board_id: str
    to_id: str
    matter: str
    code: str | None
    legal_basis: str | None
    limit: str | None
    substitute_id: str | None
    further_delegation: bool
    reporting: str | None
    reserved_matter: bool
    parent_delegation_id: str | None
    terms_from: date  # this version of the terms holds from
    valid_from: date  # the delegation's whole life
    valid_to: date | None
    change_id: str


@dataclass(frozen=True)
class Gap:
    delegation_id: str
    since: date
    reason: str
    missing_delegate: str  # the position or committee that is not in effect
    caused_by: str | None = None  # the change that ended the missing delegate


@dataclass(frozen=True)
class Delegate:
    """What a delegate key names on a day, or when it ended."""

    key: str
    title: str
    in_effect: bool
    ended: date | None
    is_committee: bool
    ended_by: str | None = None


def _life_query(table: Any, key: str, ids: Sequence[str], known_at: datetime | None) -> Any:
    return (
        select(
            table.c[key],
            func.min(table.c.valid_from),
            func.max(table.c.valid_to),
            func.count(table.c.row_id) - func.count(table.c.valid_to),
        )
        .where(table.c[key].in_(ids), believed(table, known_at))
        .group_by(table.c[key])
    )


def delegation_row(r: Any, start: date, end: date | None) -> DelegationRow:
    """A version of a delegation's terms, with the whole life of the delegation (`start` .. `end`)."""
    return DelegationRow(
        id=r.delegation_id,
        board_id=r.board_id,
        to_id=r.to_id,
        matter=r.matter,
        code=r.code,
        legal_basis=r.legal_basis,
        limit=r.limit_text,
        substitute_id=r.substitute_id,
        further_delegation=r.further_delegation,
        reporting=r.reporting,
        reserved_matter=r.reserved_matter,
        parent_delegation_id=r.parent_delegation_id,
        terms_from=r.valid_from,
        valid_from=start,
        valid_to=end,
        change_id=r.change_id,
    )


class DelegationReader(Reader):
    def delegations(
        self,
        as_of: date,
        board: str | None = None,
        delegate: str | None = None,
        known_at: datetime | None = None,
    ) -> list[DelegationRow]:
        v = t.delegation_versions
        conditions = []
        if board is not None:
            conditions.append(v.c.board_id == board)
        if delegate is not None:
            conditions.append(v.c.to_id == delegate)
        query = versions_on(v, as_of, known_at, *conditions)
        rows = sorted(
            self._all(query),  # sorted here: the database's collation may differ
            key=lambda r: (r.board_id, r.code or "", r.delegation_id),
        )
        lives = self._lives(t.delegation_versions, "delegation_id", [r.delegation_id for r in rows], known_at)
        return [delegation_row(r, *lives[r.delegation_id]) for r in rows]

    def history(self, delegation_id: str, known_at: datetime | None = None) -> list[DelegationRow]:
        v = t.delegation_versions
        rows = self._all(
            select(v)
            .where(v.c.delegation_id == delegation_id, believed(v, known_at))
            .order_by(v.c.valid_from)
        )
        lives = self._lives(v, "delegation_id", [delegation_id], known_at)
        return [delegation_row(r, *lives[delegation_id]) for r in rows]

    def gaps(self, as_of: date, known_at: datetime | None = None, board: str | None = None) -> list[Gap]:
        delegations = self.delegations(as_of, board=board, known_at=known_at)
        by_id = {d.id: d for d in delegations}
        parents = [d.parent_delegation_id for d in delegations if d.parent_delegation_id]
        missing_parents = [p for p in parents if p not in by_id]
        if missing_parents:  # a parent delegation of another board filter
            by_id.update(
                {d.id: d for d in self.delegations(as_of, known_at=known_at) if d.id in missing_parents}
            )
        delegates = self.delegates({d.to_id for d in by_id.values()}, as_of, known_at)
        gaps = []
        for d in delegations:
            parent = by_id.get(d.parent_delegation_id) if d.parent_delegation_id else None
            found = []
            if not delegates[d.to_id].in_effect:
                found.append(self._gap(d, delegates[d.to_id], None))
            if parent is not None and not delegates[parent.to_id].in_effect:
                found.append(self._gap(d, delegates[parent.to_id], parent))
            if found:  # both may be missing: the gap began with whichever went first
                gaps.append(min(found, key=lambda g: g.since))
        return gaps

    def delegates(self, keys: set[str], as_of: date, known_at: datetime | None = None) -> dict[str, Delegate]:
        """Each delegate key (a position or a committee) as it stands on `as_of`."""
        found: dict[str, Delegate] = {}
        ordered = sorted(keys)
        p, u = t.position_versions, t.unit_versions
        for table, key, label, committee in (
            (p, "position_id", "title", False),
            (u, "unit_id", "name", True),
        ):
            lives = self._lives(table, key, ordered, known_at)
            if not lives:
                continue
            names: dict[str, str] = {}
            enders: dict[str, str | None] = {}
            query = (
                select(table.c[key], table.c[label], table.c.ended_by)
                .where(table.c[key].in_(list(lives)), believed(table, known_at), table.c.valid_from <= as_of)
                .order_by(table.c.valid_from)
            )
            for k, name, ended_by in self._all(query):
                names[k], enders[k] = name, ended_by
            for k, (start, end) in lives.items():
                alive = start <= as_of and (end is None or as_of < end)
                found[k] = Delegate(k, names.get(k, k), alive, end, committee, enders.get(k))
        for k in ordered:
            found.setdefault(k, Delegate(k, k, False, None, False))
        return found

    def _lives(
        self, table: Any, key: str, ids: Sequence[str], known_at: datetime | None
    ) -> dict[str, tuple[date, date | None]]:
        lives: dict[str, tuple[date, date | None]] = {}
        ids = sorted(set(ids))
        for start in range(0, len(ids), 500):
            for k, first, last, open_versions in self._all(
                _life_query(table, key, ids[start : start + 500], known_at)
            ):
                lives[k] = (first, None if open_versions else last)
        return lives

    @staticmethod
    def _gap(d: DelegationRow, missing: Delegate, parent: DelegationRow | None) -> Gap:
        since = max(missing.ended or d.valid_from, d.valid_from)
        noun = "Utskottet" if missing.is_committee else "Befattningen"
        ended = f"finns inte från och med {missing.ended.isoformat()}" if missing.ended else "finns inte"
        if parent is None:
            reason = f"{noun} {missing.title} ({missing.key}) {ended}; delegationen saknar delegat."
        else:
            reason = (
                f"Vidaredelegationen vilar på {parent.id}, vars delegat {missing.title} "
                f"({missing.key}) {ended}; den saknar därmed grund."
            )
        return Gap(d.id, since, reason, missing.key, missing.ended_by)
