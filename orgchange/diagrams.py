"""Diagrams built with pydot and rendered by Graphviz's `dot` program.

DOT text needs no binary; SVG and PNG need `dot` (Debian package `graphviz`).
Without it, `GraphvizMissing` says so in plain words.
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import pydot

from orgchange.domain.errors import OrgChangeError
from projections.queries import PositionRow, UnitRow

FORMATS = ("dot", "svg", "png")

KIND_STYLE = {
    "council": {"shape": "box", "style": "rounded,filled,bold", "fillcolor": "#1f4e79", "fontcolor": "white"},
    "board": {"shape": "box", "style": "rounded,filled", "fillcolor": "#2e75b6", "fontcolor": "white"},
    "committee": {"shape": "box", "style": "rounded,filled", "fillcolor": "#9dc3e6"},
    "office": {"shape": "box", "style": "filled", "fillcolor": "#e2f0d9"},
    "area": {"shape": "box", "style": "filled", "fillcolor": "#fff2cc"},
    "unit": {"shape": "box", "style": "filled", "fillcolor": "#ffffff"},
    "group": {"shape": "box", "style": "dashed,filled", "fillcolor": "#f2f2f2"},
    "company": {"shape": "box3d", "style": "filled", "fillcolor": "#fbe5d6"},
}
KIND_LABEL = {
    "council": "fullmäktige",
    "board": "nämnd",
    "committee": "utskott",
    "office": "förvaltning",
    "area": "område",
    "unit": "enhet",
    "group": "ledningsgrupp",
    "company": "bolag",
}


class GraphvizMissing(OrgChangeError):
    """SVG/PNG were asked for, but Graphviz's `dot` program is not installed."""


def node_id(key: str) -> str:
    """A DOT identifier: keys are slugs, but ':' would be read as a port, so quote safely."""
    return '"n_' + re.sub(r"[^a-z0-9_-]", "_", key) + '"'


def _label(unit: UnitRow, positions: Sequence[PositionRow]) -> str:
    rows = [
        f"<B>{html.escape(unit.name)}</B>",
        f'<FONT POINT-SIZE="9">{KIND_LABEL[unit.kind]} · {html.escape(unit.id)}</FONT>',
    ]
    for position in positions:
        marker = " ★" if position.director else ""
        rows.append(f'<FONT POINT-SIZE="9">{html.escape(position.title)}{marker}</FONT>')
    return "<" + "<BR/>".join(rows) + ">"


def orgchart(
    units: Iterable[UnitRow],
    as_of: date,
    *,
    positions: Mapping[str, Sequence[PositionRow]] | None = None,
    title: str | None = None,
    left_to_right: bool = False,
) -> pydot.Dot:
    """The organisation on a day: line hierarchy as solid edges, ownership of companies dashed."""
    graph = pydot.Dot(
        "orgchart",
        graph_type="digraph",
        rankdir="LR" if left_to_right else "TB",
        fontname="Helvetica",
        label=f"{title or 'Organisationen'} {as_of.isoformat()}",
        labelloc="t",
        nodesep="0.25",
        ranksep="0.5",
        splines="ortho" if not left_to_right else "spline",
    )
    graph.set_node_defaults(fontname="Helvetica", fontsize="11", margin="0.15,0.06")
    graph.set_edge_defaults(arrowhead="none", color="#555555")
    present = list(units)
    keys = {u.id for u in present}
    for unit in present:
        attrs = dict(KIND_STYLE[unit.kind])
        graph.add_node(
            pydot.Node(node_id(unit.id), label=_label(unit, (positions or {}).get(unit.id, ())), **attrs)
        )
    for unit in present:
        if unit.parent_id in keys:
            graph.add_edge(pydot.Edge(node_id(unit.parent_id), node_id(unit.id)))
        if unit.owner_id in keys:
            graph.add_edge(
                pydot.Edge(
                    node_id(unit.owner_id), node_id(unit.id),
                    style="dashed", color="#c55a11", arrowhead="normal", label="äger", fontsize="9",
                )
            )
    return graph


def render(graph: pydot.Dot, fmt: str) -> bytes:
    """The diagram as DOT text, SVG or PNG bytes."""
    if fmt == "dot":
        return graph.to_string().encode("utf-8")
    if fmt not in FORMATS:
        raise ValueError(f"unknown diagram format {fmt!r}; use one of {', '.join(FORMATS)}")
    if shutil.which("dot") is None:
        raise GraphvizMissing(
            f"{fmt.upper()} needs Graphviz's 'dot' program, which is not installed here "
            "(Debian: apt-get install graphviz); the DOT format works without it"
        )
    return graph.create(format=fmt, prog="dot")
