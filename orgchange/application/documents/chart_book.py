"""The org chart as a book of printed pages: an overview, then a page per office and area.

One Graphviz picture of a whole kommun is unreadable on paper: at 300–1,500 units it
would have to shrink its text far below what anyone can read. The book cuts the chart
where people look for it — at the offices (förvaltningar) and areas (verksamhetsområden):

* the overview shows the top levels down to the offices and areas (each a box of its own);
* each office and area gets a page with what stands under it, down to the next office
  or area below it, which in turn gets a page of its own;
* a page whose picture would have to shrink its smallest text below 8 pt (the smallest
  text of a chart is 9 pt: `SMALLEST_FONT_PT`) is split: its branches are shared out over
  several pages ("del 1 av 3"), and a single branch that is still too large becomes a
  page of its own. Each picture is drawn top-down, or left to right when that fits better.

So every unit is drawn in full on exactly one page, and the page it belongs to says
on which later pages its offices and areas continue. Sizes are those Graphviz reports
for each picture (in points), so the test of readability is the picture as printed.

The work is bounded before it starts: a book of more parts than `max_pages` is
refused at once (`DIAGRAM_TOO_LARGE`, docs/security.md), and the splitting stops there
too. Each picture is one bounded run of `dot` (documents.graphviz).
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape

from orgchange.application.documents import diagrams
from orgchange.application.documents.charts import OrgChart
from orgchange.application.documents.graphviz import DiagramCancelled, DiagramTooLarge, RenderLimits
from orgchange.domain.kinds import kind_name
from orgchange.domain.messages import text
from projections.rows import UnitRow

# Paper in points (1/72 inch), portrait; and the printed margin and the room kept for a
# page's heading.
PAPERS: dict[str, tuple[float, float]] = {"a4": (595.28, 841.89), "a3": (841.89, 1190.55)}
MARGIN_PT = 34.0  # 12 mm
HEADING_PT = 56.0
# The smallest text a chart has (diagrams._label: kind, key and posts at 9 pt; edge labels
# at 9 pt), and the smallest size it may be printed at.
SMALLEST_FONT_PT = 9.0
SMALLEST_PRINTED_PT = 8.0
MIN_SCALE = SMALLEST_PRINTED_PT / SMALLEST_FONT_PT
# Offices and areas begin pages of their own.
PART_KINDS = frozenset({"office", "area"})
_SIZE = re.compile(rb'<svg width="([0-9.]+)pt" height="([0-9.]+)pt"')


@dataclass
class Page:
    """One printed page: its heading, and its picture (SVG) at `scale`."""

    title: str
    part: UnitRow | None
    svg: str
    width: float
    height: float
    scale: float
    continued: list[UnitRow] = field(default_factory=list)  # offices and areas on pages of their own
    number: int = 0
    piece: tuple[int, int] = (1, 1)


@dataclass
class _Tree:
    """What one page (or a share of it) shows: `heads` at the top, then `members` under them.
    `stubs` are the offices and areas drawn as a single box, with pages of their own."""

    heads: list[UnitRow]
    members: list[UnitRow]
    stubs: list[UnitRow]


class ChartBook:
    def __init__(
        self,
        chart: OrgChart,
        paper: str = "a4",
        *,
        max_pages: int = 300,
        limits: RenderLimits | None = None,
        cancelled: threading.Event | None = None,
    ):
        if paper not in PAPERS:
            raise ValueError(f"unknown paper {paper!r}; use one of {', '.join(PAPERS)}")
        self.chart = chart
        self.paper = paper
        self.max_pages = max_pages
        self.limits = limits or RenderLimits.from_environment()
        self.cancelled = cancelled
        self.below = chart.below()
        self.pages: list[Page] = []
        width, height = PAPERS[paper]
        self.room = (width - 2 * MARGIN_PT, height - 2 * MARGIN_PT - HEADING_PT)

    # --- what goes on which page ------------------------------------------------------

    def parts(self) -> list[tuple[UnitRow | None, _Tree]]:
        """The overview (part None) and a part per office and area, in the order of the tree."""
        parts: list[tuple[UnitRow | None, _Tree]] = []
        queue: list[UnitRow | None] = [None]
        while queue:
            root = queue.pop(0)
            heads = sorted(self.below.get(None, []), key=_order) if root is None else [root]
            members: list[UnitRow] = []
            stubs: list[UnitRow] = []
            stack = list(reversed(heads))
            while stack:
                unit = stack.pop()
                members.append(unit)
                for child in sorted(self.below.get(unit.id, []), key=_order, reverse=True):
                    if child.kind in PART_KINDS:
                        stubs.append(child)
                    else:
                        stack.append(child)
            stubs.sort(key=_order)
            parts.append((root, _Tree(heads, members, stubs)))
            queue[0:0] = stubs
            if len(parts) > self.max_pages:
                raise self._too_many(len(parts) + len(queue))
        return parts

    def make(self) -> list[Page]:
        """Every page, numbered; refused (`DIAGRAM_TOO_LARGE`) beyond `max_pages`."""
        pages: list[Page] = []
        for root, tree in self.parts():
            title = "Översikt" if root is None else f"{root.name} ({kind_name(root.kind)})"
            pieces = self._fit(tree, title, root)
            for i, page in enumerate(pieces, start=1):
                page.piece = (i, len(pieces))
            pages.extend(pieces)
            if len(pages) > self.max_pages:
                raise self._too_many(len(pages))
        for number, page in enumerate(pages, start=1):
            page.number = number
        self.pages = pages
        return pages

    def _fit(self, tree: _Tree, title: str, part: UnitRow | None) -> list[Page]:
        page = self._draw(tree, title, part)
        if page.scale >= MIN_SCALE:
            return [page]
        branches = self._branches(tree)
        if len(branches) >= 2:
            # As many shares as the picture is too large: a share that is still too large is
            # shared out again.
            shares = min(len(branches), max(2, math.ceil(MIN_SCALE / page.scale)))
            return [
                piece
                for group in _groups(branches, shares)
                for piece in self._fit(self._share(tree, group), title, part)
            ]
        if len(branches) == 1 and branches[0].heads != tree.heads:
            # One branch under the heads: it is drawn on its own, the heads named in the title.
            return self._fit(branches[0], title, part)
        # One box and nothing to share out: drawn as large as the page allows.
        return [page]

    def _branches(self, tree: _Tree) -> list[_Tree]:
        """The subtrees under the heads, each with what stands under it on this page."""
        keys = {u.id for u in tree.members} | {u.id for u in tree.stubs}
        heads = {u.id for u in tree.heads}
        tops = [u for u in tree.members + tree.stubs if _above(u) in heads and u.id not in heads]
        if len(tree.heads) > 1 and not tops:
            return [_Tree([head], *self._under([head], keys, tree)) for head in tree.heads]
        branches = []
        for top in sorted(tops, key=_order):
            members, stubs = self._under([top], keys, tree)
            branches.append(_Tree([top], members, stubs))
        return branches

    def _under(
        self, heads: Sequence[UnitRow], keys: set[str], tree: _Tree
    ) -> tuple[list[UnitRow], list[UnitRow]]:
        stub_keys = {u.id for u in tree.stubs}
        members: list[UnitRow] = []
        stubs: list[UnitRow] = []
        stack = list(heads)
        while stack:
            unit = stack.pop()
            if unit.id in stub_keys:
                stubs.append(unit)
                continue
            members.append(unit)
            stack.extend(u for u in self.below.get(unit.id, []) if u.id in keys)
        return members, stubs

    @staticmethod
    def _share(tree: _Tree, branches: Iterable[_Tree]) -> _Tree:
        """The heads with some of their branches."""
        members = list(tree.heads)
        stubs: list[UnitRow] = []
        head_keys = {u.id for u in tree.heads}
        for branch in branches:
            members += [u for u in branch.members if u.id not in head_keys]
            stubs += branch.stubs
        return _Tree(tree.heads, members, stubs)

    # --- drawing ------------------------------------------------------------------------

    def _draw(self, tree: _Tree, title: str, part: UnitRow | None) -> Page:
        if self.cancelled is not None and self.cancelled.is_set():
            raise DiagramCancelled()
        units = _unique(tree.members + tree.stubs)
        positions = {u.id: self.chart.positions.get(u.id, []) for u in tree.members}
        best: Page | None = None
        for left_to_right in (False, True):
            graph = diagrams.orgchart(
                units, self.chart.as_of, positions=positions, left_to_right=left_to_right, caption=False
            )
            svg = diagrams.render(graph, "svg", limits=self.limits, cancelled=self.cancelled)
            found = _SIZE.search(svg)
            width, height = (float(found.group(1)), float(found.group(2))) if found else self.room
            scale = min(1.0, self.room[0] / width, self.room[1] / height)
            page = Page(title, part, _inline(svg), width, height, scale, sorted(tree.stubs, key=_order))
            if best is None or page.scale > best.scale:
                best = page
            if best.scale >= MIN_SCALE and not left_to_right:
                break
        assert best is not None
        return best

    def _too_many(self, parts: int) -> DiagramTooLarge:
        return DiagramTooLarge(
            text("DIAGRAM_TOO_LARGE:book", parts=f"{parts:,}", limit=f"{self.max_pages:,}"),
            parts,
            self.max_pages,
        )

    # --- the document -------------------------------------------------------------------

    def as_html(self) -> str:
        """The pages as one HTML document to print (self-contained: styles inline, SVG inline)."""
        pages = self.pages or self.make()
        first_page: dict[str, int] = {}
        for page in pages:
            if page.part is not None:
                first_page.setdefault(page.part.id, page.number)
        day = self.chart.as_of.isoformat()
        sections = []
        for page in pages:
            piece = f" – del {page.piece[0]} av {page.piece[1]}" if page.piece[1] > 1 else ""
            continued = ""
            if page.continued:
                items = ", ".join(
                    f"{escape(u.name)} (s. {first_page[u.id]})" for u in page.continued if u.id in first_page
                )
                continued = f'<p class="more">Fortsätter på egna sidor: {items}</p>'
            sections.append(
                f"<section><h1>{escape(page.title)}{piece}</h1>"
                f'<p class="sub">Organisationen {day} · sida {page.number} av {len(pages)}</p>'
                f'<div class="chart" style="width:{page.width * page.scale:.1f}pt;'
                f'height:{page.height * page.scale:.1f}pt">{_sized(page)}</div>{continued}</section>'
            )
        size = self.paper.upper()
        return (
            '<!doctype html><html lang="sv"><head><meta charset="utf-8">'
            f"<title>Organisationen {day}</title><style>"
            f"@page {{ size: {size} portrait; margin: {MARGIN_PT:.0f}pt }}"
            "body { margin: 0; font-family: Helvetica, Arial, sans-serif; font-size: 10pt }"
            "section { break-after: page; overflow: hidden } section:last-child { break-after: auto }"
            "h1 { font-size: 14pt; margin: 0 0 2pt } p { margin: 0 0 6pt } .sub, .more { font-size: 9pt }"
            ".chart svg { display: block; width: 100%; height: 100% }"
            "</style></head><body>" + "".join(sections) + "</body></html>"
        )


def _order(unit: UnitRow) -> tuple[bool, str, str]:
    return (unit.kind == "company", unit.name, unit.id)


def _above(unit: UnitRow) -> str | None:
    return unit.parent_id or unit.owner_id


def _groups(branches: list[_Tree], count: int) -> list[list[_Tree]]:
    """`branches` in order, cut into `count` runs of about the same number of units."""
    total = sum(len(b.members) + len(b.stubs) for b in branches)
    groups: list[list[_Tree]] = [[]]
    filled = 0
    for branch in branches:
        size = len(branch.members) + len(branch.stubs)
        if groups[-1] and filled + size / 2 > total * len(groups) / count and len(groups) < count:
            groups.append([])
        groups[-1].append(branch)
        filled += size
    return groups


def _unique(units: Iterable[UnitRow]) -> list[UnitRow]:
    seen: dict[str, UnitRow] = {}
    for unit in units:
        seen.setdefault(unit.id, unit)
    return sorted(seen.values(), key=lambda u: u.id)


def _inline(svg: bytes) -> str:
    """Graphviz's SVG without its XML prologue and comments, to stand inside HTML."""
    body = svg.decode("utf-8")
    start = body.find("<svg")
    return re.sub(r"<!--.*?-->", "", body[start:], flags=re.S) if start >= 0 else ""


def _sized(page: Page) -> str:
    """The picture at its printed size: its viewBox keeps the drawing, the box scales it."""
    return re.sub(r'<svg width="[0-9.]+pt" height="[0-9.]+pt"', "<svg", page.svg, count=1)


def chart_book_pdf(book: ChartBook) -> bytes:
    """The book printed with the command line's own browser (documents.pdf)."""
    from orgchange.application.documents.pdf import html_to_pdf

    return html_to_pdf(book.as_html())
