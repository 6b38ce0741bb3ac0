"""Popolo JSON (https://www.popoloproject.com/specs/): the units as organizations, the posts as posts.

`parent_id` is the parent, or for a company its owner (Popolo has no owner); the latest
one in the full export, the one on the day with `as_of`. `other_names` are the unit's
names with the days they held (the current one included). As everywhere in orgchange
the end of a period is the day it no longer holds: `dissolution_date` and `end_date` are
the effective date of the change that dissolved the unit, abolished the post or renamed
it. Each organization and post links to its URI in the linked-data export. Names and
titles are shown without control characters (`printable`), as in every document.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from orgchange.application.config import DEFAULT_URI_BASE
from orgchange.domain.text import printable

from .history import OpenData
from .vocabulary import Uris

LINKED_DATA = "W3C ORG (linked data)"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def popolo(data: OpenData, base: str = DEFAULT_URI_BASE) -> dict[str, Any]:
    """`{"organizations": […], "posts": […]}`, sorted by id. A bad base is a ValueError."""
    uris = Uris(base)
    organizations = []
    for entity in data.units.values():
        current = data.current(entity)
        organizations.append(
            {
                "id": entity.key,
                "name": printable(current["name"]),
                "identifiers": [{"identifier": entity.key, "scheme": "orgchange"}],
                "classification": current["kind"],
                "parent_id": current["parent"] or current["owner"],
                "founding_date": _iso(entity.valid_from),
                "dissolution_date": _iso(entity.valid_to),
                "other_names": [
                    {
                        "name": printable(p.value),
                        "start_date": _iso(p.valid_from),
                        "end_date": _iso(p.valid_to),
                    }
                    for p in data.periods(entity, "name")
                ],
                "links": [{"url": str(uris.unit(entity.key)), "note": LINKED_DATA}],
            }
        )
    posts = []
    for entity in data.posts.values():
        current = data.current(entity)
        posts.append(
            {
                "id": entity.key,
                "label": printable(current["title"]),
                "other_label": sorted(
                    {printable(v.values["title"]) for v in entity.versions} - {printable(current["title"])}
                ),
                "role": "director" if current["director"] else None,
                "organization_id": current["unit"],
                "start_date": _iso(entity.valid_from),
                "end_date": _iso(entity.valid_to),
                "links": [{"url": str(uris.post(entity.key)), "note": LINKED_DATA}],
            }
        )
    return {"organizations": organizations, "posts": posts}


def popolo_json(data: OpenData, base: str = DEFAULT_URI_BASE) -> bytes:
    return json.dumps(popolo(data, base), ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
