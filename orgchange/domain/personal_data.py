"""No personal data in the register: personnummer and samordningsnummer are refused.

The register is a public record (docs/personal-data.md). A delegated decision in social
services concerns a person; its matter or reference must not name them. What is looked
for: ten or twelve digits shaped like a personal identity number — `YYMMDD-NNNN`,
`YYMMDD+NNNN`, `YYYYMMDDNNNN`, with or without the separator — whose date is a real day
(for a samordningsnummer the day plus 60) and whose last digit is the Luhn check digit of
the other nine. A number with a wrong check digit is not one (and is let through): a
diarienummer or an amount rarely passes all three tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

# Twelve or ten digits, an optional - or + before the last four, not inside a longer number.
_CANDIDATE = re.compile(r"(?<![0-9])((?:19|20)?[0-9]{6})[-+]?([0-9]{4})(?![0-9])")


def luhn_valid(digits: str) -> bool:
    """The Luhn check (the last digit checks the others), as for a Swedish personnummer."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _real_day(yymmdd: str, century: str | None) -> bool:
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    if day > 60:  # a samordningsnummer: the day plus 60
        day -= 60
    years = [int(century + yymmdd[:2])] if century else [1900 + int(yymmdd[:2]), 2000 + int(yymmdd[:2])]
    for year in years:
        try:
            date(year, month, day)
            return True
        except ValueError:
            continue
    return False


def find_identity_number(value: str) -> str | None:
    """The first personnummer or samordningsnummer (valid date and check digit) in `value`."""
    for match in _CANDIDATE.finditer(value):
        head, tail = match.group(1), match.group(2)
        century = head[:2] if len(head) == 8 else None
        yymmdd = head[-6:]
        if _real_day(yymmdd, century) and luhn_valid(yymmdd + tail):
            return match.group(0)
    return None


def may_hold_identity_number(texts: Iterable[str]) -> bool:
    """Whether any of `texts` holds something shaped like a personal identity number (before
    its date and check digit are looked at): one search over them all, so that the many
    values holding none cost one regular-expression pass, and only the rest are scanned."""
    return _CANDIDATE.search("\n".join(texts)) is not None


@dataclass(frozen=True)
class PersonalDataFound:
    """Where a personal identity number was found: the field's path and the number, masked."""

    field: str
    masked: str


def mask(number: str) -> str:
    """The number with its last four digits hidden, so that a refusal does not repeat it."""
    return number[:-4] + "****"


def scan(value: Any, path: str = "") -> Iterator[PersonalDataFound]:
    """Every field (at any depth) of `value` holding a personal identity number."""
    if isinstance(value, str):
        found = find_identity_number(value)
        if found is not None:
            yield PersonalDataFound(path or "value", mask(found))
    elif isinstance(value, int) and not isinstance(value, bool):
        yield from scan(str(value), path)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from scan(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value, start=1):
            yield from scan(item, f"{path}[{index}]")
