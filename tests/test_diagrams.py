"""The org chart diagram: nodes, edges, clusters per office and area, owner edges, no cropping.

The SVG is Graphviz's own output, parsed as XML: every node, edge and cluster is a
`<g class="node|edge|cluster">` whose `<title>` is its DOT name (`n_<key>`,
`n_<key>-><n_key>`, `cluster_<key>`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date

import pydot
import pytest

from orgchange.application.documents import diagrams
from orgchange.application.documents.charts import OrgChart
from tests.builders import base_organisation, change
from tests.support import opened

SVG = "{http://www.w3.org/2000/svg}"
DAY = date(2017, 3, 1)  # Nacka vatten och avfall AB exists from 2017-01-01
# The offices and areas of the sample on DAY (see `orgchange chart --as-of 2017-03-01`).
SAMPLE_CLUSTERS = {
    "produktion",
    "valfard-samhallsservice",
    "valfard-skola",
    "slk",
    "stodenheterna",
    "territorieomradet",
    "valfardsomradet",
}


@pytest.fixture(scope="module")
def sample(module_database_url: str, sample_file) -> Iterator[OrgChart]:
    with opened(module_database_url, sample_file) as application:
        yield OrgChart.load(application.read_model, DAY)


# --- reading Graphviz's SVG ------------------------------------------------------------------

Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def _coordinates(element: ET.Element) -> list[tuple[float, float]]:
    """Every point drawn by `element` and its children (shapes, lines and text anchors)."""
    points = []
    for shape in element.iter():
        numbers: list[str] = []
        if shape.get("points"):
            numbers = re.findall(r"-?\d+(?:\.\d+)?", shape.get("points", ""))
        elif shape.tag == f"{SVG}path":
            numbers = re.findall(r"-?\d+(?:\.\d+)?", shape.get("d", ""))
        elif shape.tag == f"{SVG}text":
            numbers = [shape.get("x", ""), shape.get("y", "")]
        points.extend(zip(map(float, numbers[0::2]), map(float, numbers[1::2]), strict=True))
    return points


def _box(element: ET.Element) -> Box:
    xs, ys = zip(*_coordinates(element), strict=True)
    return min(xs), min(ys), max(xs), max(ys)


def _inside(inner: Box, outer: Box) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def _centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def _groups(svg: ET.Element, kind: str) -> dict[str, ET.Element]:
    """The `<g class=kind>` elements by their title."""
    found = {}
    for group in svg.iter(f"{SVG}g"):
        if group.get("class") == kind:
            title = group.find(f"{SVG}title")
            assert title is not None and title.text
            found[title.text] = group
    return found


def _descendants(chart: OrgChart, key: str) -> set[str]:
    """`key` and every unit under it in the line hierarchy (parents, not owners)."""
    found, stack = set(), [key]
    while stack:
        current = stack.pop()
        found.add(current)
        stack.extend(u.id for u in chart.units if u.parent_id == current)
    return found


def _svg(chart: OrgChart, *, left_to_right: bool = False) -> ET.Element:
    return ET.fromstring(chart.diagram("svg", left_to_right=left_to_right))


# --- the sample register -----------------------------------------------------------------------


def test_svg_has_every_unit_and_one_edge_per_parent_or_owner(sample):
    svg = _svg(sample)
    nodes = _groups(svg, "node")
    assert set(nodes) == {f"n_{u.id}" for u in sample.units}
    assert len(nodes) == len(sample.units) == 37
    texts = {t.text for t in svg.iter(f"{SVG}text")}
    assert {
        "Kommunfullmäktige",
        "Territorieområdet",
        "Nacka vatten och avfall AB",
        "Stadsdirektör ★",
    } <= texts
    # one tree under KF: every unit but the council stands under exactly one parent or owner
    edges = _groups(svg, "edge")
    assert len(svg.findall(f".//{SVG}g[@class='edge']")) == len(edges) == len(sample.units) - 1
    assert "n_territorieomradet->n_planenheten" in edges
    assert "n_nacka-stadshus-ab->n_nacka-vatten-och-avfall-ab" in edges


def test_owner_edges_are_dashed_and_line_edges_are_not(sample):
    edges = _groups(_svg(sample), "edge")
    dashed = {
        title for title, edge in edges.items() if edge.find(f"{SVG}path[@stroke-dasharray]") is not None
    }
    assert dashed == {"n_kf->n_nacka-stadshus-ab", "n_nacka-stadshus-ab->n_nacka-vatten-och-avfall-ab"}
    owned = {f"n_{u.owner_id}->n_{u.id}" for u in sample.units if u.owner_id}
    assert dashed == owned
    line = {edge.find(f"{SVG}path").get("stroke") for title, edge in edges.items() if title not in dashed}
    owner = {edges[title].find(f"{SVG}path").get("stroke") for title in dashed}
    assert len(line) == len(owner) == 1 and line != owner  # and in another colour


def test_each_office_and_area_is_a_cluster_around_its_descendants(sample):
    svg = _svg(sample)
    clusters = {title: _box(group) for title, group in _groups(svg, "cluster").items()}
    assert set(clusters) == {f"cluster_{key}" for key in SAMPLE_CLUSTERS}
    nodes = {title[2:]: _box(group) for title, group in _groups(svg, "node").items()}
    for key in SAMPLE_CLUSTERS:
        members = _descendants(sample, key)
        box = clusters[f"cluster_{key}"]
        for unit, node in nodes.items():
            if unit in members:
                assert _inside(node, box), f"{unit} is drawn outside cluster_{key}"
            else:
                x, y = _centre(node)
                assert not (box[0] <= x <= box[2] and box[1] <= y <= box[3]), (
                    f"{unit} is inside cluster_{key}"
                )
    # nested offices nest their clusters: Kommunal produktion holds both Välfärd offices
    assert _inside(clusters["cluster_valfard-skola"], clusters["cluster_produktion"])
    assert _inside(clusters["cluster_valfard-samhallsservice"], clusters["cluster_produktion"])
    assert not _inside(clusters["cluster_slk"], clusters["cluster_produktion"])
    # a company and what stands under it are in no cluster
    for unit in ("nacka-vatten-och-avfall-ab", "va-kundtjanst"):
        assert not any(_inside(nodes[unit], box) for box in clusters.values())


@pytest.mark.parametrize("left_to_right", [False, True])
def test_nothing_is_cropped_and_levels_run_down_or_to_the_right(sample, left_to_right):
    svg = _svg(sample, left_to_right=left_to_right)
    _, _, width, height = map(float, svg.get("viewBox", "").split())
    graph = svg.find(f"{SVG}g[@class='graph']")
    scale, dx, dy = re.fullmatch(
        r"scale\(([\d.]+) \1\) rotate\(0\) translate\((-?[\d.]+) (-?[\d.]+)\)", graph.get("transform", "")
    ).groups()
    assert float(scale) == 1
    for x, y in _coordinates(graph):
        assert 0 <= x + float(dx) <= width and 0 <= y + float(dy) <= height, (x, y)
    nodes = {title[2:]: _centre(_box(group)) for title, group in _groups(svg, "node").items()}
    axis = 0 if left_to_right else 1
    for unit in sample.units:
        above = unit.parent_id or unit.owner_id
        if above:
            assert nodes[above][axis] < nodes[unit.id][axis], (above, unit.id)


@pytest.mark.filterwarnings("ignore::DeprecationWarning:pydot.dot_parser")  # pydot's own parser
def test_dot_needs_no_graphviz_and_holds_the_clusters_nested(sample, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(diagrams.GraphvizMissing):
        sample.diagram("svg")
    (graph,) = pydot.graph_from_dot_data(sample.diagram("dot").decode("utf-8"))

    def unquote(name: str) -> str:
        return name.strip('"')

    def walk(container, depth: int, clusters: dict[str, tuple[int, set[str]]]) -> set[str]:
        names = {unquote(n.get_name()) for n in container.get_nodes()} - {"node", "edge", "graph"}
        for sub in container.get_subgraphs():
            inner = walk(sub, depth + 1, clusters)
            clusters[unquote(sub.get_name())] = (depth + 1, inner)
            names |= inner
        return names

    clusters: dict[str, tuple[int, set[str]]] = {}
    assert walk(graph, 0, clusters) == {f"n_{u.id}" for u in sample.units}
    assert set(clusters) == {f"cluster_{key}" for key in SAMPLE_CLUSTERS}
    for key in SAMPLE_CLUSTERS:
        assert clusters[f"cluster_{key}"][1] == {f"n_{k}" for k in _descendants(sample, key)}
    # The areas stand in the stadsledningskontor, and a production office in its area.
    assert clusters["cluster_slk"][0] == 1 and clusters["cluster_territorieomradet"][0] == 2
    assert clusters["cluster_valfard-skola"][0] == 3
    edges = graph.get_edges()
    assert len(edges) == len(sample.units) - 1
    dashed = {
        (unquote(e.get_source()), unquote(e.get_destination())) for e in edges if e.get("style") == "dashed"
    }
    assert dashed == {
        ("n_kf", "n_nacka-stadshus-ab"),
        ("n_nacka-stadshus-ab", "n_nacka-vatten-och-avfall-ab"),
    }


def test_png_has_the_png_magic_bytes(sample):
    assert sample.diagram("png")[:8] == b"\x89PNG\r\n\x1a\n"


# --- a small register ------------------------------------------------------------------------


def test_names_are_escaped_and_a_chart_under_a_root_keeps_its_clusters(app):
    app.record_changes(
        [
            *base_organisation(),
            change("rename_unit", effective="2013-01-01", unit="slk", name='Stab & "ledning" <SLK>'),
            change(
                "establish_unit",
                effective="2013-01-01",
                unit="omr",
                name="Område <Ö>",
                kind="area",
                parent="slk",
            ),
            change("move_unit", effective="2013-01-01", unit="va", parent="omr"),
        ],
        "t",
    )
    chart = OrgChart.load(app.read_model, date(2013, 1, 1), root="slk")
    svg = _svg(chart)
    texts = {t.text for t in svg.iter(f"{SVG}text")}
    assert {'Stab & "ledning" <SLK>', "Område <Ö>", "Vatten och avfall"} <= texts
    clusters = {title: _box(group) for title, group in _groups(svg, "cluster").items()}
    assert set(clusters) == {"cluster_slk", "cluster_omr"}
    assert _inside(clusters["cluster_omr"], clusters["cluster_slk"])
    nodes = {title[2:]: _box(group) for title, group in _groups(svg, "node").items()}
    assert set(nodes) == {"slk", "omr", "kfv", "va"}
    assert _inside(nodes["va"], clusters["cluster_omr"])
    assert _inside(nodes["kfv"], clusters["cluster_slk"])
    assert not _inside(nodes["kfv"], clusters["cluster_omr"])
