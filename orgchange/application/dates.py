"""Days and instants as the contract writes them, and nothing looser (docs/time.md).

Shared by the command line's options, GraphQL's `Date`/`DateTime` scalars and the
REST routes' query parameters, so all three refuse the same input in the same words. Looser parsers
accept more than the contract (`20170301`, a Unix time, an instant without a
time zone); in a register of decisions a silently misread date is worse than
an error.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from orgchange.domain.calendar import within_calendar
from orgchange.domain.messages import text

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: object) -> date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError(text("INVALID_PARAMETER:date", value=value))
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(text("INVALID_PARAMETER:calendar-date", value=value)) from None
    return within_calendar(day)


def parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError(text("INVALID_PARAMETER:instant", value=value))
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(text("INVALID_PARAMETER:instant-example", value=value)) from None
    if instant.tzinfo is None:
        raise ValueError(text("INVALID_PARAMETER:time-zone", value=value))
    try:
        return instant.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is in the year 0 in UTC
        raise ValueError(text("INVALID_PARAMETER:instant-range", value=value)) from None
