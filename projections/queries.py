"""Questions answered from the read models: the organisation as of a day, as known at an instant.

Every query takes `known_at` (transaction time, `None` = now) and filters the
bitemporal rows to those believed at that instant; `as_of` picks the versions
in effect on that day.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Integer, Select, and_, bindparam, func, or_, select

from orgchange.domain.messages import text

from . import tables as t
from .errors import NotFound
from .rows import (
    ChangePage,
    ChangeRow,
    Effect,
    Life,
    PositionRow,
    Reader,
    UnitRow,
    believed,
    change_row,
    chunks,
    in_effect,
    position_row,
    unit_row,
    versions_on,
)

# Statements asked on every click on a unit, built once with bound parameters: built anew
# on each call, SQLAlchemy works out the statement's cache key every time (see the same
# in projections/batches.py).


@cache
def _histories(at_instant: bool) -> Select:
    """Every version of the units `:ids` believed now (or at `:known_at`), unit by unit,
    oldest first."""
    v = t.unit_versions
    known_at = bindparam("known_at", type_=v.c.recorded_from.type) if at_instant else None
    ids = bindparam("ids", expanding=True, type_=v.c.unit_id.type)
    return select(v).where(v.c.unit_id.in_(ids), believed(v, known_at)).order_by(v.c.unit_id, v.c.valid_from)


@cache
def _units_of_changes() -> Select:
    units = t.change_units
    ids = bindparam("ids", expanding=True, type_=units.c.change_id.type)
    return select(units).where(units.c.change_id.in_(ids)).order_by(units.c.unit_id)


@cache
def _effects_of_changes() -> Select:
    effects = t.change_effects
    ids = bindparam("ids", expanding=True, type_=effects.c.change_id.type)
    return (
        select(effects)
        .where(effects.c.change_id.in_(ids))
        .order_by(effects.c.board_id, effects.c.delegation_id)
    )


# The change log's filters: which of them a call uses (its shape) picks a statement built once.
ChangeShape = tuple[bool, bool, bool, bool, bool, bool]  # known_at, types, reported_to, start, end, unit


def _change_filter(
    start: date | None,
    end: date | None,
    unit_id: str | None,
    known_at: datetime | None,
    types: Sequence[str] | None,
    reported_to: str | None,
) -> tuple[ChangeShape, dict[str, Any]]:
    """The shape of a call's filters, and the values of their parameters."""
    given = {
        "known_at": known_at,
        "types": sorted(set(types)) if types is not None else None,
        "reported_to": reported_to,
        "start": start,
        "end": end,
        "unit_id": unit_id,
    }
    shape = cast(ChangeShape, tuple(value is not None for value in given.values()))
    return shape, {name: value for name, value in given.items() if value is not None}


@cache
def _change_conditions(shape: ChangeShape, through_units: bool = False) -> tuple[Any, ...]:
    """The conditions of a shape on `change_log`; with `through_units`, those of a unit's
    changes on the rows of `change_units` joined to it (its days there, in its index)."""
    known, typed, reported, started, ended, of_unit = shape
    log = t.change_log
    units = t.change_units
    day = units.c.effective if through_units else log.c.effective
    conditions: list[Any] = []
    if known:
        conditions.append(log.c.recorded_at <= bindparam("known_at", type_=log.c.recorded_at.type))
    if typed:
        conditions.append(log.c.type.in_(bindparam("types", expanding=True, type_=log.c.type.type)))
    if reported:
        items = t.report_items
        board = bindparam("reported_to", type_=items.c.board_id.type)
        reported_ids = select(items.c.change_id).where(items.c.board_id == board)
        if known:
            reported_ids = reported_ids.where(
                items.c.recorded_at <= bindparam("known_at", type_=items.c.recorded_at.type)
            )
        conditions.append(log.c.change_id.in_(reported_ids))
    if started:
        conditions.append(day >= bindparam("start", type_=log.c.effective.type))
    if ended:
        conditions.append(day <= bindparam("end", type_=log.c.effective.type))
    if of_unit:
        unit = bindparam("unit_id", type_=units.c.unit_id.type)
        if through_units:
            conditions.append(units.c.unit_id == unit)
        else:
            conditions.append(log.c.change_id.in_(select(units.c.change_id).where(units.c.unit_id == unit)))
    return tuple(conditions)


