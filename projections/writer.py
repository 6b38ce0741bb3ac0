"""Writing the read models from the register, in the same transaction as its events.

The writer never interprets a change type itself: after a transaction it asks
the timeline which entities changed and makes the believed rows of each equal
to the timeline's versions (closing rows no longer believed, inserting new
beliefs). The same code serves the incremental path (rows live in the
database) and a rebuild (rows are collected in memory and inserted at the end),
which is why a rebuild equals the incremental read models.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from operator import itemgetter
from types import MappingProxyType
from typing import Any, cast

from sqlalchemy import CursorResult, Table, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from orgchange.adapters.bulk import bulk_insert
from orgchange.domain.changes import CancelChange, CorrectChange, DatedChange, NoteReport, ReportChanges
from orgchange.domain.records import DelegationVersion, Link, PositionVersion, UnitVersion
from orgchange.domain.register import Register
from orgchange.domain.reporting import (
    DelegationsTo,
    decider_name,
    ended_by_change,
    left_without_delegate,
    report_to,
)
from orgchange.domain.summaries import summarise, units_touched
from orgchange.domain.timeline import DATED

from . import intervals
from . import tables as t
from .search import search_rows

Values = tuple[Any, ...]
CHUNK = 500
# More days than this among a transaction's keys (`Dirty.since`): their believed rows are read a
# chunk of keys at a time rather than a day at a time (`DatabaseRows.believed`).
MANY_DAYS = 8
# No key has a day: every row of each key is read and written (`Dirty.since`).
EVERY_DAY: Mapping[str, date] = MappingProxyType({})


def _by_day(keys: Sequence[str], since: Mapping[str, date]) -> dict[date | None, list[str]]:
    """The keys grouped by their day in `since` (None: none), for one statement a group."""
    groups: dict[date | None, list[str]] = defaultdict(list)
    for k in keys:
        groups[since.get(k)].append(k)
    return groups


def _reads(keys: Sequence[str], since: Mapping[str, date]) -> Iterator[tuple[Sequence[str], date | None]]:
    """The statements that read the believed rows of `keys`: (a chunk of keys, the first day to read).

    A command's few days: a statement per day, from that day. A file's changes touch keys from
    thousands of days, and a statement a day cost more than the rows: instead a statement per
    chunk of keys, ordered by their day (so that a chunk's days lie close), from the chunk's
    earliest day; the caller leaves out a key's rows before its own day.
    """
    groups = _by_day(keys, since)
    if len(groups) <= MANY_DAYS:
        for day, group in groups.items():
            for chunk in _chunks(group):
                yield chunk, day
        return
    ordered = sorted(keys, key=lambda k: (since.get(k) is not None, since.get(k) or date.min))
    for chunk in _chunks(ordered):
        yield chunk, since.get(chunk[0])  # (ordered: a day only if every key has one, none earlier)


def _validity(v: UnitVersion | PositionVersion | DelegationVersion) -> dict[str, Any]:
    """The days a version holds, with what finds it among the versions of a day (`intervals`)."""
    fork_node, last_day = intervals.place(v.valid_from, v.valid_to)
    return {
        "valid_from": v.valid_from,
        "valid_to": v.valid_to,
        "fork_node": fork_node,
        "last_day": last_day,
    }


def _unit_row(v: UnitVersion) -> dict[str, Any]:
    return {
        **_validity(v),
        "name": v.name,
        "kind": v.kind,
        "parent_id": v.parent,
        "owner_id": v.owner,
        "supervisor_id": v.supervisor,
        "change_id": v.change_id,
        "ended_by": v.ended_by,
    }


def _position_row(v: PositionVersion) -> dict[str, Any]:
    return {
        **_validity(v),
        "title": v.title,
        "unit_id": v.unit,
        "director": v.director,
        "change_id": v.change_id,
        "ended_by": v.ended_by,
    }


def _delegation_row(v: DelegationVersion) -> dict[str, Any]:
    return {
        **_validity(v),
        "board_id": v.board,
        "to_id": v.to,
        "matter": v.matter,
        "code": v.code,
        "legal_basis": v.legal_basis,
        "limit_text": v.limit,
        "substitute_id": v.substitute,
        "further_delegation": v.further_delegation,
        "reporting": v.reporting,
        "reserved_matter": v.reserved_matter,
        "parent_delegation_id": v.parent,
        "change_id": v.change_id,
        "ended_by": v.ended_by,
    }


def _link_row(link: Link) -> dict[str, Any]:
    return {
        "predecessor_id": link.predecessor,
        "link_date": link.date,
        "change_id": link.change_id,
    }


# (table, key column, timeline attribute, row builder)
SYNCED: tuple[tuple[Table, str, str, Callable[[Any], dict[str, Any]]], ...] = (
    (t.unit_versions, "unit_id", "units", _unit_row),
    (t.position_versions, "position_id", "positions", _position_row),
    (t.delegation_versions, "delegation_id", "delegations", _delegation_row),
    (t.unit_links, "successor_id", "predecessors", _link_row),
)
DIRTY_FIELD = {
    "units": "units",
    "positions": "positions",
    "delegations": "delegations",
    "predecessors": "links",
}


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _first_from(versions: tuple, day: date) -> int:
    """The index of the first version that begins on or after `day` (a key's versions follow
    one another in time), found from the end: a change at the head costs the head."""
    i = len(versions)
    while i > 0 and versions[i - 1].valid_from >= day:
        i -= 1
    return i


class RowStore:
    """Where believed rows live; the database, or memory during a rebuild."""

    def believed(
        self, table: Table, key: str, keys: Sequence[str], since: Mapping[str, date] = EVERY_DAY
    ) -> dict[str, dict[Values, Any]]:
        """The believed rows of `keys`, by what they say; of a key with a day in `since`, only
        the rows of versions that begin on or after it."""
        raise NotImplementedError

    def close(self, table: Table, handles: list[Any], at: datetime) -> None:
        raise NotImplementedError

    def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def mark_cancelled(self, change_id: str, by: str, at: datetime) -> None:
        raise NotImplementedError

    def replace_names(
        self,
        kind: str,
        keys: Sequence[str],
        rows: list[dict[str, Any]],
        since: Mapping[str, date] = EVERY_DAY,
    ) -> None:
        """The rows of `search_names` for these units or posts become `rows` (current belief
        only); of a key with a day in `since`, only its names in use on or after that day."""
        raise NotImplementedError

    def note_report(self, board: str, meeting: Any, paragraph: str, at: datetime) -> None:
        raise NotImplementedError

    def upsert_report(self, board: str, meeting: Any, reference: str | None) -> None:
        raise NotImplementedError

    def track(self, last_event_id: int, register_version: int) -> None:
        raise NotImplementedError


_SKIP = {"row_id", "recorded_from", "recorded_to"}


@cache
def _value_getter(table: Table, key: str) -> Callable[[Any], Values]:
    names = [c.name for c in table.columns if c.name not in _SKIP and c.name != key]
    return itemgetter(*names)


def _values(table: Table, key: str, row: Any) -> Values:
    """What a believed row says about its key (a row is compared with a version by these)."""
    return _value_getter(table, key)(row)


class DatabaseRows(RowStore):
    def __init__(self, session: Session):
        self.session = session

    def believed(
        self, table: Table, key: str, keys: Sequence[str], since: Mapping[str, date] = EVERY_DAY
    ) -> dict[str, dict[Values, Any]]:
        found: dict[str, dict[Values, Any]] = defaultdict(dict)
        for chunk, first in _reads(keys, since):
            query = select(table).where(table.c[key].in_(chunk), table.c.recorded_to.is_(None))
            if first is not None:  # the index of (key, recorded_to, valid_from) bounds it
                query = query.where(table.c.valid_from >= first)
            for row in self.session.execute(query).mappings():
                day = since.get(row[key])
                if day is None or row["valid_from"] >= day:  # (a chunk may begin before a key's day)
                    found[row[key]][_values(table, key, row)] = row["row_id"]
        return found
        # A file's changes touch keys from thousands of days; a statement a day cost more than
        # the rows. Instead a statement per chunk of keys (ordered by their day, so a chunk's
        # days lie close), from the chunk's earliest day; a key's rows before its own day are
        # left out here, so the answer is the same.
        ordered = sorted(keys, key=lambda k: (since.get(k) is not None, since.get(k) or date.min))
        for chunk in _chunks(ordered):
            query = select(table).where(table.c[key].in_(chunk), table.c.recorded_to.is_(None))
            first = since.get(chunk[0])
            if first is not None:  # (ordered: then every key of the chunk has a day, none earlier)
                query = query.where(table.c.valid_from >= first)
            for row in self.session.execute(query).mappings():
                day = since.get(row[key])
                if day is None or row["valid_from"] >= day:
                    found[row[key]][_values(table, key, row)] = row["row_id"]
        return found

    def close(self, table: Table, handles: list[Any], at: datetime) -> None:
        for chunk in _chunks(handles):
            self.session.execute(update(table).where(table.c.row_id.in_(chunk)).values(recorded_to=at))

    def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        bulk_insert(self.session.connection(), table, rows)

    def replace_names(
        self,
        kind: str,
        keys: Sequence[str],
        rows: list[dict[str, Any]],
        since: Mapping[str, date] = EVERY_DAY,
    ) -> None:
        names = t.search_names
        for day, group in _by_day(keys, since).items():
            for chunk in _chunks(group):
                statement = delete(names).where(names.c.kind == kind, names.c.entity_id.in_(chunk))
                if day is not None:
                    statement = statement.where(or_(names.c.valid_to.is_(None), names.c.valid_to >= day))
                self.session.execute(statement)
        self.insert(names, rows)

    def mark_cancelled(self, change_id: str, by: str, at: datetime) -> None:
        self.session.execute(
            update(t.change_log)
            .where(t.change_log.c.change_id == change_id)
            .values(cancelled_by=by, cancelled_at=at)
        )

    def upsert_report(self, board: str, meeting: Any, reference: str | None) -> None:
        exists = self.session.execute(
            select(t.reports.c.board_id).where(t.reports.c.board_id == board, t.reports.c.meeting == meeting)
        ).first()
        if exists is None:
            self.insert(t.reports, [{"board_id": board, "meeting": meeting, "reference": reference}])

    def note_report(self, board: str, meeting: Any, paragraph: str, at: datetime) -> None:
        self.session.execute(
            update(t.reports)
            .where(t.reports.c.board_id == board, t.reports.c.meeting == meeting)
            .values(noted_paragraph=paragraph, noted_at=at)
        )

    def track(self, last_event_id: int, register_version: int, state: Table = t.projection_state) -> None:
        values = {"last_event_id": last_event_id, "register_version": register_version}
        # An UPDATE's result is a CursorResult, which SQLAlchemy's annotations do not say.
        done = cast(
            "CursorResult[Any]",
            self.session.execute(update(state).where(state.c.name == "read_models").values(**values)),
        )
        if done.rowcount == 0:
            self.session.execute(insert(state).values(name="read_models", **values))


class MemoryRows(RowStore):
    """Collects every row of a rebuild; `flush` inserts them in bulk."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.current: dict[str, dict[str, dict[Values, dict[str, Any]]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        self.changes: dict[str, dict[str, Any]] = {}
        self.reports: dict[tuple[str, Any], dict[str, Any]] = {}
        self.state: dict[str, int] | None = None
        self.names: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._keys: dict[str, str] = {table.name: key for table, key, _, _ in SYNCED}

    def believed(
        self, table: Table, key: str, keys: Sequence[str], since: Mapping[str, date] = EVERY_DAY
    ) -> dict[str, dict[Values, Any]]:
        current = self.current[table.name]
        found: dict[str, dict[Values, Any]] = {}
        for k in keys:
            if k in current:
                day = since.get(k)
                rows = current[k]
                found[k] = (
                    dict(rows)
                    if day is None
                    else {values: row for values, row in rows.items() if row["valid_from"] >= day}
                )
        return found

    def close(self, table: Table, handles: list[Any], at: datetime) -> None:
        key = self._keys[table.name]
        current = self.current[table.name]
        for row in handles:
            row["recorded_to"] = at
            del current[row[key]][_values(table, key, row)]

    def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        self.rows[table.name].extend(rows)
        key = self._keys.get(table.name)
        if key is None:
            if table is t.change_log:
                self.changes.update({row["change_id"]: row for row in rows})
            return
        current = self.current[table.name]
        for row in rows:
            current[row[key]][_values(table, key, row)] = row

    def mark_cancelled(self, change_id: str, by: str, at: datetime) -> None:
        self.changes[change_id].update(cancelled_by=by, cancelled_at=at)

    def replace_names(
        self,
        kind: str,
        keys: Sequence[str],
        rows: list[dict[str, Any]],
        since: Mapping[str, date] = EVERY_DAY,
    ) -> None:
        for key in keys:
            day = since.get(key)
            self.names[(kind, key)] = (
                []
                if day is None
                else [
                    r
                    for r in self.names.get((kind, key), [])
                    if r["valid_to"] is not None and r["valid_to"] < day
                ]
            )
        for row in rows:
            self.names[(kind, row["entity_id"])].append(row)

    def upsert_report(self, board: str, meeting: Any, reference: str | None) -> None:
        if (board, meeting) not in self.reports:
            row = {
                "board_id": board,
                "meeting": meeting,
                "reference": reference,
                "noted_paragraph": None,
                "noted_at": None,
            }
            self.reports[(board, meeting)] = row
            self.rows[t.reports.name].append(row)

    def note_report(self, board: str, meeting: Any, paragraph: str, at: datetime) -> None:
        self.reports[(board, meeting)].update(noted_paragraph=paragraph, noted_at=at)

    def track(self, last_event_id: int, register_version: int) -> None:
        self.state = {"last_event_id": last_event_id, "register_version": register_version}

    def flush(self, session: Session, into: dict[str, Table] | None = None) -> None:
        """Insert the rows into the read models, or into the tables `into` names for them."""
        into = into or {}
        target = DatabaseRows(session)
        self.rows[t.search_names.name] = [row for rows in self.names.values() for row in rows]
        for table in t.READ_MODEL_TABLES:
            if table is t.projection_state:
                continue
            for chunk in _chunks(self.rows.get(table.name, []), 5000):
                target.insert(into.get(table.name, table), list(chunk))
        if self.state is not None:
            target.track(**self.state, state=into.get(t.projection_state.name, t.projection_state))


@dataclass
class _LogBatch:
    """Rows of one transaction's change log, inserted together."""

    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    units: list[dict[str, Any]] = field(default_factory=list)
    effects: list[dict[str, Any]] = field(default_factory=list)
    report_items: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    # What the transaction's changes ended (posts and units, by change id), for the gap check.
    ended: dict[str, set[str]] = field(default_factory=dict)
    delegations_to: DelegationsTo | None = None


class ReadModelWriter:
    """Brings the read models up to the register after a transaction of events."""

    def write(
        self,
        store: RowStore,
        register: Register,
        events: Iterable[Any],
        recorded_at: datetime,
        last_event_id: int,
    ) -> dict[str, set[str]]:
        """Returns, per key column (`unit_id`, `position_id`, `delegation_id`, `successor_id`),
        the keys whose rows the transaction closed or added: what it changed, for the re-check
        of delegated decisions, known without asking the tables by their recording instant."""
        timeline = register.timeline
        dirty = timeline.take_dirty()
        changed: dict[str, set[str]] = {}
        days = {name: dirty.since(name, getattr(timeline, name)) for name in DATED}
        for table, key, attribute, to_row in SYNCED:
            name = DIRTY_FIELD[attribute]
            since = days.get(name, EVERY_DAY)
            # (a key whose versions went back to what they were has nothing to write)
            keys = sorted(k for k in getattr(dirty, name) if since.get(k) != date.max)
            changed[key] = (
                self._sync(store, table, key, keys, getattr(timeline, attribute), to_row, recorded_at, since)
                if keys
                else set()
            )
        for kind, name, versions in (
            ("unit", "units", timeline.units),
            ("position", "positions", timeline.positions),
        ):
            # A key whose life changed has it written on every row of its names.
            lives = dirty.lives(name, versions)
            since = {k: day for k, day in days[name].items() if k not in lives}
            keys = sorted(k for k in getattr(dirty, name) if since.get(k) != date.max)
            if keys:
                rows = [row for k in keys for row in search_rows(kind, k, versions.get(k, ()), since.get(k))]
                store.replace_names(kind, keys, rows, since)
        batch = _LogBatch(
            ended=ended_by_change(timeline, dirty.positions, dirty.units, dirty.delegations),
            delegations_to=DelegationsTo(timeline),
        )
        for event in events:
            self._log(store, register, event, batch)
        store.insert(t.change_log, list(batch.changes.values()))
        store.insert(t.change_units, batch.units)
        store.insert(t.change_effects, batch.effects)
        store.insert(t.report_items, batch.report_items)
        store.insert(t.audit_log, batch.audit)
        store.track(last_event_id, register.version)
        return changed

    @staticmethod
    def _sync(
        store: RowStore,
        table: Table,
        key: str,
        keys: Sequence[str],
        versions_by_key: dict[str, tuple],
        to_row: Callable[[Any], dict[str, Any]],
        at: datetime,
        since: Mapping[str, date] = EVERY_DAY,
    ) -> set[str]:
        """Close the believed rows of `keys` that the register no longer holds and add those it
        holds anew; returns the keys that had either.

        Of a key with a day in `since`, only the versions that begin on or after it are
        compared: those before it are the ones the rows were written from (`Dirty.since`), so
        a change at the head of a long history reads and writes a row or two, not the history."""
        believed = store.believed(table, key, keys, since)
        closing: list[Any] = []
        inserting: list[dict[str, Any]] = []
        changed: set[str] = set()
        for k in keys:
            have = believed.get(k, {})
            wanted: dict[Values, dict[str, Any]] = {}
            day = since.get(k)
            versions = versions_by_key.get(k, ())
            if day is not None:
                versions = versions[_first_from(versions, day) :]
            for version in versions:
                row = {key: k, **to_row(version)}
                wanted[_values(table, key, row)] = row
            before = len(closing), len(inserting)
            closing.extend(handle for values, handle in have.items() if values not in wanted)
            inserting.extend(
                {**row, "recorded_from": at, "recorded_to": None}
                for values, row in wanted.items()
                if values not in have
            )
            if (len(closing), len(inserting)) != before:
                changed.add(k)
        store.close(table, closing, at)
        store.insert(table, inserting)
        return changed

    @staticmethod
    def _log(store: RowStore, register: Register, event: Any, batch: _LogBatch) -> None:
        change = getattr(event, "change", None)
        if change is None:  # the register was started or named
            if isinstance(event, Register.Named):
                batch.audit.append(_audit_row(event, "name_organisation", None, None, event.name))
            return
        timeline = register.timeline
        at, by = event.timestamp, event.recorded_by
        if isinstance(change, ReportChanges | NoteReport):
            batch.audit.append(_audit_row(event, change.TYPE, change.id, summarise(change, timeline), None))
        if isinstance(change, ReportChanges):
            store.upsert_report(change.to, change.meeting, change.reference)
            report = register.reports[(change.to, change.meeting)]
            offset = len(report.change_ids) - len(change.changes)
            batch.report_items.extend(
                [
                    {
                        "board_id": change.to,
                        "meeting": change.meeting,
                        "change_id": change_id,
                        "position": offset + i,
                        "report_change_id": change.id,
                        "recorded_at": at,
                    }
                    for i, change_id in enumerate(change.changes)
                ],
            )
            return
        if isinstance(change, NoteReport):
            store.note_report(change.to, change.meeting, change.paragraph, at)
            return
        effective = change.effective if isinstance(change, DatedChange) else None
        touched: list[str] = []
        if isinstance(change, CancelChange | CorrectChange):
            target = register.log[change.change].change
            assert isinstance(target, DatedChange)
            effective = target.effective
            touched = units_touched(target, timeline)
            if isinstance(change, CorrectChange):
                touched = list(dict.fromkeys([*touched, *units_touched(change.replacement, timeline)]))
            pending = batch.changes.get(change.change)
            if pending is not None:  # cancelled in the same transaction that recorded it
                pending.update(cancelled_by=change.id, cancelled_at=at)
            else:
                store.mark_cancelled(change.change, change.id or "", at)
        else:
            touched = units_touched(change, timeline)
        decision = change.decision
        reporting = report_to(change, timeline)
        ended = batch.ended.get(change.id or "")
        if ended and batch.delegations_to is not None:
            batch.effects.extend(
                {"change_id": change.id, "board_id": a.board, "delegation_id": a.delegation, "code": a.code}
                for a in left_without_delegate(change, timeline, ended, batch.delegations_to)
            )
        batch.changes[change.id or ""] = {
            "seq": event.originator_version,
            "change_id": change.id,
            "type": change.TYPE,
            "effective": effective,
            "recorded_at": at,
            "recorded_by": by,
            "summary": summarise(change, timeline, batch.ended.get(change.id or "", ())),
            "decision_body": decision.body if decision else None,
            "decision_date": decision.date if decision else None,
            "decision_paragraph": decision.paragraph if decision else None,
            "decision_reference": decision.reference if decision else None,
            "decision_position": decision.position if decision else None,
            "decision_name": decider_name(change, timeline) if decision else None,
            "report_to": reporting.board,
            "report_basis": reporting.basis,
            "note": change.note,
            "payload": json.dumps(change.canonical(), ensure_ascii=False),
            "cancels": change.change if isinstance(change, CancelChange | CorrectChange) else None,
            "cancelled_by": None,
            "cancelled_at": None,
        }
        batch.units.extend(
            {"change_id": change.id, "unit_id": u, "effective": effective, "seq": event.originator_version}
            for u in touched
        )


def _audit_row(event: Any, kind: str, change_id: str | None, summary: str | None, name: str | None) -> dict:
    return {
        "seq": event.originator_version,
        "type": kind,
        "change_id": change_id,
        "recorded_at": event.timestamp,
        "recorded_by": event.recorded_by,
        "summary": summary,
        "name": name,
    }
