"""Query parameters shared by the REST routes, and their errors in plain words.

Days and instants are read as strictly as GraphQL's `Date` and `DateTime`
(`orgchange.application.dates`): `?asOf=1488326400` or a `knownAt` without a time zone is a 422
that says what is wrong, never a silently different day. Every 422 of the REST
part is `{"detail": "<plain message>"}` (see `plain_validation_error`).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Annotated, Any

from eventsourcing.persistence import PersistenceError
from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from orgchange.application.dates import parse_date, parse_datetime
from orgchange.application.errors import DatabaseUnavailable, ReadOnlyRegister
from orgchange.domain.messages import Text, text

from .paths import route_path


class Message(BaseModel):
    """Why the request was not answered, in plain words (in the language of `Accept-Language`),
    and a stable code for programs where the refusal has one."""

    detail: str
    code: str | None = None


class LimitMessage(BaseModel):
    """Why the request was not answered: a bound on the work it asks for (or on the server's
    capacity just now), in plain words, and a stable code for programs."""

    detail: str
    code: str | None = None


def invalid(detail: str | Text) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=detail)


log = logging.getLogger(__name__)


def refusal(status_code: int, message: Text, headers: dict[str, str] | None = None) -> HTTPException:
    """An error of the request: `{"detail", "code"}`, the detail in the request's language."""
    return HTTPException(status_code, detail=message, headers=headers)


# Codes of the HTTP errors raised with words of their own (or none): a route's NotFound, routing.
STATUS_CODES = {
    status.HTTP_404_NOT_FOUND: "NOT_FOUND",
    status.HTTP_405_METHOD_NOT_ALLOWED: "METHOD_NOT_ALLOWED",
    status.HTTP_422_UNPROCESSABLE_CONTENT: "INVALID_PARAMETER",
}


def _routing_text(request: Request, error: StarletteHTTPException) -> Text | None:
    """Starlette's own 404 and 405 (no route, a method the route does not take), in the catalogue."""
    path = request.url.path[:200]
    if error.status_code == status.HTTP_404_NOT_FOUND and error.detail == "Not Found":
        return text("NOT_FOUND", path=path)
    if error.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        allowed = (error.headers or {}).get("Allow", "") or "GET"
        return text("METHOD_NOT_ALLOWED", path=path, method=request.method[:20], allowed=allowed)
    return None


async def catalogued_http_error(request: Request, error: Exception) -> Response:
    """Every `HTTPException` as `{"detail", "code"}`: a `Text` in the request's language with its
    code; Starlette's own 404 and 405 in the catalogue's words; another detail with the code of
    its status (a route's `NotFound` already speaks the request's language)."""
    assert isinstance(error, StarletteHTTPException)
    detail = error.detail if isinstance(error.detail, Text) else _routing_text(request, error)
    if detail is not None:
        return JSONResponse(
            {"detail": detail.render(), "code": detail.code},
            status_code=error.status_code,
            headers=error.headers,
        )
    code = STATUS_CODES.get(error.status_code)
    if code is None or not isinstance(error.detail, str):
        return await http_exception_handler(request, error)
    return JSONResponse(
        {"detail": error.detail, "code": code}, status_code=error.status_code, headers=error.headers
    )


# What a route meets when the database cannot be used: the driver's errors (the server is down,
# the disk is full), eventsourcing's wrapping of them, and no free connection in the pool
# within `database_pool_timeout_seconds`.
DATABASE_FAILURES: tuple[type[Exception], ...] = (DBAPIError, PersistenceError, PoolTimeout)
RETRY_AFTER_SECONDS = "5"
# On every 503 DATABASE_UNAVAILABLE: when to ask again (the database may be back, a connection free).
DATABASE_RETRY = {"Retry-After": RETRY_AFTER_SECONDS}


async def database_unavailable(request: Request, error: Exception) -> Response:
    """503 DATABASE_UNAVAILABLE in the request's language, for any route: the database's own
    words (hosts, paths, SQL) go to the log only. A read (GET, HEAD) is told to try again; any
    other request also that nothing was recorded."""
    log.error("%s %s: the database cannot be used: %s", request.method, request.url.path[:200], _first(error))
    return unavailable(request)


class DatabaseUnreachable(Exception):
    """The database failed where a dependency asked it before the route ran (the caller's token
    or session), and the dependency has logged why: answered by `unavailable`."""


