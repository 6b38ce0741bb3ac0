"""Questions answered from the read models: the organisation as of a day, as known at an instant.

Every query takes `known_at` (transaction time, `None` = now) and filters the
bitemporal rows to those believed at that instant; `as_of` picks the versions
in effect on that day.
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import CompoundSelect, Connection, Engine, Table, and_, func, or_, select, union_all

from projections.errors import NotFound

from . import intervals
from . import tables as t


class UnitRow(NamedTuple):
    """A unit as in effect on a day (a tuple: a whole organisation is made of thousands)."""

    id: str
    name: str
    kind: str
    parent_id: str | None
    owner_id: str | None
    valid_from: date
    valid_to: date | None
    change_id: str
    supervisor_id: str | None = None  # a company's board with uppsikt


@dataclass(frozen=True)
class PositionRow:
    id: str
    title: str
    unit_id: str
    director: bool
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True)
class Life:
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True)
class Effect:
    """A delegation of `board` that a change left without a delegate."""

    board: str
    delegation_id: str
    code: str | None

    @property
    def label(self) -> str:
        return self.code or self.delegation_id


@dataclass(frozen=True)
class ChangeRow:
    seq: int
    id: str
    type: str
    effective: date | None
    recorded_at: datetime
    recorded_by: str
    summary: str
    decision_body: str | None
    decision_date: date | None
    decision_paragraph: str | None
    decision_reference: str | None
    note: str | None
    payload: str
    cancels: str | None
    cancelled: bool
    cancelled_by: str | None
    unit_ids: tuple[str, ...] = ()
    decision_position: str | None = None
    decision_name: str | None = None  # the deciding body's name or the official's title, then
    report_to: str | None = None  # the board it is to be reported to (orgchange.domain.reporting)
    report_basis: str | None = None  # why: OFFICIAL_DECISION, SUBDELEGATION or COMMITTEE_DECISION
    affects: tuple[Effect, ...] = ()  # delegations it left without a delegate

    @property
    def affected_boards(self) -> tuple[str, ...]:
        """Boards whose delegationsordning the change touched, by key."""
        return tuple(sorted({effect.board for effect in self.affects}))

    def as_change_file_entry(self) -> dict[str, Any]:
        return json.loads(self.payload)


@dataclass(frozen=True)
class ChangePage:
    rows: list[ChangeRow]
    total: int
    has_next: bool
    end_cursor: str | None


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


def believed(table: Table, known_at: datetime | None) -> Any:
    """Rows the register believed at `known_at` (now, when None)."""
    if known_at is None:
        return table.c.recorded_to.is_(None)
    return and_(
        table.c.recorded_from <= known_at,
        or_(table.c.recorded_to.is_(None), table.c.recorded_to > known_at),
    )


def in_effect(table: Table, day: date) -> Any:
    """Versions in effect on `day`; for a few keys at a time (a whole day is `versions_on`)."""
    return and_(
        table.c.valid_from <= day,
        or_(table.c.valid_to.is_(None), table.c.valid_to > day),
    )


def versions_on(
    table: Table, day: date, known_at: datetime | None, *conditions: Any, columns: Sequence[Any] = ()
) -> CompoundSelect:
    """Every version of `table` in effect on `day` and believed at `known_at`, in index seeks.

    The rows believed now are found through the relational interval tree
    (`projections.intervals`), at the cost of the answer. At an earlier instant,
    the rows believed since are found the same way, and those that stopped being
    believed after `known_at` are added by their `recorded_to`: the cost grows
    with the corrections recorded since that instant, not with the history.
    """
    chosen = list(columns) or [table]
    later, before = intervals.path(day)
    c = table.c
    current = (
        [c.recorded_to.is_(None)]
        if known_at is None
        else [c.recorded_to.is_(None), c.recorded_from <= known_at]
    )
    branches = [
        select(*chosen).where(*current, c.fork_node.in_(later), c.valid_from <= day, *conditions),
        select(*chosen).where(*current, c.fork_node.in_(before), c.last_day >= day, *conditions),
    ]
    if known_at is not None:
        branches.append(
            select(*chosen).where(
                c.recorded_to > known_at, c.recorded_from <= known_at, in_effect(table, day), *conditions
            )
        )
    return union_all(*branches)


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


def _unit(row: Any) -> UnitRow:
    return UnitRow(
        row.unit_id,
        row.name,
        row.kind,
        row.parent_id,
        row.owner_id,
        row.valid_from,
        row.valid_to,
        row.change_id,
        row.supervisor_id,
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


class Reader:
    """Reads through an engine, or through one open connection (to see its uncommitted rows)."""

    def __init__(self, bind: Engine | Connection):
        self.bind = bind

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        if isinstance(self.bind, Connection):
            yield self.bind
        else:
            with self.bind.connect() as connection:
                yield connection

    def _all(self, query: Any) -> list[Any]:
        with self._connection() as connection:
            return list(connection.execute(query))


class ReadModel(Reader):
    """The organisation, its history and its change log."""

    def __init__(self, bind: Engine | Connection):
        super().__init__(bind)
        from .delegations import DelegationReader
        from .findings import FindingReader
        from .reports import ReportReader

        self.delegations = DelegationReader(bind)
        self.findings = FindingReader(bind)
        self.reports = ReportReader(bind)

    # --- units -----------------------------------------------------------------------

    def organisation(self, as_of: date, known_at: datetime | None = None) -> list[UnitRow]:
        # Sorted here, not by the database, whose collation may put keys in another order.
        with self._connection() as connection:
            rows = connection.execute(versions_on(t.unit_versions, as_of, known_at, columns=_UNIT_COLUMNS))
            return sorted(map(UnitRow._make, rows.tuples()))

    def units(self, ids: Sequence[str], as_of: date, known_at: datetime | None = None) -> dict[str, UnitRow]:
        v = t.unit_versions
        found: dict[str, UnitRow] = {}
        for chunk in _chunks(sorted(set(ids))):
            query = select(v).where(v.c.unit_id.in_(chunk), believed(v, known_at), in_effect(v, as_of))
            found.update({row.unit_id: _unit(row) for row in self._all(query)})
        return found

    def children(
        self, parent_ids: Sequence[str], as_of: date, known_at: datetime | None = None
    ) -> dict[str, list[UnitRow]]:
        v = t.unit_versions
        found: dict[str, list[UnitRow]] = defaultdict(list)
        for chunk in _chunks(sorted(set(parent_ids))):
            query = (
                select(v)
                .where(v.c.parent_id.in_(chunk), believed(v, known_at), in_effect(v, as_of))
                .order_by(v.c.unit_id)
            )
            for row in self._all(query):
                found[row.parent_id].append(_unit(row))
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
            raise NotFound(f"there is no unit '{key}' in the register")

    def unit_history(self, unit_id: str, known_at: datetime | None = None) -> list[UnitRow]:
        v = t.unit_versions
        query = select(v).where(v.c.unit_id == unit_id, believed(v, known_at)).order_by(v.c.valid_from)
        return [_unit(row) for row in self._all(query)]

    def lives(self, ids: Sequence[str], known_at: datetime | None = None) -> dict[str, Life]:
        """Each unit's whole life: established .. ended (None while still in effect)."""
        v = t.unit_versions
        found: dict[str, Life] = {}
        for chunk in _chunks(sorted(set(ids))):
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
        for chunk in _chunks(sorted(set(ids))):
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
            _chunks(sorted(set(unit_ids))) if unit_ids is not None else [None]
        )
        for chunk in groups:
            if chunk is None:
                query: Any = versions_on(p, as_of, known_at)
            else:
                query = select(p).where(believed(p, known_at), in_effect(p, as_of), p.c.unit_id.in_(chunk))
            for row in self._all(query):
                found[row.unit_id].append(
                    PositionRow(
                        row.position_id, row.title, row.unit_id, row.director, row.valid_from, row.valid_to
                    )
                )
        for rows in found.values():  # sorted here, whatever the database's collation
            rows.sort(key=lambda position: position.id)
        return found

    def diff(self, start: date, end: date, known_at: datetime | None = None) -> OrgDiff:
        """The organisation on `start` against that on `end`: units and posts, each by key."""
        before = {u.id: u for u in self.organisation(start, known_at)}
        after = {u.id: u for u in self.organisation(end, known_at)}
        both = sorted(before.keys() & after.keys())
        return OrgDiff(
            added=sorted(after.keys() - before.keys()),
            removed=sorted(before.keys() - after.keys()),
            renamed=[(k, before[k].name, after[k].name) for k in both if before[k].name != after[k].name],
            moved=[
                (k, before[k].parent_id or before[k].owner_id, after[k].parent_id or after[k].owner_id)
                for k in both
                if (before[k].parent_id, before[k].owner_id) != (after[k].parent_id, after[k].owner_id)
            ],
            reclassified=[
                (k, before[k].kind, after[k].kind) for k in both if before[k].kind != after[k].kind
            ],
            positions=self._position_diff(start, end, known_at),
        )

    def _position_diff(self, start: date, end: date, known_at: datetime | None) -> PositionDiff:
        def units_of_posts(day: date) -> dict[str, str]:
            return {p.id: p.unit_id for posts in self.positions(None, day, known_at).values() for p in posts}

        before, after = units_of_posts(start), units_of_posts(end)
        both = sorted(before.keys() & after.keys())
        return PositionDiff(
            established=sorted(after.keys() - before.keys()),
            abolished=sorted(before.keys() - after.keys()),
            moved=[(k, before[k], after[k]) for k in both if before[k] != after[k]],
        )

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
    ) -> ChangePage:
        """A page of the change log; `types` and `reported_to` (a board) narrow it, as the others do."""
        log = t.change_log
        conditions = []
        if known_at is not None:
            conditions.append(log.c.recorded_at <= known_at)
        if types is not None:
            conditions.append(log.c.type.in_(sorted(set(types))))
        if reported_to is not None:
            items = t.report_items
            reported = select(items.c.change_id).where(items.c.board_id == reported_to)
            if known_at is not None:
                reported = reported.where(items.c.recorded_at <= known_at)
            conditions.append(log.c.change_id.in_(reported))
        if start is not None:
            conditions.append(log.c.effective >= start)
        if end is not None:
            conditions.append(log.c.effective <= end)
        if unit_id is not None:
            units = t.change_units
            conditions.append(
                log.c.change_id.in_(select(units.c.change_id).where(units.c.unit_id == unit_id))
            )
        with self._connection() as connection:
            total = connection.execute(select(func.count()).select_from(log).where(*conditions)).scalar_one()
            page_conditions = list(conditions)
            if after is not None:
                day, seq = decode_cursor(after)
                page_conditions.append(
                    or_(log.c.effective > day, and_(log.c.effective == day, log.c.seq > seq))
                )
            query = select(log).where(*page_conditions).order_by(log.c.effective, log.c.seq).limit(first + 1)
            rows = list(connection.execute(query))
        has_next = len(rows) > first
        rows = rows[:first]
        ids = [r.change_id for r in rows]
        unit_ids, effects = self._change_units(ids), self._change_effects(ids)
        page = [
            self._change(row, known_at, unit_ids.get(row.change_id, ()), effects.get(row.change_id, ()))
            for row in rows
        ]
        end_cursor = encode_cursor(page[-1].effective, page[-1].seq) if page else None
        return ChangePage(page, total, has_next, end_cursor)

    def change(self, change_id: str) -> ChangeRow | None:
        log = t.change_log
        rows = self._all(select(log).where(log.c.change_id == change_id))
        if not rows:
            return None
        units, effects = self._change_units([change_id]), self._change_effects([change_id])
        return self._change(rows[0], None, units.get(change_id, ()), effects.get(change_id, ()))

    def changes_by_id(self, change_ids: Sequence[str], known_at: datetime | None = None) -> list[ChangeRow]:
        """The given changes, in the order given (unknown ids are left out)."""
        log = t.change_log
        rows: dict[str, Any] = {}
        for chunk in _chunks(list(change_ids)):
            rows.update(
                {row.change_id: row for row in self._all(select(log).where(log.c.change_id.in_(chunk)))}
            )
        units, effects = self._change_units(list(rows)), self._change_effects(list(rows))
        return [
            self._change(rows[i], known_at, units.get(i, ()), effects.get(i, ()))
            for i in change_ids
            if i in rows
        ]

    def all_changes_in_recording_order(self) -> list[ChangeRow]:
        log = t.change_log
        return [self._change(row, None, ()) for row in self._all(select(log).order_by(log.c.seq))]

    def _change_units(self, change_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        units = t.change_units
        found: dict[str, list[str]] = defaultdict(list)
        for chunk in _chunks(list(change_ids)):
            query = select(units).where(units.c.change_id.in_(chunk)).order_by(units.c.unit_id)
            for row in self._all(query):
                found[row.change_id].append(row.unit_id)
        return {k: tuple(v) for k, v in found.items()}

    def _change_effects(self, change_ids: Sequence[str]) -> dict[str, tuple[Effect, ...]]:
        effects = t.change_effects
        found: dict[str, list[Effect]] = defaultdict(list)
        for chunk in _chunks(list(change_ids)):
            query = (
                select(effects)
                .where(effects.c.change_id.in_(chunk))
                .order_by(effects.c.board_id, effects.c.delegation_id)
            )
            for row in self._all(query):
                found[row.change_id].append(Effect(row.board_id, row.delegation_id, row.code))
        return {k: tuple(v) for k, v in found.items()}

    @staticmethod
    def _change(
        row: Any, known_at: datetime | None, unit_ids: tuple[str, ...], affects: tuple[Effect, ...] = ()
    ) -> ChangeRow:
        cancelled = row.cancelled_at is not None and (known_at is None or row.cancelled_at <= known_at)
        return ChangeRow(
            seq=row.seq,
            id=row.change_id,
            type=row.type,
            effective=row.effective,
            recorded_at=row.recorded_at,
            recorded_by=row.recorded_by,
            summary=row.summary,
            decision_body=row.decision_body,
            decision_date=row.decision_date,
            decision_paragraph=row.decision_paragraph,
            decision_reference=row.decision_reference,
            note=row.note,
            payload=row.payload,
            cancels=row.cancels,
            cancelled=cancelled,
            cancelled_by=row.cancelled_by if cancelled else None,
            unit_ids=unit_ids,
            decision_position=row.decision_position,
            decision_name=row.decision_name,
            report_to=row.report_to,
            report_basis=row.report_basis,
            affects=affects,
        )

    # --- housekeeping ---------------------------------------------------------------------

    def last_event_id(self) -> int:
        state = t.projection_state
        rows = self._all(select(state.c.last_event_id).where(state.c.name == "read_models"))
        return rows[0][0] if rows else 0

    def first_and_last_effective(self) -> tuple[date | None, date | None]:
        log = t.change_log
        rows = self._all(select(func.min(log.c.effective), func.max(log.c.effective)))
        return rows[0][0], rows[0][1]


def _chunks(items: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
