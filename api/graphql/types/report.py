"""Reports (anmälan) of changes to a board's meeting."""

from __future__ import annotations

import datetime as dt

import strawberry

from projections.reports import ReportRow

from ..context import Info
from .change import Change


@strawberry.type(description="Changes reported (anmälda) to a board's meeting, and its review.")
class Report:
    row: strawberry.Private[ReportRow]
    board: strawberry.ID
    meeting: dt.date
    change_ids: list[strawberry.ID] = strawberry.field(
        description="The reported changes, in the order reported."
    )
    noted_paragraph: str | None = strawberry.field(
        description="The § of the minutes where the board noted the report."
    )
    noted_at: dt.datetime | None = strawberry.field(
        description="When the board's review was recorded (an extension)."
    )
    reference: str | None = strawberry.field(description="Diarienummer of the report (an extension).")

    @classmethod
    def from_row(cls, row: ReportRow) -> Report:
        return cls(
            row=row,
            board=strawberry.ID(row.board),
            meeting=row.meeting,
            change_ids=[strawberry.ID(key) for key in row.change_ids],
            noted_paragraph=row.noted_paragraph,
            noted_at=row.noted_at,
            reference=row.reference,
        )

    @strawberry.field(description="The reported changes themselves (an extension).")
    async def changes(self, info: Info) -> list[Change]:
        rows = await info.context.loaders.change.load_many(list(self.row.change_ids))
        return [Change.from_row(row) for row in rows if row is not None]
