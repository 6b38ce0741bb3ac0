"""`GET /reports/{board}/…`: what was reported to a board, the review pack, and what is still unreported.

The review pack is built by the same code as `orgchange review` (`orgchange.application.documents.review`,
PDF by `orgchange.application.documents.pdf`), so the service and the command line give the same pages.
The service prints with one long-lived browser per process, a bounded number of
pages at once (`ORGCHANGE_PDF_MAX_CONCURRENT`); a request that finds every turn
taken and no place to wait is answered 503 with `Retry-After` (`PDF_BUSY`).
Serving a pack records nothing: only packs written to files by the command line
are tracked as outputs that may go stale (`orgchange outputs`, `staleOutputs`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from orgchange.application.documents.graphviz import DiagramBusy, RenderLimits
from orgchange.application.documents.review import ReviewPack
from orgchange.application.errors import NotFound
from orgchange.domain.messages import text
from projections.reports import Unreported
from projections.rows import ChangeRow

from ..dependencies import OrgChangeDep, ReaderAccessDep
from ..gate import Busy
from ..params import DAY_SCHEMA, INVALID, KEY_SCHEMA, LimitMessage, Message, day, invalid
from ..printing import busy, printed

router = APIRouter(prefix="/reports", tags=["reports"])

Format = Literal["html", "pdf"]
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
MAX_FIRST = 1000
Board = Annotated[str, Path(description="The board's key, e.g. ks.", json_schema_extra=KEY_SCHEMA)]

PACK_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}, "application/pdf": {}}},
    404: {"model": Message, "description": "Nothing was reported for the meeting, or no such board."},
    503: {
        "model": LimitMessage,
        "description": (
            "PDF needs a headless Chromium, which is not installed (or could not print in time); or "
            "every turn to print or draw is taken (`PDF_BUSY`, `DIAGRAM_BUSY`, with `Retry-After`)."
        ),
    },
    **INVALID,
}


class Decision(BaseModel):
    body: str | None
    date: date | None
    paragraph: str | None
    reference: str | None = Field(description="Diarienummer, e.g. KFKS 2016/880.")
    position: str | None = Field(default=None, description="The post of the official who decided, if any.")
    name: str | None = Field(default=None, description="Who decided, by name on the decision's day.")


class Change(BaseModel):
    """A change as GraphQL's `Change` shows it (same camelCase names)."""

    id: str
    type: str
    effective: date
    recorded_at: datetime = Field(serialization_alias="recordedAt")
    recorded_by: str | None = Field(serialization_alias="recordedBy")
    unit_ids: list[str] = Field(serialization_alias="unitIds")
    summary: str
    decision: Decision | None
    cancelled: bool
    report_to: str | None = Field(
        serialization_alias="reportTo", description="The board it must be reported to; null: nobody."
    )
    report_reason: str | None = Field(
        default=None,
        serialization_alias="reportReason",
        description="Why it is listed for the board asked about, in Swedish.",
    )

    @classmethod
    def of(cls, row: ChangeRow, listing: Unreported | None = None) -> Change:
        parts = (row.decision_body, row.decision_date, row.decision_paragraph, row.decision_reference)
        decision = (
            None
            if all(part is None for part in parts) and row.decision_position is None
            else Decision(
                body=row.decision_body,
                date=row.decision_date,
                paragraph=row.decision_paragraph,
                reference=row.decision_reference,
                position=row.decision_position,
                name=row.decision_name,
            )
        )
        assert row.effective is not None  # reports, the only undated entries, are not in the change log
        return cls(
            id=row.id,
            type=row.type,
            effective=row.effective,
            recorded_at=row.recorded_at,
            recorded_by=row.recorded_by,
            unit_ids=list(row.unit_ids),
            summary=row.summary,
            decision=decision,
            cancelled=row.cancelled,
            report_to=row.report_to,
            report_reason=listing.reason if listing is not None else None,
        )


async def from_param(
    value: Annotated[
        str, Query(alias="from", description="First effective day, YYYY-MM-DD.", json_schema_extra=DAY_SCHEMA)
    ],
) -> date:
    return day("from", value)


