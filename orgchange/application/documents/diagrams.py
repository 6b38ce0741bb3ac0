"""Diagrams built with pydot and rendered by Graphviz's `dot` program.

DOT text needs no binary; SVG and PNG need `dot` (Debian package `graphviz`).
Without it, `GraphvizMissing` says so in plain words. `dot` runs bounded in size,
time and number (orgchange.application.documents.graphviz).

Text from the register never becomes DOT syntax: node names are built from keys
(slugs), node labels are HTML-like labels escaped by `dot_html`, and the plain
strings (titles, an edge's code, tooltips) are quoted by `dot_text` and
`dot_tooltip` (see `orgchange.application.escaping`).
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import pydot

from orgchange.application.documents.graphviz import SMALLER_PART, DiagramTooLarge, RenderLimits, run_dot
from orgchange.application.escaping import dot_html, dot_text, dot_tooltip
from orgchange.domain import messages
from orgchange.domain.errors import OrgChangeError
from orgchange.domain.kinds import kind_name
from orgchange.domain.messages import Text
from projections.delegations import Delegate, DelegationRow
from projections.rows import PositionRow, UnitRow

FORMATS = ("dot", "svg", "png")

KIND_STYLE: dict[str, dict[str, Any]] = {
    "council": {"shape": "box", "style": "rounded,filled,bold", "fillcolor": "#1f4e79", "fontcolor": "white"},
    "board": {"shape": "box", "style": "rounded,filled", "fillcolor": "#2e75b6", "fontcolor": "white"},
    "committee": {"shape": "box", "style": "rounded,filled", "fillcolor": "#9dc3e6"},
    "office": {"shape": "box", "style": "filled", "fillcolor": "#e2f0d9"},
    "area": {"shape": "box", "style": "filled", "fillcolor": "#fff2cc"},
    "unit": {"shape": "box", "style": "filled", "fillcolor": "#ffffff"},
    "group": {"shape": "box", "style": "dashed,filled", "fillcolor": "#f2f2f2"},
    "company": {"shape": "box3d", "style": "filled", "fillcolor": "#fbe5d6"},
}
# Offices and areas are drawn as a cluster around themselves and everything under them.
CLUSTER_STYLE: dict[str, dict[str, Any]] = {
    "office": {"style": "rounded,filled", "fillcolor": "#f3f9ef", "color": "#a9d18e"},
    "area": {"style": "rounded,filled", "fillcolor": "#fffaeb", "color": "#ffd966"},
}


SUPERVISION_COLOUR = "#7030a0"


class GraphvizMissing(OrgChangeError):
    """SVG/PNG were asked for, but Graphviz's `dot` program is not installed."""

    code = "GRAPHVIZ_MISSING"


def _safe(key: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "_", key)


def node_id(key: str) -> str:
    """A DOT identifier: keys are slugs, but ':' would be read as a port, so quote safely."""
    return '"n_' + _safe(key) + '"'


def _label(unit: UnitRow, positions: Sequence[PositionRow]) -> str:
    rows = [
        f"<B>{dot_html(unit.name)}</B>",
        f'<FONT POINT-SIZE="9">{kind_name(unit.kind)} · {dot_html(unit.id)}</FONT>',
    ]
    for position in positions:
        marker = " ★" if position.director else ""
        rows.append(f'<FONT POINT-SIZE="9">{dot_html(position.title)}{marker}</FONT>')
    return "<" + "<BR/>".join(rows) + ">"


