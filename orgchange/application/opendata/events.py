"""What a change did to units and posts, in W3C ORG and PROV terms, and how its decision is cited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from projections.rows import ChangeRow


@dataclass(frozen=True)
class Effects:
    """`original`/`resulting`: org:originalOrganization/org:resultingOrganization; the rest: PROV."""

    original: tuple[str, ...] = ()
    resulting: tuple[str, ...] = ()
    generated_units: tuple[str, ...] = ()
    ended_units: tuple[str, ...] = ()
    generated_posts: tuple[str, ...] = ()
    ended_posts: tuple[str, ...] = ()


def change_effects(payload: dict[str, Any]) -> Effects:
    """The effects of a change, as written in a change file (docs/change-files.md#the-change-types).

    A merge: the merged units → `into` (one of them, or a new unit); a split: the unit →
    its successors; a spin-off: the unit → the company; establish: → the new unit;
    dissolve: the unit →; rename, move, reclassify: the unit → itself.
    """
    match payload["type"]:
        case "establish_unit":
            return Effects(resulting=(payload["unit"],), generated_units=(payload["unit"],))
        case "rename_unit" | "reclassify_unit" | "move_unit":
            return Effects(original=(payload["unit"],), resulting=(payload["unit"],))
        case "merge_units":
            units, into = tuple(payload["units"]), payload["into"]
            return Effects(
                original=units,
                resulting=(into,),
                generated_units=() if into in units else (into,),
                ended_units=tuple(u for u in units if u != into),
            )
        case "split_unit":
            successors = tuple(item["unit"] for item in payload["into"])
            return Effects(
                original=(payload["unit"],),
                resulting=successors,
                generated_units=successors,
                ended_units=(payload["unit"],),
            )
        case "dissolve_unit":
            return Effects(original=(payload["unit"],), ended_units=(payload["unit"],))
        case "spin_off_unit":
            return Effects(
                original=(payload["unit"],),
                resulting=(payload["company"],),
                generated_units=(payload["company"],),
                ended_units=(payload["unit"],),
            )
        case "establish_position":
            return Effects(generated_posts=(payload["position"],))
        case "abolish_position":
            return Effects(ended_posts=(payload["position"],))
        case _:
            return Effects()


def citation_of(row: ChangeRow, name_of: Callable[[str, date | None], str | None]) -> str | None:
    """A decision as it is cited: body + date + §, e.g. 'Kommunstyrelsen 2013-02-11 § 53'."""
    parts: list[str] = []
    if row.decision_body:
        parts.append(name_of(row.decision_body, row.decision_date) or row.decision_body)
    if row.decision_date:
        parts.append(row.decision_date.isoformat())
    if row.decision_paragraph:
        parts.append(row.decision_paragraph)
    return " ".join(parts) or None
