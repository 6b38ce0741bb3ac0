"""The decision document (beslutsunderlag) of a draft: what the board is asked to decide.

It holds the draft's changes as Swedish sentences, the org chart of the part of the
organisation they touch before and after, what they do to the delegationsordning —
the delegations they would leave without a delegate, each with the change that would
mend it — and the findings of their decisions. It is made from the draft's preview
(`orgchange.application.drafts`), which records the changes in a transaction that is
rolled back: the sentences are the change log's own. Printed to PDF by the same
printer as the review pack (`documents.pdf`), drawn within the same bounds.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from orgchange.application.documents import diagrams
from orgchange.application.documents.graphviz import DiagramNotDrawn, DiagramTooLarge, RenderLimits
from orgchange.application.documents.review import _CSS, CHART_HINT, swedish_day
from orgchange.application.drafts import Check, Draft, Preview
from orgchange.application.escaping import html_text

_STATUS = {"open": "utkast", "recorded": "registrerat", "discarded": "kastat"}


def proposal_html(
    draft: Draft,
    check: Check,
    preview: Preview | None,
    generated_at: datetime | None = None,
    limits: RenderLimits | None = None,
) -> str:
    """The document as one self-contained page (nothing fetched to show or print it)."""
    e = html_text
    generated_at = generated_at or datetime.now(UTC)
    out = [
        "<!doctype html><html lang='sv'><head><meta charset='utf-8'>",
        f"<title>Beslutsunderlag – {e(draft.name)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>Beslutsunderlag: {e(draft.name)}</h1>",
        f"<p class='meta'>Utkast {e(draft.id)}, version {draft.revision} "
        f"({_STATUS.get(draft.status, draft.status)}), "
        f"av {e(draft.created_by)}. Sammanställt {generated_at:%Y-%m-%d %H:%M} UTC ur orgchange.</p>",
    ]
    if preview is not None:
        out.append(
            f"<p class='summary' id='summary'>{len(preview.sentences)} ändringar, gällande till och med "
            f"{swedish_day(preview.as_of)}; {len(preview.gaps)} delegationer skulle sakna delegat.</p>"
        )
    out.append("</header>")
    if check.problems:
        out.append("<section id='problems'><h2>Utkastet kan inte registreras som det är</h2><ul>")
        out.extend(f"<li class='gap' data-code='{e(p.code)}'>{e(p.message)}</li>" for p in check.problems)
        out.append("</ul></section>")
    if preview is None:
        out.append("</body></html>")
        return "".join(out)
    out.append("<section id='changes'><h2>Förslag till beslut</h2><ol class='changes'>")
    out.extend(
        f"<li data-change='{e(s.change_id)}'><span class='sentence'>{e(s.summary)}</span>"
        f" <span class='id'>Gäller från {s.effective or '–'}</span></li>"
        for s in preview.sentences
    )
    out.append("</ol></section>")
    out.append(_charts(preview, limits))
    out.append(_delegations(preview))
    if preview.findings:
        out.append(f"<section id='findings'><h2>Anmärkningar ({len(preview.findings)})</h2><ul>")
        out.extend(
            f"<li class='finding' data-code='{e(f.code)}' data-subject='{e(f.subject)}'>{e(f.reason)}</li>"
            for f in preview.findings
        )
        out.append("</ul></section>")
    out.append("</body></html>")
    return "".join(out)


def _charts(preview: Preview, limits: RenderLimits | None) -> str:
    if not (preview.before or preview.after):
        return ""
    out = ["<section id='charts'><h2>Organisationen före och efter</h2>"]
    for label in ("Före", "Efter"):
        try:
            svg = change_chart(preview, "before" if label == "Före" else "after", limits).decode("utf-8")
            svg = svg[svg.index("<svg") :]
        except (diagrams.GraphvizMissing, DiagramTooLarge, DiagramNotDrawn) as missing:
            svg = f"<p class='missing'>{html_text(str(missing))}</p>"
        day = preview.as_of - timedelta(days=1) if label == "Före" else preview.as_of
        out.append(f"<figure class='chart' data-chart='{label.lower()}'>{svg}")
        out.append(f"<figcaption>{label}: {day.isoformat()}</figcaption></figure>")
    out.append("</section>")
    return "".join(out)


# How a unit the draft changes is marked in its chart: fill, frame and the word under its name.
CHANGE_MARKS: dict[str, tuple[str, str, str]] = {
    "added": ("#d7f0d7", "#1e6b1e", "tillkommer"),
    "removed": ("#fbe0e3", "#b00020", "upphör"),
    "renamed": ("#fff1bf", "#7a5c00", "nytt namn"),
    "moved": ("#dceaf7", "#1f5c99", "flyttas"),
    "reclassified": ("#efe3f7", "#6b2e8a", "ny typ"),
}


def change_marks(preview: Preview, state: str) -> dict[str, str]:
    """Each unit the draft changes, by key, and how (`CHANGE_MARKS`): on the chart `before` the
    draft, what ends and what is renamed, moved or reclassified; on the chart `after`, what starts
    and what is renamed, moved or reclassified."""
    diff = preview.diff
    marks: dict[str, str] = {}
    for key, *_ in diff.reclassified:
        marks[key] = "reclassified"
    for key, *_ in diff.moved:
        marks[key] = "moved"
    for key, *_ in diff.renamed:
        marks[key] = "renamed"
    for key in diff.removed if state == "before" else diff.added:
        marks[key] = "removed" if state == "before" else "added"
    return marks


def change_chart(preview: Preview, state: str, limits: RenderLimits | None = None) -> bytes:
    """The org chart of the part of the organisation the draft touches, `before` it (the day
    before `asOf`) or `after` it (on `asOf`), as SVG: the units it changes filled and framed in
    the colour of the change, and the change named under the unit's name."""
    units = preview.before if state == "before" else preview.after
    graph = diagrams.orgchart(units, preview.as_of, left_to_right=True, caption=False)
    marks = change_marks(preview, state)
    for node in _nodes(graph):
        key = next((u.id for u in units if diagrams.node_id(u.id) == node.get_name()), None)
        if key is None or key not in marks:
            continue
        fill, frame, word = CHANGE_MARKS[marks[key]]
        label = str(node.get("label") or "<>")
        node.set("label", label[:-1] + f'<BR/><FONT POINT-SIZE="9"><I>{word}</I></FONT>>')
        node.set("style", "rounded,filled,bold")
        node.set("fillcolor", fill)
        node.set("fontcolor", "#1b1f24")
        node.set("color", frame)
        node.set("penwidth", "3")
    return diagrams.render(graph, "svg", limits=limits, hint=CHART_HINT)


