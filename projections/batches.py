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
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Engine, Select, Table, bindparam, func, or_, select

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


# --- statements for a few keys, built once --------------------------------------------------
#
# A click on a unit asks a dozen of these, each for one or a few keys. Built anew on each
# call, SQLAlchemy constructs the statement's clauses and works out its cache key every time
# (about a millisecond a page on the benchmark's register); built once with bound parameters
# (`:day`, `:known_at`, an expanding `:keys`), the statement is looked up in the compiled
# cache at once. The parameters of one call: `_few(day, keys, known_at)`.


def _known_at(table: Table, at_instant: bool) -> BindParameter[Any] | None:
    """The instant of knowledge as the parameter `:known_at`, or None for now."""
    return bindparam("known_at", type_=table.c.recorded_from.type) if at_instant else None


def _keys(table: Table, column: str) -> BindParameter[Any]:
    return bindparam("keys", expanding=True, type_=table.c[column].type)


@cache
def _few_on_day(table: Table, column: str, at_instant: bool) -> Select:
    """The versions of `table` in effect on `:day`, of the keys `:keys` of `column`."""
    return select(table).where(
        believed(table, _known_at(table, at_instant)),
        in_effect(table, bindparam("day", type_=table.c.valid_from.type)),
        table.c[column].in_(_keys(table, column)),
    )


@cache
def _few_lives(table: Table, key: str, at_instant: bool) -> Select:
    """The whole life of each of the keys `:keys`."""
    return _lives_query(table, key, _keys(table, key), _known_at(table, at_instant))


@cache
def _few_links(at_instant: bool) -> Select:
    """The links of the units `:keys`, either way."""
    link = t.unit_links
    return _links_query(_keys(link, "successor_id"), _known_at(link, at_instant))


@cache
def _recorded(table: Table, column: str) -> Select:
    """Which of the keys `:keys` of `column` have ever been recorded."""
    return select(table.c[column]).where(table.c[column].in_(_keys(table, column))).distinct()


@cache
def _capped_count(table: Table, column: str) -> Select:
    """How many rows of `table` have one of the keys `:keys` in `column`, counted no further
    than `:cap` (an index's entries, read no further than that)."""
    found = select(table.c[column]).where(table.c[column].in_(_keys(table, column))).limit(bindparam("cap"))
    return select(func.count()).select_from(found.subquery())


def _few(as_of: date | None, keys: Iterable[str], known_at: datetime | None) -> dict[str, Any]:
    params: dict[str, Any] = {"keys": sorted(keys)}
    if as_of is not None:
        params["day"] = as_of
    if known_at is not None:
        params["known_at"] = known_at
    return params


def _lives_query(table: Table, key: str, scope: Any, known_at: Any) -> Select:
    """(key, first day, end, open versions) of each key in `scope`, believed at `known_at`."""
    return _life_query(table, key).where(table.c[key].in_(scope), believed(table, known_at))