async def to_param(
    value: Annotated[
        str,
        Query(
            alias="to",
            description="Last effective day (inclusive), YYYY-MM-DD.",
            json_schema_extra=DAY_SCHEMA,
        ),
    ],
) -> date:
    return day("to", value)


@router.get(
    "/{board}/unreported",
    summary="Changes still to be reported to a board",
    description=(
        "The changes to be reported to the board (their `reportTo`) and those that left one of its "
        "delegations without a delegate, not yet reported to it; cancelled ones left out; oldest "
        "first. `reportReason` says why each is listed."
    ),
    response_model=list[Change],
    response_model_by_alias=True,
    responses={404: {"model": Message, "description": "No such board."}, **INVALID},
)
async def unreported(
    board: Board,
    orgchange: OrgChangeDep,
    _reader: ReaderAccessDep,
    first: Annotated[int, Query(ge=0, le=MAX_FIRST, description="At most this many.")] = 100,
) -> list[Change]:
    def find() -> list[Unreported]:
        read_model = orgchange.read_model
        read_model.require_unit(board)
        return read_model.reports.unreported(board, first)

    try:
        items = await run_in_threadpool(find)
    except NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(error)) from None
    return [Change.of(item.change, item) for item in items]


@router.get(
    "/{board}/review.{fmt}",
    summary="Review pack for a period",
    description=(
        "The review pack of the changes effective from `from` to `to` (inclusive), cancelled "
        "ones left out: an A4-printable HTML page, or a PDF."
    ),
    response_class=Response,
    responses=PACK_RESPONSES,
)
async def review_of_period(
    board: Board,
    fmt: Format,
    orgchange: OrgChangeDep,
    _reader: ReaderAccessDep,
    start: Annotated[date, Depends(from_param)],
    end: Annotated[date, Depends(to_param)],
    request: Request,
) -> Response:
    if start > end:
        raise invalid(text("INVALID_PARAMETER:to-before-from", end=end, start=start))
    return await _pack(
        request,
        fmt,
        lambda: ReviewPack.for_period(orgchange, board, start, end),
        f"granskning-{board}-{start}-{end}",
    )


@router.get(
    "/{board}/{meeting}.{fmt}",
    summary="Review pack for a board's meeting",
    description=(
        "The review pack of the changes reported to the board for the meeting: summary, each "
        "change with its decision, before/after org charts, delegations affected and "
        "corrections since the previous meeting. An A4-printable HTML page, or a PDF."
    ),
    response_class=Response,
    responses=PACK_RESPONSES,
)
async def review_of_meeting(
    board: Board,
    meeting: Annotated[
        str, Path(description="The day of the meeting, YYYY-MM-DD.", json_schema_extra=DAY_SCHEMA)
    ],
    fmt: Format,
    orgchange: OrgChangeDep,
    _reader: ReaderAccessDep,
    request: Request,
) -> Response:
    day_of_meeting = day("meeting", meeting)
    return await _pack(
        request,
        fmt,
        lambda: ReviewPack.for_meeting(orgchange, board, day_of_meeting),
        f"granskning-{board}-{day_of_meeting}",
    )


async def _pack(request: Request, fmt: Format, build: Callable[[], ReviewPack], name: str) -> Response:
    # Building queries the database and draws with Graphviz (bounded, documents.graphviz), in the
    # thread pool; printing takes a turn of the process's one browser (documents.pdf.Printer).
    limits = RenderLimits.of(request.app.state.settings)
    try:
        # A turn of the process's review gate (api/gate.py): packs are built a few at a time.
        async with request.app.state.review_gate.turn():
            page = await run_in_threadpool(lambda: build().as_html(limits=limits))
    except Busy as refused:
        return refused.response()
    except NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(error)) from None
    except DiagramBusy as error:
        return busy(error)
    if fmt == "html":
        return Response(page, media_type=MEDIA_TYPES["html"])
    return await printed(request, page, name)