def orgchart(
    units: Iterable[UnitRow],
    as_of: date,
    *,
    positions: Mapping[str, Sequence[PositionRow]] | None = None,
    title: str | None = None,
    left_to_right: bool = False,
    caption: bool = True,
) -> pydot.Dot:
    """The organisation on a day: line hierarchy as solid edges, ownership of companies dashed,
    and a board's uppsikt over a company (its supervisor) as a dashed edge of its own.

    Each office and area is a cluster around itself and what stands under it in the line
    hierarchy, so nested offices and areas nest their clusters.
    """
    graph = pydot.Dot(
        "orgchart",
        graph_type="digraph",
        rankdir="LR" if left_to_right else "TB",
        fontname="Helvetica",
        label=dot_text(f"{title or 'Organisationen'} {as_of.isoformat()}") if caption else "",
        labelloc="t",
        nodesep="0.25",
        ranksep="0.5",
        splines="ortho" if not left_to_right else "spline",
    )
    graph.set_node_defaults(fontname="Helvetica", fontsize="11", margin="0.15,0.06")
    graph.set_edge_defaults(arrowhead="none", color="#555555")
    present = list(units)
    keys = {u.id for u in present}
    children: dict[str, list[UnitRow]] = {}
    for unit in present:
        if unit.parent_id in keys:
            children.setdefault(unit.parent_id, []).append(unit)

    def place(unit: UnitRow, container: pydot.Dot | pydot.Subgraph | pydot.Cluster) -> None:
        """The unit's node and, below it, what stands under it."""
        if unit.kind in CLUSTER_STYLE:
            # label="": a cluster would otherwise inherit the diagram's caption
            cluster = pydot.Cluster(_safe(unit.id), label="", **CLUSTER_STYLE[unit.kind])
            # pydot takes a Cluster here too (it checks for one), but annotates only Subgraph.
            container.add_subgraph(cluster)  # type: ignore[arg-type]
            container = cluster
        label = _label(unit, (positions or {}).get(unit.id, ()))
        container.add_node(pydot.Node(node_id(unit.id), label=label, **KIND_STYLE[unit.kind]))
        for child in children.get(unit.id, ()):
            place(child, container)

    for unit in present:
        if unit.parent_id not in keys:
            place(unit, graph)
    for unit in present:
        if unit.parent_id in keys:
            graph.add_edge(pydot.Edge(node_id(unit.parent_id), node_id(unit.id)))
        if unit.owner_id in keys:
            graph.add_edge(
                pydot.Edge(
                    node_id(unit.owner_id),
                    node_id(unit.id),
                    style="dashed",
                    color="#c55a11",
                    arrowhead="normal",
                    xlabel="äger",  # an xlabel: orthogonal edges cannot carry a plain label
                    fontsize="9",
                )
            )
        if unit.supervisor_id in keys:
            graph.add_edge(
                pydot.Edge(
                    node_id(unit.supervisor_id),
                    node_id(unit.id),
                    style="dashed",
                    color=SUPERVISION_COLOUR,
                    fontcolor=SUPERVISION_COLOUR,
                    arrowhead="empty",
                    xlabel="uppsikt",
                    fontsize="9",
                    constraint="false",  # uppsikt is no line of the hierarchy: it does not rank
                )
            )
    return graph


def size(graph: pydot.Dot | pydot.Subgraph) -> tuple[int, int]:
    """The boxes and the edges of a diagram, its clusters included."""
    nodes = sum(1 for n in graph.get_node_list() if n.get_name() not in ("node", "edge", "graph"))
    edges = len(graph.get_edge_list())
    for subgraph in graph.get_subgraph_list():
        inner_nodes, inner_edges = size(subgraph)
        nodes, edges = nodes + inner_nodes, edges + inner_edges
    return nodes, edges


