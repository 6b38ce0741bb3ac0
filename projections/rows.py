"""What every reader of the read models shares: the rows they give and how each is built.

One row type per thing (a unit, a post, a change of the log …) with one builder from a
table row, used by every reader (`queries`, `batches`, `audit`, `reports`), and the
filters every query uses: `believed` (transaction time), `in_effect` and `versions_on`
(valid time), and `Reader`, the base of the readers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import BindParameter, CompoundSelect, Connection, Engine, Table, and_, or_, select, union_all

from . import intervals


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
    # Whether `unit_ids` and `affects` were read with the row. A page asked for without them
    # (`OrganisationReader.changes(links=False)`) leaves both empty and this False; the GraphQL
    # API then reads them only for a query that asks for them.
    linked: bool = True

    @property
    def affected_boards(self) -> tuple[str, ...]:
        """Boards whose delegationsordning the change touched, by key."""
        return tuple(sorted({effect.board for effect in self.affects}))

    def as_change_file_entry(self) -> dict[str, Any]:
        return json.loads(self.payload)


@dataclass(frozen=True)
class ChangePage:
    rows: list[ChangeRow]
    total: int | None  # None: not counted (asked for the page alone)
    has_next: bool
    end_cursor: str | None


def unit_row(row: Any) -> UnitRow:
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


def position_row(row: Any) -> PositionRow:
    return PositionRow(row.position_id, row.title, row.unit_id, row.director, row.valid_from, row.valid_to)


def change_row(
    row: Any,
    known_at: datetime | None,
    unit_ids: tuple[str, ...],
    affects: tuple[Effect, ...] = (),
    linked: bool = True,
) -> ChangeRow:
    """A row of the change log as believed at `known_at` (a cancellation recorded later is not yet one)."""
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
        linked=linked,
    )


def believed(table: Table, known_at: datetime | BindParameter[Any] | None) -> Any:
    """Rows the register believed at `known_at` (now, when None; or a bound parameter)."""
    if known_at is None:
        return table.c.recorded_to.is_(None)
    return and_(
        table.c.recorded_from <= known_at,
        or_(table.c.recorded_to.is_(None), table.c.recorded_to > known_at),
    )


def in_effect(table: Table, day: date | BindParameter[Any]) -> Any:
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

    def _all(self, query: Any, params: dict[str, Any] | None = None) -> list[Any]:
        with self._connection() as connection:
            return list(connection.execute(query, params))


def chunks(items: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
