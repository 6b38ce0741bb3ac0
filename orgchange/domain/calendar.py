"""The days the register speaks of.

Python's dates run from year 1 to 9999, but a day at either end has no day
before or after it, and questions such as "the gaps a change opened" compare a
day with the day before. The register takes days from 1000-01-01 to
9998-12-31: every organisation a Swedish municipality has had, and every
reorganisation it will decide, with room on both sides.
"""

from __future__ import annotations

from datetime import date

from .messages import text

FIRST_DAY = date(1000, 1, 1)
LAST_DAY = date(9998, 12, 31)


def within_calendar(day: date) -> date:
    """`day`, or a ValueError saying the register's range (in the language spoken)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(
            str(text("INVALID_PARAMETER:out-of-calendar", first=FIRST_DAY, last=LAST_DAY, day=day))
        )
    return day