def _links_query(scope: Any, known_at: Any) -> Select:
    """The links either way of the units in `scope`, believed at `known_at`."""
    link = t.unit_links
    return select(link.c.link_date, link.c.predecessor_id, link.c.successor_id).where(
        or_(link.c.successor_id.in_(scope), link.c.predecessor_id.in_(scope)),
        believed(link, known_at),
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

    def _rows(self, query: Any, params: dict[str, Any] | None = None) -> list[Any]:
        with self.engine.connect() as connection:
            return list(connection.execute(query, params))

    def _units_in_effect(self, as_of: date, known_at: datetime | None) -> Any:
        v = t.unit_versions
        return versions_on(v, as_of, known_at, columns=[v.c.unit_id])

    def _on_day(
        self, table: Table, column: str, wanted: set[str], as_of: date, known_at: datetime | None
    ) -> list[Any]:
        """Versions on the day: of the `wanted` keys of `column` if they are few, else the whole
        day (the caller keeps the wanted ones)."""
        if len(wanted) <= IN_LIST_LIMIT:
            query = _few_on_day(table, column, known_at is not None)
            return self._rows(query, _few(as_of, wanted, known_at))
        return self._rows(versions_on(table, as_of, known_at))

    # --- units on a day ------------------------------------------------------------

    def units(self, ids: Sequence[str], as_of: date, known_at: datetime | None) -> dict[str, UnitRow]:
        wanted = set(ids)
        rows = self._on_day(t.unit_versions, "unit_id", wanted, as_of, known_at)
        return {row.unit_id: unit_row(row) for row in rows if row.unit_id in wanted}

    def children(
        self, parent_ids: Sequence[str], as_of: date, known_at: datetime | None
    ) -> dict[str, list[UnitRow]]:
        wanted = set(parent_ids)
        found: dict[str, list[UnitRow]] = defaultdict(list)
        for row in self._on_day(t.unit_versions, "parent_id", wanted, as_of, known_at):
            if row.parent_id in wanted:
                found[row.parent_id].append(unit_row(row))
        return _sorted_lists(found, key=lambda unit: unit.id)

    def positions(
        self, unit_ids: Sequence[str], as_of: date, known_at: datetime | None
    ) -> dict[str, list[PositionRow]]:
        wanted = set(unit_ids)
        found: dict[str, list[PositionRow]] = defaultdict(list)
        for row in self._on_day(t.position_versions, "unit_id", wanted, as_of, known_at):
            if row.unit_id in wanted:
                found[row.unit_id].append(position_row(row))
        return _sorted_lists(found, key=lambda position: position.id)

    # --- whole lives and links (not bound to the day, but asked for units of that day) ---

    def lives(self, ids: Sequence[str], as_of: date, known_at: datetime | None) -> dict[str, Life]:
        """Each unit's whole life: established .. ended (None while still in effect)."""
        v = t.unit_versions
        wanted = set(ids)
        if len(wanted) <= IN_LIST_LIMIT:
            rows = self._rows(_few_lives(v, "unit_id", known_at is not None), _few(None, wanted, known_at))
        else:
            rows = self._rows(_lives_query(v, "unit_id", self._units_in_effect(as_of, known_at), known_at))
        return {
            key: Life(start, None if open_versions else end)
            for key, start, end, open_versions in rows
            if key in wanted
        }

    def links(
        self, ids: Sequence[str], as_of: date, known_at: datetime | None
    ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """(predecessors, successors) of each unit."""
        wanted = set(ids)
        if len(wanted) <= IN_LIST_LIMIT:
            rows = self._rows(_few_links(known_at is not None), _few(None, wanted, known_at))
        else:
            rows = self._rows(_links_query(self._units_in_effect(as_of, known_at), known_at))
        predecessors: dict[str, list[str]] = defaultdict(list)
        successors: dict[str, list[str]] = defaultdict(list)
        # Oldest link first; keys break ties.
        for _, predecessor, successor in sorted(tuple(row) for row in rows):
            if successor in wanted:
                predecessors[successor].append(predecessor)
            if predecessor in wanted:
                successors[predecessor].append(successor)
        return predecessors, successors

    # --- existence, for clear errors about unknown keys -------------------------------

    def known_units(self, ids: Iterable[str]) -> set[str]:
        """Which of `ids` the register has ever recorded as units (any time, any belief)."""
        wanted = set(ids)
        if not wanted:
            return set()
        return {row[0] for row in self._rows(_recorded(t.unit_versions, "unit_id"), _few(None, wanted, None))}

    def known_delegates(self, ids: Iterable[str]) -> set[str]:
        """Which of `ids` are recorded positions or units (a delegate is one or the other)."""
        wanted = set(ids)
        if not wanted:
            return set()
        positions = self._rows(_recorded(t.position_versions, "position_id"), _few(None, wanted, None))
        return {row[0] for row in positions} | self.known_units(wanted)

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

    def rows_at_most(self, table: Table, column: str, keys: Iterable[str], cap: int) -> int:
        """The rows of `table` (every version, every belief) with one of `keys` in `column`,
        counted up to `cap` + 1 at the most: what a read of them costs, bounded itself."""
        wanted = sorted(set(keys))
        if not wanted:
            return 0
        return self._rows(_capped_count(table, column), {"keys": wanted, "cap": cap + 1})[0][0]

    def _delegations_by(
        self, column: str, keys: Sequence[str], as_of: date, known_at: datetime | None
    ) -> dict[str, list[DelegationRow]]:
        """Delegations in effect on `as_of` by `column` (to_id or board_id), by board, code and key.

        Two statements: the versions in effect, then the whole lives of those delegations
        (one, if there are none).
        """
        d = t.delegation_versions
        wanted = set(keys)
        on_day = self._on_day(d, column, wanted, as_of, known_at)
        rows = [row for row in on_day if row._mapping[column] in wanted]
        found: dict[str, list[DelegationRow]] = defaultdict(list)
        if not rows:
            return found
        ids = {row.delegation_id for row in rows}
        if len(ids) <= IN_LIST_LIMIT:
            life_rows = self._rows(
                _few_lives(d, "delegation_id", known_at is not None), _few(None, ids, known_at)
            )
        else:
            scope = versions_on(d, as_of, known_at, columns=[d.c.delegation_id])
            life_rows = self._rows(_lives_query(d, "delegation_id", scope, known_at))
        lives = {key: (start, None if open_versions else end) for key, start, end, open_versions in life_rows}
        for row in rows:
            start, end = lives[row.delegation_id]
            found[row._mapping[column]].append(delegation_row(row, start, end))
        return _sorted_lists(found, key=delegation_order)

    # --- the register as a whole ---------------------------------------------------------

    def change_count(self) -> int:
        """Changes in the change log: what `changes` lists (cancellations included, reports not)."""
        log = t.change_log
        return self._rows(select(func.count()).select_from(log))[0][0]
