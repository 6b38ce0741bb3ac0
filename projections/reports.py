"""Reports to boards (anmälan) from the read models, and what has not been reported yet."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select

from orgchange.domain.reporting import BASIS_TEXT

from . import tables as t
from .queries import OrganisationReader
from .rows import ChangeRow, Effect, Reader


@dataclass(frozen=True)
class ReportRow:
    board: str
    meeting: date
    change_ids: tuple[str, ...]
    reference: str | None
    noted_paragraph: str | None
    noted_at: datetime | None
    reported_at: datetime | None  # when the first change was reported for the meeting


@dataclass(frozen=True)
class Unreported:
    """A change still to be reported to `board`, and why it is listed for that board."""

    change: ChangeRow
    board: str

    @property
    def due(self) -> bool:
        """The change is to be reported to the board (`ChangeRow.report_to`)."""
        return self.change.report_to == self.board

    @property
    def affected(self) -> tuple[Effect, ...]:
        """The board's delegations the change left without a delegate."""
        return tuple(e for e in self.change.affects if e.board == self.board)

    @property
    def reason(self) -> str:
        """Why it is listed, in plain Swedish."""
        parts = []
        if self.due:
            basis = BASIS_TEXT.get(self.change.report_basis or "", "beslut under nämnden")
            parts.append(f"Ska anmälas: {basis}")
        if self.affected:
            labels = ", ".join(e.label for e in self.affected)
            parts.append(f"Påverkar er delegationsordning: {labels} saknar delegat")
        return "; ".join(parts)


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

    def unreported(self, board: str, first: int = 1000) -> list[Unreported]:
        """Changes (not cancelled) still to be reported to `board`, oldest first: those it is to be
        reported to, and those that left one of its delegations without a delegate."""
        log, items, effects = t.change_log, t.report_items, t.change_effects
        reported = select(items.c.change_id).where(items.c.board_id == board)
        touching = select(effects.c.change_id).where(effects.c.board_id == board)
        query = (
            select(log.c.change_id)
            .where(
                and_(
                    log.c.cancelled_at.is_(None),
                    or_(log.c.report_to == board, log.c.change_id.in_(touching)),
                    log.c.change_id.not_in(reported),
                )
            )
            .order_by(log.c.effective, log.c.seq)
            .limit(first)
        )
        ids = [row.change_id for row in self._all(query)]
        return [Unreported(change, board) for change in OrganisationReader(self.bind).changes_by_id(ids)]
