"""`Date` and `DateTime` as the contract writes them, and nothing looser.

Strawberry's own scalars accept more than the contract (`20170301`, or an
instant without a time zone). In a register of decisions a silently misread
date is worse than an error, so these say what is wrong instead.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import strawberry

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: object) -> date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError(f"not a date written YYYY-MM-DD: {value}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not a calendar date: {value}") from None


def parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"not an ISO 8601 instant: {value}")
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not an ISO 8601 instant such as 2017-03-01T12:00:00+01:00: {value}") from None
    if instant.tzinfo is None:
        raise ValueError(f"an instant needs a time zone, e.g. Z for UTC or +01:00: {value}")
    return instant.astimezone(UTC)


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

SCALAR_MAP = {date: DateScalar, datetime: DateTimeScalar}
