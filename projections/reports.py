"""Reports to boards (anmälan) from the read models, and what has not been reported yet."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, select

from . import tables as t
from .queries import ChangeRow, Reader, ReadModel


@dataclass(frozen=True)
class ReportRow:
    board: str
    meeting: date
    change_ids: tuple[str, ...]
    reference: str | None
    noted_paragraph: str | None
    noted_at: datetime | None
    reported_at: datetime | None  # when the first change was reported for the meeting


class ReportReader(Reader):
    def reports(self, board: str, meeting: date | None = None) -> list[ReportRow]:
        r, items = t.reports, t.report_items
        query = select(r).where(r.c.board_id == board)
        if meeting is not None:
            query = query.where(r.c.meeting == meeting)
        heads = self._all(query.order_by(r.c.meeting))
        if not heads:
            return []
        item_query = (
            select(items)
            .where(items.c.board_id == board, items.c.meeting.in_([h.meeting for h in heads]))
            .order_by(items.c.meeting, items.c.position)
        )
        listed: dict[date, list] = defaultdict(list)
        for item in self._all(item_query):
            listed[item.meeting].append(item)
        return [
            ReportRow(
                board=h.board_id,
                meeting=h.meeting,
                change_ids=tuple(i.change_id for i in listed[h.meeting]),
                reference=h.reference,
                noted_paragraph=h.noted_paragraph,
                noted_at=h.noted_at,
                reported_at=min((i.recorded_at for i in listed[h.meeting]), default=None),
            )
            for h in heads
        ]

    def previous_meeting(self, board: str, meeting: date) -> ReportRow | None:
        earlier = [r for r in self.reports(board) if r.meeting < meeting]
        return earlier[-1] if earlier else None

    def unreported(self, read_model: ReadModel, board: str, first: int = 1000) -> list[ChangeRow]:
        """Changes (not cancelled) that have not been reported to `board`, oldest first."""
        log, items = t.change_log, t.report_items
        reported = select(items.c.change_id).where(items.c.board_id == board)
        query = (
            select(log.c.change_id)
            .where(and_(log.c.cancelled_at.is_(None), log.c.change_id.not_in(reported)))
            .order_by(log.c.effective, log.c.seq)
            .limit(first)
        )
        ids = [row.change_id for row in self._all(query)]
        return read_model.changes_by_id(ids)
