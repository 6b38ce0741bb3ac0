"""Query parameters shared by the REST routes, and their errors in plain words.

Days and instants are read as strictly as GraphQL's `Date` and `DateTime`
(`orgchange.application.dates`): `?asOf=1488326400` or a `knownAt` without a time zone is a 422
that says what is wrong, never a silently different day. Every 422 of the REST
part is `{"detail": "<plain message>"}` (see `plain_validation_error`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from orgchange.application.dates import parse_date, parse_datetime
from orgchange.domain.messages import Text, text


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


def refusal(status_code: int, message: Text, headers: dict[str, str] | None = None) -> HTTPException:
    """An error of the request: `{"detail", "code"}`, the detail in the request's language."""
    return HTTPException(status_code, detail=message, headers=headers)


async def catalogued_http_error(request: Request, error: Exception) -> Response:
    """An `HTTPException` whose detail is a `Text`: its words in the request's language, and its code."""
    assert isinstance(error, StarletteHTTPException)
    if not isinstance(error.detail, Text):
        return await http_exception_handler(request, error)
    return JSONResponse(
        {"detail": error.detail.render(), "code": error.detail.code},
        status_code=error.status_code,
        headers=error.headers,
    )


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
    return "'" + ".".join(str(part) for part in location) + "'"


async def plain_validation_error(request: Request, error: Exception) -> JSONResponse:
    """FastAPI's own 422 (a missing parameter, a format not offered) in the same plain shape."""
    assert isinstance(error, RequestValidationError)
    problems = [
        text(
            "INVALID_PARAMETER:where", where=_where(tuple(e.get("loc", ()))), problem=e.get("msg", "invalid")
        )
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