def _nodes(graph: Any) -> list[Any]:
    """Every node of `graph`, those in its clusters too."""
    found = list(graph.get_node_list())
    for subgraph in graph.get_subgraph_list():
        found.extend(_nodes(subgraph))
    return found


def _delegations(preview: Preview) -> str:
    e = html_text
    out = ["<section id='delegations'><h2>Delegationer att ändra</h2>"]
    if not preview.gaps:
        out.append("<p>Ändringarna lämnar ingen delegation utan delegat.</p>")
    for board in preview.boards:
        out.append(f"<h3 data-board='{e(board)}'>{e(board)}</h3><ul class='gaps'>")
        for fix in (f for f in preview.gaps if f.board == board):
            gap = fix.gap
            ways = "".join(
                f"<li class='fix' data-type='{e(entry['type'])}'>{e(reason)}:"
                f"<pre>{e(json.dumps(entry, ensure_ascii=False))}</pre></li>"
                for entry, reason in zip(fix.fixes, fix.reasons, strict=True)
            )
            out.append(
                f"<li class='gap' data-delegation='{e(gap.delegation_id)}'>{e(gap.delegation_id)} "
                f"(från {gap.since}): {e(gap.reason)}<ul>{ways}</ul></li>"
            )
        out.append("</ul>")
    if preview.closed:
        out.append("<h3>Delegationer som får delegat igen</h3><ul class='closed'>")
        out.extend(
            f"<li data-delegation='{e(g.delegation_id)}'>{e(g.delegation_id)}</li>" for g in preview.closed
        )
        out.append("</ul>")
    out.append("</section>")
    return "".join(out)
