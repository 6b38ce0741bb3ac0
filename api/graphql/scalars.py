"""`Date` and `DateTime` as docs/time.md writes them, and nothing looser.

Strawberry's own scalars accept more than the contract (`20170301`, or an
instant without a time zone). In a register of decisions a silently misread
date is worse than an error, so these say what is wrong instead. The parsing
itself is `orgchange.application.dates`, shared with the REST routes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import strawberry

from orgchange.application.dates import parse_date, parse_datetime

if TYPE_CHECKING:
    from strawberry.types.scalar import ScalarDefinition


def serialize_date(value: date) -> str:
    return value.isoformat()


def serialize_datetime(value: datetime) -> str:
    return value.isoformat()


DateScalar = strawberry.scalar(
    name="Date",
    description="A calendar date, YYYY-MM-DD.",
    serialize=serialize_date,
    parse_value=parse_date,
)

DateTimeScalar = strawberry.scalar(
    name="DateTime",
    description="An instant, ISO 8601 with a time-zone offset (e.g. 2017-03-01T12:00:00Z).",
    serialize=serialize_datetime,
    parse_value=parse_datetime,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {date: DateScalar, datetime: DateTimeScalar}