@cache
def _change_count(shape: ChangeShape) -> Select:
    return select(func.count()).select_from(t.change_log).where(*_change_conditions(shape))


@cache
def _change_page(shape: ChangeShape, after: bool) -> Select:
    """`:limit` changes of the log in its order, after (`:after_day`, `:after_seq`) if `after`.

    A unit's changes are read through `change_units`, in the order its index of (`unit_id`,
    `effective`, `seq`) holds them: a page reads the page's rows, not every change the unit
    has had (a board's may be thousands), and joins the log's row of each by its key."""
    log = t.change_log
    of_unit = shape[-1]
    order = t.change_units if of_unit else log
    conditions = list(_change_conditions(shape, through_units=of_unit))
    if after:
        day = bindparam("after_day", type_=log.c.effective.type)
        seq = bindparam("after_seq", type_=log.c.seq.type)
        # (the first condition is implied by the second; it makes the cursor a range of the
        # index, where PostgreSQL would otherwise filter every row before it)
        conditions.append(order.c.effective >= day)
        conditions.append(or_(order.c.effective > day, and_(order.c.effective == day, order.c.seq > seq)))
    limit = bindparam("limit", type_=Integer)
    query = select(log)
    if of_unit:
        query = query.select_from(order.join(log, log.c.change_id == order.c.change_id))
    return query.where(*conditions).order_by(order.c.effective, order.c.seq).limit(limit)


@dataclass(frozen=True)
class PositionDiff:
    established: list[str]  # in effect on the later day only
    abolished: list[str]  # in effect on the earlier day only
    moved: list[tuple[str, str, str]]  # id, from unit, to unit


@dataclass(frozen=True)
class OrgDiff:
    added: list[str]
    removed: list[str]
    renamed: list[tuple[str, str, str]]  # id, from, to
    moved: list[tuple[str, str | None, str | None]]  # id, from parent, to parent
    reclassified: list[tuple[str, str, str]]  # id, from kind, to kind
    positions: PositionDiff

    def __bool__(self) -> bool:
        return bool(
            self.added
            or self.removed
            or self.renamed
            or self.moved
            or self.reclassified
            or self.positions.established
            or self.positions.abolished
            or self.positions.moved
        )


_UNIT_COLUMNS = [
    t.unit_versions.c[name]
    for name in (
        "unit_id",
        "name",
        "kind",
        "parent_id",
        "owner_id",
        "valid_from",
        "valid_to",
        "change_id",
        "supervisor_id",
    )
]


def compare_organisations(
    before_units: Sequence[UnitRow],
    after_units: Sequence[UnitRow],
    before_posts: dict[str, str],
    after_posts: dict[str, str],
) -> OrgDiff:
    """One organisation against another (two days, or a day before and after a draft's
    changes): units and posts (post -> unit), each by key."""
    before = {u.id: u for u in before_units}
    after = {u.id: u for u in after_units}
    both = sorted(before.keys() & after.keys())
    posts_in_both = sorted(before_posts.keys() & after_posts.keys())
    return OrgDiff(
        added=sorted(after.keys() - before.keys()),
        removed=sorted(before.keys() - after.keys()),
        renamed=[(k, before[k].name, after[k].name) for k in both if before[k].name != after[k].name],
        moved=[
            (k, before[k].parent_id or before[k].owner_id, after[k].parent_id or after[k].owner_id)
            for k in both
            if (before[k].parent_id, before[k].owner_id) != (after[k].parent_id, after[k].owner_id)
        ],
        reclassified=[(k, before[k].kind, after[k].kind) for k in both if before[k].kind != after[k].kind],
        positions=PositionDiff(
            established=sorted(after_posts.keys() - before_posts.keys()),
            abolished=sorted(before_posts.keys() - after_posts.keys()),
            moved=[
                (k, before_posts[k], after_posts[k])
                for k in posts_in_both
                if before_posts[k] != after_posts[k]
            ],
        ),
    )


