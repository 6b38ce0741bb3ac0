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
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

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
from ..limits import ClientGone, while_connected
from ..params import DAY_SCHEMA, KEY_SCHEMA, AsOf, KnownAt, LimitMessage, day

router = APIRouter(prefix="/diagrams", tags=["diagrams"])

Format = Literal["svg", "png", "dot"]
MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png", "dot": "text/vnd.graphviz"}
# A depth beyond any organisation's; the number only keeps the parameter's value small.
MAX_DEPTH = 100
# nginx's name for it: the client closed its connection before the answer (never seen by it).
CLIENT_CLOSED_REQUEST = 499
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
            "(`DIAGRAM_BUSY`, with `Retry-After`)."
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


async def _picture(request: Request, fmt: Format, draw: Callable[[threading.Event], bytes]) -> Response:
    # Drawing runs Graphviz as a subprocess: off the event loop, like the queries, and
    # stopped (`cancelled`) when nobody waits for the picture any more.
    cancelled = threading.Event()
    try:
        picture = await while_connected(request, run_in_threadpool(draw, cancelled), cancelled.set)
    except (ClientGone, DiagramCancelled):
        return Response(status_code=CLIENT_CLOSED_REQUEST)
    except NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(error)) from None
    except GraphvizMissing as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(error)) from None
    except DiagramTooLarge as error:
        body = {"detail": str(error), "code": error.code, "size": error.size, "limit": error.limit}
        return JSONResponse(body, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    except DiagramNotDrawn as error:
        return JSONResponse(
            {"detail": str(error), "code": error.code}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    except DiagramBusy as error:
        return JSONResponse(
            {"detail": str(error), "code": error.code},
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(error.retry_after)},
        )
    return Response(picture, media_type=MEDIA_TYPES[fmt])


def _limits(request: Request) -> RenderLimits:
    return RenderLimits.of(request.app.state.settings)


@router.get("/orgchart.{fmt}", summary="Org chart as of a day", response_class=Response, responses=RESPONSES)
async def orgchart(
    fmt: Format,
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
) -> Response:
    limits = _limits(request)

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