def render(
    graph: pydot.Dot,
    fmt: str,
    *,
    limits: RenderLimits | None = None,
    cancelled: threading.Event | None = None,
    hint: str | Text = SMALLER_PART,
) -> bytes:
    """The diagram as DOT text, SVG or PNG bytes; SVG and PNG within `limits` (graphviz.py).

    `limits` default to the settings of the environment; `cancelled`, when set, stops
    `dot`; `hint` says how to ask for a smaller diagram when this one is over the limits.
    """
    if fmt == "dot":
        return graph.to_string().encode("utf-8")
    if fmt not in FORMATS:
        raise ValueError(f"unknown diagram format {fmt!r}; use one of {', '.join(FORMATS)}")
    if shutil.which("dot") is None:
        raise GraphvizMissing(messages.text("GRAPHVIZ_MISSING", format=fmt.upper()))
    limits = limits or RenderLimits.from_environment()
    nodes, edges = size(graph)
    if nodes > limits.max_nodes or edges > 2 * limits.max_nodes:
        raise DiagramTooLarge(
            messages.text(
                "DIAGRAM_TOO_LARGE",
                nodes=f"{nodes:,}",
                edges=f"{edges:,}",
                limit=f"{limits.max_nodes:,}",
                hint=hint,
            ),
            max(nodes, edges // 2),
            limits.max_nodes,
        )
    text = graph.to_string().encode("utf-8")
    fallback = None
    if graph.get("splines") == "ortho":
        # Graphviz's orthogonal routing gives up on some large graphs ("Trapezoid-table
        # overflow"): the same chart with curved lines is drawn instead, in the same turn.
        graph.set("splines", "spline")
        fallback = graph.to_string().encode("utf-8")
        graph.set("splines", "ortho")
    return run_dot(text, fmt, limits, cancelled, hint, fallback)


# --- the delegationsordning -------------------------------------------------------------

GAP_COLOUR = "#c00000"
FINDING_COLOUR = "#b45f06"
ADDED_COLOUR = "#2e7d32"
REMOVED_COLOUR = "#9e9e9e"
REPOINTED_COLOUR = "#e65100"


def _edge_label(d: DelegationRow) -> str:
    text = d.code or d.id
    return text if len(text) <= 24 else text[:23] + "…"


def delegations(
    rows: Sequence[DelegationRow],
    delegates: Mapping[str, Delegate],
    board_names: Mapping[str, str],
    as_of: date,
    *,
    gaps: Iterable[str] = (),
    findings: Mapping[str, str] | None = None,
    changes: Mapping[str, str] | None = None,
    title: str | None = None,
) -> pydot.Dot:
    """Board → delegate → sub-delegate, each edge labelled with the delegation's code.

    `gaps` (delegation ids) are drawn red with the missing delegate crossed; `findings`
    (delegation id → why) are marked "⚠" in brown, the reason in the edge's tooltip;
    `changes` maps delegation ids to "added", "removed" or "repointed" for a before/after
    diagram.
    """
    findings = findings or {}
    gap_ids = set(gaps)
    changes = changes or {}
    graph = pydot.Dot(
        "delegations",
        graph_type="digraph",
        rankdir="LR",
        fontname="Helvetica",
        label=dot_text(title or f"Delegationsordning {as_of.isoformat()}"),
        labelloc="t",
        nodesep="0.2",
        ranksep="1.2",
    )
    graph.set_node_defaults(
        fontname="Helvetica", fontsize="11", shape="box", style="rounded,filled", fillcolor="white"
    )
    graph.set_edge_defaults(fontname="Helvetica", fontsize="9", color="#444444")
    added_nodes: set[str] = set()

    def add_node(key: str, **attrs: Any) -> None:
        if key not in added_nodes:
            added_nodes.add(key)
            graph.add_node(pydot.Node(node_id(key), **attrs))

    by_id = {d.id: d for d in rows}
    for d in rows:
        add_node(
            d.board_id,
            label=f"<<B>{dot_html(board_names.get(d.board_id, d.board_id))}</B>>",
            fillcolor="#2e75b6",
            fontcolor="white",
        )
        delegate = delegates.get(d.to_id)
        title_text = dot_html(delegate.title if delegate else d.to_id)
        missing = delegate is None or not delegate.in_effect
        if missing:
            add_node(
                d.to_id,
                label=f'<<S>{title_text}</S><BR/><FONT POINT-SIZE="9">saknas</FONT>>',
                color=GAP_COLOUR,
                fontcolor=GAP_COLOUR,
                style="rounded,dashed",
            )
        else:
            shape = "box" if not (delegate and delegate.is_committee) else "box3d"
            add_node(d.to_id, label=f"<{title_text}>", shape=shape)
        source = d.board_id
        parent = by_id.get(d.parent_delegation_id or "")
        if parent is not None:
            source = parent.to_id
        # Quoted for DOT: a code or a matter is text, whatever it holds (a trailing backslash, a quote).
        attrs: dict[str, Any] = {"label": dot_text(_edge_label(d)), "tooltip": dot_tooltip(d.matter)}
        if d.parent_delegation_id:
            attrs["style"] = "dashed"
        state = changes.get(d.id)
        if d.id in findings:  # marked whatever else is drawn; the colour below may be a gap's
            attrs["label"] = dot_text("⚠ " + _edge_label(d))
            attrs["tooltip"] = dot_tooltip(f"{d.matter} — {findings[d.id]}")
            attrs.update(color=FINDING_COLOUR, fontcolor=FINDING_COLOUR, penwidth="2")
        if d.id in gap_ids:
            attrs.update(color=GAP_COLOUR, fontcolor=GAP_COLOUR, penwidth="2")
        elif state == "added":
            attrs.update(color=ADDED_COLOUR, fontcolor=ADDED_COLOUR, penwidth="2")
        elif state == "removed":
            attrs.update(color=REMOVED_COLOUR, fontcolor=REMOVED_COLOUR, style="dotted")
        elif state == "repointed":
            attrs.update(color=REPOINTED_COLOUR, fontcolor=REPOINTED_COLOUR, penwidth="2")
        graph.add_edge(pydot.Edge(node_id(source), node_id(d.to_id), **attrs))
    if not rows:
        graph.add_node(pydot.Node("empty", label="Inga delegationer i kraft", shape="plaintext"))
    return graph
