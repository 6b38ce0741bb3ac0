"""The org chart as of a day: loaded from the read models, shown as text, JSON or a diagram."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from orgchange.application.documents import diagrams
from orgchange.application.documents.graphviz import DiagramTooLarge, RenderLimits
from orgchange.application.errors import NotFound
from orgchange.domain.messages import Text, text
from projections.read_model import ReadModel
from projections.rows import PositionRow, UnitRow


@dataclass
class OrgChart:
    as_of: date
    units: list[UnitRow]
    positions: dict[str, list[PositionRow]] = field(default_factory=dict)
    root: str | None = None
    depth: int | None = None

    @classmethod
    def load(
        cls,
        read_model: ReadModel,
        as_of: date,
        known_at: datetime | None = None,
        root: str | None = None,
        depth: int | None = None,
    ) -> OrgChart:
        """The organisation on `as_of`; with `root`, that unit and what stands under it; with
        `depth`, only that many levels below the root (or below the organisation's top units)."""
        units = read_model.organisation(as_of, known_at)
        if root is not None:
            units = _subtree(units, root, as_of)
        if depth is not None:
            units = _levels(units, depth)
        positions = read_model.positions([u.id for u in units], as_of, known_at)
        return cls(as_of, units, dict(positions), root, depth)

    def below(self) -> dict[str | None, list[UnitRow]]:
        """Units by the unit they stand under (parent, or owner for a company); roots under None."""
        keys = {u.id for u in self.units}
        below: dict[str | None, list[UnitRow]] = defaultdict(list)
        for unit in self.units:
            above = unit.parent_id or unit.owner_id
            below[above if above in keys else None].append(unit)
        return below

    def diagram(
        self,
        fmt: str,
        *,
        left_to_right: bool = False,
        limits: RenderLimits | None = None,
        cancelled: threading.Event | None = None,
    ) -> bytes:
        """DOT, SVG or PNG. SVG and PNG of more units than a diagram may show are refused before
        anything is drawn, with a message that says how to ask for a part."""
        hint = self.how_to_ask_for_a_part()
        if fmt != "dot":
            limits = limits or RenderLimits.from_environment()
            if len(self.units) > limits.max_nodes:
                raise DiagramTooLarge(
                    text(
                        "DIAGRAM_TOO_LARGE:orgchart",
                        day=self.as_of,
                        units=f"{len(self.units):,}",
                        limit=f"{limits.max_nodes:,}",
                        hint=hint,
                    ),
                    len(self.units),
                    limits.max_nodes,
                )
        graph = diagrams.orgchart(
            self.units, self.as_of, positions=self.positions, left_to_right=left_to_right
        )
        return diagrams.render(graph, fmt, limits=limits, cancelled=cancelled, hint=hint)

    def how_to_ask_for_a_part(self) -> Text:
        if self.root is None:
            tops = sorted(self.below().get(None, []), key=lambda u: u.id)
            example = text("DIAGRAM_TOO_LARGE:example", root=tops[0].id) if tops else ""
            return text("DIAGRAM_TOO_LARGE:part", example=example)
        return text("DIAGRAM_TOO_LARGE:fewer-levels")


def _subtree(units: list[UnitRow], root: str, as_of: date) -> list[UnitRow]:
    by_key = {u.id: u for u in units}
    if root not in by_key:
        raise NotFound(text("NOT_FOUND:unit-on", unit=root, day=as_of))
    under: dict[str, list[str]] = defaultdict(list)
    for unit in units:
        above = unit.parent_id or unit.owner_id
        if above:
            under[above].append(unit.id)
    keep, stack = [], [root]
    while stack:
        key = stack.pop()
        keep.append(key)
        stack.extend(under.get(key, ()))
    return sorted((by_key[k] for k in keep), key=lambda u: u.id)


def _levels(units: list[UnitRow], depth: int) -> list[UnitRow]:
    """The units at most `depth` levels below the top ones (those standing under none of `units`)."""
    keys = {u.id for u in units}
    under: dict[str | None, list[UnitRow]] = defaultdict(list)
    for unit in units:
        above = unit.parent_id or unit.owner_id
        under[above if above in keys else None].append(unit)
    keep: list[UnitRow] = []
    level, current = 0, under.get(None, [])
    while current and level <= depth:
        keep.extend(current)
        current = [child for unit in current for child in under.get(unit.id, ())]
        level += 1
    return sorted(keep, key=lambda u: u.id)


def chart_json(chart: OrgChart) -> dict[str, Any]:
    """docs/cli.md: {"asOf": D, "units": [{"id","name","kind","parentId","ownerId"}…]} sorted by id."""
    return {
        "asOf": chart.as_of.isoformat(),
        "units": [
            {"id": u.id, "name": u.name, "kind": u.kind, "parentId": u.parent_id, "ownerId": u.owner_id}
            for u in sorted(chart.units, key=lambda u: u.id)
        ],
    }


def chart_text(chart: OrgChart) -> str:
    """An indented tree; companies appear under their owner, marked as owned."""
    below = chart.below()
    names = {u.id: u.name for u in chart.units}
    lines = [f"Organisationen {chart.as_of.isoformat()} ({len(chart.units)} enheter)"]

    def walk(unit: UnitRow, prefix: str, last: bool) -> None:
        branch = "└─ " if last else "├─ "
        owned = " (ägs)" if unit.owner_id else ""
        supervised = (
            f" (uppsikt: {names.get(unit.supervisor_id, unit.supervisor_id)})" if unit.supervisor_id else ""
        )
        lines.append(f"{prefix}{branch}{unit.name} [{unit.kind}{owned}] {unit.id}{supervised}")
        inner = prefix + ("   " if last else "│  ")
        staff = chart.positions.get(unit.id, [])
        children = sorted(below.get(unit.id, []), key=lambda u: (u.kind == "company", u.name))
        for position in staff:
            marker = " ★" if position.director else ""
            lines.append(f"{inner}{'│  ' if children else '   '}· {position.title}{marker} ({position.id})")
        for i, child in enumerate(children):
            walk(child, inner, i == len(children) - 1)

    roots = sorted(below.get(None, []), key=lambda u: u.name)
    for i, root in enumerate(roots):
        walk(root, "", i == len(roots) - 1)
    if not roots:
        lines.append("(inga enheter i kraft detta datum)")
    return "\n".join(lines) + "\n"
