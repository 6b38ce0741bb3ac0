"""The audit trail: who recorded what, and when, in recording order.

Every change and every cancellation (`cancel_change`) is a row of the change
log with the name of whoever recorded it (an API token's name, or the user of
the command line) and the instant it was accepted. A cancelled change keeps
its row: the trail shows both the change and the cancellation that voided it.
Reports to a board (`report_changes`), a board's noting of one (`note_report`)
and the organisation's name (`name_organisation`) are rows of `audit_log`;
`trail` interleaves the two in the order things were recorded, filtered by
who and when (`entries` is the change log's part alone, for GraphQL's `audit`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, String, Text, cast, func, null, select, union_all

from . import tables as t
from .queries import OrganisationReader
from .rows import ChangePage, Reader, change_row

NAMING = "name_organisation"

_CURSOR_PREFIX = "audit|"


def encode_audit_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode()


def decode_audit_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not raw.startswith(_CURSOR_PREFIX):
            raise ValueError
        return int(raw[len(_CURSOR_PREFIX) :])
    except (ValueError, UnicodeDecodeError):
        raise ValueError(f"'{cursor}' is not a cursor of the audit trail") from None


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail."""

    seq: int  # the event's place in the register: the order things were recorded
    type: str  # a change type, report_changes, note_report or name_organisation
    id: str | None  # the change's id; none for a naming
    recorded_at: datetime
    recorded_by: str | None  # none only for a naming recorded before namings said who
    summary: str
    cancels: str | None = None
    cancelled_by: str | None = None
    organisation: str | None = None  # for a naming: the name given


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    has_next: bool
    end_cursor: str | None


def naming_summary(before: str | None, after: str) -> str:
    if before is None:
        return f"Organisationen fick namnet {after}."
    return f"Organisationen bytte namn från {before} till {after}."


class AuditReader(Reader):
    def trail(
        self,
        recorded_by: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> AuditPage:
        """Everything recorded by `recorded_by` (anyone, if None) at or after `start` and
        before `end`, oldest first: changes, cancellations, reports, notings and namings;
        a page of `first` after the cursor `after`."""
        log, other = t.change_log, t.audit_log
        both = union_all(
            select(
                log.c.seq,
                log.c.type,
                log.c.change_id.label("id"),
                log.c.recorded_at,
                log.c.recorded_by,
                log.c.summary,
                log.c.cancels,
                log.c.cancelled_by,
                cast(null(), Text).label("name"),
            ),
            select(
                other.c.seq,
                other.c.type,
                other.c.change_id.label("id"),
                other.c.recorded_at,
                other.c.recorded_by,
                other.c.summary,
                cast(null(), String).label("cancels"),
                cast(null(), String).label("cancelled_by"),
                other.c.name,
            ),
        ).subquery("trail")
        conditions = []
        if recorded_by is not None:
            conditions.append(both.c.recorded_by == recorded_by)
        if start is not None:
            conditions.append(both.c.recorded_at >= start)
        if end is not None:
            conditions.append(both.c.recorded_at < end)
        page_conditions = list(conditions)
        if after is not None:
            page_conditions.append(both.c.seq > decode_audit_cursor(after))
        with self._connection() as connection:
            total = connection.execute(select(func.count()).select_from(both).where(*conditions)).scalar_one()
            query = select(both).where(*page_conditions).order_by(both.c.seq).limit(first + 1)
            rows = list(connection.execute(query))
            has_next = len(rows) > first
            rows = rows[:first]
            before = self._names_before(connection, [r.seq for r in rows if r.type == NAMING])
        entries = [
            AuditEntry(
                seq=row.seq,
                type=row.type,
                id=row.id,
                recorded_at=row.recorded_at,
                recorded_by=row.recorded_by,
                summary=naming_summary(before.get(row.seq), row.name) if row.type == NAMING else row.summary,
                cancels=row.cancels,
                cancelled_by=row.cancelled_by,
                organisation=row.name,
            )
            for row in rows
        ]
        end_cursor = encode_audit_cursor(entries[-1].seq) if entries else None
        return AuditPage(entries, total, has_next, end_cursor)

    @staticmethod
    def _names_before(connection: Connection, seqs: list[int]) -> dict[int, str | None]:
        """The organisation's name before each of these namings (None: it had none)."""
        if not seqs:
            return {}
        other = t.audit_log
        previous = (
            select(
                other.c.seq,
                func.lag(other.c.name).over(order_by=other.c.seq).label("before"),
            )
            .where(other.c.type == NAMING)
            .subquery("namings")
        )
        query = select(previous.c.seq, previous.c.before).where(previous.c.seq.in_(seqs))
        return {row.seq: row.before for row in connection.execute(query)}

    def entries(
        self,
        recorded_by: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> ChangePage:
        """Changes and cancellations recorded by `recorded_by` (anyone, if None) at or after
        `start` and before `end`, oldest first; a page of `first` after the cursor `after`."""
        log = t.change_log
        conditions = []
        if recorded_by is not None:
            conditions.append(log.c.recorded_by == recorded_by)
        if start is not None:
            conditions.append(log.c.recorded_at >= start)
        if end is not None:
            conditions.append(log.c.recorded_at < end)
        with self._connection() as connection:
            total = connection.execute(select(func.count()).select_from(log).where(*conditions)).scalar_one()
            page_conditions = list(conditions)
            if after is not None:
                page_conditions.append(log.c.seq > decode_audit_cursor(after))
            query = select(log).where(*page_conditions).order_by(log.c.seq).limit(first + 1)
            rows = list(connection.execute(query))
        has_next = len(rows) > first
        rows = rows[:first]
        unit_ids = OrganisationReader(self.bind).change_units([r.change_id for r in rows])
        page = [change_row(row, None, unit_ids.get(row.change_id, ())) for row in rows]
        end_cursor = encode_audit_cursor(page[-1].seq) if page else None
        return ChangePage(page, total, has_next, end_cursor)

    def recorders(self) -> list[tuple[str, int]]:
        """Everyone who has recorded anything, with how many changes and cancellations."""
        log = t.change_log
        query = select(log.c.recorded_by, func.count()).group_by(log.c.recorded_by)
        return sorted((row[0], row[1]) for row in self._all(query))
