"""`GET /documents/delegationsordning.{html,csv}`: the delegationsordning of a day as a document.

Made by the same code as `orgchange delegations --format html|csv`
(`orgchange.application.documents.delegationsordning`): one table per board with code, matter,
delegate, substitute, vidaredelegation, legal basis, limit and reporting; gaps marked.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status
from starlette.concurrency import run_in_threadpool

from orgchange.application.documents.delegationsordning import Delegationsordning
from orgchange.application.errors import NotFound

from ..dependencies import OrgChangeDep, ReaderAccessDep
from ..params import INVALID, KEY_SCHEMA, AsOf, KnownAt, Message

router = APIRouter(prefix="/documents", tags=["documents"])

Format = Literal["html", "csv"]
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8"}


@router.get(
    "/delegationsordning.{fmt}",
    summary="Delegationsordning as of a day",
    description=(
        "Every delegation in effect on `asOf` (or one board's), as a printable HTML page or as "
        "CSV (a download, UTF-8, one row per delegation)."
    ),
    response_class=Response,
    responses={
        200: {"content": {"text/html": {}, "text/csv": {}}},
        404: {"model": Message, "description": "No such board."},
        **INVALID,
    },
)
async def delegationsordning(
    fmt: Format,
    orgchange: OrgChangeDep,
    _reader: ReaderAccessDep,
    as_of: AsOf,
    known_at: KnownAt,
    board: Annotated[
        str | None, Query(description="Only this board's delegations.", json_schema_extra=KEY_SCHEMA)
    ] = None,
) -> Response:
    def make() -> str:
        document = Delegationsordning.load(orgchange.read_model, as_of, board, known_at)
        return document.as_html() if fmt == "html" else document.as_csv()

    try:
        text = await run_in_threadpool(make)
    except NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(error)) from None
    if fmt == "html":
        return Response(text, media_type=MEDIA_TYPES["html"])
    # The board, if any, is a key the register knows: letters, digits and hyphens only.
    name = "-".join(part for part in ("delegationsordning", as_of.isoformat(), board) if part)
    return Response(
        text,
        media_type=MEDIA_TYPES["csv"],
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
