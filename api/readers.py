"""Batch queries for the API's DataLoaders, and the delegation queries of the API.

`projections.queries.ReadModel` answers one question at a time and splits long
id lists into chunks of 500, so the number of statements grows with the answer.
The DataLoaders need the opposite: one statement per batch, whatever its size.
Every batch query here therefore has two shapes:

* a short id list (at most `IN_LIST_LIMIT`) is sent as `IN (:ids)`;
* a longer one is answered from the whole slice of the register in effect on
  the day (every row in effect, or `IN (SELECT … in effect …)`) and filtered in
  Python. A long list only arises when the caller already walks most of the
  organisation of that day, so the slice costs about as much as the answer.

All functions take `known_at` (transaction time, `None` = now) and read only the
rows believed at that instant, like the read model does.

Candidates to move into `projections/queries.py` once the API settles.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, Select, func, or_, select

from projections import tables as t
from projections.queries import ChangeRow, Life, PositionRow, ReadModel, UnitRow, believed, in_effect

# Below this many ids a batch is sent as an IN list; above it, as the day's slice.
# Well under SQLite's (32,766) and PostgreSQL's (65,535) bound-parameter limits.
IN_LIST_LIMIT = 500


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
    valid_from: date  # of these terms (this version)
    valid_to: date | None
    change_id: str


@dataclass(frozen=True)
class ReportRow:
    board_id: str
    meeting: date
    reference: str | None
    noted_paragraph: str | None
    change_ids: tuple[str, ...]


def _unit(row: Any) -> UnitRow:
    return UnitRow(
        row.unit_id, row.name, row.kind, row.parent_id, row.owner_id,
        row.valid_from, row.valid_to, row.change_id,
    )


def _position(row: Any) -> PositionRow:
    return PositionRow(
        row.position_id, row.title, row.unit_id, row.director, row.valid_from, row.valid_to
    )


def _delegation(row: Any) -> DelegationRow:
    return DelegationRow(
        id=row.delegation_id,
        board_id=row.board_id,
        to_id=row.to_id,
        matter=row.matter,
        code=row.code,
        legal_basis=row.legal_basis,
        limit=row.limit_text,
        substitute_id=row.substitute_id,
        further_delegation=row.further_delegation,
        reporting=row.reporting,
        reserved_matter=row.reserved_matter,
        parent_delegation_id=row.parent_delegation_id,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        change_id=row.change_id,
    )


def _life_query(table: Any, key: str) -> Select:
    """(key, first day, end, open versions) per key: the whole life of each thing."""
    return select(
        table.c[key],
        func.min(table.c.valid_from),
        func.max(table.c.valid_to),
        func.count(table.c.row_id) - func.count(table.c.valid_to),
    ).group_by(table.c[key])


class BatchReader:
    """Read-model queries for many keys at once: one SQL statement per call."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.read_model = ReadModel(engine)

    def _rows(self, query: Any) -> list[Any]:
        with self.engine.connect() as connection:
            return list(connection.execute(query))

    def _units_in_effect(self, as_of: date, known_at: datetime | None) -> Select:
        v = t.unit_versions
        return select(v.c.unit_id).where(believed(v, known_at), in_effect(v, as_of))

    # --- units on a day ------------------------------------------------------------

    def units(
        self, ids: Sequence[str], as_of: date, known_at: datetime | None
    ) -> dict[str, UnitRow]:
        v = t.unit_versions
        wanted = set(ids)
        query = select(v).where(believed(v, known_at), in_effect(v, as_of))
        if len(wanted) <= IN_LIST_LIMIT:
            query = query.where(v.c.unit_id.in_(sorted(wanted)))
        return {row.unit_id: _unit(row) for row in self._rows(query) if row.unit_id in wanted}

    def children(
        self, parent_ids: Sequence[str], as_of: date, known_at: datetime | None
    ) -> dict[str, list[UnitRow]]:
        v = t.unit_versions
        wanted = set(parent_ids)
        query = select(v).where(believed(v, known_at), in_effect(v, as_of)).order_by(v.c.unit_id)
        if len(wanted) <= IN_LIST_LIMIT:
            query = query.where(v.c.parent_id.in_(sorted(wanted)))
        found: dict[str, list[UnitRow]] = defaultdict(list)
        for row in self._rows(query):
            if row.parent_id in wanted:
                found[row.parent_id].append(_unit(row))
        return found

    def positions(
        self, unit_ids: Sequence[str], as_of: date, known_at: datetime | None
    ) -> dict[str, list[PositionRow]]:
        p = t.position_versions
        wanted = set(unit_ids)
        query = (
            select(p)
            .where(believed(p, known_at), in_effect(p, as_of))
            .order_by(p.c.position_id)
        )
        if len(wanted) <= IN_LIST_LIMIT:
            query = query.where(p.c.unit_id.in_(sorted(wanted)))
        found: dict[str, list[PositionRow]] = defaultdict(list)
        for row in self._rows(query):
            if row.unit_id in wanted:
                found[row.unit_id].append(_position(row))
        return found

    # --- whole lives and links (not bound to the day, but asked for units of that day) ---

    def lives(
        self, ids: Sequence[str], as_of: date, known_at: datetime | None
    ) -> dict[str, Life]:
        """Each unit's whole life: established .. ended (None while still in effect)."""
        v = t.unit_versions
        wanted = set(ids)
        scope = (
            sorted(wanted) if len(wanted) <= IN_LIST_LIMIT else self._units_in_effect(as_of, known_at)
        )
        query = _life_query(v, "unit_id").where(v.c.unit_id.in_(scope), believed(v, known_at))
        return {
            key: Life(start, None if open_versions else end)
            for key, start, end, open_versions in self._rows(query)
            if key in wanted
        }

    def links(
        self, ids: Sequence[str], as_of: date, known_at: datetime | None
    ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """(predecessors, successors) of each unit."""
        link = t.unit_links
        wanted = set(ids)
        scope: Any = (
            sorted(wanted) if len(wanted) <= IN_LIST_LIMIT else self._units_in_effect(as_of, known_at)
        )
        query = (
            select(link.c.predecessor_id, link.c.successor_id)
            .where(
                or_(link.c.successor_id.in_(scope), link.c.predecessor_id.in_(scope)),
                believed(link, known_at),
            )
            .order_by(link.c.link_date, link.c.predecessor_id, link.c.successor_id)
        )
        predecessors: dict[str, list[str]] = defaultdict(list)
        successors: dict[str, list[str]] = defaultdict(list)
        for predecessor, successor in self._rows(query):
            if successor in wanted:
                predecessors[successor].append(predecessor)
            if predecessor in wanted:
                successors[predecessor].append(successor)
        return predecessors, successors

    # --- existence, for clear errors about unknown keys -------------------------------

    def known_units(self, ids: Iterable[str]) -> set[str]:
        """Which of `ids` the register has ever recorded as units (any time, any belief)."""
        v = t.unit_versions
        wanted = sorted(set(ids))
        if not wanted:
            return set()
        query = select(v.c.unit_id).where(v.c.unit_id.in_(wanted)).distinct()
        return {row.unit_id for row in self._rows(query)}

    def known_delegates(self, ids: Iterable[str]) -> set[str]:
        """Which of `ids` are recorded positions or units (a delegate is one or the other)."""
        p = t.position_versions
        wanted = sorted(set(ids))
        if not wanted:
            return set()
        positions = select(p.c.position_id).where(p.c.position_id.in_(wanted)).distinct()
        return {row.position_id for row in self._rows(positions)} | self.known_units(wanted)

    # --- delegations ------------------------------------------------------------------

    def delegations(
        self,
        as_of: date,
        known_at: datetime | None,
        board: str | None = None,
        delegates: Sequence[str] | None = None,
    ) -> list[DelegationRow]:
        """Delegations in effect on `as_of`, by board then code then key."""
        d = t.delegation_versions
        query = (
            select(d)
            .where(believed(d, known_at), in_effect(d, as_of))
            .order_by(d.c.board_id, d.c.code, d.c.delegation_id)
        )
        if board is not None:
            query = query.where(d.c.board_id == board)
        wanted = set(delegates) if delegates is not None else None
        if wanted is not None and len(wanted) <= IN_LIST_LIMIT:
            query = query.where(d.c.to_id.in_(sorted(wanted)))
        return [
            _delegation(row)
            for row in self._rows(query)
            if wanted is None or row.to_id in wanted
        ]

    def delegation_lives(self, ids: Sequence[str], known_at: datetime | None) -> dict[str, Life]:
        d = t.delegation_versions
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        query = _life_query(d, "delegation_id").where(
            d.c.delegation_id.in_(wanted), believed(d, known_at)
        )
        return {
            key: Life(start, None if open_versions else end)
            for key, start, end, open_versions in self._rows(query)
        }

    def delegation_versions(
        self, ids: Sequence[str], known_at: datetime | None
    ) -> dict[str, list[DelegationRow]]:
        """Every believed version of each delegation, oldest first."""
        d = t.delegation_versions
        wanted = sorted(set(ids))
        found: dict[str, list[DelegationRow]] = defaultdict(list)
        if not wanted:
            return found
        query = (
            select(d)
            .where(d.c.delegation_id.in_(wanted), believed(d, known_at))
            .order_by(d.c.delegation_id, d.c.valid_from)
        )
        for row in self._rows(query):
            found[row.delegation_id].append(_delegation(row))
        return found

    def delegate_versions(
        self, ids: Sequence[str], known_at: datetime | None
    ) -> dict[str, list[tuple[str, str, date, date | None]]]:
        """Every believed version of each delegate: (what, name, valid_from, valid_to).

        `what` is "position" or the unit's kind (a committee).
        """
        p, v = t.position_versions, t.unit_versions
        wanted = sorted(set(ids))
        found: dict[str, list[tuple[str, str, date, date | None]]] = defaultdict(list)
        if not wanted:
            return found
        positions = select(
            p.c.position_id, p.c.title, p.c.valid_from, p.c.valid_to
        ).where(p.c.position_id.in_(wanted), believed(p, known_at))
        units = select(
            v.c.unit_id, v.c.name, v.c.valid_from, v.c.valid_to, v.c.kind
        ).where(v.c.unit_id.in_(wanted), believed(v, known_at))
        for key, title, start, end in self._rows(positions):
            found[key].append(("position", title, start, end))
        for key, name, start, end, kind in self._rows(units):
            found[key].append((kind, name, start, end))
        for versions in found.values():
            versions.sort(key=lambda version: version[2])
        return found

    # --- change log and reports -------------------------------------------------------

    def changes_by_id(self, ids: Sequence[str]) -> dict[str, ChangeRow]:
        """Changes of the log by id, as known now (two statements: rows, then their units)."""
        log, units = t.change_log, t.change_units
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = self._rows(select(log).where(log.c.change_id.in_(wanted)))
        touched: dict[str, list[str]] = defaultdict(list)
        query = select(units).where(units.c.change_id.in_(wanted)).order_by(units.c.unit_id)
        for row in self._rows(query):
            touched[row.change_id].append(row.unit_id)
        return {
            row.change_id: ReadModel._change(row, None, tuple(touched.get(row.change_id, ())))
            for row in rows
        }

    def reports(self, board: str, meeting: date | None = None) -> list[ReportRow]:
        """The board's reports (anmälningar), by meeting; each with its changes in order."""
        r, items = t.reports, t.report_items
        query = select(r).where(r.c.board_id == board).order_by(r.c.meeting)
        item_query = (
            select(items.c.meeting, items.c.change_id)
            .where(items.c.board_id == board)
            .order_by(items.c.meeting, items.c.position)
        )
        if meeting is not None:
            query = query.where(r.c.meeting == meeting)
            item_query = item_query.where(items.c.meeting == meeting)
        with self.engine.connect() as connection:
            reports = list(connection.execute(query))
            listed: dict[date, list[str]] = defaultdict(list)
            for day, change_id in connection.execute(item_query):
                listed[day].append(change_id)
        return [
            ReportRow(row.board_id, row.meeting, row.reference, row.noted_paragraph,
                      tuple(listed.get(row.meeting, ())))
            for row in reports
        ]