def encode_cursor(effective: date | None, seq: int) -> str:
    raw = f"{effective.isoformat() if effective else ''}|{seq}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[date | None, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        day, seq = raw.split("|")
        return (date.fromisoformat(day) if day else None), int(seq)
    except (ValueError, UnicodeDecodeError):
        raise ValueError(f"'{cursor}' is not a cursor this service gave out") from None


class OrganisationReader(Reader):
    """The organisation, its history and its change log (`read_model.ReadModel` adds the rest)."""

    # --- units -----------------------------------------------------------------------

    def organisation(self, as_of: date, known_at: datetime | None = None) -> list[UnitRow]:
        # Sorted here, not by the database, whose collation may put keys in another order.
        with self._connection() as connection:
            rows = connection.execute(versions_on(t.unit_versions, as_of, known_at, columns=_UNIT_COLUMNS))
            return sorted(map(UnitRow._make, rows.tuples()))

    def units(self, ids: Iterable[str], as_of: date, known_at: datetime | None = None) -> dict[str, UnitRow]:
        v = t.unit_versions
        found: dict[str, UnitRow] = {}
        for chunk in chunks(sorted(set(ids))):
            query = select(v).where(v.c.unit_id.in_(chunk), believed(v, known_at), in_effect(v, as_of))
            found.update({row.unit_id: unit_row(row) for row in self._all(query)})
        return found

    def children(
        self, parent_ids: Sequence[str], as_of: date, known_at: datetime | None = None
    ) -> dict[str, list[UnitRow]]:
        v = t.unit_versions
        found: dict[str, list[UnitRow]] = defaultdict(list)
        for chunk in chunks(sorted(set(parent_ids))):
            query = (
                select(v)
                .where(v.c.parent_id.in_(chunk), believed(v, known_at), in_effect(v, as_of))
                .order_by(v.c.unit_id)
            )
            for row in self._all(query):
                found[row.parent_id].append(unit_row(row))
        for rows in found.values():
            rows.sort(key=lambda u: u.id)
        return found

    def is_unit(self, key: str) -> bool:
        """Has the register ever recorded a unit with this key (at any time, in any belief)?"""
        v = t.unit_versions
        return bool(self._all(select(v.c.unit_id).where(v.c.unit_id == key).limit(1)))

    def require_unit(self, key: str) -> None:
        """NotFound, in the words every view uses, unless the register has ever had this unit."""
        if not self.is_unit(key):
            raise NotFound(text("NOT_FOUND:unit", unit=key))

    def unit_history(self, unit_id: str, known_at: datetime | None = None) -> list[UnitRow]:
        """Every version of the unit believed now (or at `known_at`), oldest first."""
        return self.unit_histories([unit_id], known_at).get(unit_id, [])

    def unit_histories(
        self, unit_ids: Sequence[str], known_at: datetime | None = None
    ) -> dict[str, list[UnitRow]]:
        """`unit_history` of each unit (by key; a unit with no versions is left out), in one
        statement for a few units: the GraphQL API's `unitHistory` fields of one request."""
        found: dict[str, list[UnitRow]] = defaultdict(list)
        for chunk in chunks(sorted(set(unit_ids))):
            params: dict[str, Any] = {"ids": list(chunk)}
            if known_at is not None:
                params["known_at"] = known_at
            for row in self._all(_histories(known_at is not None), params):
                found[row.unit_id].append(unit_row(row))
        return dict(found)

    def lives(self, ids: Sequence[str], known_at: datetime | None = None) -> dict[str, Life]:
        """Each unit's whole life: established .. ended (None while still in effect)."""
        v = t.unit_versions
        found: dict[str, Life] = {}
        for chunk in chunks(sorted(set(ids))):
            query = (
                select(
                    v.c.unit_id,
                    func.min(v.c.valid_from),
                    func.max(v.c.valid_to),
                    func.count(v.c.row_id) - func.count(v.c.valid_to),
                )
                .where(v.c.unit_id.in_(chunk), believed(v, known_at))
                .group_by(v.c.unit_id)
            )
            for unit_id, start, end, open_versions in self._all(query):
                found[unit_id] = Life(start, None if open_versions else end)
        return found

    def links(
        self, ids: Sequence[str], known_at: datetime | None = None
    ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """(predecessors, successors) of each unit."""
        link = t.unit_links
        predecessors: dict[str, list[str]] = defaultdict(list)
        successors: dict[str, list[str]] = defaultdict(list)
        for chunk in chunks(sorted(set(ids))):
            query = (
                select(link.c.predecessor_id, link.c.successor_id)
                .where(
                    or_(link.c.successor_id.in_(chunk), link.c.predecessor_id.in_(chunk)),
                    believed(link, known_at),
                )
                .order_by(link.c.link_date, link.c.predecessor_id, link.c.successor_id)
            )
            for predecessor, successor in self._all(query):
                if successor in chunk:
                    predecessors[successor].append(predecessor)
                if predecessor in chunk:
                    successors[predecessor].append(successor)
        return predecessors, successors

    def positions(
        self, unit_ids: Sequence[str] | None, as_of: date, known_at: datetime | None = None
    ) -> dict[str, list[PositionRow]]:
        p = t.position_versions
        found: dict[str, list[PositionRow]] = defaultdict(list)
        groups: Iterable[Sequence[str] | None] = (
            chunks(sorted(set(unit_ids))) if unit_ids is not None else [None]
        )
        for chunk in groups:
            if chunk is None:
                query: Any = versions_on(p, as_of, known_at)
            else:
                query = select(p).where(believed(p, known_at), in_effect(p, as_of), p.c.unit_id.in_(chunk))
            for row in self._all(query):
                found[row.unit_id].append(position_row(row))
        for rows in found.values():  # sorted here, whatever the database's collation
            rows.sort(key=lambda position: position.id)
        return found

    def diff(self, start: date, end: date, known_at: datetime | None = None) -> OrgDiff:
        """The organisation on `start` against that on `end`: units and posts, each by key."""
        return compare_organisations(
            self.organisation(start, known_at),
            self.organisation(end, known_at),
            self.units_of_posts(start, known_at),
            self.units_of_posts(end, known_at),
        )

    def units_of_posts(self, day: date, known_at: datetime | None = None) -> dict[str, str]:
        """Each post in effect on `day`, with the unit it belongs to."""
        return {p.id: p.unit_id for posts in self.positions(None, day, known_at).values() for p in posts}

    # --- the change log -----------------------------------------------------------------

    def changes(
        self,
        start: date | None = None,
        end: date | None = None,
        unit_id: str | None = None,
        known_at: datetime | None = None,
        first: int = 100,
        after: str | None = None,
        types: Sequence[str] | None = None,
        reported_to: str | None = None,
        count: bool = True,
        links: bool = True,
    ) -> ChangePage:
        """A page of the change log; `types` and `reported_to` (a board) narrow it, as the others do.

        `count=False`: the page only, without counting every change that matches (`total` is
        then None; `count_changes` counts them when someone asks). `links=False`: nor the units
        each change touched and the delegations it affected, two statements more, which the
        rows then do not hold (`ChangeRow.linked`; `change_units`, `change_effects` read them
        for those who ask)."""
        shape, params = _change_filter(start, end, unit_id, known_at, types, reported_to)
        with self._connection() as connection:
            total = connection.execute(_change_count(shape), params).scalar_one() if count else None
            params["limit"] = first + 1
            if after is not None:
                params["after_day"], params["after_seq"] = decode_cursor(after)
            rows = list(connection.execute(_change_page(shape, after is not None), params))
        has_next = len(rows) > first
        rows = rows[:first]
        ids = [r.change_id for r in rows]
        if links:
            unit_ids, effects = self.change_units(ids), self.change_effects(ids)
        else:
            unit_ids, effects = {}, {}
        page = [
            change_row(row, known_at, unit_ids.get(row.change_id, ()), effects.get(row.change_id, ()), links)
            for row in rows
        ]
        end_cursor = encode_cursor(page[-1].effective, page[-1].seq) if page else None
        return ChangePage(page, total, has_next, end_cursor)

    def count_changes(
        self,
        start: date | None = None,
        end: date | None = None,
        unit_id: str | None = None,
        known_at: datetime | None = None,
        types: Sequence[str] | None = None,
        reported_to: str | None = None,
    ) -> int:
        """How many changes of the log `changes` would list with these filters, on all pages."""
        shape, params = _change_filter(start, end, unit_id, known_at, types, reported_to)
        with self._connection() as connection:
            return connection.execute(_change_count(shape), params).scalar_one()

    def change(self, change_id: str) -> ChangeRow | None:
        log = t.change_log
        rows = self._all(select(log).where(log.c.change_id == change_id))
        if not rows:
            return None
        units, effects = self.change_units([change_id]), self.change_effects([change_id])
        return change_row(rows[0], None, units.get(change_id, ()), effects.get(change_id, ()))

    def changes_by_id(self, change_ids: Sequence[str], known_at: datetime | None = None) -> list[ChangeRow]:
        """The given changes, in the order given (unknown ids are left out)."""
        log = t.change_log
        rows: dict[str, Any] = {}
        for chunk in chunks(list(change_ids)):
            rows.update(
                {row.change_id: row for row in self._all(select(log).where(log.c.change_id.in_(chunk)))}
            )
        units, effects = self.change_units(list(rows)), self.change_effects(list(rows))
        return [
            change_row(rows[i], known_at, units.get(i, ()), effects.get(i, ()))
            for i in change_ids
            if i in rows
        ]

    def all_changes_in_recording_order(self) -> list[ChangeRow]:
        log = t.change_log
        return [change_row(row, None, ()) for row in self._all(select(log).order_by(log.c.seq))]

    def change_units(self, change_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """The units each change touched, by change id (for rows built by `rows.change_row`)."""
        found: dict[str, list[str]] = defaultdict(list)
        for chunk in chunks(list(change_ids)):
            for row in self._all(_units_of_changes(), {"ids": list(chunk)}):
                found[row.change_id].append(row.unit_id)
        return {k: tuple(v) for k, v in found.items()}

    def change_effects(self, change_ids: Sequence[str]) -> dict[str, tuple[Effect, ...]]:
        """The delegations each change left without a delegate, by change id."""
        found: dict[str, list[Effect]] = defaultdict(list)
        for chunk in chunks(list(change_ids)):
            for row in self._all(_effects_of_changes(), {"ids": list(chunk)}):
                found[row.change_id].append(Effect(row.board_id, row.delegation_id, row.code))
        return {k: tuple(v) for k, v in found.items()}

    # --- housekeeping ---------------------------------------------------------------------

    def last_event_id(self) -> int:
        state = t.projection_state
        rows = self._all(select(state.c.last_event_id).where(state.c.name == "read_models"))
        return rows[0][0] if rows else 0

    def first_and_last_effective(self) -> tuple[date | None, date | None]:
        log = t.change_log
        rows = self._all(select(func.min(log.c.effective), func.max(log.c.effective)))
        return rows[0][0], rows[0][1]
