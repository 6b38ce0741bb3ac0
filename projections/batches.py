"""Batch queries for the GraphQL API's DataLoaders (and existence checks for clear errors).

`projections.read_model.ReadModel` answers one question at a time and splits long
id lists into chunks of 500, so the number of statements grows with the answer.
The DataLoaders need the opposite: one statement per batch, whatever its size.
Every batch query here therefore has two shapes:

* a short id list (at most `IN_LIST_LIMIT`) is sent as `IN (:ids)`;
* a longer one is answered from the whole slice of the register in effect on
  the day (every row in effect, or `IN (SELECT … in effect …)`) and filtered in
  Python. A long list only arises when the caller already walks most of the
  organisation of that day, so the slice costs about as much as the answer.

Orderings are made in Python, not with ORDER BY on text: PostgreSQL sorts text
by the database's collation (sv_SE puts å, ä, ö and hyphens elsewhere than
SQLite does), and an answer must not depend on the database.

All functions take `known_at` (transaction time, `None` = now) and read only the
rows believed at that instant, like the read model does, and builds its rows with
the same builders (`rows`, `delegations.delegation_row`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, Select, func, or_, select

from . import tables as t
from .delegations import DelegationRow, delegation_row
from .rows import Life, PositionRow, UnitRow, believed, in_effect, position_row, unit_row, versions_on

# Below this many ids a batch is sent as an IN list; above it, as the day's slice.
# Well under SQLite's (32,766) and PostgreSQL's (65,535) bound-parameter limits.
IN_LIST_LIMIT = 500


def delegation_order(delegation: DelegationRow) -> tuple[str, str, str]:
    """As in a printed delegationsordning: by board, then number, then key."""
    return (delegation.board_id, delegation.code or "", delegation.id)


def _sorted_lists(found: dict[str, list[Any]], key: Any) -> dict[str, list[Any]]:
    for items in found.values():
        items.sort(key=key)
    return found


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

    def _rows(self, query: Any) -> list[Any]:
        with self.engine.connect() as connection:
            return list(connection.execute(query))

    def _units_in_effect(self, as_of: date, known_at: datetime | None) -> Any:
        v = t.unit_versions
        return versions_on(v, as_of, known_at, columns=[v.c.unit_id])

    @staticmethod
    def _on_day(table: Any, column: str, wanted: set[str], as_of: date, known_at: datetime | None) -> Any:
        """Versions on the day: of the `wanted` keys of `column` if they are few, else the whole day."""
        if len(wanted) <= IN_LIST_LIMIT:
            return select(table).where(
                believed(table, known_at), in_effect(table, as_of), table.c[column].in_(sorted(wanted))
            )
        return versions_on(table, as_of, known_at)

    # --- units on a day ------------------------------------------------------------

    def units(self, ids: Sequence[str], as_of: date, known_at: datetime | None) -> dict[str, UnitRow]:
        wanted = set(ids)
        query = self._on_day(t.unit_versions, "unit_id", wanted, as_of, known_at)
        return {row.unit_id: unit_row(row) for row in self._rows(query) if row.unit_id in wanted}

    def children(
        self, parent_ids: Sequence[str], as_of: date, known_at: datetime | None
    ) -> dict[str, list[UnitRow]]:
        wanted = set(parent_ids)
        query = self._on_day(t.unit_versions, "parent_id", wanted, as_of, known_at)
        found: dict[str, list[UnitRow]] = defaultdict(list)
        for row in self._rows(query):
            if row.parent_id in wanted:
                found[row.parent_id].append(unit_row(row))
        return _sorted_lists(found, key=lambda unit: unit.id)

    def positions(
        self, unit_ids: Sequence[str], as_of: date, known_at: datetime | None
    ) -> dict[str, list[PositionRow]]:
        wanted = set(unit_ids)
        query = self._on_day(t.position_versions, "unit_id", wanted, as_of, known_at)
        found: dict[str, list[PositionRow]] = defaultdict(list)
        for row in self._rows(query):
            if row.unit_id in wanted:
                found[row.unit_id].append(position_row(row))
        return _sorted_lists(found, key=lambda position: position.id)

    # --- whole lives and links (not bound to the day, but asked for units of that day) ---

    def lives(self, ids: Sequence[str], as_of: date, known_at: datetime | None) -> dict[str, Life]:
        """Each unit's whole life: established .. ended (None while still in effect)."""
        v = t.unit_versions
        wanted = set(ids)
        scope = sorted(wanted) if len(wanted) <= IN_LIST_LIMIT else self._units_in_effect(as_of, known_at)
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
        query = select(link.c.link_date, link.c.predecessor_id, link.c.successor_id).where(
            or_(link.c.successor_id.in_(scope), link.c.predecessor_id.in_(scope)),
            believed(link, known_at),
        )
        predecessors: dict[str, list[str]] = defaultdict(list)
        successors: dict[str, list[str]] = defaultdict(list)
        # Oldest link first; keys break ties.
        for _, predecessor, successor in sorted(tuple(row) for row in self._rows(query)):
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

    # --- delegations to and from (the delegationsordning itself is projections.delegations) ---

    def delegations_to(
        self, delegates: Sequence[str], as_of: date, known_at: datetime | None
    ) -> dict[str, list[DelegationRow]]:
        """Delegations in effect on `as_of` to each delegate (a position or a committee)."""
        return self._delegations_by("to_id", delegates, as_of, known_at)

    def delegations_from(
        self, boards: Sequence[str], as_of: date, known_at: datetime | None
    ) -> dict[str, list[DelegationRow]]:
        """Delegations in effect on `as_of` granted by each board, vidaredelegations included."""
        return self._delegations_by("board_id", boards, as_of, known_at)

    def _delegations_by(
        self, column: str, keys: Sequence[str], as_of: date, known_at: datetime | None
    ) -> dict[str, list[DelegationRow]]:
        """Delegations in effect on `as_of` by `column` (to_id or board_id), by board, code and key.

        Two statements: the versions in effect, then the whole lives of those delegations
        (one, if there are none).
        """
        d = t.delegation_versions
        wanted = set(keys)
        query = self._on_day(d, column, wanted, as_of, known_at)
        rows = [row for row in self._rows(query) if row._mapping[column] in wanted]
        found: dict[str, list[DelegationRow]] = defaultdict(list)
        if not rows:
            return found
        ids = sorted({row.delegation_id for row in rows})
        scope: Any = (
            ids if len(ids) <= IN_LIST_LIMIT else versions_on(d, as_of, known_at, columns=[d.c.delegation_id])
        )
        lives = {
            key: (start, None if open_versions else end)
            for key, start, end, open_versions in self._rows(
                _life_query(d, "delegation_id").where(d.c.delegation_id.in_(scope), believed(d, known_at))
            )
        }
        for row in rows:
            start, end = lives[row.delegation_id]
            found[row._mapping[column]].append(delegation_row(row, start, end))
        return _sorted_lists(found, key=delegation_order)

    # --- the register as a whole ---------------------------------------------------------

    def change_count(self) -> int:
        """Changes in the change log: what `changes` lists (cancellations included, reports not)."""
        log = t.change_log
        return self._rows(select(func.count()).select_from(log))[0][0]
