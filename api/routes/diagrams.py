"""`GET /diagrams/orgchart.{fmt}` and `GET /diagrams/delegations.{fmt}`: pictures of a day.

Drawn by the same code as `orgchange chart` and `orgchange delegations`
(`orgchange.charts`, `orgchange.delegationsordning`), so the service and the
command line draw the same picture.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from starlette.concurrency import run_in_threadpool

from orgchange.charts import OrgChart
from orgchange.delegationsordning import Delegationsordning, before_after
from orgchange.diagrams import GraphvizMissing
from orgchange.domain.errors import NotFound

from ..dependencies import OrgChangeDep, ReaderAccessDep
from ..params import DAY_SCHEMA, INVALID, KEY_SCHEMA, AsOf, KnownAt, day

router = APIRouter(prefix="/diagrams", tags=["diagrams"])

Format = Literal["svg", "png", "dot"]
MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png", "dot": "text/vnd.graphviz"}
RESPONSES = {
    200: {"content": {media: {} for media in MEDIA_TYPES.values()}},
    404: {"description": "A unit asked for is not in effect on `asOf`."},
    503: {"description": "SVG/PNG need Graphviz, which is not installed."},
    **INVALID,
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


async def _picture(fmt: Format, draw: Callable[[], bytes]) -> Response:
    # Drawing runs Graphviz as a subprocess: off the event loop, like the queries.
    try:
        picture = await run_in_threadpool(draw)
    except NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(error)) from None
    except GraphvizMissing as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(error)) from None
    return Response(picture, media_type=MEDIA_TYPES[fmt])


@router.get("/orgchart.{fmt}", summary="Org chart as of a day", response_class=Response, responses=RESPONSES)
async def orgchart(
    fmt: Format,
    orgchange: OrgChangeDep,
    _reader: ReaderAccessDep,
    as_of: AsOf,
    root: Annotated[
        str | None, Query(description="Only this unit and what is under it.", json_schema_extra=KEY_SCHEMA)
    ] = None,
    known_at: KnownAt = None,
    left_to_right: Annotated[
        bool, Query(alias="leftToRight", description="Draw levels left to right (tall, narrow screens).")
    ] = False,
) -> Response:
    def draw() -> bytes:
        chart = OrgChart.load(orgchange.read_model, as_of, known_at, root)
        return chart.diagram(fmt, left_to_right=left_to_right)

    return await _picture(fmt, draw)


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
    board: Annotated[
        str | None, Query(description="Only this board's delegations.", json_schema_extra=KEY_SCHEMA)
    ] = None,
    known_at: KnownAt = None,
    compare_with: Annotated[date | None, Depends(compare_with_param)] = None,
) -> Response:
    def draw() -> bytes:
        after = Delegationsordning.load(orgchange.read_model, as_of, board, known_at)
        if compare_with is None:
            return after.diagram(fmt)
        before = Delegationsordning.load(orgchange.read_model, compare_with, board, known_at)
        return before_after(before, after, fmt)

    return await _picture(fmt, draw)