async def database_unreachable(request: Request, error: Exception) -> Response:
    return unavailable(request)


def unavailable(request: Request) -> JSONResponse:
    """503 DATABASE_UNAVAILABLE, `{"detail", "code"}` in the words of `unavailable_text`. On the
    GraphQL endpoint, where the database failed before GraphQL ran (the caller's token or
    session looked up), a GraphQL answer all the same, in the words GraphQL gives a failing
    database (api/graphql/errors.py): a client, and the web page, read its `errors`."""
    message = unavailable_text(request.method)
    body: dict[str, Any] = {"detail": message.render(), "code": message.code}
    if _is_graphql(request):
        message = message if request.method in READS else text(DatabaseUnavailable.KEY)
        body = {"data": None, "errors": [{"message": message.render(), "extensions": {"code": message.code}}]}
    return JSONResponse(body, status_code=status.HTTP_503_SERVICE_UNAVAILABLE, headers=DATABASE_RETRY)


GRAPHQL_PATH = "/graphql"


def _is_graphql(request: Request) -> bool:
    """Whether `request` asks the GraphQL endpoint, behind a proxy that passes its prefix on or not."""
    return route_path(request.scope).rstrip("/") == GRAPHQL_PATH


READS = frozenset({"GET", "HEAD"})


def unavailable_text(method: str, read_only: bool = False) -> Text:
    """DATABASE_UNAVAILABLE's words for a request of `method`: a read is told to try again (on a
    server set read-only, where to go instead), any other request that nothing was recorded."""
    if method not in READS:
        return text(DatabaseUnavailable.KEY)
    return text("DATABASE_UNAVAILABLE:read-only:read" if read_only else "DATABASE_UNAVAILABLE:read")


async def nothing_recorded(request: Request, error: Exception) -> Response:
    """A write the application refused because the database cannot take it (`DatabaseUnavailable`
    and its kinds: down, full, a read replica, a database of another version): 503
    `DATABASE_UNAVAILABLE` with the kind's own words, from every route that writes. `Retry-After`
    only where asking again may help: a server set read-only or a database of another version
    stays so. A GET that needs a server that writes (a draft's check) gets the words of a read."""
    assert isinstance(error, DatabaseUnavailable)
    read = request.method in READS
    outcome = "not answered" if read else "nothing was recorded"
    log.error("%s %s: %s: %s", request.method, request.url.path[:200], outcome, error.detail[:500])
    detail = error.MESSAGE
    if read and not error.SHOWN_WHOLE:
        # A read that needs a server that writes (a draft's check or preview) recorded nothing
        # to begin with: it is told to try again, or where to go, not that nothing was recorded.
        detail = unavailable_text(request.method, isinstance(error, ReadOnlyRegister)).render()
    return JSONResponse(
        {"detail": detail, "code": DatabaseUnavailable.KEY},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers=DATABASE_RETRY if error.TRANSIENT else None,
    )


def _first(error: Exception) -> str:
    lines = str(error).splitlines()
    return lines[0][:500] if lines else type(error).__name__


def day(name: str, value: str) -> date:
    """A YYYY-MM-DD parameter, or a 422 naming it."""
    try:
        return parse_date(value)
    except ValueError as error:
        raise invalid(text("INVALID_PARAMETER", name=name, problem=error)) from None


def instant(name: str, value: str) -> datetime:
    """An ISO 8601 instant with a time zone, or a 422 naming it."""
    try:
        return parse_datetime(value)
    except ValueError as error:
        raise invalid(text("INVALID_PARAMETER", name=name, problem=error)) from None


# What the OpenAPI description says a day or an instant is (RFC 3339 `full-date`, `date-time`);
# `day` and `instant` are what enforce it, in the plain words above.
DAY_SCHEMA = {
    "format": "date",
    # the register's days, 1000-01-01 … 9998-12-31 (orgchange.domain.calendar)
    "pattern": r"^(1[0-9]{3}|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9])-[0-9]{2}-[0-9]{2}$",
}
INSTANT_SCHEMA = {"format": "date-time"}
# A key (a board, a unit) is text without U+0000 (`no_nul_in_parameters` enforces it).
KEY_SCHEMA = {"pattern": r"^[^\u0000]*$"}


