"""`GET /diagrams/orgchart.{fmt}` and `GET /diagrams/delegations.{fmt}`: pictures of a day.

Drawn by the same code as `orgchange chart` and `orgchange delegations`
(`orgchange.application.documents.charts` and `.delegationsordning`), so the
service and the command line draw the same picture.

Drawing is bounded (orgchange.application.documents.graphviz): a diagram over the size
limit is a 422 with code `DIAGRAM_TOO_LARGE` and a message saying how to ask for a part, one
that takes too long a 422 with `DIAGRAM_TIMED_OUT`; when every turn to draw is
taken, 503 with `Retry-After` (`DIAGRAM_BUSY`). Graphviz runs in a worker
thread, and is stopped when the client goes away.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from orgchange.application.documents.chart_book import ChartBook
from orgchange.application.documents.charts import OrgChart
from orgchange.application.documents.delegationsordning import Delegationsordning, before_after
from orgchange.application.documents.diagrams import GraphvizMissing
from orgchange.application.documents.graphviz import (
    DiagramBusy,
    DiagramCancelled,
    DiagramNotDrawn,
    DiagramTooLarge,
    RenderLimits,
)
from orgchange.application.errors import NotFound

from ..dependencies import OrgChangeDep, ReaderAccessDep
from ..gate import Busy
from ..limits import ClientGone, while_connected
from ..params import DAY_SCHEMA, KEY_SCHEMA, AsOf, KnownAt, LimitMessage, day
from ..printing import CLIENT_CLOSED_REQUEST, busy, not_drawn, printed, unavailable

router = APIRouter(prefix="/diagrams", tags=["diagrams"])
T = TypeVar("T")

Format = Literal["svg", "png", "dot"]
ChartFormat = Literal["svg", "png", "dot", "pdf"]
Paper = Literal["a4", "a3"]
MEDIA_TYPES = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "dot": "text/vnd.graphviz",
    "pdf": "application/pdf",
}
# A depth beyond any organisation's; the number only keeps the parameter's value small.
MAX_DEPTH = 100
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {media: {} for media in MEDIA_TYPES.values()}},
    404: {"description": "A unit asked for is not in effect on `asOf`."},
    422: {
        "model": LimitMessage,
        "description": (
            "A parameter is malformed; or the diagram is over the size limit (`DIAGRAM_TOO_LARGE`: "
            "ask for a part) or took too long to draw (`DIAGRAM_TIMED_OUT`)."
        ),
    },
    503: {
        "model": LimitMessage,
        "description": (
            "SVG/PNG need Graphviz, which is not installed; or every turn to draw is taken "
            "(`DIAGRAM_BUSY`, with `Retry-After`); or every turn to print is taken (`PDF_BUSY`)."
        ),
    },
}


async def compare_with_param(
    value: Annotated[
        str | None,
        Query(
            alias="compareWith",
            description="An earlier day to compare with, YYYY-MM-DD.",
            json_schema_extra=DAY_SCHEMA,
        ),
    ] = None,
) -> date | None:
    return None if value is None else day("compareWith", value)


async def _drawn(request: Request, draw: Callable[[threading.Event], T]) -> T | Response:
    """What `draw` makes, or the answer that says why it was not made. Drawing runs Graphviz as a
    subprocess: off the event loop, like the queries, and stopped (`cancelled`) when nobody
    waits for the picture any more."""
    cancelled = threading.Event()
    try:
        return await while_connected(request, run_in_threadpool(draw, cancelled), cancelled.set)
    except (ClientGone, DiagramCancelled):
        return Response(status_code=CLIENT_CLOSED_REQUEST)
    except NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(error)) from None
    except GraphvizMissing as error:
        return unavailable(error)
    except (DiagramTooLarge, DiagramNotDrawn) as error:
        return not_drawn(error)
    except DiagramBusy as error:
        return busy(error)


async def _picture(request: Request, fmt: Format, draw: Callable[[threading.Event], bytes]) -> Response:
    picture = await _drawn(request, draw)
    return picture if isinstance(picture, Response) else Response(picture, media_type=MEDIA_TYPES[fmt])


async def _book(request: Request, draw: Callable[[threading.Event], str], name: str) -> Response:
    """The printed chart: its pages drawn in the thread pool, a few books at a time (the
    process's review gate, api/gate.py), then printed by the process's one browser."""
    try:
        async with request.app.state.review_gate.turn():
            page = await _drawn(request, draw)
    except Busy as refused:
        return refused.response()
    return page if isinstance(page, Response) else await printed(request, page, name)


def _limits(request: Request) -> RenderLimits:
    return RenderLimits.of(request.app.state.settings)


@router.get("/orgchart.{fmt}", summary="Org chart as of a day", response_class=Response, responses=RESPONSES)
async def orgchart(
    fmt: ChartFormat,
    orgchange: OrgChangeDep,
    _reader: ReaderAccessDep,
    as_of: AsOf,
    request: Request,
    root: Annotated[
        str | None, Query(description="Only this unit and what is under it.", json_schema_extra=KEY_SCHEMA)
    ] = None,
    depth: Annotated[
        int | None,
        Query(
            ge=0,
            le=MAX_DEPTH,
            description="Only this many levels below `root` (or below the top units): 0 is the root alone.",
        ),
    ] = None,
    known_at: KnownAt = None,
    left_to_right: Annotated[
        bool, Query(alias="leftToRight", description="Draw levels left to right (tall, narrow screens).")
    ] = False,
    paper: Annotated[
        Paper,
        Query(description="PDF: the paper, A4 or A3 (an overview page, then a page per office and area)."),
    ] = "a4",
) -> Response:
    limits = _limits(request)
    if fmt == "pdf":
        max_pages = request.app.state.settings.chart_max_pages

        def book(cancelled: threading.Event) -> str:
            chart = OrgChart.load(orgchange.read_model, as_of, known_at, root, depth)
            return ChartBook(chart, paper, max_pages=max_pages, limits=limits, cancelled=cancelled).as_html()

        name = "-".join(part for part in ("organisationsschema", as_of.isoformat(), root, paper) if part)
        return await _book(request, book, name)

    def draw(cancelled: threading.Event) -> bytes:
        chart = OrgChart.load(orgchange.read_model, as_of, known_at, root, depth)
        return chart.diagram(fmt, left_to_right=left_to_right, limits=limits, cancelled=cancelled)

    return await _picture(request, fmt, draw)


@router.get(
    "/delegations.{fmt}",
    summary="Delegationsordning as of a day",
    description="Gaps are marked. With `compareWith`, changes since that day are coloured.",
    response_class=Response,
    responses=RESPONSES,
)
async def delegations(
    fmt: Format,
    orgchange: OrgChangeDep,
    _reader: ReaderAccessDep,
    as_of: AsOf,
    request: Request,
    board: Annotated[
        str | None, Query(description="Only this board's delegations.", json_schema_extra=KEY_SCHEMA)
    ] = None,
    known_at: KnownAt = None,
    compare_with: Annotated[date | None, Depends(compare_with_param)] = None,
) -> Response:
    limits = _limits(request)

    def draw(cancelled: threading.Event) -> bytes:
        after = Delegationsordning.load(orgchange.read_model, as_of, board, known_at)
        if compare_with is None:
            return after.diagram(fmt, limits=limits, cancelled=cancelled)
        before = Delegationsordning.load(orgchange.read_model, compare_with, board, known_at)
        return before_after(before, after, fmt, limits=limits, cancelled=cancelled)

    return await _picture(request, fmt, draw)
