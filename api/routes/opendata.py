"""`GET /opendata/register.{ttl,jsonld}` and `GET /opendata/popolo.json`: the register as open data.

Made by the same code as `orgchange export --format turtle|jsonld|popolo`
(`orgchange.application.opendata`), with URIs under the server's `ORGCHANGE_URI_BASE`. Without
`asOf` the whole history (every unit, post and change, with dated relations); with
`asOf` the organisation in effect on that day. Reads are public unless the server
says otherwise, like every other read.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from orgchange.application import opendata
from orgchange.domain.messages import text

from ..dependencies import OrgChangeDep, ReaderAccessDep, SettingsDep
from ..gate import Busy
from ..params import DAY_SCHEMA, INVALID, KnownAt, day

router = APIRouter(prefix="/opendata", tags=["open data"])

WHOLE_OR_ONE_DAY = (
    "Without `asOf`, the whole history: every unit and post with its dated names, kinds and "
    "parents, and every change as an `org:ChangeEvent` with its decision. With `asOf`, the "
    "organisation in effect on that day."
)


# `asOf` is optional here (without it, the whole history), read as strictly as everywhere else.
async def optional_as_of_param(
    value: Annotated[
        str | None,
        Query(
            alias="asOf",
            description="Only the organisation in effect on this day, YYYY-MM-DD.",
            examples=["2017-03-01"],
            json_schema_extra=DAY_SCHEMA,
        ),
    ] = None,
) -> date | None:
    return None if value is None else day("asOf", value)


OptionalAsOf = Annotated[date | None, Depends(optional_as_of_param)]


async def base_of_server(settings: SettingsDep) -> str:
    """The server's URI base, checked: a bad one is the server's fault (500), said plainly."""
    try:
        return opendata.uri_base(settings.uri_base)
    except ValueError as error:
        raise HTTPException(
            status.HTTP_500_INTERNAL_SERVER_ERROR, detail=text("INVALID_SETTING:uri-base", problem=error)
        ) from None


UriBase = Annotated[str, Depends(base_of_server)]


def _responses(fmt: opendata.ExportFormat) -> dict:
    media_type = opendata.MEDIA_TYPES[fmt].split(";")[0]
    return {200: {"content": {media_type: {}}}, **INVALID}


EXPORTS_KEPT = 8


async def _export(
    request: Request,
    orgchange: OrgChangeDep,
    fmt: opendata.ExportFormat,
    as_of: date | None,
    known_at: datetime | None,
    base: str,
) -> Response:
    """The export, made once per state of the register: kept by the last event's id, so that
    asking again until something is recorded costs a look-up. Made in a turn of the
    process's export gate (api/gate.py), off the event loop."""
    state = request.app.state
    kept: OrderedDict[tuple, bytes] = state.exports
    stamp = await run_in_threadpool(orgchange.last_event_id)
    key = (fmt, as_of, known_at, base, stamp)
    content = kept.get(key)
    if content is None:
        try:
            async with state.export_gate.turn():
                content = kept.get(key)  # made by another request while this one waited
                if content is None:
                    content = await run_in_threadpool(opendata.export, orgchange, fmt, as_of, known_at, base)
        except Busy as busy:
            return busy.response()
        kept[key] = content
        while len(kept) > EXPORTS_KEPT:
            kept.popitem(last=False)
    else:
        kept.move_to_end(key)
    return Response(content, media_type=opendata.MEDIA_TYPES[fmt])


@router.get(
    "/register.ttl",
    summary="The register as linked data (W3C ORG), Turtle",
    description=WHOLE_OR_ONE_DAY,
    response_class=Response,
    responses=_responses("turtle"),
)
async def register_turtle(
    request: Request,
    orgchange: OrgChangeDep,
    _reader: ReaderAccessDep,
    base: UriBase,
    as_of: OptionalAsOf = None,
    known_at: KnownAt = None,
) -> Response:
    return await _export(request, orgchange, "turtle", as_of, known_at, base)


@router.get(
    "/register.jsonld",
    summary="The register as linked data (W3C ORG), JSON-LD",
    description=WHOLE_OR_ONE_DAY,
    response_class=Response,
    responses=_responses("jsonld"),
)
async def register_jsonld(
    request: Request,
    orgchange: OrgChangeDep,
    _reader: ReaderAccessDep,
    base: UriBase,
    as_of: OptionalAsOf = None,
    known_at: KnownAt = None,
) -> Response:
    return await _export(request, orgchange, "jsonld", as_of, known_at, base)


@router.get(
    "/popolo.json",
    summary="Organisations and posts as Popolo JSON",
    description=(
        "Every unit as a Popolo organization (founding and dissolution dates, parent or owner, "
        "names with their dates) and every post; with `asOf`, those in effect on that day."
    ),
    response_class=Response,
    responses=_responses("popolo"),
)
async def popolo(
    request: Request,
    orgchange: OrgChangeDep,
    _reader: ReaderAccessDep,
    base: UriBase,
    as_of: OptionalAsOf = None,
    known_at: KnownAt = None,
) -> Response:
    return await _export(request, orgchange, "popolo", as_of, known_at, base)
