"""The audit trail: who recorded and who cancelled what, in recording order.

Every change and every cancellation (`cancel_change`) is a row of the change
log with the name of whoever recorded it (an API token's name, or the user of
the command line) and the instant it was accepted. The trail is that log in the
order things were recorded, filtered by who and when. A cancelled change keeps
its row: the trail shows both the change and the cancellation that voided it.
"""

from __future__ import annotations

import base64
from datetime import datetime

from sqlalchemy import func, select

from . import tables as t
from .queries import ChangePage, Reader, ReadModel

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


class AuditReader(Reader):
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
        read_model = ReadModel(self.bind)
        unit_ids = read_model._change_units([r.change_id for r in rows])
        page = [ReadModel._change(row, None, unit_ids.get(row.change_id, ())) for row in rows]
        end_cursor = encode_audit_cursor(page[-1].seq) if page else None
        return ChangePage(page, total, has_next, end_cursor)

    def recorders(self) -> list[tuple[str, int]]:
        """Everyone who has recorded anything, with how many changes and cancellations."""
        log = t.change_log
        query = select(log.c.recorded_by, func.count()).group_by(log.c.recorded_by)
        return sorted((row[0], row[1]) for row in self._all(query))
