"""The days the register speaks of.

Python's dates run from year 1 to 9999, but a day at either end has no day
before or after it, and questions such as "the gaps a change opened" compare a
day with the day before. The register takes days from 1000-01-01 to
9998-12-31: every organisation a Swedish municipality has had, and every
reorganisation it will decide, with room on both sides.
"""

from __future__ import annotations

from datetime import date

FIRST_DAY = date(1000, 1, 1)
LAST_DAY = date(9998, 12, 31)


def within_calendar(day: date, what: str = "a day") -> date:
    """`day`, or a ValueError saying the register's range."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{what} must be between {FIRST_DAY} and {LAST_DAY}: {day}")
    return day