# `async def`: parsing needs no database, so it need not go to the thread pool.
async def as_of_param(
    value: Annotated[
        str,
        Query(
            alias="asOf",
            description="The day, YYYY-MM-DD.",
            examples=["2017-03-01"],
            json_schema_extra=DAY_SCHEMA,
        ),
    ],
) -> date:
    return day("asOf", value)


async def known_at_param(
    value: Annotated[
        str | None,
        Query(
            alias="knownAt",
            description="As known at this instant, ISO 8601 with a time zone (e.g. 2017-03-01T12:00:00Z).",
            json_schema_extra=INSTANT_SCHEMA,
        ),
    ] = None,
) -> datetime | None:
    return None if value is None else instant("knownAt", value)


async def no_nul_in_parameters(request: Request) -> None:
    """A 422 for a parameter holding U+0000: PostgreSQL can neither store nor compare it, so no key
    or day holds it (change files refuse it too)."""
    for name, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        if "\x00" in name or "\x00" in str(value):
            raise invalid(text("INVALID_PARAMETER:nul", name=name))


AsOf = Annotated[date, Depends(as_of_param)]
KnownAt = Annotated[datetime | None, Depends(known_at_param)]

INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": Message, "description": "A parameter is missing or malformed, e.g. a bad date."}
}


def _where(location: tuple[Any, ...]) -> str | Text:
    if len(location) >= 2 and location[0] in ("query", "path", "header"):
        return text(f"INVALID_PARAMETER:{location[0]}", name=location[-1])
    if len(location) >= 2 and location[0] == "body":
        return text("INVALID_PARAMETER:body", name=".".join(str(part) for part in location[1:]))
    return "'" + ".".join(str(part) for part in location) + "'"


def _shown(value: Any) -> str:
    """A value the caller sent, short enough to repeat."""
    shown = value if isinstance(value, str) else repr(value)
    return shown if len(shown) <= 60 else shown[:60] + "…"


def problem_of(error: dict[str, Any]) -> Text:
    """What pydantic found wrong with one value, in the catalogue's words (its `type`, not its
    English `msg`); a kind the catalogue has no sentence for is named by its type."""
    kind, context, value = error.get("type", ""), error.get("ctx") or {}, _shown(error.get("input"))
    if kind == "missing":
        return text("INVALID_PARAMETER:missing")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return text("INVALID_PARAMETER:integer", value=value)
    if kind in ("float_parsing", "float_type", "decimal_parsing"):
        return text("INVALID_PARAMETER:number", value=value)
    if kind in ("bool_parsing", "bool_type"):
        return text("INVALID_PARAMETER:boolean", value=value)
    if kind in ("literal_error", "enum"):
        # pydantic joins the choices with an English "or": 'html' or 'pdf'
        expected = str(context.get("expected", "")).replace(" or ", str(text("INVALID_PARAMETER:or")))
        return text("INVALID_PARAMETER:choice", expected=expected, value=value)
    if kind in ("greater_than_equal", "greater_than"):
        limit = context.get("ge", context.get("gt", ""))
        return text("INVALID_PARAMETER:at-least", limit=limit, value=value)
    if kind in ("less_than_equal", "less_than"):
        limit = context.get("le", context.get("lt", ""))
        return text("INVALID_PARAMETER:at-most", limit=limit, value=value)
    if kind == "string_too_short":
        return text("INVALID_PARAMETER:too-short", limit=context.get("min_length", ""), value=value)
    if kind == "string_too_long":
        return text("INVALID_PARAMETER:too-long", limit=context.get("max_length", ""))
    if kind == "string_pattern_mismatch":
        return text("INVALID_PARAMETER:pattern", value=value)
    if kind == "string_type":
        return text("INVALID_PARAMETER:text", value=value)
    return text("INVALID_PARAMETER:other", kind=str(kind)[:60])


async def plain_validation_error(request: Request, error: Exception) -> JSONResponse:
    """FastAPI's own 422 (a missing parameter, a format not offered) in the same plain shape,
    in the request's language (pydantic's own words are English only)."""
    assert isinstance(error, RequestValidationError)
    problems = [
        text("INVALID_PARAMETER:where", where=_where(tuple(e.get("loc", ()))), problem=problem_of(e))
        for e in error.errors()
    ]
    return JSONResponse(
        {
            "detail": "; ".join(str(problem) for problem in problems)
            or str(text("INVALID_PARAMETER:invalid")),
            "code": "INVALID_PARAMETER",
        },
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )
